package azure

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Inventory scripts run through VirtualMachines.runCommand
// (https://learn.microsoft.com/rest/api/compute/virtual-machines/run-command);
// each prints one "name<TAB>version" line per installed package.
const (
	// ScriptDpkg lists Debian packages (Ubuntu).
	ScriptDpkg = `dpkg-query -W -f='${Package}\t${Version}\n'`
	// ScriptRPM lists RPM packages.
	ScriptRPM = `rpm -qa --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n'`
	// ScriptWindows lists installed products and updates from the
	// uninstall registry keys.
	ScriptWindows = `Get-ItemProperty HKLM:\Software\Microsoft\Windows\CurrentVersion\Uninstall\* | Where-Object DisplayName | ForEach-Object { "$($_.DisplayName)` + "`t" + `$($_.DisplayVersion)" }`
)

// Inventory reads the installed packages of every machine with a
// read-only script: VirtualMachines.runCommand for VMs, Machine Run
// Commands for Arc machines (see arc_inventory.go).
func (p *Provider) Inventory(ctx context.Context, instanceIDs []string) ([]fleet.Inventory, error) {
	if err := checkBatch("Inventory", len(instanceIDs)); err != nil {
		return nil, err
	}
	out := make([]fleet.Inventory, len(instanceIDs))
	errs := make([]error, len(instanceIDs))
	p.forEach(ctx, instanceIDs, nil, func(ctx context.Context, i int, m machine, beat func()) {
		out[i] = fleet.Inventory{InstanceID: m.ID}
		pkgs, err := p.inventoryOne(ctx, m, beat)
		if err != nil {
			errs[i] = err
			out[i].Error = machineError("runCommand", err)
			return
		}
		out[i].Packages = pkgs
	}, func(i int, err error) { out[i] = fleet.Inventory{InstanceID: instanceIDs[i], Error: err.Error()} })
	for _, err := range errs {
		if callError(err) {
			return out, wrapCallError(err)
		}
	}
	return out, nil
}

// inventoryScript returns the runCommand command ID and script of an OS.
func inventoryScript(os fleet.OSFamily) (string, string) {
	switch {
	case os.IsWindows():
		return "RunPowerShellScript", ScriptWindows
	case os == fleet.OSUbuntu:
		return "RunShellScript", ScriptDpkg
	default:
		return "RunShellScript", ScriptRPM
	}
}

func (p *Provider) inventoryOne(ctx context.Context, m machine, beat func()) ([]fleet.InstalledPackage, error) {
	in, err := p.describe(ctx, m)
	if err != nil {
		return nil, err
	}
	if m.Arc {
		return p.inventoryArc(ctx, m, in, beat)
	}
	c, err := p.vmClient(m.Sub)
	if err != nil {
		return nil, err
	}
	cmd, script := inventoryScript(in.OS)
	pl, err := c.BeginRunCommand(ctx, m.RG, m.Name, armcompute.RunCommandInput{CommandID: to.Ptr(cmd), Script: []*string{to.Ptr(script)}}, nil)
	if err != nil {
		return nil, err
	}
	r, err := poll(ctx, pl, p.cfg.PollInterval, beat)
	if err != nil {
		return nil, err
	}
	var stdout string
	for _, s := range r.Value {
		if s != nil && strings.Contains(deref(s.Code), "StdOut") {
			stdout = deref(s.Message)
		}
	}
	return parsePackages(stdout), nil
}

// parsePackages reads the scripts' "name<TAB>version" lines.
func parsePackages(stdout string) []fleet.InstalledPackage {
	var pkgs []fleet.InstalledPackage
	for _, line := range strings.Split(stdout, "\n") {
		name, version, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t")
		if ok && name != "" {
			pkgs = append(pkgs, fleet.InstalledPackage{Name: name, Version: version})
		}
	}
	return pkgs
}

type errString string

func (e errString) Error() string { return string(e) }
