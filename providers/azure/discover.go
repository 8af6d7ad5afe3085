package azure

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Discover lists the VMs and Arc machines of the target subscriptions that
// the selector matches, reachable or not.
func (p *Provider) Discover(ctx context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	if len(sel.Clouds) > 0 && !slices.Contains(sel.Clouds, fleet.CloudAzure) {
		return nil, nil
	}
	var out []fleet.Instance
	for _, t := range p.cfg.Targets {
		if len(sel.Accounts) > 0 && !slices.Contains(sel.Accounts, t.ID) {
			continue
		}
		rows, err := p.query(ctx, t.ID, graphQuery(t.ResourceGroups, sel))
		if pe := permanent(err, t.ID, true); pe != nil {
			return nil, pe
		}
		if err != nil {
			return nil, wrapCallError(fmt.Errorf("azure: resource graph query of subscription %s: %w", t.ID, err))
		}
		for _, r := range rows {
			in := r.instance()
			if in.OS == "" || !sel.Matches(in) {
				continue
			}
			out = append(out, in)
		}
	}
	if err := p.checkAgents(ctx, out); err != nil {
		return nil, wrapCallError(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	for _, in := range out {
		p.remember(in)
	}
	return out, nil
}

// kql quotes a string for a KQL query.
func kql(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// graphQuery is the Resource Graph query of the machines of one
// subscription: VMs and Arc machines, narrowed to the resource groups, the
// selector's tags and regions, with the columns row.instance reads.
func graphQuery(rgs []string, sel fleet.Selector) string {
	var b strings.Builder
	b.WriteString("resources\n| where type =~ 'microsoft.compute/virtualmachines' or type =~ 'microsoft.hybridcompute/machines'\n")
	inList := func(col string, vals []string) {
		q := make([]string, len(vals))
		for i, v := range vals {
			q[i] = kql(v)
		}
		fmt.Fprintf(&b, "| where %s in~ (%s)\n", col, strings.Join(q, ", "))
	}
	if len(rgs) > 0 {
		inList("resourceGroup", rgs)
	}
	if len(sel.Regions) > 0 {
		inList("location", sel.Regions)
	}
	keys := make([]string, 0, len(sel.Tags))
	for k := range sel.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "| where tags[%s] =~ %s\n", kql(k), kql(sel.Tags[k]))
	}
	b.WriteString("| project id, name, type, location, resourceGroup, subscriptionId, tags, " +
		"osType = tostring(coalesce(properties.storageProfile.osDisk.osType, properties.osType)), " +
		"osName = tostring(coalesce(properties.extended.instanceView.osName, properties.osName)), " +
		"osVersion = tostring(coalesce(properties.extended.instanceView.osVersion, properties.osVersion)), " +
		"powerState = tostring(properties.extended.instanceView.powerState.code), " +
		"arcStatus = tostring(properties.status)\n| order by id asc")
	return b.String()
}

// query runs a Resource Graph query over one subscription, page by page.
func (p *Provider) query(ctx context.Context, sub, q string) ([]row, error) {
	var out []row
	var skip *string
	for {
		resp, err := p.graph.Resources(ctx, armresourcegraph.QueryRequest{
			Query: to.Ptr(q), Subscriptions: []*string{to.Ptr(sub)},
			Options: &armresourcegraph.QueryRequestOptions{ResultFormat: to.Ptr(armresourcegraph.ResultFormatObjectArray),
				Top: to.Ptr(p.cfg.PageSize), SkipToken: skip},
		}, nil)
		if err != nil {
			return nil, err
		}
		data, _ := resp.Data.([]any)
		for _, d := range data {
			if m, ok := d.(map[string]any); ok {
				out = append(out, row(m))
			}
		}
		if resp.SkipToken == nil || *resp.SkipToken == "" {
			return out, nil
		}
		skip = resp.SkipToken
	}
}

// row is one Resource Graph result row.
type row map[string]any

func (r row) str(k string) string {
	s, _ := r[k].(string)
	return s
}

// instance builds the machine of a row; OS is empty when not supported.
func (r row) instance() fleet.Instance {
	in := fleet.Instance{ID: r.str("id"), Cloud: fleet.CloudAzure, Account: r.str("subscriptionId"),
		Region: r.str("location"), ResourceGroup: r.str("resourceGroup"), Name: r.str("name"), Ping: fleet.PingOnline}
	in.OS, in.OSVersion = osOf(r.str("osType"), r.str("osName"), r.str("osVersion"))
	in.Platform = "Linux"
	if in.OS.IsWindows() {
		in.Platform = "Windows"
	}
	if tags, ok := r["tags"].(map[string]any); ok {
		in.Tags = map[string]string{}
		for k, v := range tags {
			in.Tags[k], _ = v.(string)
		}
	}
	if strings.EqualFold(r.str("type"), "microsoft.hybridcompute/machines") {
		if st := r.str("arcStatus"); !strings.EqualFold(st, "Connected") {
			in.Ping, in.Unreachable = fleet.PingConnectionLost, "Arc agent status is "+st
		}
		return in
	}
	if ps := r.str("powerState"); ps != "" && !strings.EqualFold(ps, "PowerState/running") {
		in.Ping, in.Unreachable = fleet.PingInactive, "VM is not running ("+ps+"): deallocated or stopped VMs cannot be patched"
	}
	return in
}

// checkAgents reads the instanceView of every running VM and marks those
// whose VM agent is not Ready.
func (p *Provider) checkAgents(ctx context.Context, ins []fleet.Instance) error {
	var ids []string
	var idx []int
	for i, in := range ins {
		if in.Unreachable == "" && !strings.Contains(strings.ToLower(in.ID), "/microsoft.hybridcompute/") {
			ids, idx = append(ids, in.ID), append(idx, i)
		}
	}
	var mu sync.Mutex
	var firstErr error
	p.forEach(ctx, ids, nil, func(ctx context.Context, k int, m machine, _ func()) {
		st, err := p.vmState(ctx, m)
		if err != nil {
			if callError(err) {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			st.reason = machineError("instanceView", err)
		}
		if st.reason != "" {
			in := &ins[idx[k]]
			in.Ping, in.Unreachable = fleet.PingConnectionLost, st.reason
		}
	}, func(int, error) {})
	return firstErr
}
