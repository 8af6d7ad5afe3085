package awsfront

import (
	"sort"
	"time"
)

// SSMRate summarises the SSM calls in the log: how many were throttled, and
// the most calls that one account and region made within any one second
// (what a client-side rate limit must keep under its rate plus burst).
type SSMRate struct {
	Throttled     int
	PeakPerSecond int
	// Place is the account/region of the peak.
	Place string
}

// SSMRate returns the rate summary of the call log.
func (s *Server) SSMRate() SSMRate {
	var out SSMRate
	byPlace := map[string][]time.Time{}
	for _, c := range s.Calls() {
		if c.Service != "ssm" {
			continue
		}
		if c.Error == "ThrottlingException" {
			out.Throttled++
		}
		byPlace[c.Account+"/"+c.Region] = append(byPlace[c.Account+"/"+c.Region], c.At)
	}
	for place, at := range byPlace {
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
		for i, j := 0, 0; i < len(at); i++ {
			for j < len(at) && at[j].Sub(at[i]) < time.Second {
				j++
			}
			if n := j - i; n > out.PeakPerSecond {
				out.PeakPerSecond, out.Place = n, place
			}
		}
	}
	return out
}
