package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Preflighter = (*Provider)(nil)

// Preflight checks at most fleet.MaxBatch managed nodes before a window,
// per account and region (in parallel, with the account's assumed role):
// SSM DescribeInstanceInformation gives each node's PingStatus and
// AgentVersion, EC2 DescribeInstances each EC2 instance's state and
// IamInstanceProfile (hybrid mi- nodes are not EC2 instances). See
// checkNode for the findings. IDs that are managed nodes of no target
// account and region are not-found findings. A denied DescribeInstances
// is a check-failed warning on the account's EC2 instances; other errors
// (an SSM call that fails, throttling that outlasts the retries, a role
// refused for good) fail the call, as they do Scan.
func (p *Provider) Preflight(ctx context.Context, instanceIDs []string) ([]fleet.Preflight, error) {
	if len(instanceIDs) > fleet.MaxBatch {
		return nil, fmt.Errorf("aws: preflight of %d instances: %w", len(instanceIDs), fleet.ErrTooManyInstances)
	}
	groups, missing, err := p.locate(ctx, instanceIDs)
	if err != nil {
		return nil, err
	}
	found := map[string]fleet.Preflight{}
	for id, why := range missing {
		found[id] = withFinding(fleet.Preflight{InstanceID: id}, fleet.DriftUnknownInstance, true, why)
	}
	var mu sync.Mutex
	err = eachGroup(groups, func(g group) error {
		res, err := p.preflightGroup(ctx, g)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range res {
			found[r.InstanceID] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]fleet.Preflight, len(instanceIDs))
	for i, id := range instanceIDs {
		r, ok := found[id]
		if !ok {
			r = withFinding(fleet.Preflight{InstanceID: id}, fleet.DriftUnknownInstance, true, "InvalidInstanceId: "+id+" was not found")
		}
		out[i] = r
	}
	return out, nil
}

// preflightGroup checks the nodes of one account and region.
func (p *Provider) preflightGroup(ctx context.Context, g group) ([]fleet.Preflight, error) {
	if err := g.credentials(ctx); err != nil {
		return nil, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(g.ids)))
	infos, err := agentInformation(ctx, g.clientSet, ids)
	if err != nil {
		return nil, wrapErr("preflight DescribeInstanceInformation in "+g.String(), err)
	}
	var ec2IDs []string
	for _, id := range ids {
		if !strings.HasPrefix(id, "mi-") {
			ec2IDs = append(ec2IDs, id)
		}
	}
	insts, denied, err := ec2Instances(ctx, g.clientSet, ec2IDs)
	if err != nil {
		return nil, err
	}
	out := make([]fleet.Preflight, 0, len(ids))
	for _, id := range ids {
		info, ok := infos[id]
		var ip *types.InstanceInformation
		if ok {
			ip = &info
		}
		var inst *ec2types.Instance
		if x, ok := insts[id]; ok {
			inst = &x
		}
		out = append(out, p.checkNode(g.place, id, ip, inst, denied))
	}
	return out, nil
}

// agentInformation reads the nodes' SSM information (DescribeInstanceInformation
// with an InstanceIds filter, paginated: PingStatus, AgentVersion,
// IsLatestVersion;
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html).
func agentInformation(ctx context.Context, c *clientSet, ids []string) (map[string]types.InstanceInformation, error) {
	in := &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(50), Filters: []types.InstanceInformationStringFilter{
		{Key: aws.String("InstanceIds"), Values: ids},
	}}
	out := map[string]types.InstanceInformation{}
	pages := ssm.NewDescribeInstanceInformationPaginator(c.ssm, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, info := range page.InstanceInformationList {
			out[aws.ToString(info.InstanceId)] = info
		}
	}
	return out, nil
}

// ec2Instances reads the EC2 instances' state and instance profile with
// DescribeInstances, through the account and region's EC2 client (one
// page per account, region and batch, paced by that client's token
// bucket; see newEC2). It filters by instance-id rather than naming
// InstanceIds, which fails the whole call when one ID is gone (a
// terminated instance SSM still lists) and cannot be paginated
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
// When EC2 refuses the call for good (UnauthorizedOperation: the role
// lacks ec2:DescribeInstances), denied says why and the instances go
// unchecked; other errors are returned.
func ec2Instances(ctx context.Context, c *clientSet, ids []string) (insts map[string]ec2types.Instance, denied string, err error) {
	insts = map[string]ec2types.Instance{}
	if len(ids) == 0 {
		return insts, "", nil
	}
	in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000), Filters: []ec2types.Filter{
		{Name: aws.String("instance-id"), Values: ids},
	}}
	pages := ec2.NewDescribeInstancesPaginator(c.ec2, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			what := "preflight DescribeInstances in " + c.String()
			if pe := permanent(what, err); pe != nil {
				return nil, pe.Error(), nil
			}
			return nil, "", wrapErr(what, err)
		}
		for _, r := range page.Reservations {
			for _, x := range r.Instances {
				insts[aws.ToString(x.InstanceId)] = x
			}
		}
	}
	return insts, "", nil
}
