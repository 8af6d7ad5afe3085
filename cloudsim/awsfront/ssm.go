package awsfront

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The awsJson1_1 protocol of Systems Manager
// (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html): a POST
// to "/" whose X-Amz-Target names the operation.
const (
	ssmTargetPrefix = "AmazonSSM."
	ssmContentType  = "application/x-amz-json-1.1"
)

// ssmCall is one SSM request being served.
type ssmCall struct {
	account, region string
	body            []byte
	// instances, operation, ids, timeoutSeconds and params are reported
	// in the call log.
	instances      int
	operation      string
	ids            []string
	timeoutSeconds int
	params         map[string][]string
}

// ssmHandler serves one SSM operation and returns its output.
type ssmHandler func(s *Server, c *ssmCall) (any, *apiError)

// ssmOps are the emulated operations.
var ssmOps = map[string]ssmHandler{
	"DescribeInstanceInformation": (*Server).describeInstanceInformation,
	"SendCommand":                 (*Server).sendAnyCommand,
	"ListCommands":                (*Server).listCommands,
	"ListCommandInvocations":      (*Server).listCommandInvocations,
	"CancelCommand":               (*Server).cancelCommand,
	"DescribeInstancePatches":     (*Server).describeInstancePatches,
	"DescribeInstancePatchStates": (*Server).describeInstancePatchStates,
	"DescribeAvailablePatches":    (*Server).describeAvailablePatches,
	"ListInventoryEntries":        (*Server).listInventoryEntries,
}

// serveSSM dispatches an awsJson1_1 request.
func (s *Server) serveSSM(w http.ResponseWriter, r *http.Request, cred credential) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), ssmTargetPrefix)
	c := &ssmCall{account: s.account(cred), region: cred.region}
	idx := s.record(Call{Service: "ssm", Op: op, Account: c.account, Region: c.region})
	w.Header().Set("x-amzn-RequestId", s.requestID())
	fail := func(e *apiError) {
		s.finish(idx, c, e.code)
		writeJSONError(w, e)
	}
	h, ok := ssmOps[op]
	if !ok || r.Method != http.MethodPost {
		fail(errorf("UnknownOperationException", http.StatusBadRequest, "operation %s is not emulated", op))
		return
	}
	body, err := readAll(r)
	if err != nil {
		fail(errorf("SerializationException", http.StatusBadRequest, "%v", err))
		return
	}
	c.body = body
	if e := s.deniedAction(c.account, c.region, "ssm:"+op); e != nil {
		fail(e)
		return
	}
	if s.throttle.throttled(c.account, c.region) {
		fail(throttling())
		return
	}
	out, e := h(s, c)
	if e != nil {
		fail(e)
		return
	}
	s.finish(idx, c, "")
	w.Header().Set("Content-Type", ssmContentType)
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(out)
}

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(io.LimitReader(r.Body, 8<<20)) }

// decode reads the request's JSON input.
func (c *ssmCall) decode(v any) *apiError {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errorf("SerializationException", http.StatusBadRequest, "cannot read the request: %v", err)
	}
	return nil
}

// epoch is a timestamp as awsJson1_1 writes it: seconds since the Unix
// epoch, with a fraction.
type epoch time.Time

// MarshalJSON writes the seconds since the epoch.
func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	if t.IsZero() {
		return []byte("0"), nil
	}
	return []byte(strconv.FormatFloat(math.Round(float64(t.UnixMilli()))/1000, 'f', -1, 64)), nil
}

// page cuts one page out of n items: the range [from, to) and the
// NextToken of the rest ("" on the last page). MaxResults above the
// emulator's page size is capped.
func (s *Server) page(n int, token string, maxResults int) (from, to int, next string, e *apiError) {
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return 0, 0, "", validation("The specified token is not valid.")
		}
		if from, err = strconv.Atoi(string(b)); err != nil || from < 0 || from > n {
			return 0, 0, "", validation("The specified token is not valid.")
		}
	}
	size := s.opts.PageSize
	if maxResults > 0 && maxResults < size {
		size = maxResults
	}
	to = min(n, from+size)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(to)))
	}
	return from, to, next, nil
}

// instanceOf returns the instance if it is an AWS managed node of the
// caller's account and region.
func (s *Server) instanceOf(c *ssmCall, id string) (fleet.Instance, bool) {
	in, ok := s.fleet.Instance(id)
	if !ok || in.Cloud != fleet.CloudAWS || in.Account != c.account || in.Region != c.region {
		return fleet.Instance{}, false
	}
	return in, true
}

// ownInstances checks that every ID is a managed node of the caller's
// account and region, as SendCommand does.
func (s *Server) ownInstances(c *ssmCall, ids []string) ([]fleet.Instance, *apiError) {
	out := make([]fleet.Instance, 0, len(ids))
	var bad []string
	for _, id := range ids {
		in, ok := s.instanceOf(c, id)
		if !ok {
			bad = append(bad, id)
			continue
		}
		out = append(out, in)
	}
	if len(bad) > 0 {
		return nil, invalidInstanceID("Instances [%s] not in a valid state for account %s", strings.Join(bad, ", "), c.account)
	}
	return out, nil
}
