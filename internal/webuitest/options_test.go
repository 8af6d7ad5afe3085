package webuitest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageURL(t *testing.T) {
	o := Options{UIURL: "http://127.0.0.1:8233/", WorkflowID: "patch-cycle/prod-sensitive/2026-W49"}
	u, err := o.pageURL()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8233/namespaces/default/workflows/patch-cycle%2Fprod-sensitive%2F2026-W49", u)

	o.Namespace, o.RunID = "ops team", "01a23ae4-5ab9"
	u, err = o.pageURL()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8233/namespaces/ops%20team/workflows/patch-cycle%2Fprod-sensitive%2F2026-W49/01a23ae4-5ab9/history", u)

	_, err = Options{UIURL: "127.0.0.1:8233", WorkflowID: "w"}.pageURL()
	assert.ErrorContains(t, err, "not an absolute URL")
	_, err = Options{UIURL: "http://127.0.0.1:8233"}.pageURL()
	assert.ErrorContains(t, err, "required")
}

func TestPayload(t *testing.T) {
	p, err := Options{Payload: "{\n  \"statement\": \"a\\nb\",\n  \"n\": [1, 2]\n}\n"}.payload()
	require.NoError(t, err)
	assert.Equal(t, `{"statement":"a\nb","n":[1,2]}`, p)

	p, err = Options{Payload: "  "}.payload()
	require.NoError(t, err)
	assert.Empty(t, p)

	_, err = Options{Payload: `{"approver":`}.payload()
	assert.ErrorContains(t, err, "not JSON")
}

func TestChromium(t *testing.T) {
	t.Setenv("FLEETPATCH_CHROMIUM", "")
	assert.Equal(t, DefaultChromium, Options{}.chromium())
	t.Setenv("FLEETPATCH_CHROMIUM", "/opt/chrome")
	assert.Equal(t, "/opt/chrome", Options{}.chromium())
	assert.Equal(t, "/bin/c", Options{Chromium: "/bin/c"}.chromium())
}
