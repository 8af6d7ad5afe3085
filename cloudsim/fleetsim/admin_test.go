package fleetsim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// startTest starts the service on free ports over a small fleet.
func startTest(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Fleet.Instances, cfg.Fleet.Seed, cfg.Fleet.Speed = 80, 3, 1000
	s, err := Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// admin sends one request to the admin API and decodes the answer into v.
func admin(t *testing.T, s *Server, method, target, body string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	s.adminHandler().ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	if v != nil {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), v), rec.Body.String())
	}
	return rec.Code
}

func TestAdminInstallsAndInventoryShowWhatTheFleetDid(t *testing.T) {
	s := startTest(t, Config{ArcMachines: 2})
	f := s.Fleet()
	var id string
	var pending []fleet.PatchOnInstance
	for _, x := range f.IDs() {
		if pending, _ = f.PendingPatches(x); len(pending) > 0 {
			id = x
			break
		}
	}
	req := fleet.InstallRequest{CycleID: "prod-auto/2026-W48/run-1", Reboot: fleet.NoReboot,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: []string{pending[0].ID}}}}
	_, err := f.Install(context.Background(), req, nil)
	require.NoError(t, err)
	calls := f.Stats().Calls

	var inst InstallsResponse
	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/installs", "", &inst))
	require.Len(t, inst.Records, 1)
	r := inst.Records[0]
	assert.Equal(t, id, r.InstanceID)
	assert.Equal(t, "prod-auto/2026-W48/run-1", r.CycleID)
	assert.Equal(t, cloudsim.OutcomeInstalled, r.Outcome)
	require.Len(t, r.Changes, 1)
	assert.Equal(t, pending[0].InstalledVersion, r.Changes[0].FromVersion)
	assert.Equal(t, pending[0].Version, r.Changes[0].ToVersion)
	assert.Zero(t, inst.Dropped)
	assert.Len(t, inst.Arc, 2, "the Arc machines' IDs by fleet ID")
	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/installs?ids="+f.IDs()[0]+","+f.IDs()[1], "", &inst))
	if id != f.IDs()[0] && id != f.IDs()[1] {
		assert.Empty(t, inst.Records)
	}

	var inv InventoryResponse
	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/inventory?ids="+id, "", &inv))
	require.Len(t, inv.Instances, 1)
	assert.Contains(t, inv.Instances[0].Packages, fleet.InstalledPackage{Name: pending[0].Name, Version: pending[0].Version})
	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/inventory", "", &inv))
	assert.Len(t, inv.Instances, f.Len())
	assert.Equal(t, calls, f.Stats().Calls, "admin reads are not fleet calls (never throttled)")
}

func TestAdminFaultsAreReplacedAtRuntime(t *testing.T) {
	s := startTest(t, Config{Faults: &cloudsim.Faults{ScanFailureRate: 0.05}})
	var got cloudsim.Faults
	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/faults", "", &got))
	assert.Equal(t, 0.05, got.ScanFailureRate)

	body := `{"rebootHangRate":0.01,"throttleRate":0.2,"installFailures":[{"package":"*","rate":0.03}]}`
	var now cloudsim.Faults
	require.Equal(t, http.StatusOK, admin(t, s, "POST", "/admin/faults", body, &now))
	want := cloudsim.Faults{RebootHangRate: 0.01, ThrottleRate: 0.2, SlowInstallDelay: cloudsim.DefaultSlowInstallDelay,
		InstallFailures: []cloudsim.PackageFailure{{Package: cloudsim.AnyPackage, Rate: 0.03}}}
	assert.Equal(t, want, now, "the body replaces every fault")
	assert.Equal(t, want, s.Fleet().Faults())

	var e map[string]string
	assert.Equal(t, http.StatusBadRequest, admin(t, s, "POST", "/admin/faults", `{"scanFailureRate":5}`, &e))
	assert.Contains(t, e["error"], "scanFailureRate")
	assert.Equal(t, http.StatusBadRequest, admin(t, s, "POST", "/admin/faults", `{"scanFailRate":0.1}`, &e))
	assert.Contains(t, e["error"], "unknown field")
	assert.Equal(t, want, s.Fleet().Faults(), "a refused body changes nothing")
	assert.Equal(t, http.StatusMethodNotAllowed, admin(t, s, "DELETE", "/admin/faults", "", nil))
}

func TestAdminCallsListBothEmulatorsFromAnOffset(t *testing.T) {
	s := startTest(t, Config{})
	for range 3 {
		s.aws.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/fleetpatch-bucket/some/key", nil))
	}
	az := httptest.NewRequest("POST", "/providers/Microsoft.ResourceGraph/resources", strings.NewReader(`{"query":"resources"}`))
	az.Header.Set("Authorization", "Bearer test")
	s.azure.ServeHTTP(httptest.NewRecorder(), az)

	var calls CallsResponse
	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/calls", "", &calls))
	require.Len(t, calls.AWS, 3)
	assert.Equal(t, "s3", calls.AWS[0].Service)
	require.Len(t, calls.Azure, 1)
	assert.Equal(t, "resources", calls.Azure[0].Op)

	require.Equal(t, http.StatusOK, admin(t, s, "GET", "/admin/calls?aws-from=2&azure-from=5", "", &calls))
	assert.Len(t, calls.AWS, 1, "only the calls after the first two")
	assert.Empty(t, calls.Azure)
	assert.Equal(t, http.StatusBadRequest, admin(t, s, "GET", "/admin/calls?aws-from=-1", "", nil))
}
