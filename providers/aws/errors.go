package aws

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// throttleCodes are AWS's throttling error codes.
var throttleCodes = map[string]bool{
	"ThrottlingException": true, "Throttling": true, "TooManyRequestsException": true,
	"RequestLimitExceeded": true, "SlowDown": true, "RequestThrottled": true, "RequestThrottledException": true,
}

// permanentCodes are the AWS error codes that no retry can fix: a denied
// action (AccessDenied is the query and S3 protocols' code, for STS
// AssumeRole among others; AccessDeniedException the JSON protocols', for
// SSM; UnauthorizedOperation EC2's), a document or bucket that does not
// exist, and parameters the API refuses
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html#API_SendCommand_Errors,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html,
// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
// The SDK does not retry them; the activities must not either.
var permanentCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"InvalidDocument": true, "InvalidParameters": true, "InvalidParameterValue": true,
	"InvalidParameterValues": true, "ValidationException": true, "NoSuchBucket": true,
}

// deniedAction finds the IAM action in AWS's denial message, "User: arn:…
// is not authorized to perform: ssm:SendCommand on resource: … because …"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
var deniedAction = regexp.MustCompile(`not authorized to perform: ([\w-]+:[\w*-]+)`)

// apiCode returns the AWS error code in err's chain, if any.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wrapErr names the call (its operation, account and region), marks an
// error no retry can fix with fleet.ErrPermanent (see permanent), and a
// throttling error that outlasted the SDK's retries with
// fleet.ErrThrottled, so that the activity retries it later. Other errors
// (5xx after the SDK's retries, the network) stay plain and retryable.
func wrapErr(call string, err error) error {
	if pe := permanent(call, err); pe != nil {
		return pe
	}
	if throttleCodes[apiCode(err)] {
		return fmt.Errorf("aws: %s: %w: %w", call, fleet.ErrThrottled, err)
	}
	return fmt.Errorf("aws: %s: %w", call, err)
}

// permanentError is an AWS error that no retry can fix, with a one-line
// text; it wraps fleet.ErrPermanent and the SDK's error.
type permanentError struct {
	msg string
	err error
}

func (e *permanentError) Error() string   { return e.msg }
func (e *permanentError) Unwrap() []error { return []error{fleet.ErrPermanent, e.err} }

// permanent returns err as a permanent error when its AWS code is one of
// permanentCodes, or nil. The text is one line: "aws: <what>: <code>",
// the denied action when AWS names one, and AWS's own message (without
// the SDK's request ID and HTTP details).
func permanent(what string, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) || !permanentCodes[ae.ErrorCode()] {
		return nil
	}
	msg := "aws: " + what + ": " + ae.ErrorCode()
	if m := deniedAction.FindStringSubmatch(ae.ErrorMessage()); m != nil {
		msg += ", denied action " + m[1]
	}
	if text := strings.Join(strings.Fields(ae.ErrorMessage()), " "); text != "" {
		msg += ": " + text
	}
	return &permanentError{msg: msg, err: err}
}
