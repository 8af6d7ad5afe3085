package awsfront

import (
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// overrideEntry is one entry of an InstallOverrideList file: the
// documented YAML "patches:" list of id (Linux: name.arch; Windows: the KB)
// and optional title (Linux: name.arch:version, pinning the version)
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-aws-runpatchbaseline.html,
// parameter InstallOverrideList).
type overrideEntry struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
}

// overrideList is a parsed InstallOverrideList: exact patch IDs (pinned
// versions and KBs) and package names with any version.
type overrideList struct {
	ids   map[string]bool
	names map[string]bool
}

// parseInstallOverrideList reads the YAML file.
func parseInstallOverrideList(data []byte) (overrideList, error) {
	var doc struct {
		Patches []overrideEntry `yaml:"patches"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return overrideList{}, fmt.Errorf("InstallOverrideList is not valid YAML: %w", err)
	}
	l := overrideList{ids: map[string]bool{}, names: map[string]bool{}}
	for _, e := range doc.Patches {
		switch {
		case e.ID == "":
			return overrideList{}, fmt.Errorf("InstallOverrideList: an entry has no id")
		case strings.HasPrefix(strings.ToUpper(e.ID), "KB"):
			l.ids[strings.ToUpper(e.ID)] = true
		case e.Title != "":
			version, ok := strings.CutPrefix(e.Title, e.ID+":")
			if !ok {
				return overrideList{}, fmt.Errorf("InstallOverrideList: title %q of %q is not %s:<version>", e.Title, e.ID, e.ID)
			}
			l.ids[packageName(e.ID)+":"+version] = true
		default:
			l.names[packageName(e.ID)] = true
		}
	}
	return l, nil
}

// packageName strips the architecture from "name.arch".
func packageName(id string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}

// checkBaselineOverride checks a BaselineOverride file: a JSON array of
// patch baselines, each naming its OperatingSystem
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-baselineoverride-parameter.html).
// It returns the operating systems it covers.
func checkBaselineOverride(data []byte) ([]string, error) {
	var list []struct {
		OperatingSystem string          `json:"OperatingSystem"`
		ApprovalRules   json.RawMessage `json:"ApprovalRules"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("BaselineOverride is not a JSON list of patch baselines: %w", err)
	}
	var oss []string
	for _, b := range list {
		if b.OperatingSystem == "" {
			return nil, fmt.Errorf("BaselineOverride: a baseline has no OperatingSystem")
		}
		oss = append(oss, b.OperatingSystem)
	}
	return oss, nil
}
