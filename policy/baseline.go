package policy

// Baseline is a patch baseline in the AWS PatchBaseline schema: the JSON that
// `aws ssm create-patch-baseline --cli-input-json` takes and
// `aws ssm get-patch-baseline` prints. Field names are AWS's, so an exported
// baseline loads unchanged.
type Baseline struct {
	BaselineID                               string         `json:"BaselineId,omitempty"`
	Name                                     string         `json:"Name"`
	OperatingSystem                          string         `json:"OperatingSystem"`
	Description                              string         `json:"Description,omitempty"`
	GlobalFilters                            *FilterGroup   `json:"GlobalFilters,omitempty"`
	ApprovalRules                            *ApprovalRules `json:"ApprovalRules,omitempty"`
	ApprovedPatches                          []string       `json:"ApprovedPatches,omitempty"`
	ApprovedPatchesComplianceLevel           string         `json:"ApprovedPatchesComplianceLevel,omitempty"`
	ApprovedPatchesEnableNonSecurity         bool           `json:"ApprovedPatchesEnableNonSecurity,omitempty"`
	RejectedPatches                          []string       `json:"RejectedPatches,omitempty"`
	RejectedPatchesAction                    string         `json:"RejectedPatchesAction,omitempty"`
	Sources                                  []Source       `json:"Sources,omitempty"`
	Tags                                     []Tag          `json:"Tags,omitempty"`
	PatchGroups                              []string       `json:"PatchGroups,omitempty"`
	CreatedDate                              string         `json:"CreatedDate,omitempty"`
	ModifiedDate                             string         `json:"ModifiedDate,omitempty"`
	AvailableSecurityUpdatesComplianceStatus string         `json:"AvailableSecurityUpdatesComplianceStatus,omitempty"`
	ClientToken                              string         `json:"ClientToken,omitempty"`
}

// ApprovalRules holds a baseline's patch rules.
type ApprovalRules struct {
	PatchRules []PatchRule `json:"PatchRules"`
}

// PatchRule approves the patches its filters select, after a delay or
// until a date.
type PatchRule struct {
	PatchFilterGroup  FilterGroup `json:"PatchFilterGroup"`
	ComplianceLevel   string      `json:"ComplianceLevel,omitempty"`
	ApproveAfterDays  *int        `json:"ApproveAfterDays,omitempty"`
	ApproveUntilDate  string      `json:"ApproveUntilDate,omitempty"`
	EnableNonSecurity bool        `json:"EnableNonSecurity,omitempty"`
}

// FilterGroup is a set of filters that must all match.
type FilterGroup struct {
	PatchFilters []PatchFilter `json:"PatchFilters"`
}

// PatchFilter matches a patch attribute against values (wildcards allowed
// where AWS allows them).
type PatchFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

// Source is an alternative package repository (Linux only).
type Source struct {
	Name          string   `json:"Name"`
	Products      []string `json:"Products"`
	Configuration string   `json:"Configuration"`
}

// Tag is an AWS resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}
