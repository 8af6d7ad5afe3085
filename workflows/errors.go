package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/activities"
)

// workflowBadInput fails the workflow for input no retry can fix.
func workflowBadInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), activities.ErrBadInput, nil)
}
