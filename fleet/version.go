package fleet

import (
	"strconv"
	"strings"
)

// VersionBelow reports whether the dotted version v is below min,
// comparing numeric fields left to right, a missing field counting as 0
// ("3.3.1142.0" is above "3.0.0" and "3.10" above "3.9"; "3.0" equals
// "3.0.0"). A version with a field of v that is not a number (or an
// empty v) counts as below: an agent version that cannot be read is
// reported, not trusted.
func VersionBelow(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := range max(len(a), len(b)) {
		x, y := 0, 0
		if i < len(a) {
			n, err := strconv.Atoi(a[i])
			if err != nil {
				return true
			}
			x = n
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
