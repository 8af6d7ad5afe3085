package fleetsim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConfigThrottleShareBecomesEveryNthCall(t *testing.T) {
	for share, every := range map[float64]int{0: 0, -1: 0, 0.2: 5, 0.3: 3, 0.5: 2, 1: 1, 2: 1, 0.001: 1000} {
		assert.Equal(t, every, throttleEvery(share), "share %v", share)
	}
}
