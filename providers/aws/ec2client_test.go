package aws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// EC2 calls go to Endpoints.EC2 when it is set, SSM calls still to
// Endpoints.SSM; without it (newEnv's other tests) EC2 goes to the SSM
// override.
func TestEC2EndpointOverride(t *testing.T) {
	var ec2Calls, others atomic.Int64
	var e *env
	ec2Front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The EC2 query protocol is a form POST with an Action.
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			ec2Calls.Add(1)
		} else {
			others.Add(1)
		}
		e.front.ServeHTTP(w, r)
	}))
	t.Cleanup(ec2Front.Close)
	e = newEnv(t, 40, nil, awsfrontOpts(), func(c *awsprov.Config) { c.Endpoints.EC2 = ec2Front.URL })
	ec2IDs, _ := e.split()
	require.NotEmpty(t, ec2IDs)
	res, err := e.prov.Preflight(context.Background(), ec2IDs[:1])
	require.NoError(t, err)
	assert.Empty(t, res[0].Findings)
	assert.Positive(t, ec2Calls.Load(), "DescribeInstances went to the EC2 endpoint")
	assert.Zero(t, others.Load(), "SSM calls did not")
}
