package awsfront

import (
	"net/http"
	"sort"
	"time"
)

// commandStatuses are the values of ListCommands' Status filter
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandFilter.html).
var commandStatuses = map[string]bool{
	"Pending": true, "InProgress": true, "Success": true, "Cancelled": true, "Failed": true, "TimedOut": true,
	"AccessDenied": true, "DeliveryTimedOut": true, "ExecutionTimedOut": true, "Incomplete": true,
	"NoInstancesInTag": true, "LimitExceeded": true,
}

type commandFilter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type listCommandsInput struct {
	CommandID  string          `json:"CommandId"`
	InstanceID string          `json:"InstanceId"`
	Filters    []commandFilter `json:"Filters"`
	MaxResults int             `json:"MaxResults"`
	NextToken  string          `json:"NextToken"`
}

// listCommands lists the caller's commands in its account and region,
// newest first, filtered by CommandId, InstanceId and the documented filter
// keys InvokedAfter, InvokedBefore, Status, ExecutionStage (Executing or
// Complete) and DocumentName
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html).
// InvokedAfter and InvokedBefore are compared with the wall-clock time the
// SendCommand arrived: the fleet's simulated clock may be far from the
// caller's, which computes them.
func (s *Server) listCommands(c *ssmCall) (any, *apiError) {
	var in listCommandsInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.MaxResults != 0 && (in.MaxResults < 1 || in.MaxResults > 50) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", in.MaxResults)
	}
	if len(in.Filters) > 5 {
		return nil, validation("1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	match, e := commandMatcher(in.Filters)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.CommandID != "" {
		if cmd := s.commands[in.CommandID]; cmd == nil || cmd.account != c.account || cmd.region != c.region {
			return nil, errorf("InvalidCommandId", http.StatusBadRequest, "Command with ID %s does not exist.", in.CommandID)
		}
	}
	var list []*command
	for _, cmd := range s.commands {
		if cmd.account == c.account && cmd.region == c.region && (in.CommandID == "" || in.CommandID == cmd.id) &&
			(in.InstanceID == "" || contains(cmd.ids, in.InstanceID)) && match(cmd) {
			list = append(list, cmd)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq > list[j].seq })
	from, to, next, e := s.page(len(list), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, errorf("InvalidNextToken", http.StatusBadRequest, "The specified token is not valid.")
	}
	out := make([]map[string]any, 0, to-from)
	for _, cmd := range list[from:to] {
		out = append(out, cmd.commandJSON())
	}
	return map[string]any{"Commands": out, "NextToken": omitEmpty(next)}, nil
}

// commandMatcher checks ListCommands' filters and returns the test they
// make. Callers of the test hold s.mu.
func commandMatcher(filters []commandFilter) (func(*command) bool, *apiError) {
	var tests []func(*command) bool
	for _, f := range filters {
		switch f.Key {
		case "InvokedAfter", "InvokedBefore":
			t, err := time.Parse(time.RFC3339, f.Value)
			if err != nil {
				return nil, validation("The filter value %q of %s is not a timestamp such as 2024-07-07T00:00:00Z.", f.Value, f.Key)
			}
			if f.Key == "InvokedAfter" {
				tests = append(tests, func(cmd *command) bool { return !cmd.sent.Before(t) })
			} else {
				tests = append(tests, func(cmd *command) bool { return cmd.sent.Before(t) })
			}
		case "Status":
			if !commandStatuses[f.Value] {
				return nil, validation("The filter value %q of Status is not valid.", f.Value)
			}
			v := f.Value
			tests = append(tests, func(cmd *command) bool { return cmd.status() == v })
		case "ExecutionStage":
			if f.Value != "Executing" && f.Value != "Complete" {
				return nil, validation("The filter value %q of ExecutionStage must be Executing or Complete.", f.Value)
			}
			executing := f.Value == "Executing"
			tests = append(tests, func(cmd *command) bool { return (cmd.status() == statusInProgress) == executing })
		case "DocumentName":
			v := f.Value
			tests = append(tests, func(*command) bool { return v == runPatchBaseline })
		default:
			return nil, errorf("InvalidFilterKey", http.StatusBadRequest, "The filter key %q is not valid.", f.Key)
		}
	}
	return func(cmd *command) bool {
		for _, t := range tests {
			if !t(cmd) {
				return false
			}
		}
		return true
	}, nil
}

// status is the command's overall status: InProgress while an invocation
// runs, then Cancelled, Failed or TimedOut if any invocation ended so (in
// that order), else Success. Callers hold s.mu.
func (cmd *command) status() string {
	var cancelled, failed, timedOut bool
	for _, inv := range cmd.inv {
		switch inv.status {
		case statusInProgress:
			return statusInProgress
		case statusCancelled:
			cancelled = true
		case statusFailed:
			failed = true
		case statusTimedOut:
			timedOut = true
		}
	}
	switch {
	case cancelled:
		return statusCancelled
	case failed:
		return statusFailed
	case timedOut:
		return statusTimedOut
	}
	return statusSuccess
}

// commandJSON is the Command shape of SendCommand and ListCommands.
// Callers hold s.mu.
func (cmd *command) commandJSON() map[string]any {
	completed, errs, undelivered := 0, 0, 0
	for _, inv := range cmd.inv {
		if inv.status == statusInProgress {
			continue
		}
		completed++
		switch {
		case inv.details == detailDeliveryTimedOut:
			undelivered++
		case inv.status != statusSuccess:
			errs++
		}
	}
	st := cmd.status()
	return map[string]any{
		"CommandId": cmd.id, "DocumentName": cmd.doc, "DocumentVersion": "$DEFAULT", "Comment": cmd.comment,
		"ExpiresAfter": epoch(cmd.requested.Add(time.Duration(cmd.timeout) * time.Second)), "Parameters": cmd.params,
		"InstanceIds": cmd.ids, "Targets": []any{}, "RequestedDateTime": epoch(cmd.requested), "Status": st,
		"StatusDetails": st, "MaxConcurrency": "50", "MaxErrors": "0", "TargetCount": len(cmd.ids),
		"CompletedCount": completed, "ErrorCount": errs, "DeliveryTimedOutCount": undelivered, "TimeoutSeconds": cmd.timeout,
		"NotificationConfig": map[string]any{"NotificationEvents": []any{}}, "CloudWatchOutputConfig": map[string]any{"CloudWatchOutputEnabled": false},
	}
}
