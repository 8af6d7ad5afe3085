package fleet

import (
	"regexp"
	"strings"
)

// LivePatchDeferrer is implemented by a provider that honours
// InstallRequest.DeferLivePatchedReboots for an instance: it reads whether
// live patches cover the instance's kernel update and skips the reboot
// then. For other instances the provider reboots as InstallRequest.Reboot
// says, and the report says so.
type LivePatchDeferrer interface {
	DefersLivePatchedReboots(instanceID string) bool
}

// The scripts a provider runs through its cloud's run-command service to
// defer live-patched reboots: each starts with a marker line, which the
// simulated fleet recognizes to answer as a host would.
const (
	// LivePatchCheckMarker starts LivePatchCheckScript.
	LivePatchCheckMarker = "# fleetpatch: live-patch check"
	// RebootIfRequiredMarker starts the reboot scripts.
	RebootIfRequiredMarker = "# fleetpatch: reboot if required"
)

// LivePatchCheckScript prints one line, "fleetpatch-livepatch: covered
// CVE-…" when the host needs a reboot only for a kernel whose fixes live
// patches already apply (Ubuntu Pro's reboot_required API answers
// "yes-kernel-livepatches-applied"; the CVEs are those its livepatch_cves
// API lists as patched), else "fleetpatch-livepatch: reboot". It changes
// nothing on the host. See
// https://github.com/canonical/ubuntu-pro-client/blob/main/docs/references/api.md.
const LivePatchCheckScript = LivePatchCheckMarker + `
r=$(pro api u.pro.security.status.reboot_required.v1 2>/dev/null || true)
case "$r" in
*'"yes-kernel-livepatches-applied"'*)
  cves=$(pro api u.pro.security.status.livepatch_cves.v1 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]["attributes"]; print(" ".join(sorted(c["name"] for c in d.get("fixed_cves", []) if c.get("patched"))))')
  echo "fleetpatch-livepatch: covered $cves";;
*) echo "fleetpatch-livepatch: reboot";;
esac`

// RebootIfRequiredLinux reboots a Linux host that still needs a reboot:
// exit code 194 makes the SSM Agent reboot the node and run the script
// again, which then finds nothing to do and exits 0, so sending it twice
// reboots once
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-reboot.html).
const RebootIfRequiredLinux = RebootIfRequiredMarker + `
if [ -f /var/run/reboot-required ]; then exit 194; fi
if command -v needs-restarting >/dev/null 2>&1 && ! needs-restarting -r >/dev/null 2>&1; then exit 194; fi
echo "fleetpatch-reboot: not required"`

// RebootIfRequiredWindows is RebootIfRequiredLinux for Windows: exit code
// 3010 asks the SSM Agent for the reboot.
const RebootIfRequiredWindows = RebootIfRequiredMarker + `
if (Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') { exit 3010 }
Write-Output 'fleetpatch-reboot: not required'`

var livePatchLine = regexp.MustCompile(`(?m)^fleetpatch-livepatch: (covered|reboot)(.*)$`)

// ParseLivePatchCheck reads LivePatchCheckScript's output: whether live
// patches cover the pending reboot, and the CVEs they fix. Output without
// the line counts as not covered.
func ParseLivePatchCheck(output string) (cves []string, covered bool) {
	m := livePatchLine.FindStringSubmatch(output)
	if m == nil || m[1] != "covered" {
		return nil, false
	}
	for _, f := range strings.Fields(m[2]) {
		if strings.HasPrefix(f, "CVE-") {
			cves = append(cves, f)
		}
	}
	return cves, true
}
