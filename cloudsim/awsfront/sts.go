package awsfront

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// stsNamespace is the XML namespace of STS responses.
const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// roleARN matches an IAM role ARN and captures its account.
var roleARN = regexp.MustCompile(`^arn:aws[\w-]*:iam::(\d{12}):role/[\w+=,.@/-]+$`)

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		AssumedRoleUser struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
		PackedPolicySize int `xml:"PackedPolicySize"`
	} `xml:"AssumeRoleResult"`
	Metadata struct {
		RequestID string `xml:"RequestId"`
	} `xml:"ResponseMetadata"`
}

// serveSTS answers the query protocol's AssumeRole
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html):
// keys that name the role's account, refused with AccessDenied when the
// account is denied or the external ID does not match.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request, c credential) {
	reqID := s.requestID()
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, errorf("MalformedInput", http.StatusBadRequest, "%v", err), reqID)
		return
	}
	action := r.PostForm.Get("Action")
	call := s.record(Call{Service: "sts", Op: action, Account: s.account(c), Region: c.region})
	if action != "AssumeRole" {
		e := errorf("InvalidAction", http.StatusBadRequest, "Could not find operation %s for version 2011-06-15", action)
		s.finish(call, nil, e.code)
		writeQueryError(w, e, reqID)
		return
	}
	arn, session := r.PostForm.Get("RoleArn"), r.PostForm.Get("RoleSessionName")
	m := roleARN.FindStringSubmatch(arn)
	if m == nil || session == "" {
		e := validation("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint", arn)
		s.finish(call, nil, e.code)
		writeQueryError(w, e, reqID)
		return
	}
	account := m[1]
	s.mu.Lock()
	denied := s.denied[account]
	s.mu.Unlock()
	if want, ok := s.opts.ExternalIDs[account]; ok && want != r.PostForm.Get("ExternalId") && denied == "" {
		denied = "the external ID does not match the role's trust policy"
	}
	if denied != "" {
		e := errorf("AccessDenied", http.StatusForbidden, "User: arn:aws:iam::%s:user/fleetpatch is not authorized to perform: sts:AssumeRole on resource: %s (%s)",
			s.opts.HomeAccount, arn, denied)
		s.finish(call, nil, e.code)
		writeQueryError(w, e, reqID)
		return
	}
	d := time.Hour
	if v, err := strconv.Atoi(r.PostForm.Get("DurationSeconds")); err == nil && v > 0 {
		d = time.Duration(v) * time.Second
	}
	var out assumeRoleResponse
	out.Xmlns = stsNamespace
	s.mu.Lock()
	s.seq++
	serial := s.seq
	s.mu.Unlock()
	cr := &out.Result.Credentials
	cr.AccessKeyID = accessKeyFor(account, serial)
	sum := sha256.Sum256([]byte(fmt.Sprint(arn, session, serial)))
	cr.SecretAccessKey = hex.EncodeToString(sum[:20])
	cr.SessionToken = "FwoGZXIvYXdzE" + hex.EncodeToString(sum[20:])
	cr.Expiration = time.Now().Add(d).UTC().Format(time.RFC3339)
	out.Result.AssumedRoleUser.Arn = fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, roleName(arn), session)
	out.Result.AssumedRoleUser.AssumedRoleID = "AROA" + account + ":" + session
	out.Metadata.RequestID = reqID
	s.finish(call, nil, "")
	writeXML(w, http.StatusOK, out)
}

// roleName is the last path element of a role ARN.
func roleName(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

// requestID returns a fresh request ID.
func (s *Server) requestID() string {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	return fmt.Sprintf("fa1e0000-0000-4000-8000-%012x", n)
}
