package awsfront

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The patch baseline document.
const runPatchBaseline = "AWS-RunPatchBaseline"

// Invocation statuses and status details
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html).
const (
	statusInProgress       = "InProgress"
	statusSuccess          = "Success"
	statusFailed           = "Failed"
	statusTimedOut         = "TimedOut"
	statusCancelled        = "Cancelled"
	detailDeliveryTimedOut = "DeliveryTimedOut"
	detailExecTimedOut     = "ExecutionTimedOut"
)

// command is one SendCommand and its invocations.
type command struct {
	id, account, region string
	comment             string
	// doc is the document's name; operation is the patch baseline's
	// Operation, or doc for the other documents.
	doc       string
	operation string
	params    map[string][]string
	ids       []string
	names     map[string]string
	platforms map[string]string
	requested time.Time
	// sent is the wall-clock time SendCommand arrived, which ListCommands'
	// InvokedAfter and InvokedBefore filters compare with (see
	// listCommands).
	sent    time.Time
	timeout int
	// seq orders the commands for ListCommands, newest first.
	seq uint64
	// listed counts ListCommandInvocations calls, for Options.InvocationLag.
	listed int
	inv    map[string]*invocation
	cancel context.CancelFunc
}

// invocation is a command on one instance.
type invocation struct {
	status, details, output string
	code                    int
	start, end              time.Time
}

type sendCommandInput struct {
	DocumentName   string              `json:"DocumentName"`
	InstanceIDs    []string            `json:"InstanceIds"`
	Targets        []filter            `json:"Targets"`
	Parameters     map[string][]string `json:"Parameters"`
	TimeoutSeconds int                 `json:"TimeoutSeconds"`
	Comment        string              `json:"Comment"`
	MaxConcurrency string              `json:"MaxConcurrency"`
	MaxErrors      string              `json:"MaxErrors"`
}

// sendCommand starts AWS-RunPatchBaseline on at most 50 instances of the
// caller's account and region
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-aws-runpatchbaseline.html).
func (s *Server) sendCommand(c *ssmCall) (any, *apiError) {
	var in sendCommandInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	c.instances, c.ids, c.timeoutSeconds, c.params = len(in.InstanceIDs), in.InstanceIDs, in.TimeoutSeconds, in.Parameters
	if len(in.Parameters["Operation"]) == 1 {
		c.operation = in.Parameters["Operation"][0]
	}
	if in.DocumentName != runPatchBaseline {
		return nil, errorf("InvalidDocument", http.StatusBadRequest, "Document with name %s does not exist (the emulator runs %s, %s, %s and the documents of its Options.Documents).",
			in.DocumentName, runPatchBaseline, runShellScript, runPowerShellScript)
	}
	insts, e := s.commandInstances(c, in)
	if e != nil {
		return nil, e
	}
	if c.operation != "Scan" && c.operation != "Install" {
		return nil, errorf("InvalidParameters", http.StatusBadRequest, "Parameter \"Operation\" must be Scan or Install, not %q.", c.operation)
	}
	if r := in.Parameters["RebootOption"]; len(r) > 0 && r[0] != string(fleet.RebootIfNeeded) && r[0] != string(fleet.NoReboot) {
		return nil, errorf("InvalidParameters", http.StatusBadRequest, "Parameter \"RebootOption\" has an invalid value %q.", r[0])
	}
	if e := checkTimeoutSeconds(in.TimeoutSeconds); e != nil {
		return nil, e
	}
	return s.launch(c, in, c.operation, insts, s.commands, s.run), nil
}

// commandInstances checks SendCommand's targets: 1 to 50 InstanceIds
// (no Targets), every one a managed node of the caller's account and
// region.
func (s *Server) commandInstances(c *ssmCall, in sendCommandInput) ([]fleet.Instance, *apiError) {
	if len(in.Targets) > 0 {
		return nil, validation("the emulator takes InstanceIds, not Targets")
	}
	if len(in.InstanceIDs) == 0 || len(in.InstanceIDs) > fleet.MaxBatch {
		return nil, validation("1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50 and greater than or equal to 1")
	}
	return s.ownInstances(c, in.InstanceIDs)
}

