package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func init() {
	register(command{
		Name:    "fleet patches",
		Usage:   "--instance ID [--seed S --fleet N [--now DATE] | --data FILE]",
		Summary: "print a simulated instance's pending patches as a patches file",
		Run:     runFleetPatches,
	})
	register(command{
		Name:    "fleet list",
		Usage:   "[--seed S --fleet N [--now DATE] | --data FILE] [--group G] [--os OS] [--limit N]",
		Summary: "list the instances of the simulated fleet",
		Run:     runFleetList,
	})
}

// simFleetFlags are the flags that choose a simulated fleet: generated from
// a seed, or loaded from a file saved by the dev stack.
type simFleetFlags struct {
	seed int64
	size int
	now  string
	data string
}

func (s *simFleetFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&s.seed, "seed", 1, "seed of the generated fleet")
	fs.IntVar(&s.size, "fleet", cloudsim.DefaultInstances, "number of instances of the generated fleet")
	fs.StringVar(&s.now, "now", "", "the generated fleet's clock start, RFC 3339 or YYYY-MM-DD (default: start of today, UTC)")
	fs.StringVar(&s.data, "data", "", "read a fleet saved by the dev stack instead of generating one")
}

// open generates or loads the fleet.
func (s *simFleetFlags) open() (*cloudsim.Fleet, error) {
	if s.data != "" {
		return cloudsim.Load(s.data)
	}
	if s.size <= 0 {
		return nil, fmt.Errorf("--fleet must be positive, got %d", s.size)
	}
	cfg := cloudsim.Config{Seed: s.seed, Instances: s.size}
	if s.now != "" {
		t, err := parseFleetNow(s.now)
		if err != nil {
			return nil, fmt.Errorf("--now: %w", err)
		}
		cfg.Now = t
	}
	return cloudsim.Generate(cfg), nil
}

// parseFleetNow reads an RFC 3339 time or a YYYY-MM-DD date (UTC midnight).
func parseFleetNow(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// parseFleetFlags parses args and reports flag errors as exit code 2 (0 for -h).
func parseFleetFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2, false
	}
	return 0, true
}

// runFleetPatches prints the pending patches of one instance as the JSON
// array of fleet.PatchOnInstance that `baseline explain --patches` reads.
func runFleetPatches(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet patches", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf simFleetFlags
	sf.register(fs)
	instance := fs.String("instance", "", "instance ID (or Name tag) whose pending patches to print")
	if code, ok := parseFleetFlags(fs, args); !ok {
		return code
	}
	if *instance == "" {
		fmt.Fprintln(stderr, "fleet patches: --instance is required (see 'fleet list' for IDs)")
		return 2
	}
	f, err := sf.open()
	if err != nil {
		fmt.Fprintln(stderr, "fleet patches:", err)
		return 1
	}
	id, ok := findSimInstance(f, *instance)
	if !ok {
		fmt.Fprintf(stderr, "fleet patches: no instance %q in this fleet (see 'fleet list')\n", *instance)
		return 1
	}
	patches, err := f.PendingPatches(id)
	if err != nil {
		fmt.Fprintln(stderr, "fleet patches:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(patches); err != nil {
		fmt.Fprintln(stderr, "fleet patches:", err)
		return 1
	}
	return 0
}

// findSimInstance resolves an instance ID or Name tag.
func findSimInstance(f *cloudsim.Fleet, key string) (string, bool) {
	if _, ok := f.Instance(key); ok {
		return key, true
	}
	for _, in := range f.Instances() {
		if in.Name == key {
			return in.ID, true
		}
	}
	return "", false
}

// runFleetList prints a table of the fleet's instances.
func runFleetList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf simFleetFlags
	sf.register(fs)
	group := fs.String("group", "", "only instances with this PatchGroup tag")
	osName := fs.String("os", "", "only this OS: a family (UBUNTU, AMAZON_LINUX_2023, WINDOWS) or a product (Ubuntu22.04, WindowsServer2016)")
	limit := fs.Int("limit", 20, "print at most this many instances (0: all)")
	if code, ok := parseFleetFlags(fs, args); !ok {
		return code
	}
	f, err := sf.open()
	if err != nil {
		fmt.Fprintln(stderr, "fleet list:", err)
		return 1
	}
	var rows []fleet.Instance
	for _, in := range f.Instances() {
		if (*group == "" || in.Tags[cloudsim.TagPatchGroup] == *group) && simMatchesOS(in, *osName) {
			rows = append(rows, in)
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGROUP\tOS\tCLOUD\tACCOUNT\tREGION\tPING\tMISSING\tID")
	for n, in := range rows {
		if *limit > 0 && n == *limit {
			break
		}
		missing, _ := f.PendingPatches(in.ID)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", in.Name, in.Tags[cloudsim.TagPatchGroup], simProduct(in),
			in.Cloud, in.Account, in.Region, in.Ping, len(missing), in.ID)
	}
	tw.Flush()
	if *limit > 0 && len(rows) > *limit {
		fmt.Fprintf(stdout, "... %d of %d instances shown (--limit 0 for all)\n", *limit, len(rows))
	} else {
		fmt.Fprintf(stdout, "%d instances\n", len(rows))
	}
	return 0
}

// simProduct names an instance's OS as patch baselines' PRODUCT does.
func simProduct(in fleet.Instance) string {
	switch in.OS {
	case fleet.OSUbuntu:
		return "Ubuntu" + in.OSVersion
	case fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023:
		return "AmazonLinux" + in.OSVersion
	case fleet.OSWindows:
		return "WindowsServer" + in.OSVersion
	}
	return string(in.OS) + in.OSVersion
}

// simMatchesOS tells whether the instance is of the OS family or product.
func simMatchesOS(in fleet.Instance, want string) bool {
	return want == "" || strings.EqualFold(want, string(in.OS)) || strings.EqualFold(want, simProduct(in))
}
