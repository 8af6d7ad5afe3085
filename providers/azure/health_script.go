package azure

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
)

// The VM action Run Command (VirtualMachines.runCommand) returns no exit
// code: its result is a list of InstanceViewStatus (code, message), with
// the script's output in the messages, at most its last 4,096 bytes
// (https://learn.microsoft.com/rest/api/compute/virtual-machines/run-command,
// https://learn.microsoft.com/azure/virtual-machines/linux/run-command#restrictions).
// On Windows the statuses are ComponentStatus/StdOut/succeeded and
// ComponentStatus/StdErr/succeeded, each message one stream (the shape of
// https://github.com/MicrosoftDocs/azure-docs/blob/main/articles/virtual-machines/virtual-machines-linux-extensions-troubleshoot.md);
// the Linux extension reports one status (ProvisioningState/succeeded,
// or .../failed) whose message carries both streams, "Enable succeeded:
// \n[stdout]\n…\n[stderr]\n…", as az vm run-command invoke shows it.
// So the provider wraps the check: the wrapper runs the check's script
// (carried base64-encoded, so that no quoting of it can break the
// wrapper) as a script file of its own shell, then prints the marker line
// "fleetpatch-exit-code: N" with its exit code last, where the output's
// tail keeps it. The exit code is read from that line; without it (the
// run was cut short) the result is an error. Arc machines' run commands
// (arc_health.go) report the exit code themselves and need no wrapper.

// exitMarker starts the line with the check's exit code.
const exitMarker = "fleetpatch-exit-code: "

// markerLine finds the last marker line of an output.
var markerLine = regexp.MustCompile(`(?m)^` + exitMarker + `(-?\d+)\s*$`)

// wrapShell is the RunShellScript of a Linux check: the script is written
// to a temporary file and run with bash.
func wrapShell(script string) string {
	b64 := base64.StdEncoding.EncodeToString([]byte(script))
	return strings.Join([]string{
		`fleetpatch_check=$(mktemp) || exit 1`,
		`printf '%s' '` + b64 + `' | base64 -d > "$fleetpatch_check"`,
		`bash "$fleetpatch_check"`,
		`fleetpatch_code=$?`,
		`rm -f "$fleetpatch_check"`,
		`echo "` + exitMarker + `$fleetpatch_code"`,
	}, "\n")
}

// wrapPowerShell is the RunPowerShellScript of a Windows check: the script
// is written to a temporary .ps1 file and run with powershell.exe -File,
// whose exit code (an "exit N" in the script, 1 for an uncaught error) is
// $LASTEXITCODE.
func wrapPowerShell(script string) string {
	b64 := base64.StdEncoding.EncodeToString([]byte(script))
	return strings.Join([]string{
		`$fleetpatchCheck = Join-Path $env:TEMP ('fleetpatch-check-' + [guid]::NewGuid().ToString() + '.ps1')`,
		`[IO.File]::WriteAllText($fleetpatchCheck, [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('` + b64 + `')))`,
		`& powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $fleetpatchCheck`,
		`$fleetpatchCode = $LASTEXITCODE`,
		`Remove-Item -LiteralPath $fleetpatchCheck -Force`,
		`"` + exitMarker + `$fleetpatchCode"`,
	}, "\r\n")
}

// streams reads the output of a run: stdout and stderr from the statuses'
// codes and messages (see above).
func streams(codes, messages []string) (stdout, stderr string) {
	for i, code := range codes {
		msg := messages[i]
		switch {
		case strings.Contains(code, "StdOut"):
			stdout += msg
		case strings.Contains(code, "StdErr"):
			stderr += msg
		default:
			if o, e, ok := splitEnableMessage(msg); ok {
				stdout, stderr = stdout+o, stderr+e
			} else {
				stdout += msg
			}
		}
	}
	return stdout, stderr
}

// splitEnableMessage splits a Linux status message "Enable succeeded:
// \n[stdout]\n…\n[stderr]\n…" into its streams.
func splitEnableMessage(msg string) (stdout, stderr string, ok bool) {
	_, rest, ok := strings.Cut(msg, "[stdout]\n")
	if !ok {
		return "", "", false
	}
	stdout, stderr, _ = strings.Cut(rest, "\n[stderr]\n")
	return stdout, stderr, true
}

// exitStatus finds the extension's "exit status=N" in a failed Linux
// run's message, the exit code when the marker is missing.
var exitStatus = regexp.MustCompile(`exit status=(-?\d+)`)

// exitCodeOf reads the exit code of a wrapped run and the output without
// the marker line.
func exitCodeOf(stdout, stderr string, messages []string) (code int, output string, ok bool) {
	output = stdout
	if m := markerLine.FindAllStringSubmatchIndex(stdout, -1); len(m) > 0 {
		last := m[len(m)-1]
		code, _ = strconv.Atoi(stdout[last[2]:last[3]])
		output, ok = stdout[:last[0]]+stdout[last[1]:], true
	}
	if !ok {
		for _, msg := range messages {
			if m := exitStatus.FindStringSubmatch(msg); m != nil {
				code, _ = strconv.Atoi(m[1])
				ok = true
			}
		}
	}
	output = strings.TrimRight(output, "\r\n")
	if e := strings.TrimSpace(stderr); e != "" {
		output = strings.TrimSpace(output + "\n[stderr]\n" + e)
	}
	return code, output, ok
}
