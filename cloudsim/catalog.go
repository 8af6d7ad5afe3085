package cloudsim

import (
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// OS products (the PRODUCT values of patch baselines) the simulator knows.
const (
	ProductUbuntu2004      = "Ubuntu20.04"
	ProductUbuntu2204      = "Ubuntu22.04"
	ProductUbuntu2404      = "Ubuntu24.04"
	ProductAmazonLinux2    = "AmazonLinux2"
	ProductAmazonLinux2023 = "AmazonLinux2023"
	ProductWindows2016     = "WindowsServer2016"
	ProductWindows2022     = "WindowsServer2022"
)

// Products lists every OS product in a fixed order.
var Products = []string{
	ProductUbuntu2004, ProductUbuntu2204, ProductUbuntu2404,
	ProductAmazonLinux2, ProductAmazonLinux2023,
	ProductWindows2016, ProductWindows2022,
}

// release is one OS release (a product) and the packages its instances
// carry. Patch definitions live here once and are shared by every instance.
type release struct {
	Product    string         `json:"product"`
	OS         fleet.OSFamily `json:"os"`
	OSVersion  string         `json:"osVersion"`
	Platform   string         `json:"platform"`
	Components []component    `json:"components"`

	byPatchID map[string]int
}

// component is one package (Linux) or one update slot such as the monthly
// cumulative update (Windows): the versions it moves through, oldest first,
// and the Patch that brings it to the newest one (nil when there is no
// update: the package only shows in inventories).
type component struct {
	Name     string       `json:"name"`
	Versions []string     `json:"versions"`
	Patch    *fleet.Patch `json:"patch,omitempty"`
	// Presence is the share of instances that have the package at all;
	// 0 means every instance.
	Presence float64 `json:"presence,omitempty"`
	// LiveKernel marks the kernel, whose fixes live patches can apply to
	// the running kernel (live_patch.go).
	LiveKernel bool `json:"liveKernel,omitempty"`
}

// latest is the index of the newest version.
func (c *component) latest() int8 { return int8(len(c.Versions) - 1) }

// index builds the patch-ID lookup.
func (r *release) index() {
	r.byPatchID = make(map[string]int, len(r.Components))
	for i, c := range r.Components {
		if c.Patch != nil {
			r.byPatchID[c.Patch.ID] = i
		}
	}
}

// catalog holds every release by product.
type catalog struct {
	releases  []*release
	byProduct map[string]*release
}

func newCatalog(releases []*release) *catalog {
	c := &catalog{releases: releases, byProduct: make(map[string]*release, len(releases))}
	for _, r := range releases {
		r.index()
		c.byProduct[r.Product] = r
	}
	return c
}

// buildCatalog returns the package catalogs of every product, with release
// dates relative to now.
func buildCatalog(now time.Time) *catalog {
	return newCatalog([]*release{
		ubuntuFocal(now), ubuntuJammy(now), ubuntuNoble(now),
		amazonLinux2(now), amazonLinux2023(now),
		windowsServer2016(now), windowsServer2022(now),
	})
}

// pkgSpec describes one package of a catalog table; the builders of each OS
// turn it into a component and its Patch.
type pkgSpec struct {
	name     string
	versions []string
	presence float64
	reboot   bool
	// kernel: live patches can apply the update's fixes (live_patch.go).
	kernel bool
	cves   []string
	arch   string
	// Ubuntu
	section, priority, pocket string
	// Amazon Linux: classification and severity; Windows: classification
	// and MSRC severity.
	class, severity string
	// Windows
	kb, title string
}

// withCVEs returns the spec with CVE IDs.
func (s pkgSpec) withCVEs(cves ...string) pkgSpec { s.cves = cves; return s }

// rebooting returns the spec of an update that needs a reboot.
func (s pkgSpec) rebooting() pkgSpec { s.reboot = true; return s }

// liveKernel returns the spec of a kernel that live patching covers.
func (s pkgSpec) liveKernel() pkgSpec { s.kernel = true; return s }

// onShare returns the spec of a package only some instances have.
func (s pkgSpec) onShare(p float64) pkgSpec { s.presence = p; return s }

// archOf returns the spec with another architecture.
func (s pkgSpec) archOf(a string) pkgSpec { s.arch = a; return s }

// releaseDate spreads release dates deterministically from 1 to 30 days
// before the start of now's day, so approval delays of a week matter.
func releaseDate(now time.Time, id string) time.Time {
	days := 1 + int(hash64(0, "release-date", id)%30)
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
}

// newComponent builds a component and, when the spec has more than one
// version, the Patch that installs the newest.
func newComponent(s pkgSpec, patch func(s pkgSpec) *fleet.Patch) component {
	c := component{Name: s.name, Versions: s.versions, Presence: s.presence, LiveKernel: s.kernel}
	if len(s.versions) > 1 {
		c.Patch = patch(s)
	}
	return c
}
