package activities

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Run names one run of a cycle: the weekly cycle itself (Retry 0) or one of
// its RetryFailed runs. Its artifacts live under Prefix, which includes the
// cycle's first run ID: a cycle started again under the same workflow ID
// (after the first one closed) never reads the files of the first, while a
// reset (which keeps the first run ID) finds its own files again.
type Run struct {
	Group string `json:"group"`
	Cycle string `json:"cycle"`
	// ID is the first run ID of the weekly cycle's workflow.
	ID    string `json:"id"`
	Retry int    `json:"retry,omitempty"`
}

var (
	cycleRe = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)
	runIDRe = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// MaxRetry bounds the retry number of a RetryFailed run.
const MaxRetry = 100

// ValidateGroup checks a group name as the policy allows it: lowercase
// letters, digits and '-', up to 63 characters.
func ValidateGroup(group string) error {
	if !policy.ValidGroupName(group) {
		return fmt.Errorf("group %q is not a patch group name (lowercase letters, digits and '-', up to 63 characters)", group)
	}
	return nil
}

// ValidateCycle checks that cycle is an ISO week that exists, such as
// 2026-W48.
func ValidateCycle(cycle string) error {
	_, err := cycleMonday(cycle)
	return err
}

// cycleMonday is the start (Monday 00:00 UTC) of the ISO week cycle names.
func cycleMonday(cycle string) (time.Time, error) {
	m := cycleRe.FindStringSubmatch(cycle)
	if m != nil {
		year, _ := strconv.Atoi(m[1])
		week, _ := strconv.Atoi(m[2])
		// The Thursday of ISO week w lies in ISO year y; 4 January is
		// always in week 1.
		jan4 := time.Date(year, 1, 4, 12, 0, 0, 0, time.UTC)
		thu := jan4.AddDate(0, 0, (week-1)*7+int(time.Thursday)-isoWeekday(jan4))
		if y, w := thu.ISOWeek(); week >= 1 && y == year && w == week {
			return time.Date(thu.Year(), thu.Month(), thu.Day()-3, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("cycle %q is not an ISO week such as 2026-W48", cycle)
}

func isoWeekday(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// Validate checks every part of the run, which ends up in artifact keys,
// report paths and workflow IDs: workflow inputs come from anyone with
// write access to the namespace.
func (r Run) Validate() error {
	if err := ValidateGroup(r.Group); err != nil {
		return err
	}
	if err := ValidateCycle(r.Cycle); err != nil {
		return err
	}
	if !runIDRe.MatchString(r.ID) {
		return fmt.Errorf("run ID %q is not a workflow run ID", r.ID)
	}
	if r.Retry < 0 || r.Retry > MaxRetry {
		return fmt.Errorf("retry %d is not between 0 and %d", r.Retry, MaxRetry)
	}
	return nil
}

// validRun refuses, without retries, a run that does not validate.
func validRun(r Run) error {
	if err := r.Validate(); err != nil {
		return badInput("%v", err)
	}
	return nil
}

// Prefix is the store prefix of the run's artifacts.
func (r Run) Prefix() string {
	p := fmt.Sprintf("cycles/%s/%s/%s", r.Group, r.Cycle, r.ID)
	if r.Retry > 0 {
		p += fmt.Sprintf("/retry-%d", r.Retry)
	}
	return p
}

// Base is the weekly cycle this run belongs to.
func (r Run) Base() Run { return Run{Group: r.Group, Cycle: r.Cycle, ID: r.ID} }

// WorkflowID is the ID of the run's workflow: patch-cycle/<group>/<cycle>,
// with /retry-<n> for a RetryFailed run.
func (r Run) WorkflowID() string {
	id := "patch-cycle/" + r.Group + "/" + r.Cycle
	if r.Retry > 0 {
		id += "/retry-" + strconv.Itoa(r.Retry)
	}
	return id
}

// String is the run's display name and report folder, e.g.
// "prod-auto/2026-W48/retry-1".
func (r Run) String() string { return r.WorkflowID()[len("patch-cycle/"):] }

// Key names the weekly cycle's run for the clouds: AWS snapshot IDs and
// Azure resume tokens derive from it, so a cycle started again never
// resumes the first one's installs.
func (r Run) Key() string { return r.Base().String() + "/" + r.ID }

func (r Run) targetsKey(batch int) string {
	return fmt.Sprintf("%s/targets/%04d.json", r.Prefix(), batch)
}
func (r Run) scanKey(batch int) string { return fmt.Sprintf("%s/scan/%04d.json", r.Prefix(), batch) }
func (r Run) manifestKey() string      { return r.Prefix() + "/manifest.json" }
func (r Run) planKey() string          { return r.Prefix() + "/plan.json" }
func (r Run) recordKey() string        { return r.Prefix() + "/cycle.json" }
func (r Run) approvedKey() string      { return r.Prefix() + "/approved.json" }

func (r Run) waveKey(wave, batch int, part string) string {
	return fmt.Sprintf("%s/waves/%03d/%04d.%s.json", r.Prefix(), wave, batch, part)
}

func (r Run) outcomesKey() string  { return r.Prefix() + "/outcomes.json" }
func (r Run) discoveryKey() string { return r.Prefix() + "/discovery.json" }
func (r Run) baselinesKey() string { return r.Prefix() + "/baselines.json" }

// latestKey points at the newest finished run of a group's cycle, which
// RetryFailed retries.
func latestKey(group, cycle string) string { return "cycles/" + group + "/" + cycle + "/latest.json" }
