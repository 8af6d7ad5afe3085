package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// node is what the provider remembers of a managed node.
type node struct {
	place
	inst    fleet.Instance
	product string
}

// Discover lists the managed nodes the selector matches in every target
// account and region (DescribeInstanceInformation, paginated, with a
// tag:<key> filter per selector tag), hybrid nodes included. Nodes whose
// agent is not Online are returned with an Unreachable reason. When an
// account's role cannot be assumed, its known nodes (or, when none are
// known, one placeholder per region) are returned unreachable with the
// reason, and the other accounts proceed.
func (p *Provider) Discover(ctx context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	if !allowsCloud(sel.Clouds) {
		return nil, nil
	}
	var out []fleet.Instance
	for _, pl := range p.places(sel) {
		c := p.clientsFor(pl)
		if err := c.credentials(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			out = append(out, p.unreachablePlace(pl, sel, err.Error())...)
			continue
		}
		nodes, err := p.describe(ctx, c, sel.Tags, nil)
		if err != nil {
			return nil, wrapErr("discover in "+pl.String(), err)
		}
		for _, n := range nodes {
			n.inst.Tags = maps.Clone(sel.Tags)
			if allowsOS(sel.OS, n.inst.OS) {
				out = append(out, n.inst)
			}
		}
	}
	return out, nil
}

func allowsCloud(list []fleet.Cloud) bool {
	for _, c := range list {
		if c == fleet.CloudAWS {
			return true
		}
	}
	return len(list) == 0
}

func allowsOS(list []fleet.OSFamily, os fleet.OSFamily) bool {
	for _, o := range list {
		if o == os {
			return true
		}
	}
	return len(list) == 0
}

// unreachablePlace reports an account and region that cannot be reached:
// its known nodes, or a placeholder naming the account and region.
func (p *Provider) unreachablePlace(pl place, sel fleet.Selector, reason string) []fleet.Instance {
	p.mu.Lock()
	var out []fleet.Instance
	for _, n := range p.where {
		if n.place == pl && sel.Matches(withTags(n.inst, sel.Tags)) {
			i := n.inst
			i.Tags = maps.Clone(sel.Tags)
			i.Unreachable = reason
			out = append(out, i)
		}
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > 0 {
		return out
	}
	return []fleet.Instance{{
		ID: PlaceholderID(pl.account, pl.region), Cloud: fleet.CloudAWS, Account: pl.account, Region: pl.region,
		Name: "managed nodes of account " + pl.account + " in " + pl.region, Tags: maps.Clone(sel.Tags),
		Ping: fleet.PingInactive, Unreachable: reason,
	}}
}

// PlaceholderID is the instance ID that stands for every node of an
// account and region that could not be listed (its role could not be
// assumed and no node of it is known yet).
func PlaceholderID(account, region string) string { return "aws-account/" + account + "/" + region }

func withTags(i fleet.Instance, tags map[string]string) fleet.Instance {
	i.Tags = tags
	return i
}

// describe lists nodes of one account and region by tags or by IDs, and
// remembers where they are.
func (p *Provider) describe(ctx context.Context, c *clientSet, tags map[string]string, ids []string) ([]node, error) {
	in := &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50)}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Filters = append(in.Filters, types.InstanceInformationStringFilter{Key: aws.String("tag:" + k), Values: []string{tags[k]}})
	}
	if len(ids) > 0 {
		in.Filters = append(in.Filters, types.InstanceInformationStringFilter{Key: aws.String("InstanceIds"), Values: ids})
	}
	var out []node
	pages := ssm.NewDescribeInstanceInformationPaginator(c.ssm, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, info := range page.InstanceInformationList {
			out = append(out, nodeOf(c.place, info))
		}
	}
	p.mu.Lock()
	for _, n := range out {
		if old, ok := p.where[n.inst.ID]; ok && len(n.inst.Tags) == 0 {
			n.inst.Tags = old.inst.Tags
		}
		p.where[n.inst.ID] = n
	}
	p.mu.Unlock()
	return out, nil
}

