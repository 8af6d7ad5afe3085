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

// callError reports whether err must fail the whole call (so it is
// retried) rather than one machine: the context ended, or ARM kept
// throttling after azcore's retries.
func callError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, fleet.ErrThrottled) {
		return true
	}
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusTooManyRequests
}

// wrapCallError marks throttling with fleet.ErrThrottled.
func wrapCallError(err error) error {
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
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if re.RawResponse != nil {
			if b, perr := runtime.Payload(re.RawResponse); perr == nil {
				_ = json.Unmarshal(b, &body)
			}
		}
		if body.Error.Message != "" {
			return op + " failed: " + firstNonEmpty(body.Error.Code, re.ErrorCode) + ": " + body.Error.Message
		}
		return op + " failed: HTTP " + strconv.Itoa(re.StatusCode) + " " + re.ErrorCode
	}
	return op + " failed: " + err.Error()
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
