// Command awsfront serves the AWS emulator (SSM, EC2, STS, S3) over a simulated
// fleet, for the AWS CLI and for a worker run with --provider aws:
//
//	go run ./cloudsim/awsfront/cmd/awsfront --addr 127.0.0.1:4566 --fleet 200
//	aws --endpoint-url http://127.0.0.1:4566 --region eu-west-1 ssm describe-instance-information
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4566", "listen address")
	size := flag.Int("fleet", 200, "simulated instances")
	seed := flag.Int64("seed", 1, "fleet seed")
	speed := flag.Float64("speed", 100, "simulated clock speed-up")
	page := flag.Int("page-size", 5, "largest page of every list")
	docs := flag.String("documents", "", "comma-separated customer SSM documents every account has (hooks' documents)")
	flag.Parse()
	f := cloudsim.Generate(cloudsim.Config{Seed: *seed, Instances: *size, Speed: *speed, AzureShare: -1})
	opts := awsfront.Options{PageSize: *page}
	if *docs != "" {
		opts.Documents = strings.Split(*docs, ",")
	}
	front := awsfront.New(f, opts)
	url, stop, err := front.Start(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "awsfront:", err)
		os.Exit(1)
	}
	fmt.Printf("awsfront: %d simulated instances in accounts %v, regions %v; endpoint %s\n",
		f.Len(), cloudsim.DefaultAWSAccounts, cloudsim.DefaultAWSRegions, url)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	<-ch
	stop()
}
