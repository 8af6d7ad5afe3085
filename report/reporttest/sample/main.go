// Command sample writes a synthetic report in every format into a
// directory, for looking at the HTML page (see bench/report-screenshot.sh).
//
//	go run ./report/reporttest/sample -out /tmp/fleetpatch-sample -servers 300 -packages 12
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

func main() {
	out := flag.String("out", "fleetpatch-sample-report", "output directory")
	servers := flag.Int("servers", 300, "number of servers")
	pkgs := flag.Int("packages", 12, "packages per server")
	flag.Parse()
	paths, err := report.WriteFiles(*out, reporttest.Synthetic("prod-auto", "2026-W48", *servers, *pkgs))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
