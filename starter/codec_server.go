package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/codec/keysources"
)

func init() {
	register(command{Name: "codec-server", Usage: "--codec-keys FILE [--listen ADDR] [--origin URL]... [--token-env VAR]",
		Summary: "serve the payload codec to the Temporal Web UI and CLI (POST /encode, /decode)", Run: runCodecServer})
}

// runCodecServer serves the codec until SIGINT or SIGTERM. The Web UI
// names it as its codec endpoint; the Temporal CLI takes
// --codec-endpoint URL (and --codec-auth "Bearer TOKEN").
func runCodecServer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("codec-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := fs.String("codec-keys", os.Getenv("FLEETPATCH_CODEC_KEYS_FILE"), "key file (env FLEETPATCH_CODEC_KEYS_FILE; empty: $"+codec.KeyEnv+")")
	listen := fs.String("listen", "127.0.0.1:8081", "listen address")
	var origins multiFlag
	fs.Var(&origins, "origin", "a browser origin allowed to call (the Web UI's, e.g. http://localhost:8233); repeatable")
	tokenEnv := fs.String("token-env", "", "environment variable holding the bearer token callers must send (empty: no auth)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cdc, err := codec.Load(*keys, keysources.Options()...)
	if err == nil && cdc == nil {
		err = errors.New("no keys: give --codec-keys FILE or set " + codec.KeyEnv)
	}
	if err != nil {
		fmt.Fprintln(stderr, "codec-server:", err)
		return 2
	}
	opts := codec.ServerOptions{Origins: origins}
	if *tokenEnv != "" {
		if opts.Token = os.Getenv(*tokenEnv); opts.Token == "" {
			fmt.Fprintf(stderr, "codec-server: --token-env %s: the variable is empty\n", *tokenEnv)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, url, err := startCodecServer(*listen, cdc, opts)
	if err != nil {
		fmt.Fprintln(stderr, "codec-server:", err)
		return 1
	}
	fmt.Fprintf(stdout, "codec server at %s (origins: %s; auth: %v)\n", url, strings.Join(origins, ", "), opts.Token != "")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintln(stderr, "codec-server:", err)
		return 1
	}
	return 0
}

// startCodecServer listens on addr and serves the codec in the
// background; it returns the server and its base URL.
func startCodecServer(addr string, cdc *codec.Codec, opts codec.ServerOptions) (*http.Server, string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: codec.Handler(cdc, opts), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return srv, "http://" + l.Addr().String(), nil
}
