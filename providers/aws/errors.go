package aws

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// throttleCodes are AWS's throttling error codes.
var throttleCodes = map[string]bool{
	"ThrottlingException": true, "Throttling": true, "TooManyRequestsException": true,
	"RequestLimitExceeded": true, "SlowDown": true, "RequestThrottled": true, "RequestThrottledException": true,
}

// apiCode returns the AWS error code in err's chain, if any.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wrapErr names the call and marks a throttling error that outlasted the
// retries with fleet.ErrThrottled, so that the activity retries it later.
func wrapErr(call string, err error) error {
	if throttleCodes[apiCode(err)] {
		return fmt.Errorf("aws: %s: %w: %w", call, fleet.ErrThrottled, err)
	}
	return fmt.Errorf("aws: %s: %w", call, err)
}
