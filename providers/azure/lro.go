package azure

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// poll drives a long-running operation to its end: it polls the
// Azure-AsyncOperation URL every interval, calling beat after each poll,
// then reads the result from the Location URL (the protocol of
// https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations,
// as azcore's pollers implement it).
func poll[T any](ctx context.Context, pl *runtime.Poller[T], every time.Duration, beat func()) (T, error) {
	var zero T
	for !pl.Done() {
		if _, err := pl.Poll(ctx); err != nil {
			return zero, err
		}
		beat()
		if pl.Done() {
			break
		}
		t := time.NewTimer(every)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return zero, ctx.Err()
		}
	}
	return pl.Result(ctx)
}

// callError reports whether err must fail the whole call rather than one
// machine: the context ended, ARM kept throttling after azcore's retries
// (the call is retried), or ARM answered an error no retry can fix for
// the call as a whole (see permanentResponse; the call fails for good).
func callError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, fleet.ErrThrottled) {
		return true
	}
	var re *azcore.ResponseError
	return (errors.As(err, &re) && re.StatusCode == http.StatusTooManyRequests) || permanentResponse(err, false) != nil
}

// wrapCallError marks throttling with fleet.ErrThrottled and a permanent
// error with fleet.ErrPermanent (see permanent).
func wrapCallError(err error) error {
	if pe := permanent(err, "", false); pe != nil {
		return pe
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusTooManyRequests {
		return errors.Join(fleet.ErrThrottled, err)
	}
	return err
}

// machineError is the one-line text of a per-machine failure: the ARM
// error code and message ({"error":{"code","message"}}) when there is one.
func machineError(op string, err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if code, msg := armError(re); msg != "" {
			return op + " failed: " + code + ": " + msg
		}
		return op + " failed: HTTP " + strconv.Itoa(re.StatusCode) + " " + re.ErrorCode
	}
	return op + " failed: " + err.Error()
}

// unreachableCodes are the ARM error codes of a machine that cannot be
// reached: its VM agent does not answer, or the VM is deallocated
// (OperationNotAllowed "… since the VM is deallocated").
var unreachableCodes = map[string]bool{"VMAgentStatusCommunicationError": true, "OperationNotAllowed": true}

// unreachable reports whether err says the machine could not be reached:
// nothing ran on it, and it is reported unreachable, not failed.
func unreachable(err error) bool {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	code, _ := armError(re)
	return unreachableCodes[code]
}

// armError reads the code and message of ARM's error body
// {"error":{"code","message"}}, the code falling back to azcore's.
func armError(re *azcore.ResponseError) (code, message string) {
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if re.RawResponse != nil {
		if b, err := runtime.Payload(re.RawResponse); err == nil {
			_ = json.Unmarshal(b, &body)
		}
	}
	return firstNonEmpty(body.Error.Code, re.ErrorCode), body.Error.Message
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
