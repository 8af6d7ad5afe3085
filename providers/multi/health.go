package multi

import (
	"context"
	"fmt"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.HealthProber = (*Provider)(nil)

// RunCommand runs the check on each cloud's instances through that
// cloud's provider, in parallel, and merges the results in the request's
// order; instances of no configured cloud get an error. A cloud whose
// provider cannot run commands (does not implement fleet.HealthProber)
// fails the call with an error wrapping fleet.ErrPermanent, as does any
// part's error.
func (p *Provider) RunCommand(ctx context.Context, req fleet.CommandRequest, progress fleet.Progress) ([]fleet.CommandResult, error) {
	return fanOut(p, req.InstanceIDs, progress,
		func(id string) fleet.CommandResult { return fleet.CommandResult{InstanceID: id, Error: noProvider(id)} },
		func(r fleet.CommandResult) string { return r.InstanceID },
		func(pt *part, progress fleet.Progress) ([]fleet.CommandResult, error) {
			hp, ok := pt.prov.(fleet.HealthProber)
			if !ok {
				return nil, notProber(pt.cloud, "run health-check commands")
			}
			sub := req
			sub.InstanceIDs = pt.ids
			return hp.RunCommand(ctx, sub, progress)
		})
}

// AlarmStates reads each alarm through the provider of its Cloud, the
// alarms of one cloud in one call, and returns the states in the
// request's order. An alarm of a cloud without a provider, or whose
// provider cannot read alarms, fails the call with an error wrapping
// fleet.ErrPermanent.
func (p *Provider) AlarmStates(ctx context.Context, alarms []fleet.Alarm) ([]fleet.AlarmState, error) {
	byCloud := map[fleet.Cloud][]int{}
	var clouds []fleet.Cloud
	for i, a := range alarms {
		if _, ok := byCloud[a.Cloud]; !ok {
			clouds = append(clouds, a.Cloud)
		}
		byCloud[a.Cloud] = append(byCloud[a.Cloud], i)
	}
	out := make([]fleet.AlarmState, len(alarms))
	for _, c := range clouds {
		prov := p.clouds[c]
		if prov == nil {
			return nil, fmt.Errorf("no provider for cloud %q (alarm %s): %w", c, alarms[byCloud[c][0]].Name, fleet.ErrPermanent)
		}
		hp, ok := prov.(fleet.HealthProber)
		if !ok {
			return nil, notProber(c, "read cloud alarms")
		}
		idx := byCloud[c]
		sub := make([]fleet.Alarm, len(idx))
		for k, i := range idx {
			sub[k] = alarms[i]
		}
		states, err := hp.AlarmStates(ctx, sub)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		if len(states) != len(sub) {
			return nil, fmt.Errorf("%s: the provider returned %d alarm states for %d alarms", c, len(states), len(sub))
		}
		for k, i := range idx {
			out[i] = states[k]
		}
	}
	return out, nil
}

// notProber is the error of a cloud whose provider lacks the health
// gates' calls.
func notProber(c fleet.Cloud, what string) error {
	return fmt.Errorf("the %s provider cannot %s (it does not implement fleet.HealthProber): %w", c, what, fleet.ErrPermanent)
}
