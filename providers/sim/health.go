package sim

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.HealthProber = (*Provider)(nil)

// Operations of the health gates in the call log.
const (
	OpRunCommand  Operation = "RunCommand"
	OpAlarmStates Operation = "AlarmStates"
)

// RunCommand runs a health-gate command on at most fleet.MaxBatch
// simulated instances (see cloudsim.Fleet.RunCommand: exit 0 unless the
// fleet's SetCommandResult says otherwise; offline, hung and unknown
// instances are reported with an error) and waits at most the request's
// timeout.
func (p *Provider) RunCommand(ctx context.Context, req fleet.CommandRequest, progress fleet.Progress) ([]fleet.CommandResult, error) {
	if err := p.checkBatch(OpRunCommand, len(req.InstanceIDs)); err != nil {
		return nil, err
	}
	out, err := p.fleet.RunCommand(ctx, req, progress)
	p.log(OpRunCommand, len(req.InstanceIDs), err)
	return out, err
}

// AlarmStates reads the simulated alarms (cloudsim.Fleet.SetAlarm) of any
// cloud. An alarm that was never set is an error wrapping
// fleet.ErrPermanent: a gate naming it cannot be checked, and is not
// taken for healthy.
func (p *Provider) AlarmStates(ctx context.Context, alarms []fleet.Alarm) ([]fleet.AlarmState, error) {
	out, err := p.fleet.AlarmStates(ctx, alarms)
	p.log(OpAlarmStates, 0, err)
	return out, err
}
