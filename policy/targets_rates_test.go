package policy

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// ratesFile is a valid policy whose targets set every request bucket; the
// cases below break one field at a time.
const ratesFile = `targets:
  aws:
    - id: "111111111111"
      regions: [eu-west-1, us-east-1]
      rates:
        ssm: {perSecond: 10, burst: 10}
        ec2: {perSecond: 2.5, burst: 40}
    - id: "222222222222"
      regions: [eu-west-1]
  azure:
    - id: 00000000-0000-0000-0000-000000000001
      rates:
        armReads: {perSecond: 25, burst: 250}
        armWrites: {perSecond: 10}
`

func TestTargetRatesParse(t *testing.T) {
	p, err := Parse("t.yaml", []byte(ratesFile))
	if err != nil {
		t.Fatal(err)
	}
	a := p.Targets.AWS[0].Rates
	if a.SSM != (RateLimit{PerSecond: 10, Burst: 10}) || a.EC2 != (RateLimit{PerSecond: 2.5, Burst: 40}) {
		t.Errorf("aws rates = %+v", a)
	}
	if (p.Targets.AWS[1].Rates != AWSRates{}) {
		t.Errorf("an account without rates has %+v, want zero (the defaults)", p.Targets.AWS[1].Rates)
	}
	z := p.Targets.Azure[0].Rates
	if z.ARMReads != (RateLimit{PerSecond: 25, Burst: 250}) || z.ARMWrites != (RateLimit{PerSecond: 10}) {
		t.Errorf("azure rates = %+v", z)
	}
}

// Targets without rates marshal as before: no "rates" key appears.
func TestTargetRatesOmittedWhenZero(t *testing.T) {
	b, err := json.Marshal(Targets{AWS: []AWSAccount{{ID: "111111111111", Regions: []string{"eu-west-1"}}},
		Azure: []AzureSubscription{{ID: "00000000-0000-0000-0000-000000000001"}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "rates") {
		t.Errorf("zero rates marshalled: %s", b)
	}
	b, err = json.Marshal(AWSRates{EC2: RateLimit{PerSecond: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `{"ec2":{"perSecond":5}}` {
		t.Errorf("marshalled %s", got)
	}
}

func TestTargetRatesValidation(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           []string
	}{
		{"ssm rate negative", "ssm: {perSecond: 10,", "ssm: {perSecond: -1,",
			[]string{"t.yaml:6: targets.aws[0].rates.ssm.perSecond:", "-1 requests per second is out of range: above 0 and at most 1000"}},
		{"ec2 rate too high", "perSecond: 2.5", "perSecond: 1000.5",
			[]string{"t.yaml:7: targets.aws[0].rates.ec2.perSecond:", "at most 1000"}},
		{"ssm burst negative", "burst: 10}", "burst: -3}",
			[]string{"t.yaml:6: targets.aws[0].rates.ssm.burst:", "burst -3 is out of range: at least 1"}},
		{"ec2 burst too large", "burst: 40}", "burst: 20000}",
			[]string{"t.yaml:7: targets.aws[0].rates.ec2.burst:", "at most 10000"}},
		{"arm reads rate", "armReads: {perSecond: 25", "armReads: {perSecond: -25",
			[]string{"t.yaml:13: targets.azure[0].rates.armReads.perSecond:", "out of range"}},
		{"arm writes burst", "armWrites: {perSecond: 10}", "armWrites: {perSecond: 10, burst: -1}",
			[]string{"t.yaml:14: targets.azure[0].rates.armWrites.burst:", "at least 1"}},
		{"rate not a number", "perSecond: 2.5", "perSecond: fast",
			[]string{"t.yaml:7: targets.aws[0].rates.ec2.perSecond:", `must be a number, not "fast"`}},
		{"burst not whole", "burst: 40}", "burst: 2.5}",
			[]string{"t.yaml:7: targets.aws[0].rates.ec2.burst:", "whole number"}},
		{"unknown service", "ec2: {", "ecs: {",
			[]string{"t.yaml:7: targets.aws[0].rates.ecs:"}},
		{"azure key on aws", "ec2: {", "armReads: {",
			[]string{"t.yaml:7: targets.aws[0].rates.armReads:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(ratesFile, c.old, c.new, 1)
			if doc == ratesFile {
				t.Fatalf("%q not in the file", c.old)
			}
			lines := errorLines(t, "t.yaml", doc)
			if lines == nil {
				t.Fatalf("no error for %s", c.new)
			}
			wantError(t, lines, c.want...)
		})
	}
}

// Explicit zeros are the defaults, as omitted fields are.
func TestTargetRatesZeroIsDefault(t *testing.T) {
	doc := strings.NewReplacer("ssm: {perSecond: 10, burst: 10}", "ssm: {perSecond: 0, burst: 0}",
		"armWrites: {perSecond: 10}", "armWrites: {}").Replace(ratesFile)
	if lines := errorLines(t, "t.yaml", doc); lines != nil {
		t.Fatalf("zero rates refused:\n%s", strings.Join(lines, "\n"))
	}
}

// The example's commented rates are valid once uncommented.
func TestExampleTargetRatesUncommented(t *testing.T) {
	data, err := os.ReadFile(examplePolicy + "/targets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if s := strings.TrimLeft(l, " "); strings.HasPrefix(s, "# rates:") || strings.HasPrefix(s, "#   ") {
			l = strings.Replace(l, "# ", "", 1)
		}
		out = append(out, l)
	}
	p, err := Parse("targets.yaml", []byte(strings.Join(out, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Targets.AWS[0].Rates.SSM.PerSecond == 0 || p.Targets.Azure[0].Rates.ARMWrites.PerSecond == 0 {
		t.Errorf("uncommented example has no rates: %+v %+v", p.Targets.AWS[0].Rates, p.Targets.Azure[0].Rates)
	}
}