// launch makes the caller's command (operation: the patch baseline's
// Operation, the document's name for the others) on the instances, keeps it
// in store (s.commands or s.scripts), runs it in the background and
// returns SendCommand's answer.
func (s *Server) launch(c *ssmCall, in sendCommandInput, operation string, insts []fleet.Instance, store map[string]*command,
	run func(ctx context.Context, cmd *command)) map[string]any {
	ctx, cancel := context.WithCancel(s.ctx)
	id, seq := newCommandID(s)
	cmd := &command{
		id: id, seq: seq, account: c.account, region: c.region, comment: in.Comment, doc: in.DocumentName, operation: operation,
		params: in.Parameters, ids: in.InstanceIDs, names: map[string]string{}, platforms: map[string]string{},
		requested: s.fleet.Now(), sent: time.Now(), timeout: in.TimeoutSeconds, inv: map[string]*invocation{}, cancel: cancel,
	}
	if cmd.timeout == 0 {
		cmd.timeout = defaultTimeoutSeconds
	}
	for _, i := range insts {
		cmd.names[i.ID], cmd.platforms[i.ID] = i.Name, i.Platform
		cmd.inv[i.ID] = &invocation{status: statusInProgress, code: -1, start: cmd.requested}
	}
	s.mu.Lock()
	store[cmd.id] = cmd
	out := cmd.commandJSON()
	s.mu.Unlock()
	// SendCommand answers before any invocation starts.
	out["Status"], out["StatusDetails"], out["CompletedCount"], out["ErrorCount"], out["DeliveryTimedOutCount"] = "Pending", "Pending", 0, 0, 0
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		run(ctx, cmd)
	}()
	return map[string]any{"Command": out}
}

// findCommand returns the caller's patch or script command of that ID, or
// nil. Callers hold s.mu.
func (s *Server) findCommand(c *ssmCall, id string) *command {
	cmd := s.commands[id]
	if cmd == nil {
		cmd = s.scripts[id]
	}
	if cmd == nil || cmd.account != c.account || cmd.region != c.region {
		return nil
	}
	return cmd
}

// newCommandID returns a fresh command ID in AWS's UUID form and its
// sequence number.
func newCommandID(s *Server) (string, uint64) {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x5e4d0000+n, n&0xffff, n&0xfff, n&0xfff, n*0x9e3779b9&0xffffffffffff), n
}

