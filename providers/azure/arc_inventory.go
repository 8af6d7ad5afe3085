package azure

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Inventory of Arc machines runs the same read-only script as a VM's
// through Machine Run Commands (GA in api-version 2025-01-13:
// https://learn.microsoft.com/rest/api/hybridcompute/machine-run-commands/create-or-update):
// PUT .../machines/{name}/runCommands/{runCommandName} with
// properties.source.script and asyncExecution false, a long-running
// operation whose final GET carries properties.instanceView (executionState,
// exitCode, output, error), as in the RunCommands_Get example of that
// version. The assessment cannot replace it: it lists the versions
// available, not the ones installed, so "from" versions would be missing.
// The run command is deleted afterwards (best effort).

// arcRunCommand is what the provider reads of a Machine Run Command.
type arcRunCommand struct {
	Properties struct {
		ProvisioningState string `json:"provisioningState"`
		InstanceView      *struct {
			ExecutionState string `json:"executionState"`
			ExitCode       int    `json:"exitCode"`
			Output         string `json:"output"`
			Error          string `json:"error"`
		} `json:"instanceView"`
	} `json:"properties"`
}

// inventoryArc lists an Arc machine's installed packages.
func (p *Provider) inventoryArc(ctx context.Context, m machine, in fleet.Instance, beat func()) ([]fleet.InstalledPackage, error) {
	if in.Region == "" {
		return nil, errString("run command not created: the Arc machine's location is unknown")
	}
	_, script := inventoryScript(in.OS)
	name, err := runCommandName("fleetpatch-inventory-")
	if err != nil {
		return nil, err
	}
	path := m.ID + "/runCommands/" + name
	body := map[string]any{"location": in.Region, "properties": map[string]any{
		"source": map[string]string{"script": script}, "asyncExecution": false, "timeoutInSeconds": 600}}
	pl, err := arcBegin[arcRunCommand](ctx, p, http.MethodPut, path, body)
	if err != nil {
		return nil, err
	}
	defer p.deleteRunCommand(ctx, path)
	r, err := poll(ctx, pl, p.cfg.PollInterval, beat)
	if err != nil {
		return nil, err
	}
	iv := r.Properties.InstanceView
	switch {
	case iv == nil:
		return nil, errString("run command " + name + " ended (provisioningState " + r.Properties.ProvisioningState + ") without an instanceView")
	case !strings.EqualFold(iv.ExecutionState, "Succeeded") || iv.ExitCode != 0:
		return nil, errString(fmt.Sprintf("run command %s: executionState %s, exit code %d: %s", name, iv.ExecutionState, iv.ExitCode, iv.Error))
	}
	return parsePackages(iv.Output), nil
}

// runCommandName is a new run command name after prefix (pattern
// [a-zA-Z0-9-_.]+).
func runCommandName(prefix string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}

// deleteRunCommand deletes a run command, best effort: the deletion is
// asynchronous and its outcome does not change the inventory read.
func (p *Provider) deleteRunCommand(ctx context.Context, path string) {
	req, err := p.arcRequest(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return
	}
	if resp, err := p.arc.Pipeline().Do(req); err == nil {
		_ = resp.Body.Close()
	}
}
