package devserver

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger adapts an slog.Logger to the server's log.Logger. Debug and
// info records are dropped: the server logs a lot at those levels. While the
// services start, warnings are dropped too, and while they stop, warnings
// and errors are: the services come and go one after the other and complain
// about the missing ones ("Not enough hosts to serve the request", "Failed
// to poll for task"), which is expected and says nothing to the user. DPanic,
// Panic and Fatal are always logged.
type serverLogger struct {
	l     *slog.Logger
	phase *atomic.Int32
}

// Phases of the server as seen by the logger.
const (
	phaseStarting int32 = iota
	phaseRunning
	phaseStopping
)

// ignoredWarnings are warnings that are expected in the dev server's setup.
var ignoredWarnings = []string{
	// No frontend HTTP port: the dev stack needs neither the HTTP API nor Nexus.
	"HTTP API port has not been set",
}

var (
	_ log.Logger     = serverLogger{}
	_ log.WithLogger = serverLogger{}
)

func newServerLogger(l *slog.Logger) serverLogger {
	return serverLogger{l: l.With("component", "temporal-server"), phase: new(atomic.Int32)}
}

// setPhase tells the logger what the server is doing.
func (s serverLogger) setPhase(p int32) { s.phase.Store(p) }

// attrs converts server tags to slog attributes.
func attrs(tags []tag.Tag) []slog.Attr {
	out := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		out = append(out, slog.Any(t.Key(), t.Value()))
	}
	return out
}

func (s serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	switch phase := s.phase.Load(); {
	case level == slog.LevelWarn && phase != phaseRunning:
		return
	case level == slog.LevelError && phase == phaseStopping:
		return
	case level == slog.LevelError && phase == phaseStarting && msg == "service failures":
		// The server's own system workers call the frontend before it is
		// healthy ("Frontend is not healthy yet"); they retry.
		return
	case level == slog.LevelWarn:
		for _, prefix := range ignoredWarnings {
			if strings.HasPrefix(msg, prefix) {
				return
			}
		}
	}
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	s.l.LogAttrs(ctx, level, msg, attrs(tags)...)
}

// Debug drops the record.
func (s serverLogger) Debug(string, ...tag.Tag) {}

// Info drops the record.
func (s serverLogger) Info(string, ...tag.Tag) {}

// Warn logs at warn level.
func (s serverLogger) Warn(msg string, tags ...tag.Tag) { s.log(slog.LevelWarn, msg, tags) }

// Error logs at error level.
func (s serverLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// DPanic logs at error level (it panics only in zap's development mode).
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError+1, msg, tags) }

// Panic logs at error level and panics, as the server expects.
func (s serverLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError+2, msg, tags)
	panic(msg)
}

// Fatal logs at error level and exits the process, as the server expects
// (it calls Fatal only where it cannot continue).
func (s serverLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError+4, msg, tags)
	os.Exit(1)
}

// With returns a logger that adds tags to every record.
func (s serverLogger) With(tags ...tag.Tag) log.Logger {
	args := make([]any, 0, len(tags))
	for _, a := range attrs(tags) {
		args = append(args, a)
	}
	return serverLogger{l: s.l.With(args...), phase: s.phase}
}