// param returns the first value of a document parameter.
func (cmd *command) param(name string) string {
	if v := cmd.params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// finishAll ends every invocation still in progress.
func (s *Server) finishAll(cmd *command, status, details, output string) {
	now := s.fleet.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inv := range cmd.inv {
		if inv.status == statusInProgress {
			inv.status, inv.details, inv.output, inv.end = status, details, truncate(output), now
			inv.code = 1
		}
	}
}

// finishOne ends one instance's invocation.
func (s *Server) finishOne(cmd *command, id, status, details, output string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := cmd.inv[id]
	inv.status, inv.details, inv.output, inv.end = status, details, truncate(output), s.fleet.Now()
	if status == statusSuccess {
		inv.code = 0
	} else {
		inv.code = 1
	}
}

// truncate keeps the first 2,500 characters of an output, as the API does.
func truncate(s string) string {
	const limit = 2500
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "\n---Output truncated---"
}

// run executes the command on the fleet: on the instances it reaches at
// once, and on each rebooting one once it is back, if that is before the
// command's delivery timeout (see deliver).
func (s *Server) run(ctx context.Context, cmd *command) {
	if cmd.param("BaselineOverride") != "" && cmd.param("InstallOverrideList") != "" {
		s.finishAll(cmd, statusFailed, statusFailed, "BaselineOverride and InstallOverrideList can't be used together: the patching document failed.")
		return
	}
	op := s.runInstall
	if cmd.operation == "Scan" {
		op = s.runScan
	}
	s.deliver(ctx, cmd, func(ids []string) error { return op(ctx, cmd, ids) })
}

// deliveryStatus maps a per-instance error of the fleet to the status of
// its invocation: an agent that never received the command times out on
// delivery, an install stopped by its timeout on execution, others fail.
func deliveryStatus(errText string) (status, details string) {
	switch {
	case strings.Contains(errText, "not delivered"):
		return statusTimedOut, detailDeliveryTimedOut
	case strings.Contains(errText, "did not finish by the deadline"):
		return statusTimedOut, detailExecTimedOut
	}
	return statusFailed, statusFailed
}

type listCommandInvocationsInput struct {
	CommandID  string `json:"CommandId"`
	InstanceID string `json:"InstanceId"`
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
	Details    bool   `json:"Details"`
}

// listCommandInvocations lists a command's invocations (a patch command's
// or a script command's), with the plugin output when Details is true
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommandInvocations.html).
// Right after SendCommand the list is empty for Options.InvocationLag calls.
func (s *Server) listCommandInvocations(c *ssmCall) (any, *apiError) {
	var in listCommandInvocationsInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.MaxResults != 0 && (in.MaxResults < 1 || in.MaxResults > 50) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", in.MaxResults)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := s.findCommand(c, in.CommandID)
	if cmd == nil {
		return nil, errorf("InvalidCommandId", http.StatusBadRequest, "Command with ID %s does not exist.", in.CommandID)
	}
	cmd.listed++
	var ids []string
	if cmd.listed > s.opts.InvocationLag {
		for _, id := range cmd.ids {
			if in.InstanceID == "" || in.InstanceID == id {
				ids = append(ids, id)
			}
		}
	}
	from, to, next, e := s.page(len(ids), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	list := make([]map[string]any, 0, to-from)
	for _, id := range ids[from:to] {
		list = append(list, cmd.invocationJSON(id, in.Details))
	}
	return map[string]any{"CommandInvocations": list, "NextToken": omitEmpty(next)}, nil
}

// invocationJSON is the CommandInvocation shape; a script command's
// plugin is its document's (aws:runShellScript or
// aws:runPowerShellScript), its ResponseCode the script's exit code.
// Callers hold s.mu.
func (cmd *command) invocationJSON(id string, details bool) map[string]any {
	inv := cmd.inv[id]
	out := map[string]any{
		"CommandId": cmd.id, "InstanceId": id, "InstanceName": cmd.names[id], "Comment": cmd.comment,
		"DocumentName": cmd.doc, "DocumentVersion": "$DEFAULT", "RequestedDateTime": epoch(cmd.requested),
		"Status": inv.status, "StatusDetails": inv.details, "TraceOutput": "", "StandardOutputUrl": "", "StandardErrorUrl": "",
		"NotificationConfig": map[string]any{"NotificationEvents": []any{}}, "CloudWatchOutputConfig": map[string]any{"CloudWatchOutputEnabled": false},
	}
	if out["StatusDetails"] == "" {
		out["StatusDetails"] = inv.status
	}
	if details {
		plugin := scriptPlugins[cmd.doc]
		switch {
		case plugin != "":
		case cmd.doc != runPatchBaseline:
			plugin = customerStep(cmd.platforms[id])
		case cmd.platforms[id] == "Windows":
			plugin = "PatchWindows"
		default:
			plugin = "PatchLinux"
		}
		p := map[string]any{
			"Name": plugin, "Status": inv.status, "StatusDetails": out["StatusDetails"], "ResponseCode": inv.code,
			"ResponseStartDateTime": epoch(inv.start), "Output": inv.output, "StandardOutputUrl": "", "StandardErrorUrl": "",
			"OutputS3Region": cmd.region, "OutputS3BucketName": "", "OutputS3KeyPrefix": "",
		}
		if !inv.end.IsZero() {
			p["ResponseFinishDateTime"] = epoch(inv.end)
		}
		out["CommandPlugins"] = []any{p}
	}
	return out
}

type cancelCommandInput struct {
	CommandID string `json:"CommandId"`
}

// cancelCommand stops a command; its unfinished invocations end Cancelled
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CancelCommand.html).
func (s *Server) cancelCommand(c *ssmCall) (any, *apiError) {
	var in cancelCommandInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	cmd := s.findCommand(c, in.CommandID)
	s.mu.Unlock()
	if cmd == nil {
		return nil, errorf("InvalidCommandId", http.StatusBadRequest, "Command with ID %s does not exist.", in.CommandID)
	}
	cmd.cancel()
	return map[string]any{}, nil
}

// fleetError maps an error of the fleet itself to an API error.
func fleetError(err error) *apiError {
	if strings.Contains(err.Error(), "Throttling") {
		return throttling()
	}
	return errorf("InternalServerError", http.StatusInternalServerError, "%v", err)
}
