package azure

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShellWrapperReportsTheScriptsExitCode(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	script := "echo 'it''s \"quoted\" $HOME'\nexit 3"
	out, err := exec.Command("bash", "-c", wrapShell(script)).Output()
	require.NoError(t, err, "the wrapper itself succeeds")
	code, output, ok := exitCodeOf(string(out), "", nil)
	require.True(t, ok)
	assert.Equal(t, 3, code)
	assert.Contains(t, output, `its "quoted" `)
	assert.NotContains(t, output, exitMarker)
}

func TestExitCodeOfReadsTheMarkerThenTheExtensionsStatus(t *testing.T) {
	stdout, stderr := streams([]string{"ProvisioningState/succeeded"},
		[]string{"Enable succeeded: \n[stdout]\nactive\nfleetpatch-exit-code: 0\n\n[stderr]\nwarning\n"})
	code, out, ok := exitCodeOf(stdout, stderr, nil)
	assert.True(t, ok)
	assert.Equal(t, 0, code)
	assert.Equal(t, "active\n[stderr]\nwarning", out)

	stdout, stderr = streams([]string{"ComponentStatus/StdOut/succeeded", "ComponentStatus/StdErr/succeeded"},
		[]string{"Stopped\r\nfleetpatch-exit-code: 5\r\n", ""})
	code, out, ok = exitCodeOf(stdout, stderr, nil)
	assert.True(t, ok)
	assert.Equal(t, 5, code)
	assert.Equal(t, "Stopped", out)

	msg := "Enable failed: failed to execute command: command terminated with exit status=2\n[stdout]\n\n[stderr]\nboom\n"
	stdout, stderr = streams([]string{"ProvisioningState/failed/2"}, []string{msg})
	code, _, ok = exitCodeOf(stdout, stderr, []string{msg})
	assert.True(t, ok, "without the marker the extension's exit status counts")
	assert.Equal(t, 2, code)

	_, _, ok = exitCodeOf("cut short", "", []string{"Enable succeeded"})
	assert.False(t, ok)
}
