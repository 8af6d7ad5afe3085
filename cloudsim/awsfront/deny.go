package awsfront

import (
	"fmt"
	"net/http"
)

// DenyAction makes the account's SSM calls of an IAM action, such as
// "ssm:SendCommand", fail as when no policy of the caller's role allows
// it: AccessDeniedException (HTTP 400) in the awsJson1_1 error shape, with
// AWS's message format, "User: <arn> is not authorized to perform:
// <action> on resource: <arn> because <message>"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html).
// An empty message allows the action again. AssumeRole is denied with
// DenyAssumeRole.
func (s *Server) DenyAction(account, action, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := account + "|" + action
	if message == "" {
		delete(s.deniedActions, key)
		return
	}
	s.deniedActions[key] = message
}

// denial returns why action is denied in account, if DenyAction denied it.
func (s *Server) denial(account, action string) (why string, denied bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	why, denied = s.deniedActions[account+"|"+action]
	return why, denied
}

// deniedAction returns the error of a call of a denied action, or nil.
func (s *Server) deniedAction(account, region, action string) *apiError {
	why, denied := s.denial(account, action)
	if !denied {
		return nil
	}
	return errorf("AccessDeniedException", http.StatusBadRequest,
		"User: arn:aws:sts::%s:assumed-role/fleetpatch-target/fleetpatch is not authorized to perform: %s on resource: %s because %s",
		account, action, fmt.Sprintf("arn:aws:ssm:%s:%s:*", region, account), why)
}
