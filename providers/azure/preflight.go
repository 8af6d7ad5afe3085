package azure

import (
	"context"
	"errors"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Preflighter = (*Provider)(nil)

// Preflight checks at most fleet.MaxBatch machines before a window, one
// ARM read each (in parallel, at most Config.Concurrency per
// subscription, paced by the subscription's read bucket): a VM's model
// with its instanceView (VirtualMachines Get, $expand=instanceView: power
// state, VM agent, osProfile's patchSettings), an Arc machine's resource
// (status, agentVersion). See vmFindings and arcFindings for the checks.
// A machine ARM does not find (404), or an ID that is not a machine's, is
// a not-found finding. A read ARM refuses for good (a denied
// Microsoft.Compute/virtualMachines/read, which every other call needs
// too) fails the call with a permanent error, as WaitReady does; so does
// any other error that outlasts azcore's retries (a retryable error then).
func (p *Provider) Preflight(ctx context.Context, instanceIDs []string) ([]fleet.Preflight, error) {
	if err := checkBatch("Preflight", len(instanceIDs)); err != nil {
		return nil, err
	}
	out := make([]fleet.Preflight, len(instanceIDs))
	errs := make([]error, len(instanceIDs))
	p.forEach(ctx, instanceIDs, nil, func(ctx context.Context, i int, m machine, _ func()) {
		out[i], errs[i] = p.preflight(ctx, m)
	}, func(i int, err error) {
		out[i] = addFinding(fleet.Preflight{InstanceID: instanceIDs[i]}, fleet.DriftUnknownInstance, true, err.Error())
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, wrapCallError(err)
		}
	}
	return out, nil
}

// preflight reads and checks one machine.
func (p *Provider) preflight(ctx context.Context, m machine) (fleet.Preflight, error) {
	res := fleet.Preflight{InstanceID: m.ID}
	if m.Arc {
		st, err := p.arcAgentState(ctx, m)
		if isNotFound(err) {
			return addFinding(res, fleet.DriftUnknownInstance, true, machineError("Arc machine GET", err)), nil
		}
		if err != nil {
			return res, err
		}
		return arcFindings(res, st), nil
	}
	c, err := p.vmClient(m.Sub)
	if err != nil {
		return res, err
	}
	vm, err := c.Get(ctx, m.RG, m.Name, &armcompute.VirtualMachinesClientGetOptions{Expand: to.Ptr(armcompute.InstanceViewTypesInstanceView)})
	if isNotFound(err) {
		return addFinding(res, fleet.DriftUnknownInstance, true, machineError("VM GET", err)), nil
	}
	if err != nil {
		return res, err
	}
	return vmFindings(res, vm.VirtualMachine), nil
}

// arcAgent is what an Arc machine's resource says of its agent
// (https://learn.microsoft.com/rest/api/hybridcompute/machines/get):
// properties.status Connected, Disconnected or Error, and agentVersion.
type arcAgent struct {
	Status, AgentVersion string
}

// arcAgentState reads an Arc machine's agent status.
func (p *Provider) arcAgentState(ctx context.Context, m machine) (arcAgent, error) {
	var body struct {
		Properties arcAgent `json:"properties"`
	}
	err := p.arcCall(ctx, http.MethodGet, m.ID, &body)
	return body.Properties, err
}

// isNotFound reports ARM's 404 for a machine.
func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}
