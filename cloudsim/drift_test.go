package cloudsim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestDriftDefaultsAreHealthy(t *testing.T) {
	f, _ := virtualFleet(60, 41, cloudsim.Faults{})
	_, ok := f.Drift("i-0000000000000000")
	assert.False(t, ok, "unknown instance")
	for _, in := range f.Instances() {
		d, ok := f.Drift(in.ID)
		require.True(t, ok)
		if in.Cloud == fleet.CloudAzure {
			assert.Equal(t, cloudsim.Drift{AgentVersion: cloudsim.DefaultVMAgentVersion, PatchMode: cloudsim.PatchModeAutomaticByPlatform}, d, in.ID)
			assert.True(t, d.BypassOnUserSchedule())
		} else {
			assert.Equal(t, cloudsim.Drift{AgentVersion: cloudsim.DefaultSSMAgentVersion}, d, in.ID)
			assert.False(t, d.BypassOnUserSchedule(), "AWS has no patch mode")
		}
	}
}

func TestSetDriftPerInstance(t *testing.T) {
	f, _ := virtualFleet(60, 42, cloudsim.Faults{})
	aws, azure := firstOf(f, fleet.CloudAWS), firstOf(f, fleet.CloudAzure)

	f.SetDrift(aws, cloudsim.Drift{AgentVersion: "2.3.0.0", Stopped: true, NoInstanceProfile: true, PatchMode: "Manual", NoBypass: true})
	d, _ := f.Drift(aws)
	assert.Equal(t, cloudsim.Drift{AgentVersion: "2.3.0.0", Stopped: true, NoInstanceProfile: true}, d, "Azure settings do not apply to AWS")

	f.SetDrift(azure, cloudsim.Drift{PatchMode: cloudsim.PatchModeAutomaticByPlatform, NoBypass: true, NoInstanceProfile: true})
	d, _ = f.Drift(azure)
	assert.Equal(t, cloudsim.Drift{AgentVersion: cloudsim.DefaultVMAgentVersion, PatchMode: cloudsim.PatchModeAutomaticByPlatform, NoBypass: true}, d)
	assert.False(t, d.BypassOnUserSchedule())

	f.SetDrift(azure, cloudsim.Drift{PatchMode: cloudsim.PatchModeImageDefault})
	d, _ = f.Drift(azure)
	assert.Equal(t, cloudsim.PatchModeImageDefault, d.PatchMode)
	assert.False(t, d.BypassOnUserSchedule(), "only AutomaticByPlatform has the bypass flag")

	f.SetDrift(aws, cloudsim.Drift{})
	d, _ = f.Drift(aws)
	assert.Equal(t, cloudsim.Drift{AgentVersion: cloudsim.DefaultSSMAgentVersion}, d, "the zero Drift heals")

	f.SetDrift(azure, cloudsim.Drift{Stopped: true})
	f.ClearDrift()
	d, _ = f.Drift(azure)
	assert.False(t, d.Stopped)
}

func TestDriftRateIsADeterministicMinority(t *testing.T) {
	drifted := func(seed int64) map[string]cloudsim.Drift {
		f, _ := virtualFleet(400, seed, cloudsim.Faults{})
		f.SetDriftRate(0.1)
		out := map[string]cloudsim.Drift{}
		for _, in := range f.Instances() {
			d, _ := f.Drift(in.ID)
			healthy := d.AgentVersion != cloudsim.OutdatedSSMAgentVersion && !d.Stopped && !d.NoInstanceProfile &&
				(in.Cloud != fleet.CloudAzure || d.BypassOnUserSchedule())
			if healthy {
				continue
			}
			out[in.ID] = d
			if strings.HasPrefix(in.ID, "mi-") {
				assert.False(t, d.NoInstanceProfile, "hybrid nodes have no instance profile to miss")
			}
		}
		return out
	}
	a := drifted(43)
	assert.Greater(t, len(a), 15, "about 10% of 400")
	assert.Less(t, len(a), 70)
	assert.Equal(t, a, drifted(43), "the same seed drifts the same instances the same way")

	kinds := map[string]bool{}
	for _, d := range a {
		switch {
		case d.Stopped:
			kinds["stopped"] = true
		case d.NoInstanceProfile:
			kinds["profile"] = true
		case d.AgentVersion == cloudsim.OutdatedSSMAgentVersion:
			kinds["agent"] = true
		case d.PatchMode != cloudsim.PatchModeAutomaticByPlatform:
			kinds["mode"] = true
		default:
			kinds["bypass"] = true
		}
	}
	assert.Len(t, kinds, 5, "every kind of drift appears: %v", kinds)

	f, _ := virtualFleet(400, 43, cloudsim.Faults{})
	f.SetDriftRate(1)
	id := f.IDs()[0]
	f.SetDrift(id, cloudsim.Drift{})
	d, _ := f.Drift(id)
	assert.False(t, d.Stopped || d.NoInstanceProfile || d.NoBypass, "SetDrift takes precedence over the rate")
}

// firstOf returns the first instance of a cloud (an EC2 instance on AWS).
func firstOf(f *cloudsim.Fleet, c fleet.Cloud) string {
	for _, in := range f.Instances() {
		if in.Cloud == c && !strings.HasPrefix(in.ID, "mi-") {
			return in.ID
		}
	}
	return ""
}
