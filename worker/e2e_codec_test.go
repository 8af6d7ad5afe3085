package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/proto"

	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// With the codec on, an approved cycle's histories (the cycle and its
// waves), read raw from the server as anyone with namespace read access
// would, hold no host name, no CVE, no approver identity and no package
// name in clear, while the cycle runs as usual.
func TestE2EEncryptedHistoriesHoldNoPlaintext(t *testing.T) {
	key := make([]byte, codec.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	keys, err := codec.ParseKeys("test", "k1 "+base64.StdEncoding.EncodeToString(key))
	require.NoError(t, err)
	cdc, err := codec.New(keys)
	require.NoError(t, err)
	var opts client.Options
	codec.Apply(&opts, cdc)

	s := newStack(t, 200, 0, temporaltest.WithBaseClientOptions(opts))
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	approveWhenReady(s, run.GetID(), "ops-lead@example.com")
	res := s.wait(run)
	require.Positive(t, res.Counts.Patched, "the cycle ran as usual")
	rep := s.report(res)

	secrets := []string{"ops-lead@example.com", "prod-sensitive"}
	for _, r := range rep.Instances {
		secrets = append(secrets, r.ID, r.Name)
		for _, p := range r.Packages {
			// Short names could turn up in ciphertext by chance.
			if len(p.Name) >= 8 {
				secrets = append(secrets, p.Name)
			}
		}
	}
	require.Greater(t, len(secrets), 10)

	ctx := context.Background()
	ids := []string{run.GetID()}
	for n := 1; ; n++ {
		id := fmt.Sprintf("%s/wave-%d", run.GetID(), n)
		if _, err := s.c.DescribeWorkflowExecution(ctx, id, ""); err != nil {
			break
		}
		ids = append(ids, id)
	}
	require.Greater(t, len(ids), 1, "the waves' histories are read too")
	encrypted := 0
	for _, id := range ids {
		it := s.c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			raw, err := proto.Marshal(ev)
			require.NoError(t, err)
			text := string(raw)
			encrypted += strings.Count(text, codec.EncodingEncrypted)
			for _, secret := range secrets {
				// Workflow IDs and search attributes name the group by design.
				if secret == "prod-sensitive" {
					continue
				}
				require.NotContains(t, text, secret, "%s event %d (%s)", id, ev.EventId, ev.EventType)
			}
			require.NotContains(t, text, "CVE-", "%s event %d (%s)", id, ev.EventId, ev.EventType)
		}
	}
	require.Positive(t, encrypted, "payloads are marked encrypted")
}