// nodeOf converts SSM's InstanceInformation.
func nodeOf(pl place, info types.InstanceInformation) node {
	i := fleet.Instance{
		ID: aws.ToString(info.InstanceId), Cloud: fleet.CloudAWS, Account: pl.account, Region: pl.region,
		Name: aws.ToString(info.ComputerName), Platform: string(info.PlatformType), Ping: fleet.PingStatus(info.PingStatus),
	}
	if i.Name == "" {
		i.Name = aws.ToString(info.Name)
	}
	var product string
	i.OS, i.OSVersion, product = osOf(aws.ToString(info.PlatformName), aws.ToString(info.PlatformVersion))
	if i.Ping != fleet.PingOnline {
		i.Unreachable = fmt.Sprintf("SSM Agent %s (last ping %s)", orUnknown(string(info.PingStatus)),
			aws.ToTime(info.LastPingDateTime).UTC().Format(time.RFC3339))
	}
	return node{place: pl, inst: i, product: product}
}

// osOf maps SSM's PlatformName and PlatformVersion to the OS family, its
// version and the patch PRODUCT (as baselines name it).
func osOf(name, version string) (fleet.OSFamily, string, string) {
	switch {
	case strings.HasPrefix(name, "Ubuntu"):
		return fleet.OSUbuntu, version, "Ubuntu" + version
	case strings.HasPrefix(name, "Amazon Linux") && strings.HasPrefix(version, "2023"):
		return fleet.OSAmazonLinux2023, "2023", "AmazonLinux2023"
	case strings.HasPrefix(name, "Amazon Linux") && strings.HasPrefix(version, "2"):
		return fleet.OSAmazonLinux2, "2", "AmazonLinux2"
	case strings.Contains(name, "Windows Server"):
		for _, y := range []string{"2016", "2019", "2022", "2025"} {
			if strings.Contains(name, y) {
				return fleet.OSWindows, y, "WindowsServer" + y
			}
		}
		return fleet.OSWindows, version, "WindowsServer"
	}
	return fleet.OSFamily(strings.ToUpper(strings.ReplaceAll(name, " ", "_"))), version, name + version
}

func orUnknown(s string) string {
	if s == "" {
		return "status unknown"
	}
	return s
}

// locate returns the nodes of the IDs, grouped by account and region, in
// the targets' order. IDs not seen yet are looked up in every target
// account and region; IDs found nowhere are returned in missing with the
// reason. When some are found nowhere and an account's role was refused
// for good (see credentials), they may well be that account's: the call
// fails with that permanent error instead.
func (p *Provider) locate(ctx context.Context, ids []string) (groups []group, missing map[string]string, err error) {
	byPlace := map[place][]string{}
	var unknown []string
	p.mu.Lock()
	for _, id := range ids {
		if n, ok := p.where[id]; ok {
			byPlace[n.place] = append(byPlace[n.place], id)
		} else {
			unknown = append(unknown, id)
		}
	}
	p.mu.Unlock()
	missing = map[string]string{}
	if len(unknown) > 0 {
		var reasons []string
		var denied error
		for _, pl := range p.places(fleet.Selector{}) {
			c := p.clientsFor(pl)
			if err := c.credentials(ctx); err != nil {
				if denied == nil && errors.Is(err, fleet.ErrPermanent) {
					denied = err
				}
				reasons = append(reasons, err.Error())
				continue
			}
			nodes, err := p.describe(ctx, c, nil, unknown)
			if err != nil {
				return nil, nil, wrapErr("locate nodes in "+pl.String(), err)
			}
			for _, n := range nodes {
				byPlace[pl] = append(byPlace[pl], n.inst.ID)
			}
		}
		found := map[string]bool{}
		for _, l := range byPlace {
			for _, id := range l {
				found[id] = true
			}
		}
		for _, id := range unknown {
			if !found[id] && denied != nil {
				return nil, nil, denied
			}
			if !found[id] {
				missing[id] = "InvalidInstanceId: " + id + " is not a managed node in any target account and region"
				if len(reasons) > 0 {
					missing[id] += " that could be reached (" + strings.Join(reasons, "; ") + ")"
				}
			}
		}
	}
	for _, pl := range p.places(fleet.Selector{}) {
		if l := byPlace[pl]; len(l) > 0 {
			groups = append(groups, group{clientSet: p.clientsFor(pl), ids: l})
		}
	}
	return groups, missing, nil
}

// group is the part of a batch in one account and region.
type group struct {
	*clientSet
	ids []string
}

// nodeInfo returns what is known of a node.
func (p *Provider) nodeInfo(id string) node {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.where[id]
}
