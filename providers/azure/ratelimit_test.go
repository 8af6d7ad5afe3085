package azure

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
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
	limits := newARMLimits(1e-9, 2, 1e-9, 1, nil) // buckets that never refill
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

// stampTransport answers every request 200 and notes when each
// subscription's requests reached it.
type stampTransport struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func (t *stampTransport) Do(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sub := strings.ToLower(subscriptionOf.FindStringSubmatch(r.URL.Path)[1])
	t.at[sub] = append(t.at[sub], time.Now())
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}}, nil
}

// Two subscriptions with different targets.azure[].rates are paced each
// at its own rate, at the same time, through the provider's own client
// options; a subscription without rates (and a zero field) keeps the
// provider-wide bucket.
func TestSubscriptionRatesArePacedIndependently(t *testing.T) {
	const fast, slow, plain = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b", "00000000-0000-0000-0000-00000000000c"
	const fastRate, slowRate, n = 20, 5, 4
	tr := &stampTransport{at: map[string][]time.Time{}}
	cfg := Config{Transport: tr, MaxRetries: -1, Targets: []policy.AzureSubscription{
		{ID: strings.ToUpper(fast), Rates: policy.AzureRates{ARMWrites: policy.RateLimit{PerSecond: fastRate, Burst: 1}}},
		{ID: slow, Rates: policy.AzureRates{ARMWrites: policy.RateLimit{PerSecond: slowRate, Burst: 1},
			ARMReads: policy.RateLimit{PerSecond: 1e-9}}}, // burst left zero: the default 250
		{ID: plain},
	}}.withDefaults()
	opts := cfg.clientOptions()
	pl := runtime.NewPipeline("test", "v0", runtime.PipelineOptions{}, &opts.ClientOptions)
	send := func(method, sub string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := runtime.NewRequest(ctx, method, "https://management.azure.com/subscriptions/"+sub+"/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/installPatches")
		require.NoError(t, err)
		resp, err := pl.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, sub := range []string{fast, slow, plain} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if err := send(http.MethodPost, sub); err != nil {
					t.Error(err) // not require: this is not the test's goroutine
					return
				}
			}
		}()
	}
	wg.Wait()
	const slack = 30 * time.Millisecond
	second := func(rate float64) time.Duration { return time.Duration(float64(time.Second) / rate) }
	for sub, rate := range map[string]float64{fast: fastRate, slow: slowRate} {
		at := tr.at[sub]
		require.Len(t, at, n)
		for i := 1; i < n; i++ {
			require.GreaterOrEqual(t, at[i].Sub(at[0]), time.Duration(i)*second(rate)-slack, "%s: write %d came early", sub, i+1)
		}
	}
	require.Less(t, tr.at[fast][n-1].Sub(start), second(slowRate)*(n-1)/2,
		"the fast subscription finished long before the slow one could: it did not wait on the slow one's bucket")
	require.Len(t, tr.at[plain], n)
	require.Less(t, tr.at[plain][n-1].Sub(start), second(fastRate), "no rates: ARM's burst of 200 writes")

	// The slow subscription's reads refill at ~0 but keep the default
	// burst of 250 (its burst field is zero).
	for range 3 {
		require.NoError(t, send(http.MethodGet, slow))
	}
}
