package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

var fleetNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func runFleetCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestFleetPatchesPrintsThePatchesFileOfOneInstance(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 60, Now: fleetNow})
	var id string
	var want []fleet.PatchOnInstance
	for _, x := range f.IDs() {
		if p, _ := f.PendingPatches(x); len(p) > 2 {
			id, want = x, p
			break
		}
	}
	require.NotEmpty(t, id)

	code, out, errOut := runFleetCLI("fleet", "patches", "--seed", "5", "--fleet", "60", "--now", "2026-11-23", "--instance", id)
	require.Equal(t, 0, code, errOut)
	var got []fleet.PatchOnInstance
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, want, got)

	// The same from a saved fleet, by Name tag.
	path := filepath.Join(t.TempDir(), "fleet.json.gz")
	require.NoError(t, f.Save(path))
	in, _ := f.Instance(id)
	code, out2, errOut := runFleetCLI("fleet", "patches", "--data", path, "--instance", in.Name)
	require.Equal(t, 0, code, errOut)
	assert.JSONEq(t, out, out2)
}

func TestFleetPatchesErrors(t *testing.T) {
	code, _, errOut := runFleetCLI("fleet", "patches", "--fleet", "10")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--instance is required")

	code, _, errOut = runFleetCLI("fleet", "patches", "--fleet", "10", "--instance", "i-0nope")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no instance")

	code, _, _ = runFleetCLI("fleet", "patches", "--bogus")
	assert.Equal(t, 2, code)

	code, _, errOut = runFleetCLI("fleet", "patches", "--data", filepath.Join(t.TempDir(), "none.json"), "--instance", "x")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "load")
}

func TestFleetListFiltersByGroupAndOS(t *testing.T) {
	code, out, errOut := runFleetCLI("fleet", "list", "--seed", "9", "--fleet", "400", "--group", "nonprod", "--os", "Ubuntu22.04", "--limit", "0")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Greater(t, len(lines), 3)
	assert.True(t, strings.HasPrefix(lines[0], "NAME"))
	for _, l := range lines[1 : len(lines)-1] {
		assert.Contains(t, l, " nonprod ")
		assert.Contains(t, l, "Ubuntu22.04")
	}
	assert.Equal(t, strconv.Itoa(len(lines)-2)+" instances", strings.TrimSpace(lines[len(lines)-1]))

	code, out, _ = runFleetCLI("fleet", "list", "--fleet", "100", "--limit", "3", "--os", "ubuntu")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "3 of ")
}
