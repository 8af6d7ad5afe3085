package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/codec/keysources"
	"github.com/fleetpatch/fleetpatch/temporalconn"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// temporalFlags are the connection flags every command that talks to
// Temporal takes: a Temporal CLI profile, the TEMPORAL_* variables, then
// these flags (see package temporalconn).
type temporalFlags struct {
	conn temporalconn.Flags
	// namespace is the namespace dial connected to.
	namespace string
	taskQueue string
	codecKeys string
	// dc is the data converter dial set up (nil until then, or without keys).
	dc converter.DataConverter
}

// dataConverter is the converter of the dialled client (nil: the default).
func (t *temporalFlags) dataConverter() converter.DataConverter { return t.dc }

func (t *temporalFlags) register(fs *flag.FlagSet) {
	t.conn.Register(fs)
	fs.StringVar(&t.taskQueue, "task-queue", workflows.TaskQueue, "task queue of the fleetpatch workers")
	fs.StringVar(&t.codecKeys, "codec-keys", os.Getenv("FLEETPATCH_CODEC_KEYS_FILE"),
		"payload encryption key file, as the worker's (env FLEETPATCH_CODEC_KEYS_FILE; empty: $"+codec.KeyEnv+" or none)")
}

// dial connects, failing fast with one clear line when the server is not
// there.
func (t *temporalFlags) dial() (client.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts, err := t.conn.Options()
	if err != nil {
		return nil, err
	}
	opts.Logger = quietLogger{}
	if opts.Namespace == "" {
		opts.Namespace = client.DefaultNamespace
	}
	t.namespace = opts.Namespace
	cdc, err := codec.Load(t.codecKeys, keysources.Options()...)
	if err != nil {
		return nil, err
	}
	codec.Apply(&opts, cdc)
	t.dc = opts.DataConverter
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("server unreachable at %s: %v", opts.HostPort, err)
	}
	return c, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// quietLogger drops the SDK's own log lines from CLI output.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
