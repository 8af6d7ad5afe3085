package azure

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// permanentCodes are ARM error codes that no retry can fix, for the call
// as a whole: a denied action (AuthorizationFailed, or
// LinkedAuthorizationFailed across tenants, HTTP 403), a token ARM
// refuses (InvalidAuthenticationToken, 401), a request it refuses
// (InvalidParameter, BadRequest, 400), a resource group or subscription
// that does not exist (404)
// (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors,
// https://learn.microsoft.com/azure/role-based-access-control/troubleshooting).
// Any other 401 or 403 is permanent too. azcore retries none of them
// (only 408, 429, 500, 502, 503 and 504). ResourceNotFound is permanent
// only where the call as a whole is concerned (see permanent): for one
// machine among many it stays that machine's error.
var permanentCodes = map[string]bool{
	"AuthorizationFailed": true, "LinkedAuthorizationFailed": true, "InvalidAuthenticationToken": true,
	"InvalidParameter": true, "BadRequest": true, "ResourceGroupNotFound": true, "SubscriptionNotFound": true,
}

// deniedAction finds the permission in ARM's AuthorizationFailed message:
// "The client '…' with object id '…' does not have authorization to
// perform action 'Microsoft.Compute/virtualMachines/installPatches/action'
// over scope '…'" (LinkedAuthorizationFailed: "has permission to perform
// action '…' on scope '…'").
var deniedAction = regexp.MustCompile(`perform action '([^']+)'`)

// subscriptionInPath finds the subscription of an ARM request URL.
var subscriptionInPath = regexp.MustCompile(`(?i)/subscriptions/([^/]+)`)

// permanentError is an ARM error that no retry can fix, with a one-line
// text; it wraps fleet.ErrPermanent and azcore's *ResponseError.
type permanentError struct {
	msg string
	err error
}

func (e *permanentError) Error() string   { return e.msg }
func (e *permanentError) Unwrap() []error { return []error{fleet.ErrPermanent, e.err} }

// permanentResponse returns ARM's response error in err's chain when its
// code makes it permanent: always for permanentCodes and any 401 or 403;
// ResourceNotFound (and NotFound) only when wholeCall.
func permanentResponse(err error, wholeCall bool) *azcore.ResponseError {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return nil
	}
	switch {
	case permanentCodes[re.ErrorCode], re.StatusCode == http.StatusUnauthorized, re.StatusCode == http.StatusForbidden:
		return re
	case wholeCall && (re.ErrorCode == "ResourceNotFound" || re.ErrorCode == "NotFound"):
		return re
	}
	return nil
}

// permanent returns err as a permanent error, or nil when it is not one
// (see permanentResponse). The text is one line naming the subscription
// (sub, or the one in the failing request's URL), the request, ARM's code
// and status, the denied permission when ARM names one, and ARM's message.
func permanent(err error, sub string, wholeCall bool) error {
	re := permanentResponse(err, wholeCall)
	if re == nil {
		return nil
	}
	request := ""
	if r := re.RawResponse; r != nil && r.Request != nil {
		path := r.Request.URL.Path
		if sub == "" {
			if m := subscriptionInPath.FindStringSubmatch(path); m != nil {
				sub = m[1]
			}
		}
		if i := strings.LastIndex(strings.ToLower(path), "/providers/"); i >= 0 {
			path = path[i+len("/providers/"):]
		}
		request = r.Request.Method + " " + path + ": "
	}
	code, text := armError(re)
	msg := fmt.Sprintf("azure: subscription %s: %s%s (HTTP %d)", firstNonEmpty(sub, "unknown"), request, firstNonEmpty(code, "error"), re.StatusCode)
	if m := deniedAction.FindStringSubmatch(text); m != nil {
		msg += ", denied permission " + m[1]
	}
	if text != "" {
		msg += ": " + strings.Join(strings.Fields(text), " ")
	}
	return &permanentError{msg: msg, err: err}
}
