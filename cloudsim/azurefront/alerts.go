package azurefront

import (
	"crypto/sha1"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Azure Monitor as the provider's alarm gates read it, over the fleet's
// Azure alert rules (cloudsim.Fleet.SetAlarm with cloud "azure"): GET of an
// alert rule resource (metricAlerts, scheduledQueryRules,
// activityLogAlerts, smartDetectorAlertRules: 200 when the fleet has the
// rule, else 404 ResourceNotFound), and the Alerts Management API's
// GET /subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts
// with the filters alertRule, monitorCondition and timeRange (1h, 1d, 7d or
// 30d; 1d when not given: a rule whose state last changed before that is
// not listed), one alert per rule, Fired or Resolved, paged by
// Options.PageSize with nextLink
// (https://learn.microsoft.com/rest/api/monitor/alertsmanagement/alerts/get-all?view=rest-monitor-2019-03-01).

// alertRulePath matches the path of an alert rule resource.
var alertRulePath = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/(microsoft\.insights/(metricalerts|scheduledqueryrules|activitylogalerts)|microsoft\.alertsmanagement/smartdetectoralertrules)/[^/]+$`)

// alertsPath matches the Alerts API's subscription-scope path.
var alertsPath = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/providers/microsoft\.alertsmanagement/alerts$`)

// isMonitorPath reports whether a GET path is an alert rule or the
// alerts list.
func isMonitorPath(p string) bool { return alertRulePath.MatchString(p) || alertsPath.MatchString(p) }

// timeRanges are the Alerts API's timeRange values.
var timeRanges = map[string]time.Duration{"1h": time.Hour, "1d": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// routeMonitor serves an alert rule or the alerts list.
func (s *Server) routeMonitor(w *statusRecorder, r *http.Request, c *Call) {
	p := r.URL.Path
	c.Resource = p
	if r.URL.Query().Get("api-version") == "" {
		c.Op = "alerts"
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	if m := alertsPath.FindStringSubmatch(p); m != nil {
		c.Op = "alerts"
		s.serveAlerts(w, r, m[1])
		return
	}
	c.Op = "alertRule"
	a, ok := s.fleet.Alarm(fleet.CloudAzure, "", "", p)
	if !ok {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The Resource '"+p[strings.Index(strings.ToLower(p), "/providers/")+len("/providers/"):]+"' was not found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": a.Name, "name": a.Name[strings.LastIndex(a.Name, "/")+1:], "location": "global",
		"properties": map[string]any{"enabled": true, "description": a.Reason}})
}

// serveAlerts lists the alerts of a subscription's rules.
func (s *Server) serveAlerts(w http.ResponseWriter, r *http.Request, sub string) {
	q := r.URL.Query()
	rule, cond, tr := q.Get("alertRule"), q.Get("monitorCondition"), q.Get("timeRange")
	if tr == "" {
		tr = "1d"
	}
	span, ok := timeRanges[tr]
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidParameter", "timeRange must be one of 1h, 1d, 7d, 30d.")
		return
	}
	now := s.fleet.Now()
	var list []map[string]any
	for _, a := range s.fleet.Alarms() {
		condition := "Resolved"
		if a.Firing {
			condition = "Fired"
		}
		if a.Cloud != fleet.CloudAzure || !strings.HasPrefix(strings.ToLower(a.Name), "/subscriptions/"+strings.ToLower(sub)+"/") ||
			(rule != "" && !strings.EqualFold(rule, a.Name)) || (cond != "" && !strings.EqualFold(cond, condition)) || now.Sub(a.Changed) > span {
			continue
		}
		id := fmt.Sprintf("%x", sha1.Sum([]byte(strings.ToLower(a.Name))))
		guid := id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32]
		at := a.Changed.UTC().Format(time.RFC3339)
		list = append(list, map[string]any{
			"id": "/subscriptions/" + sub + "/providers/Microsoft.AlertsManagement/alerts/" + guid, "type": "Microsoft.AlertsManagement/alerts",
			"name": a.Name[strings.LastIndex(a.Name, "/")+1:],
			"properties": map[string]any{"essentials": map[string]any{
				"severity": "Sev2", "signalType": "Metric", "alertState": "New", "monitorCondition": condition, "monitorService": "Platform",
				"alertRule": a.Name, "startDateTime": at, "lastModifiedDateTime": at, "lastModifiedUserName": "System", "description": a.Reason,
			}},
		})
	}
	from, _ := strconv.Atoi(q.Get("ctoken"))
	from = min(max(from, 0), len(list))
	to := min(len(list), from+s.opts.PageSize)
	body := map[string]any{"value": list[from:to]}
	if to < len(list) {
		next := *r.URL
		nq := next.Query()
		nq.Set("ctoken", strconv.Itoa(to))
		next.RawQuery = nq.Encode()
		body["nextLink"] = "https://" + r.Host + next.RequestURI()
	}
	writeJSON(w, http.StatusOK, body)
}
