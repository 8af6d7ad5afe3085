package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/fleetpatch/fleetpatch/devserver"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "server", Usage: "[--data DIR] [--port P] [--ui-port P] [--tls-cert F --tls-key F --tls-ca F [--tls-client-ca F --tls-client-cert F --tls-client-key F]]",
		Summary: "run only the embedded Temporal server and Web UI (SQLite in DIR), with fleetpatch's search attributes", Run: runServer})
}

// runServer runs the dev stack's Temporal server alone, as a separate
// process (the chaos suite restarts it), until SIGINT or SIGTERM. When it is
// ready it prints one JSON line: {"address":…,"namespace":…,"ui":…}.
func runServer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "fleetpatch-data", "data directory; the database is DIR/temporal")
	port := fs.Int("port", devserver.DefaultPort, "Temporal frontend port")
	uiPort := fs.Int("ui-port", devserver.DefaultUIPort, "Temporal Web UI port (-1: no UI)")
	var t devserver.TLS
	fs.StringVar(&t.CertFile, "tls-cert", "", "frontend certificate (PEM): serve the frontend over TLS")
	fs.StringVar(&t.KeyFile, "tls-key", "", "frontend certificate's key (PEM)")
	fs.StringVar(&t.CAFile, "tls-ca", "", "CA that signed --tls-cert (the server's own clients and the Web UI trust it)")
	fs.StringVar(&t.ServerName, "tls-server-name", "", "name in --tls-cert that the server's own clients check (default: the address)")
	fs.StringVar(&t.ClientCAFile, "tls-client-ca", "", "require client certificates signed by this CA (mutual TLS)")
	fs.StringVar(&t.ClientCertFile, "tls-client-cert", "", "client certificate of the server's own clients and the Web UI, under mutual TLS")
	fs.StringVar(&t.ClientKeyFile, "tls-client-key", "", "its key")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var tlsOpts *devserver.TLS
	if t != (devserver.TLS{}) {
		tlsOpts = &t
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(*data, "temporal"), Port: *port, UIPort: *uiPort,
		TLS: tlsOpts, SearchAttributes: workflows.SearchAttributeTypes(), Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	ready, _ := json.Marshal(map[string]string{"address": srv.FrontendAddress(), "namespace": srv.Namespace(), "ui": srv.UIURL()})
	fmt.Fprintln(stdout, string(ready))
	<-ctx.Done()
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	return 0
}
