package aws

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// DescribeAvailablePatches' Patch names the update notices of a Linux
// package in AdvisoryIds
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Patch.html);
// they become fleet.Patch.Advisory, which tells Amazon Linux security
// updates (every package in a notice) from the rest.
func TestPatchDefinitionKeepsAdvisories(t *testing.T) {
	rel := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	ap := types.Patch{Name: aws.String("systemd"), Version: aws.String("219-78.amzn2.0.22"), Arch: aws.String("x86_64"),
		Product: aws.String("AmazonLinux2"), Classification: aws.String("Bugfix"), Severity: aws.String("Low"),
		AdvisoryIds: []string{"ALAS2-2026-2001"}, ReleaseDate: aws.Time(rel)}
	d := definitionOf("AmazonLinux2", ap)
	if d.Advisory != "ALAS2-2026-2001" || d.OS != fleet.OSAmazonLinux2 || d.Classification != "Bugfix" || !d.ReleaseDate.Equal(rel) {
		t.Errorf("definition = %+v", d)
	}
	ap.AdvisoryIds = []string{"ALAS2-2026-2001", "ALAS2-2026-2002"}
	if d := definitionOf("AmazonLinux2", ap); d.Advisory != "ALAS2-2026-2001,ALAS2-2026-2002" {
		t.Errorf("two notices: %q", d.Advisory)
	}
	ap.AdvisoryIds, ap.Classification, ap.Severity = nil, nil, nil
	if d := definitionOf("AmazonLinux2", ap); d.Advisory != "" || d.Classification != "" {
		t.Errorf("package in no notice: %+v", d)
	}
}
