package azure

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Alarm health gates name an Azure Monitor alert rule by its resource ID.
// The provider first reads the rule itself (GET of the resource, with the
// API version of its type, see ruleAPIVersions), so that a rule that does
// not exist fails the gate check instead of passing it (the Alerts API
// answers an empty list for an unknown rule), then lists the rule's alerts
// that are fired and not resolved with the Alerts Management API:
// GET /subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts
// ?alertRule={ruleID}&monitorCondition=Fired&timeRange=30d&api-version=2019-03-01
// (timeRange defaults to 1d; 30d is its longest), following nextLink. The
// rule is firing when an alert's essentials.monitorCondition is Fired,
// whatever its alertState (New, Acknowledged or Closed: closing an alert
// does not resolve its condition)
// (https://learn.microsoft.com/rest/api/monitor/alertsmanagement/alerts/get-all?view=rest-monitor-2019-03-01,
// https://github.com/Azure/azure-rest-api-specs/blob/main/specification/alertsmanagement/resource-manager/Microsoft.AlertsManagement/AlertsManagement/stable/2019-03-01/AlertsManagement.json,
// https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-overview).
// The calls go through azcore's ARM pipeline (the Arc client's; no SDK
// module for Alerts Management is pinned), authorized by
// Microsoft.AlertsManagement/alerts/read and the rule type's read
// permission (both in Monitoring Reader).
const alertsAPIVersion = "2019-03-01"

// ruleAPIVersions are the stable API versions of the alert rule types a
// gate may name
// (https://learn.microsoft.com/rest/api/monitor/metricalerts/get?view=rest-monitor-2018-03-01,
// https://learn.microsoft.com/rest/api/monitor/scheduledqueryrule-2021-08-01/scheduled-query-rules,
// https://learn.microsoft.com/rest/api/monitor/activity-log-alerts,
// https://learn.microsoft.com/rest/api/monitor/smart-detector-alert-rules).
var ruleAPIVersions = map[string]string{
	"microsoft.insights/metricalerts":                    "2018-03-01",
	"microsoft.insights/scheduledqueryrules":             "2021-08-01",
	"microsoft.insights/activitylogalerts":               "2020-10-01",
	"microsoft.alertsmanagement/smartdetectoralertrules": "2021-04-01",
}

// alertList is the Alerts API's page: alerts with their essentials.
type alertList struct {
	Value []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Properties struct {
			Essentials struct {
				AlertRule        string `json:"alertRule"`
				AlertState       string `json:"alertState"`
				MonitorCondition string `json:"monitorCondition"`
				Severity         string `json:"severity"`
				StartDateTime    string `json:"startDateTime"`
				Description      string `json:"description"`
			} `json:"essentials"`
		} `json:"properties"`
	} `json:"value"`
	NextLink string `json:"nextLink"`
}

// AlarmStates reads each Azure Monitor alert rule: Firing when one of its
// alerts is fired and not resolved, State "Fired" (with the count) or
// "Resolved" (no fired alert), Reason the first fired alert's name,
// severity, start and description. A rule that does not exist, an ID
// that is no alert rule and a denied read fail the call with an error
// wrapping fleet.ErrPermanent; alarms of another cloud are refused.
func (p *Provider) AlarmStates(ctx context.Context, alarms []fleet.Alarm) ([]fleet.AlarmState, error) {
	out := make([]fleet.AlarmState, 0, len(alarms))
	for _, a := range alarms {
		st, err := p.alarmState(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// alarmState reads one alert rule.
func (p *Provider) alarmState(ctx context.Context, a fleet.Alarm) (fleet.AlarmState, error) {
	if a.Cloud != fleet.CloudAzure {
		return fleet.AlarmState{}, fmt.Errorf("azure: alarm %q is a %s alarm, not an Azure Monitor alert rule: %w", a.Name, a.Cloud, fleet.ErrPermanent)
	}
	r, err := arm.ParseResourceID(a.Name)
	if err != nil {
		return fleet.AlarmState{}, fmt.Errorf("azure: alert rule %q is not a resource ID: %v: %w", a.Name, err, fleet.ErrPermanent)
	}
	version, ok := ruleAPIVersions[strings.ToLower(r.ResourceType.String())]
	if !ok {
		return fleet.AlarmState{}, fmt.Errorf("azure: %s is a %s, not an Azure Monitor alert rule (metric, log search, activity log or smart detector): %w",
			a.Name, r.ResourceType, fleet.ErrPermanent)
	}
	var rule struct {
		ID string `json:"id"`
	}
	if err := p.armGet(ctx, runtime.JoinPaths(p.arc.Endpoint(), a.Name), version, nil, &rule); err != nil {
		return fleet.AlarmState{}, alertError(err, r.SubscriptionID, "alert rule "+a.Name)
	}
	q := map[string]string{"alertRule": a.Name, "monitorCondition": "Fired", "timeRange": "30d"}
	next := runtime.JoinPaths(p.arc.Endpoint(), "/subscriptions/"+r.SubscriptionID+"/providers/Microsoft.AlertsManagement/alerts")
	st := fleet.AlarmState{Alarm: a, State: "Resolved"}
	fired := 0
	for next != "" {
		var page alertList
		if err := p.armGet(ctx, next, alertsAPIVersion, q, &page); err != nil {
			return fleet.AlarmState{}, alertError(err, r.SubscriptionID, "alerts of rule "+a.Name)
		}
		for _, al := range page.Value {
			e := al.Properties.Essentials
			if !strings.EqualFold(e.MonitorCondition, "Fired") || (e.AlertRule != "" && !strings.EqualFold(e.AlertRule, a.Name)) {
				continue
			}
			fired++
			if st.Reason == "" {
				st.Reason = strings.TrimSpace(fmt.Sprintf("%s (%s, %s since %s) %s", al.Name, e.Severity, e.AlertState, e.StartDateTime, e.Description))
			}
		}
		next, q = page.NextLink, nil
	}
	if fired > 0 {
		st.Firing, st.State = true, "Fired"
		if fired > 1 {
			st.State = fmt.Sprintf("Fired (%d alerts)", fired)
		}
	}
	return st, nil
}

// armGet GETs an ARM URL with the api-version (kept when the URL, a
// nextLink, has one) and the query, and decodes a 200 answer into out.
func (p *Provider) armGet(ctx context.Context, url, apiVersion string, query map[string]string, out any) error {
	req, err := runtime.NewRequest(ctx, http.MethodGet, url)
	if err != nil {
		return err
	}
	q := req.Raw().URL.Query()
	if q.Get("api-version") == "" {
		q.Set("api-version", apiVersion)
	}
	for k, v := range query {
		q.Set(k, v)
	}
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	return p.armDo(req, out)
}

// alertError classifies an error of the rule or alerts read: permanent
// (a rule not found, a denied read, see permanent) or throttled, else
// plain (retried by the activity).
func alertError(err error, sub, what string) error {
	if pe := permanent(err, sub, true); pe != nil {
		return fmt.Errorf("azure: reading %s: %w", what, pe)
	}
	return fmt.Errorf("azure: reading %s: %w", what, wrapCallError(err))
}
