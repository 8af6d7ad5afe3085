// Command fleetsim serves one simulated fleet behind both cloud emulators,
// for workers run with --provider aws, azure or multi, and an admin API
// for checks. When ready it prints its endpoints as one JSON line on
// stdout; it stops on SIGINT or SIGTERM, saving the fleet with --state.
//
//	go run ./cloudsim/cmd/fleetsim --fleet 1000 --state /tmp/fleet.json.gz --azure-ca /tmp/azure-ca.pem \
//	    --scan-failure-rate 0.05 --install-failure-rate 0.03 --reboot-hang-rate 0.01 --throttle 0.2
//	{"aws":"http://127.0.0.1:4566","azure":"https://127.0.0.1:8443","azureCA":"/tmp/azure-ca.pem","admin":"http://127.0.0.1:4580/admin",...}
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/fleetpatch/fleetpatch/cloudsim/fleetsim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fleetsim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := fleetsim.Start(cfg)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(os.Stdout).Encode(srv.Endpoints()); err != nil {
		_ = srv.Close()
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-srv.Failed():
	}
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	return err
}
