package main

import (
	"log/slog"
	"os"
	"strings"

	"go.temporal.io/sdk/log"
)

// newLogger returns a JSON logger on stderr at the given level.
func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// newTemporalLogger adapts slog for the Temporal SDK.
func newTemporalLogger(l *slog.Logger) log.Logger { return log.NewStructuredLogger(l) }
