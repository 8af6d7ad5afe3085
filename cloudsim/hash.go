package cloudsim

import (
	"hash/fnv"
	"strconv"
)

// hash64 deterministically mixes a seed with string parts; fault decisions
// and release dates use it so that they never depend on call order.
func hash64(seed int64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [20]byte
	h.Write(strconv.AppendInt(b[:0], seed, 10))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return mix64(h.Sum64())
}

// mix64 is the splitmix64 finalizer: it spreads every input bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// chance reports whether a deterministic draw from the parts falls under
// rate (0 never, 1 always).
func chance(rate float64, seed int64, parts ...string) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	return float64(hash64(seed, parts...)>>11)/(1<<53) < rate
}
