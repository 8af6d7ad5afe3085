package awsfront

import (
	"encoding/xml"
	"net/http"
)

// ec2Namespace is the XML namespace of EC2 responses.
const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// ec2Handler answers one EC2 action for an account and region: it returns
// the response body to marshal, or the API error.
type ec2Handler func(s *Server, r *http.Request, account, region string) (any, *apiError)

// ec2Actions are the EC2 query-protocol actions the emulator answers
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html).
var ec2Actions = map[string]ec2Handler{}

// ec2ErrorResponse is EC2's error document: Response/Errors/Error and the
// request ID (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
type ec2ErrorResponse struct {
	XMLName xml.Name `xml:"Response"`
	Errors  struct {
		Error struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
	} `xml:"Errors"`
	RequestID string `xml:"RequestID"`
}

// serveEC2 answers a signed EC2 query request: the form's Action picks the
// handler; the call is recorded like every other.
func (s *Server) serveEC2(w http.ResponseWriter, r *http.Request, c credential) {
	reqID := s.requestID()
	if err := r.ParseForm(); err != nil {
		writeEC2Error(w, errorf("MalformedQueryString", http.StatusBadRequest, "%v", err), reqID)
		return
	}
	action := r.PostForm.Get("Action")
	account := s.account(c)
	call := s.record(Call{Service: "ec2", Op: action, Account: account, Region: c.region})
	h, ok := ec2Actions[action]
	if !ok {
		e := errorf("InvalidAction", http.StatusBadRequest, "The action %s is not valid for this web service.", action)
		s.finish(call, nil, e.code)
		writeEC2Error(w, e, reqID)
		return
	}
	out, e := h(s, r, account, c.region)
	if e != nil {
		s.finish(call, nil, e.code)
		writeEC2Error(w, e, reqID)
		return
	}
	s.finish(call, nil, "")
	b, err := xml.Marshal(out)
	if err != nil {
		writeEC2Error(w, errorf("InternalError", http.StatusInternalServerError, "%v", err), reqID)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

// ec2Guarded answers a denied action (DenyAction with "ec2:<action>") with
// UnauthorizedOperation and a throttled call with RequestLimitExceeded
// before h runs.
func ec2Guarded(action string, h ec2Handler) ec2Handler {
	return func(s *Server, r *http.Request, account, region string) (any, *apiError) {
		if why, denied := s.denial(account, "ec2:"+action); denied {
			return nil, errorf("UnauthorizedOperation", http.StatusForbidden,
				"You are not authorized to perform this operation. User: arn:aws:sts::%s:assumed-role/fleetpatch-target/fleetpatch is not authorized to perform: ec2:%s because %s",
				account, action, why)
		}
		if s.throttle.throttled(account, region) {
			return nil, errorf("RequestLimitExceeded", http.StatusServiceUnavailable, "Request limit exceeded.")
		}
		return h(s, r, account, region)
	}
}

func writeEC2Error(w http.ResponseWriter, e *apiError, reqID string) {
	var resp ec2ErrorResponse
	resp.Errors.Error.Code, resp.Errors.Error.Message, resp.RequestID = e.code, e.message, reqID
	b, _ := xml.Marshal(resp)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
