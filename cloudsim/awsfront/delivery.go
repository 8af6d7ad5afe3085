package awsfront

import (
	"context"
	"sync"
	"time"
)

// SendCommand's TimeoutSeconds: "If this time is reached and the command
// hasn't already started running, it won't run"; from 30 to 2,592,000
// seconds, 3,600 when not given
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
const (
	minTimeoutSeconds     = 30
	maxTimeoutSeconds     = 2592000
	defaultTimeoutSeconds = 3600
)

// checkTimeoutSeconds refuses a TimeoutSeconds out of range, as the API's
// input validation does (0 means not given).
func checkTimeoutSeconds(v int) *apiError {
	switch {
	case v == 0:
		return nil
	case v < minTimeoutSeconds:
		return validation("1 validation error detected: Value '%d' at 'timeoutSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", v, minTimeoutSeconds)
	case v > maxTimeoutSeconds:
		return validation("1 validation error detected: Value '%d' at 'timeoutSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", v, maxTimeoutSeconds)
	}
	return nil
}

// deliveryDeadline is the simulated time after which the command no
// longer starts on an instance it has not reached.
func (cmd *command) deliveryDeadline() time.Time {
	return cmd.requested.Add(time.Duration(cmd.timeout) * time.Second)
}

// deliver runs the command (run) on the instances it reaches now, and on
// each instance that is rebooting once it is back, unless that is after
// the delivery deadline: then the instance's invocation ends
// DeliveryTimedOut and nothing runs there. (An agent that is offline or a
// reboot that hangs is reported by the fleet as not delivered at once.)
// When ctx ends, the invocations not finished end Cancelled; when run
// fails, Failed with its first error.
func (s *Server) deliver(ctx context.Context, cmd *command, run func(ids []string) error) {
	var now, later []string
	for _, id := range cmd.ids {
		if in, ok := s.fleet.Instance(id); ok && in.Unreachable == "rebooting" {
			later = append(later, id)
		} else {
			now = append(now, id)
		}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	keep := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	for _, id := range later {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.awaitDelivery(ctx, cmd, id) {
				if err := run([]string{id}); err != nil {
					keep(err)
				}
			}
		}()
	}
	if len(now) > 0 {
		if err := run(now); err != nil {
			keep(err)
		}
	}
	wg.Wait()
	switch {
	case firstErr == nil:
	case ctx.Err() != nil:
		s.finishAll(cmd, statusCancelled, statusCancelled, "The command was cancelled.")
	default:
		s.finishAll(cmd, statusFailed, statusFailed, firstErr.Error())
	}
}

// awaitDelivery waits until a rebooting instance is back and reports
// whether the command reached it by its delivery deadline; if not, its
// invocation ends DeliveryTimedOut. When ctx ends first the invocation is
// left to the caller (the command was cancelled).
func (s *Server) awaitDelivery(ctx context.Context, cmd *command, id string) bool {
	back, err := s.fleet.WaitReady(ctx, []string{id}, nil)
	switch {
	case ctx.Err() != nil:
		return false
	case err != nil || len(back) == 0:
		return true // the fleet could not tell: the install itself waits
	case back[0].Ready && !back[0].LastBootTime.After(cmd.deliveryDeadline()):
		return true
	}
	s.finishOne(cmd, id, statusTimedOut, detailDeliveryTimedOut,
		"the command was not delivered: the instance was rebooting and did not come back before the command's timeout "+
			cmd.deliveryDeadline().UTC().Format(time.RFC3339)+" (TimeoutSeconds)")
	return false
}
