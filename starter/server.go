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
	register(command{Name: "server", Usage: "[--data DIR] [--port P] [--ui-port P]",
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
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(*data, "temporal"), Port: *port, UIPort: *uiPort,
		SearchAttributes: workflows.SearchAttributeTypes(), Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
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
