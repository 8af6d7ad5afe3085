package devserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// namespaceRefresh is how long a namespace change takes to reach every
// service's namespace cache (system.namespaceCacheRefreshInterval, 2s,
// plus a margin).
const namespaceRefresh = 3 * time.Second

// registerSearchAttributes makes sure every attribute in want exists on the
// namespace with its type. Existing ones are skipped, so this is idempotent;
// one that exists with another type is an error. It also waits until the
// frontend answers, so it doubles as the readiness check.
func registerSearchAttributes(ctx context.Context, hostPort, namespace string, tlsCfg *tls.Config, want map[string]enumspb.IndexedValueType) error {
	c, err := dialWhenReady(ctx, hostPort, namespace, tlsCfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if len(want) == 0 {
		return nil
	}

	have, err := listSearchAttributes(ctx, c, namespace)
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		typ, ok := have[name]
		switch {
		case !ok:
			missing[name] = want[name]
		case typ != want[name]:
			return fmt.Errorf("devserver: search attribute %q exists with type %s, want %s (use a new data directory or another name)",
				name, typ, want[name])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("devserver: register search attributes %s: %w", strings.Join(slices.Sorted(maps.Keys(missing)), ", "), err)
	}
	// Let the history service's namespace cache see the new aliases before
	// a workflow uses them.
	select {
	case <-time.After(namespaceRefresh):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("devserver: register search attributes: %w", ctx.Err())
	}
}

// listSearchAttributes returns the custom search attributes of a namespace.
func listSearchAttributes(ctx context.Context, c client.Client, namespace string) (map[string]enumspb.IndexedValueType, error) {
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("devserver: list search attributes of %q: %w", namespace, err)
	}
	return resp.GetCustomAttributes(), nil
}

// dialWhenReady waits for the frontend and dials it.
func dialWhenReady(ctx context.Context, hostPort, namespace string, tlsCfg *tls.Config) (client.Client, error) {
	if err := waitFrontend(ctx, hostPort, tlsCfg); err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          hostPort,
		Namespace:         namespace,
		Logger:            sdklog.NewStructuredLogger(discardLogger()),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsCfg},
	})
	if err != nil {
		return nil, fmt.Errorf("devserver: dial frontend %s: %w", hostPort, err)
	}
	return c, nil
}
