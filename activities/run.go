package activities

import "fmt"

// Run names one run of a cycle: the weekly cycle itself (Retry 0) or one of
// its RetryFailed runs. Its artifacts live under Prefix.
type Run struct {
	Group string `json:"group"`
	Cycle string `json:"cycle"`
	Retry int    `json:"retry,omitempty"`
}

// Prefix is the store prefix of the run's artifacts.
func (r Run) Prefix() string {
	p := fmt.Sprintf("cycles/%s/%s", r.Group, r.Cycle)
	if r.Retry > 0 {
		p += fmt.Sprintf("/retry-%d", r.Retry)
	}
	return p
}

// Base is the weekly cycle this run belongs to.
func (r Run) Base() Run { return Run{Group: r.Group, Cycle: r.Cycle} }

// String is the run's display name, e.g. "prod-auto/2026-W48/retry-1".
func (r Run) String() string { return r.Prefix()[len("cycles/"):] }

func (r Run) targetsKey(batch int) string {
	return fmt.Sprintf("%s/targets/%04d.json", r.Prefix(), batch)
}
func (r Run) scanKey(batch int) string { return fmt.Sprintf("%s/scan/%04d.json", r.Prefix(), batch) }
func (r Run) manifestKey() string      { return r.Prefix() + "/manifest.json" }
func (r Run) planKey() string          { return r.Prefix() + "/plan.json" }
func (r Run) recordKey() string        { return r.Prefix() + "/cycle.json" }

func (r Run) waveKey(wave, batch int, part string) string {
	return fmt.Sprintf("%s/waves/%03d/%04d.%s.json", r.Prefix(), wave, batch, part)
}

func (r Run) outcomesKey() string  { return r.Prefix() + "/outcomes.json" }
func (r Run) discoveryKey() string { return r.Prefix() + "/discovery.json" }
func (r Run) baselinesKey() string { return r.Prefix() + "/baselines.json" }
