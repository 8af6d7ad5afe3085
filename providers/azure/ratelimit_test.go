package azure

import (
	"context"
	"net/http"
	"testing"
	"time"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/require"
)

// okTransport answers every request 200.
type okTransport struct{ n int }

func (t *okTransport) Do(*http.Request) (*http.Response, error) {
	t.n++
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}}, nil
}

// Each subscription has a bucket for reads and one for writes: a bucket
// that is empty holds its requests (here, past the context's deadline, so
// the request fails at once without reaching the transport) while the
// other kind and other subscriptions go on.
func TestARMRequestsArePacedPerSubscriptionAndKind(t *testing.T) {
	limits := newARMLimits(1e-9, 2, 1e-9, 1) // buckets that never refill
	tr := &okTransport{}
	pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{}, &azpolicy.ClientOptions{Transport: tr,
		PerRetryPolicies: []azpolicy.Policy{limits}, Retry: azpolicy.RetryOptions{MaxRetries: -1}})
	send := func(method, path string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, err := runtime.NewRequest(ctx, method, "https://management.azure.com"+path)
		require.NoError(t, err)
		resp, err := pl.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	vm := "/subscriptions/SUB-A/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1"
	require.NoError(t, send(http.MethodPost, vm+"/installPatches"), "the write bucket holds one")
	require.Error(t, send(http.MethodPost, vm+"/installPatches"), "the second write waits past the deadline")
	require.NoError(t, send(http.MethodGet, vm), "reads have their own bucket")
	require.NoError(t, send(http.MethodGet, vm))
	require.Error(t, send(http.MethodGet, vm))
	require.NoError(t, send(http.MethodPost, "/subscriptions/sub-b/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-2/installPatches"),
		"another subscription has its own buckets")
	require.Error(t, send(http.MethodPost, "/SUBSCRIPTIONS/sub-a/x"), "subscription IDs compare without case")
	require.Equal(t, 4, tr.n, "held requests never reached Azure")
}

func TestDefaultsAreARMsLimits(t *testing.T) {
	c := Config{}.withDefaults()
	require.Equal(t, 50, c.Concurrency, "a whole batch at once")
	require.Equal(t, [4]float64{25, 250, 10, 200}, [4]float64{c.ReadRate, float64(c.ReadBurst), c.WriteRate, float64(c.WriteBurst)})
}
