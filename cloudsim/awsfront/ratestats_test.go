package awsfront

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSSMRateFindsThePeakSecondPerPlace(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	s := &Server{}
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for _, c := range []Call{
		{Service: "ssm", Account: "1", Region: "r", At: at(0)},
		{Service: "ssm", Account: "1", Region: "r", At: at(400), Error: "ThrottlingException"},
		{Service: "ssm", Account: "1", Region: "r", At: at(999)},
		{Service: "ssm", Account: "1", Region: "r", At: at(1000)}, // 0..999 holds 3; 400..1000 holds 3
		{Service: "ssm", Account: "2", Region: "r", At: at(10)},
		{Service: "s3", Account: "1", Region: "r", At: at(500)}, // not SSM
	} {
		s.calls = append(s.calls, c)
	}
	got := s.SSMRate()
	require.Equal(t, 1, got.Throttled)
	require.Equal(t, 3, got.PeakPerSecond)
	require.Equal(t, "1/r", got.Place)
}
