package aws

import (
	"fmt"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Bounds of SendCommand's TimeoutSeconds, the delivery timeout: "If this
// time is reached and the command hasn't already started running, it
// won't run"; valid from 30 to 2,592,000 seconds (30 days)
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
// An invocation still Pending then ends Delivery Timed Out; AWS adds a
// document's executionTimeout parameter to the delay, and
// AWS-RunPatchBaseline has none
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-aws-runpatchbaseline.html).
const (
	minDeliveryTimeout = 30 * time.Second
	maxDeliveryTimeout = 30 * 24 * time.Hour
	// noWindowDeliveryTimeout is the delivery timeout of a command without
	// a window (scans).
	noWindowDeliveryTimeout = 10 * time.Minute
)

// cutoffOf is the last moment an install of the request may start: its
// LastStart, or its Deadline when it has no cutoff; zero means none.
func cutoffOf(req fleet.InstallRequest) time.Time {
	if !req.LastStart.IsZero() {
		return req.LastStart
	}
	return req.Deadline
}

// deliveryTimeout is the TimeoutSeconds of a command sent at now whose
// instances must not start it after cutoff: the seconds left, rounded
// down, at most 30 days. A command that cannot have AWS's shortest
// delivery timeout (30s) before the cutoff is not sent at all (ok false),
// since it could then start after it.
func deliveryTimeout(cutoff, now time.Time) (seconds int32, ok bool) {
	if cutoff.IsZero() {
		return int32(noWindowDeliveryTimeout / time.Second), true
	}
	left := cutoff.Sub(now)
	if left < minDeliveryTimeout {
		return 0, false
	}
	return int32(min(left, maxDeliveryTimeout) / time.Second), true
}

// windowClosed is the error of a command that is not sent because the
// window's cutoff has passed (or is less than minDeliveryTimeout away).
func windowClosed(g group, cutoff time.Time) error {
	return fmt.Errorf("aws: install in %s not started: the window's cutoff %s has passed (a command sent now could start after it); nothing was sent: %w",
		g, cutoff.UTC().Format(time.RFC3339), fleet.ErrWindowClosed)
}

// waitLimit is when the provider stops waiting for a command, cancels it
// and reports its unfinished instances as stopped, and the reason it
// gives them: the window's end when the call has a deadline, else
// Config.CommandTimeout from now.
func (p *Provider) waitLimit(deadline time.Time) (until time.Time, why string) {
	if !deadline.IsZero() {
		return deadline, "was still running at the window's end " + deadline.UTC().Format(time.RFC3339) + " and was cancelled"
	}
	return time.Now().Add(p.cfg.CommandTimeout), "did not finish within " + p.cfg.CommandTimeout.String() + " and was cancelled"
}
