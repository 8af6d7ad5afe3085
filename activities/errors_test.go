package activities

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// A permanent cloud error (AccessDenied) and a closed window fail the
// activity at once; throttling stays retryable.
func TestProviderErrorsHaveAClass(t *testing.T) {
	for _, c := range []struct {
		err          error
		typ          string
		nonRetryable bool
	}{
		{fmt.Errorf("aws: SendCommand in account 111111111111 region eu-west-1: AccessDeniedException, denied action ssm:SendCommand: %w", fleet.ErrPermanent), ErrPermanent, true},
		{fmt.Errorf("aws: install not started: %w", fleet.ErrWindowClosed), ErrWindowClosed, true},
		{fmt.Errorf("aws: %w", fleet.ErrThrottled), "Throttled", false},
	} {
		var appErr *temporal.ApplicationError
		err := providerError("install", c.err)
		require.True(t, errors.As(err, &appErr), "%v", err)
		require.Equal(t, c.typ, appErr.Type())
		require.Equal(t, c.nonRetryable, appErr.NonRetryable())
		require.Contains(t, err.Error(), "install: ")
	}
}
