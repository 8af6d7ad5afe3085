package suite

import (
	"io"
	"time"
)

// Config sizes a chaos run. Zero fields take the full form's values.
type Config struct {
	// Repo is the fleetpatch checkout to build the programs from.
	Repo string
	// Dir holds the binaries, the state of every process and their logs.
	Dir string
	// Servers is the fleet's size: every server is in the one group.
	Servers int
	// Workers is how many worker processes run at once.
	Workers int
	// Kills is how many times a worker is SIGKILLed (and restarted).
	Kills int
	// ServerRestarts is how many times the Temporal server is killed and
	// restarted.
	ServerRestarts int
	// Seed makes the fleet, its faults and the kill schedule reproducible.
	Seed int64
	// Window is the install window's length; its cutoff is a fifth of it.
	Window time.Duration
	// Fast shortens the simulated durations (scans, installs, reboots).
	Fast bool
	// Timeout bounds the whole run.
	Timeout time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Full is the full form: at least 1,000 servers, 20 worker kills and one
// server restart.
func Full() Config {
	return Config{Servers: 1000, Workers: 2, Kills: 20, ServerRestarts: 1, Seed: 1, Window: 40 * time.Minute, Timeout: 45 * time.Minute}
}

// Short is the form CI runs.
func Short() Config {
	return Config{Servers: 300, Workers: 2, Kills: 3, ServerRestarts: 1, Seed: 1, Window: 20 * time.Minute, Fast: true, Timeout: 15 * time.Minute}
}

// The faults of every run, as issue 12 asks.
const (
	scanFailureRate    = 0.05
	installFailureRate = 0.03
	rebootHangRate     = 0.01
	throttleShare      = 0.2
)

func (c Config) withDefaults() Config {
	f := Full()
	if c.Servers <= 0 {
		c.Servers = f.Servers
	}
	if c.Workers <= 0 {
		c.Workers = f.Workers
	}
	if c.Seed == 0 {
		c.Seed = f.Seed
	}
	if c.Window <= 0 {
		c.Window = f.Window
	}
	if c.Timeout <= 0 {
		c.Timeout = f.Timeout
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}
