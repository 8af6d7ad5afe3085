package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// Alarm health gates read CloudWatch alarms with DescribeAlarms by
// AlarmNames (at most 100 per call), AlarmTypes MetricAlarm and
// CompositeAlarm (without AlarmTypes only metric alarms are returned),
// paginated with NextToken; an alarm is firing when its StateValue is
// ALARM (the others: OK, INSUFFICIENT_DATA), as maintenance windows'
// alarm configurations judge them
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/maintenance-window-tasks-alarms.html).
// The call needs cloudwatch:DescribeAlarms in the alarm's account
// (deployments/aws/target-role-policy.json).
//
// The CloudWatch client is the SDK's (service/cloudwatch, which speaks
// smithy-rpcv2-cbor); like the SSM clients it takes the account's
// credentials (its assumed role, see accountOf), the provider's retryer
// and a rate limit. Its endpoint is the SDK's: AWS's, or the base
// configuration's BaseEndpoint or AWS_ENDPOINT_URL_CLOUDWATCH when set
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html),
// which is how tests reach the emulator.
const maxAlarmNames = 100

// AlarmStates reads the CloudWatch alarms, each in its account (the
// target's role; an account that is no target is read with the worker's
// own credentials) and region (Config.HomeRegion when empty). An alarm
// that DescribeAlarms does not list fails the call with an error wrapping
// fleet.ErrPermanent: a gate on a missing (or misspelt) alarm cannot be
// checked and must not pass. Alarms of another cloud are refused.
func (p *Provider) AlarmStates(ctx context.Context, alarms []fleet.Alarm) ([]fleet.AlarmState, error) {
	byPlace := map[place][]string{}
	var order []place
	for _, a := range alarms {
		if a.Cloud != fleet.CloudAWS {
			return nil, fmt.Errorf("aws: alarm %q is a %s alarm, not a CloudWatch alarm: %w", a.Name, a.Cloud, fleet.ErrPermanent)
		}
		pl := place{a.Account, a.Region}
		if pl.region == "" {
			pl.region = p.cfg.HomeRegion
		}
		if _, ok := byPlace[pl]; !ok {
			order = append(order, pl)
		}
		byPlace[pl] = append(byPlace[pl], a.Name)
	}
	found := map[place]map[string]cwtypes.StateValue{}
	reasons := map[place]map[string]string{}
	for _, pl := range order {
		states, why, err := p.describeAlarms(ctx, pl, byPlace[pl])
		if err != nil {
			return nil, err
		}
		found[pl], reasons[pl] = states, why
	}
	out := make([]fleet.AlarmState, 0, len(alarms))
	for _, a := range alarms {
		pl := place{a.Account, a.Region}
		if pl.region == "" {
			pl.region = p.cfg.HomeRegion
		}
		st, ok := found[pl][a.Name]
		if !ok {
			return nil, fmt.Errorf("aws: CloudWatch alarm %q not found in account %s region %s (DescribeAlarms lists no metric or composite alarm of that name): %w",
				a.Name, orNone(pl.account), pl.region, fleet.ErrPermanent)
		}
		out = append(out, fleet.AlarmState{Alarm: a, Firing: st == cwtypes.StateValueAlarm, State: string(st), Reason: reasons[pl][a.Name]})
	}
	return out, nil
}

// describeAlarms reads the named alarms of one account and region: their
// state and its reason.
func (p *Provider) describeAlarms(ctx context.Context, pl place, names []string) (map[string]cwtypes.StateValue, map[string]string, error) {
	cs := p.clientsFor(pl)
	if err := cs.credentials(ctx); err != nil {
		return nil, nil, err
	}
	cw := p.cloudWatch(pl, cs.acc)
	states, reasons := map[string]cwtypes.StateValue{}, map[string]string{}
	for start := 0; start < len(names); start += maxAlarmNames {
		pages := cloudwatch.NewDescribeAlarmsPaginator(cw, &cloudwatch.DescribeAlarmsInput{
			AlarmNames: names[start:min(len(names), start+maxAlarmNames)],
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, nil, wrapErr("DescribeAlarms in "+pl.String(), err)
			}
			for _, a := range page.MetricAlarms {
				states[aws.ToString(a.AlarmName)], reasons[aws.ToString(a.AlarmName)] = a.StateValue, aws.ToString(a.StateReason)
			}
			for _, a := range page.CompositeAlarms {
				states[aws.ToString(a.AlarmName)], reasons[aws.ToString(a.AlarmName)] = a.StateValue, aws.ToString(a.StateReason)
			}
		}
	}
	return states, reasons, nil
}

// cloudWatch returns a CloudWatch client for the account and region. It
// is made per call: alarm gates run once per wave. Its token bucket is its
// own, at the provider-wide Config.Rate and Burst, not the account's
// rates.ssm or rates.ec2: CloudWatch throttles apart from both, and a gate
// makes a handful of DescribeAlarms calls, which must not wait behind a
// scan's SSM calls.
func (p *Provider) cloudWatch(pl place, acc *account) *cloudwatch.Client {
	limiter := p.cfg.bucket(policy.RateLimit{})
	return cloudwatch.NewFromConfig(p.base, func(o *cloudwatch.Options) {
		o.Region = pl.region
		o.Credentials = acc.creds
		o.Retryer = p.retryer()()
		o.APIOptions = append(o.APIOptions, rateLimit(limiter))
		if p.cfg.Endpoints.CloudWatch != "" {
			o.BaseEndpoint = aws.String(p.cfg.Endpoints.CloudWatch)
		}
	})
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(none)"
	}
	return s
}
