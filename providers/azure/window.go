package azure

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// cutoffOf is the last moment an install of the request may start: its
// LastStart, or its Deadline when it has no cutoff; zero means none.
func cutoffOf(req fleet.InstallRequest) time.Time {
	if !req.LastStart.IsZero() {
		return req.LastStart
	}
	return req.Deadline
}

// startRefused returns why no new installPatches may start at now (an
// error wrapping fleet.ErrWindowClosed), or nil: the window's cutoff has
// passed, or less than MinDuration is left before its end.
func startRefused(req fleet.InstallRequest, now time.Time) error {
	if c := cutoffOf(req); !c.IsZero() && now.After(c) {
		return fmt.Errorf("installPatches not started: the window's cutoff %s has passed and no install of cycle %s was under way: %w",
			c.UTC().Format(time.RFC3339), req.CycleID, fleet.ErrWindowClosed)
	}
	if !req.Deadline.IsZero() && maxDuration(req.Deadline, now) < MinDuration {
		return fmt.Errorf("installPatches not started: the window ends at %s, less than %s from now: %w",
			req.Deadline.UTC().Format(time.RFC3339), MinDuration, fleet.ErrWindowClosed)
	}
	return nil
}

// guardStart wraps begin so that it starts no new operation (token "")
// once startRefused says so; resuming one (a token) is always allowed.
func guardStart[T any](req fleet.InstallRequest, begin beginFunc[T]) beginFunc[T] {
	return func(token string) (*runtime.Poller[T], error) {
		if token == "" {
			if err := startRefused(req, time.Now()); err != nil {
				return nil, err
			}
		}
		return begin(token)
	}
}

// installWait returns the context of a machine's install: it ends
// Config.ReportGrace after the window's end, so the provider never waits
// hours past the window. installPatches' maximumDuration, which ends at
// the deadline, is "the maximum amount of time that the operation will
// run" (https://learn.microsoft.com/rest/api/compute/virtual-machines/install-patches,
// https://learn.microsoft.com/rest/api/hybridcompute/machines/install-patches),
// and Update Manager keeps the reboot within it
// (https://learn.microsoft.com/azure/update-manager/scheduled-patching,
// "Timeline of maintenance window"); the grace covers the result's
// reporting.
func (p *Provider) installWait(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(p.cfg.ReportGrace))
}

// stoppedWaiting is the outcome of an install still running when
// installWait ended: no patch is claimed installed. Its resume token is
// kept, so a retry of the cycle resumes the operation rather than
// starting another.
func (p *Provider) stoppedWaiting(out fleet.InstanceInstall, patches []fleet.Patch, deadline time.Time) fleet.InstanceInstall {
	out.Error = fmt.Sprintf("installPatches was still running %s after the window's end %s: stopped waiting, its outcome is unknown",
		p.cfg.ReportGrace, deadline.UTC().Format(time.RFC3339))
	for _, pt := range patches {
		out.Changes = append(out.Changes, fleet.PackageChange{PatchID: pt.ID, Name: pt.Name, State: fleet.StateFailed,
			Error: "installation state unknown: the install was still running after the window's end"})
	}
	return out
}
