package azure

import (
	"context"
	"net/http"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// machineState is what an instanceView (or an Arc machine's GET) says of
// a machine now.
type machineState struct {
	os        fleet.OSFamily
	osVersion string
	// location is the machine's region (Arc machines only: a VM's
	// instanceView has none).
	location string
	// reason is why the machine cannot be driven now ("" when it can).
	reason string
}

// state reads the state of a VM or an Arc machine.
func (p *Provider) state(ctx context.Context, m machine) (machineState, error) {
	if m.Arc {
		return p.arcState(ctx, m)
	}
	return p.vmState(ctx, m)
}

// vmState reads a VM's instanceView: the power state (statuses
// PowerState/...) and the VM agent's status (vmAgent.statuses, displayStatus
// Ready or Not Ready), as in
// https://learn.microsoft.com/rest/api/compute/virtual-machines/instance-view.
func (p *Provider) vmState(ctx context.Context, m machine) (machineState, error) {
	c, err := p.vmClient(m.Sub)
	if err != nil {
		return machineState{}, err
	}
	resp, err := c.InstanceView(ctx, m.RG, m.Name, nil)
	if err != nil {
		return machineState{}, err
	}
	var st machineState
	var osName, osVersion string
	if resp.OSName != nil {
		osName = *resp.OSName
	}
	if resp.OSVersion != nil {
		osVersion = *resp.OSVersion
	}
	st.os, st.osVersion = osOf("", osName, osVersion)
	power := ""
	for _, s := range resp.Statuses {
		if s.Code != nil && strings.HasPrefix(*s.Code, "PowerState/") {
			power = *s.Code
		}
	}
	switch {
	case power != "" && power != "PowerState/running":
		st.reason = "VM is not running (" + power + "): deallocated or stopped VMs cannot be patched"
	case resp.VMAgent == nil || len(resp.VMAgent.Statuses) == 0:
		st.reason = "VM agent status is unknown: the instanceView has no vmAgent"
	default:
		a := resp.VMAgent.Statuses[0]
		if a.DisplayStatus == nil || *a.DisplayStatus != "Ready" {
			st.reason = "VM agent status is " + deref(a.DisplayStatus)
			if a.Message != nil && *a.Message != "" {
				st.reason += ": " + *a.Message
			}
		}
	}
	return st, nil
}

// arcState reads an Arc machine (GET .../Microsoft.HybridCompute/machines/
// {name}): its location, properties.status Connected, Disconnected or
// Error, and its OS.
func (p *Provider) arcState(ctx context.Context, m machine) (machineState, error) {
	var body struct {
		Location   string `json:"location"`
		Properties struct {
			Status, OSName, OSType, OSVersion string
		} `json:"properties"`
	}
	if err := p.arcCall(ctx, http.MethodGet, m.ID, &body); err != nil {
		return machineState{}, err
	}
	pr := body.Properties
	st := machineState{location: body.Location}
	st.os, st.osVersion = osOf(pr.OSType, pr.OSName, pr.OSVersion)
	if !strings.EqualFold(pr.Status, "Connected") {
		st.reason = "Arc agent status is " + pr.Status
	}
	return st, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// describe returns the machine as known from Discover, or reads its state.
func (p *Provider) describe(ctx context.Context, m machine) (fleet.Instance, error) {
	if in, ok := p.lookup(m.ID); ok && in.OS != "" {
		return in, nil
	}
	st, err := p.state(ctx, m)
	if err != nil {
		return fleet.Instance{}, err
	}
	in := fleet.Instance{ID: m.ID, Cloud: fleet.CloudAzure, Account: m.Sub, ResourceGroup: m.RG, Name: m.Name, Region: st.location,
		OS: st.os, OSVersion: st.osVersion, Unreachable: st.reason}
	if st.os != "" {
		p.remember(in)
	}
	return in, nil
}
