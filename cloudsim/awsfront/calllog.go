package awsfront

import "time"

// Call is one request in the emulator's call log.
type Call struct {
	// Service is "ssm", "sts" or "s3"; Op the operation (SendCommand,
	// AssumeRole, PutObject, ...).
	Service string `json:"service"`
	Op      string `json:"op"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// Instances is the number of instance IDs the call names (SendCommand,
	// DescribeInstancePatchStates, a DescribeInstanceInformation filter) or
	// 1 for per-instance reads.
	Instances int `json:"instances,omitempty"`
	// IDs are the instance IDs a SendCommand names.
	IDs []string `json:"ids,omitempty"`
	// Operation is AWS-RunPatchBaseline's Operation for SendCommand, the
	// document's name for the other documents.
	Operation string `json:"operation,omitempty"`
	// Parameters are SendCommand's document parameters, as sent.
	Parameters map[string][]string `json:"parameters,omitempty"`
	// TimeoutSeconds is SendCommand's delivery timeout, as sent (0: not
	// given).
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// Error is the AWS error code the call was answered with, if any.
	Error string `json:"error,omitempty"`
	// At is the wall-clock time the request arrived.
	At time.Time `json:"at"`
}

// Calls returns a copy of the call log, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ResetCalls empties the call log.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// record appends a call and returns its index, so the error can be set
// once the call is answered.
func (s *Server) record(c Call) int {
	c.At = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	return len(s.calls) - 1
}

// finish sets the outcome of a recorded call.
func (s *Server) finish(i int, c *ssmCall, errCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	call := &s.calls[i]
	if c != nil {
		call.Instances, call.Operation, call.IDs, call.TimeoutSeconds, call.Parameters = c.instances, c.operation, c.ids, c.timeoutSeconds, c.params
	}
	call.Error = errCode
}
