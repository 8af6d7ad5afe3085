package activities

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// defaultGateTimeout bounds a gate without a timeout of its own.
const defaultGateTimeout = 2 * time.Minute

// HealthInput asks for the health gates after one wave.
type HealthInput struct {
	Run   Run                 `json:"run"`
	Wave  WavePlan            `json:"wave"`
	Gates []policy.HealthGate `json:"gates"`
}

// HealthResult says whether every gate passed; Reason names the first gate
// that did not, and why.
type HealthResult struct {
	Passed bool   `json:"passed"`
	Reason string `json:"reason,omitempty"`
}

// CheckHealth runs the gates in order against the wave's instances (those
// whose install ran) and stops at the first that fails. A failing gate is a
// result, not an error; an error means a gate could not be checked.
func (a *Activities) CheckHealth(ctx context.Context, in HealthInput) (HealthResult, error) {
	if err := validRun(in.Run); err != nil {
		return HealthResult{}, err
	}
	ids, err := a.installedInstances(ctx, in.Run, in.Wave)
	if err != nil {
		return HealthResult{}, err
	}
	beat, stop := heartbeater(ctx, "health")
	defer stop()
	for i, g := range in.Gates {
		beat(i, len(in.Gates))
		why, err := a.checkGate(ctx, g, ids)
		if err != nil {
			return HealthResult{}, err
		}
		if why != "" {
			return HealthResult{Reason: fmt.Sprintf("health gate %s failed after wave %d: %s", g, in.Wave.Index+1, why)}, nil
		}
	}
	return HealthResult{Passed: true}, nil
}

// installedInstances lists the instances of the wave whose install ran.
func (a *Activities) installedInstances(ctx context.Context, run Run, w WavePlan) ([]string, error) {
	var ids []string
	for b := 0; b < w.Batches; b++ {
		var res fleet.InstallResult
		if _, err := getJSON(ctx, a.Store, run.waveKey(w.Index, b, "install"), &res); err != nil {
			return nil, err
		}
		for _, r := range res.Instances {
			ids = append(ids, r.InstanceID)
		}
	}
	return ids, nil
}

// checkGate returns why the gate fails, or "".
func (a *Activities) checkGate(ctx context.Context, g policy.HealthGate, ids []string) (string, error) {
	timeout := g.Timeout.D()
	if timeout <= 0 {
		timeout = defaultGateTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch g.Type {
	case policy.GateAgent:
		return a.agentGate(ctx, ids)
	case policy.GateHTTP:
		return httpGate(ctx, g), nil
	case policy.GateTCP:
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", g.Address)
		if err != nil {
			return err.Error(), nil
		}
		return "", conn.Close()
	case policy.GateCommand:
		return a.commandGate(ctx, g, ids, timeout)
	case policy.GateAlarm:
		return a.alarmGate(ctx, g)
	}
	return "", badInput("unknown health gate type %q", g.Type)
}

func httpGate(ctx context.Context, g policy.HealthGate) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.URL, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if g.ExpectStatus != 0 {
		ok = resp.StatusCode == g.ExpectStatus
	}
	if !ok {
		return "answered " + resp.Status
	}
	return ""
}

// agentGate waits (within the gate's timeout) for every instance's agent.
func (a *Activities) agentGate(ctx context.Context, ids []string) (string, error) {
	var down []string
	for start := 0; start < len(ids); start += fleet.MaxBatch {
		outs, err := a.Provider.WaitReady(ctx, ids[start:min(len(ids), start+fleet.MaxBatch)], func(int, int) {})
		if err != nil {
			return "", providerError("wait ready", err)
		}
		for _, o := range outs {
			if !o.Ready {
				down = append(down, o.InstanceID+" ("+o.Error+")")
			}
		}
	}
	return listed("agent not ready on", down), nil
}

// commandGate runs the gate's command on every instance; all must exit 0.
func (a *Activities) commandGate(ctx context.Context, g policy.HealthGate, ids []string, timeout time.Duration) (string, error) {
	prober, ok := a.Provider.(fleet.HealthProber)
	if !ok {
		return "", badInput("the provider cannot run health-gate commands")
	}
	var bad []string
	for start := 0; start < len(ids); start += fleet.MaxBatch {
		res, err := prober.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: ids[start:min(len(ids), start+fleet.MaxBatch)],
			Linux: g.Linux, Windows: g.Windows, Timeout: timeout, Name: "fleetpatch-health-gate"}, func(int, int) {})
		if err != nil {
			return "", providerError("run command", err)
		}
		for _, r := range res {
			switch {
			case r.Error != "":
				bad = append(bad, r.InstanceID+" ("+r.Error+")")
			case r.ExitCode != 0:
				bad = append(bad, fmt.Sprintf("%s (exit %d: %s)", r.InstanceID, r.ExitCode, lastLine(r.Output)))
			}
		}
	}
	return listed("the command failed on", bad), nil
}

// alarmGate reads the alarm; a firing alarm fails the gate.
func (a *Activities) alarmGate(ctx context.Context, g policy.HealthGate) (string, error) {
	prober, ok := a.Provider.(fleet.HealthProber)
	if !ok {
		return "", badInput("the provider cannot read cloud alarms")
	}
	states, err := prober.AlarmStates(ctx, []fleet.Alarm{{Cloud: fleet.Cloud(g.Cloud), Account: g.Account, Region: g.Region, Name: g.Name}})
	if err != nil {
		return "", providerError("alarm states", err)
	}
	for _, st := range states {
		if st.Firing {
			return strings.TrimSpace(fmt.Sprintf("alarm %s is %s %s", st.Alarm.Name, st.State, st.Reason)), nil
		}
	}
	return "", nil
}

// listed says "what a, b, c (and 7 more)", or "" for none.
func listed(what string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	const show = 3
	s := what + " " + strings.Join(items[:min(show, len(items))], ", ")
	if len(items) > show {
		s += fmt.Sprintf(" (and %d more)", len(items)-show)
	}
	return s
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
