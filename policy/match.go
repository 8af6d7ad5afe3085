package policy

import (
	"path"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// glob reports whether s matches pattern, where "*" matches any run of
// characters and every other character matches itself.
func glob(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	// path.Match treats '?', '[' and '\\' specially; escape them so only
	// '*' is a wildcard. A '*' never matches '/' in path.Match, and
	// package names never contain one.
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	ok, err := path.Match(b.String(), s)
	return err == nil && ok
}

// filterMatches reports whether the patch's attribute for f.Key equals one
// of f.Values. "*" matches anything, including an empty attribute; other
// values compare case-insensitively and may contain "*" wildcards. The
// AWS references do not state the case rule; values come from
// DescribePatchProperties in a fixed spelling, so fleetpatch is lenient
// when reading a provider's spelling. Validation still requires the
// documented spelling in baselines.
func filterMatches(f PatchFilter, p fleet.Patch) bool {
	v, known := patchField(f.Key, p)
	if !known {
		return false
	}
	for _, want := range f.Values {
		if want == "*" {
			return true
		}
		if v != "" && glob(strings.ToLower(want), strings.ToLower(v)) {
			return true
		}
	}
	return false
}

// groupMatches reports whether every filter of g matches (an empty group
// matches everything) and returns the first filter that does not.
func groupMatches(g FilterGroup, p fleet.Patch) (bool, *PatchFilter) {
	for i := range g.PatchFilters {
		if !filterMatches(g.PatchFilters[i], p) {
			return false, &g.PatchFilters[i]
		}
	}
	return true, nil
}

// patchNames are the forms under which a patch can be named in
// ApprovedPatches and RejectedPatches: package name, fleetpatch ID
// (name:version), name.arch, name-version, name-version.arch, KB number
// and CVE IDs.
func patchNames(p fleet.Patch) []string {
	names := []string{p.Name, p.ID}
	if p.Version != "" {
		names = append(names, p.Name+"-"+p.Version)
		if p.Arch != "" {
			names = append(names, p.Name+"-"+p.Version+"."+p.Arch)
		}
	}
	if p.Arch != "" {
		names = append(names, p.Name+"."+p.Arch)
	}
	if p.KB != "" {
		names = append(names, p.KB)
	}
	names = append(names, p.CVEs...)
	return names
}

// listMatch returns the first entry of list that names the patch, or "".
// Windows IDs (KB, MS bulletins) compare case-insensitively; Linux package
// names are case-sensitive, as the package managers treat them.
func listMatch(list []string, p fleet.Patch) string {
	names := patchNames(p)
	fold := p.OS.IsWindows()
	for _, entry := range list {
		e := entry
		if fold {
			e = strings.ToUpper(e)
		}
		for _, n := range names {
			if n == "" {
				continue
			}
			if fold {
				n = strings.ToUpper(n)
			}
			if glob(e, n) {
				return entry
			}
		}
	}
	return ""
}
