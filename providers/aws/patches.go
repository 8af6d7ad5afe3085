package aws

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// patchRef is a patch as DescribeInstancePatches names it
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchComplianceData.html):
// on Linux the KBId is name.arch and the Title name.arch:version; on
// Windows the KBId is the KB.
type patchRef struct {
	id, name, version, arch, kb string
	data                        types.PatchComplianceData
}

// refOf reads a PatchComplianceData of a node of the given OS.
func refOf(os fleet.OSFamily, d types.PatchComplianceData) patchRef {
	kb, title := aws.ToString(d.KBId), aws.ToString(d.Title)
	if os.IsWindows() {
		return patchRef{id: kb, name: title, kb: kb, data: d}
	}
	name, arch := kb, ""
	if i := strings.LastIndexByte(kb, '.'); i > 0 {
		name, arch = kb[:i], kb[i+1:]
	}
	version := strings.TrimPrefix(title, kb+":")
	return patchRef{id: name + ":" + version, name: name, version: version, arch: arch, data: d}
}

// instancePatches reads one node's patches in the given states
// (DescribeInstancePatches, paginated; all states when none are given).
func (p *Provider) instancePatches(ctx context.Context, g group, id string, states ...string) ([]patchRef, error) {
	in := &ssm.DescribeInstancePatchesInput{InstanceId: aws.String(id), MaxResults: aws.Int32(100)}
	if len(states) > 0 {
		in.Filters = []types.PatchOrchestratorFilter{{Key: aws.String("State"), Values: states}}
	}
	os := p.nodeInfo(id).inst.OS
	var out []patchRef
	pages := ssm.NewDescribeInstancePatchesPaginator(g.ssm, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("DescribeInstancePatches "+id+" in "+g.String(), err)
		}
		for _, d := range page.Patches {
			out = append(out, refOf(os, d))
		}
	}
	return out, nil
}

// patchStates reads the compliance summaries of a group's nodes
// (DescribeInstancePatchStates, 50 IDs a call, paginated).
func (p *Provider) patchStates(ctx context.Context, g group, ids []string) (map[string]types.InstancePatchState, error) {
	out := map[string]types.InstancePatchState{}
	for start := 0; start < len(ids); start += fleet.MaxBatch {
		pages := ssm.NewDescribeInstancePatchStatesPaginator(g.ssm, &ssm.DescribeInstancePatchStatesInput{
			InstanceIds: ids[start:min(len(ids), start+fleet.MaxBatch)], MaxResults: aws.Int32(50),
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, wrapErr("DescribeInstancePatchStates in "+g.String(), err)
			}
			for _, st := range page.InstancePatchStates {
				out[aws.ToString(st.InstanceId)] = st
			}
		}
	}
	return out, nil
}

// definitions returns the full definitions of the patches (release date,
// repository, product, CVEs) from DescribeAvailablePatches, cached across
// calls: by PRODUCT and NAME on Linux (20 names a call), by PATCH_ID on
// Windows. A patch that the catalog does not describe keeps what
// DescribeInstancePatches said.
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeAvailablePatches.html)
func (p *Provider) definitions(ctx context.Context, g group, refs map[string]patchRef, products map[string]string) (map[string]fleet.Patch, error) {
	out := map[string]fleet.Patch{}
	want := map[string]map[string]bool{} // product -> names or KBs to ask for
	p.mu.Lock()
	for id, r := range refs {
		product := products[id]
		if def, ok := p.patches[product+"|"+r.id]; ok {
			out[r.id] = def
			continue
		}
		if want[product] == nil {
			want[product] = map[string]bool{}
		}
		if r.kb != "" {
			want[product][r.kb] = true
		} else {
			want[product][r.name] = true
		}
	}
	p.mu.Unlock()
	for product, set := range want {
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		for start := 0; start < len(keys); start += 20 {
			chunk := keys[start:min(len(keys), start+20)]
			var filters []types.PatchOrchestratorFilter
			if strings.HasPrefix(product, "Windows") {
				filters = []types.PatchOrchestratorFilter{{Key: aws.String("PATCH_ID"), Values: chunk}}
			} else {
				filters = []types.PatchOrchestratorFilter{{Key: aws.String("PRODUCT"), Values: []string{product}}, {Key: aws.String("NAME"), Values: chunk}}
			}
			pages := ssm.NewDescribeAvailablePatchesPaginator(g.ssm, &ssm.DescribeAvailablePatchesInput{Filters: filters, MaxResults: aws.Int32(100)})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return nil, wrapErr("DescribeAvailablePatches in "+g.String(), err)
				}
				p.mu.Lock()
				for _, ap := range page.Patches {
					def := definitionOf(product, ap)
					p.patches[product+"|"+def.ID] = def
				}
				p.mu.Unlock()
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, r := range refs {
		if _, ok := out[r.id]; ok {
			continue
		}
		if def, ok := p.patches[products[id]+"|"+r.id]; ok {
			out[r.id] = def
		}
	}
	return out, nil
}

// definitionOf converts DescribeAvailablePatches' Patch. For Ubuntu the
// priority travels as Severity and the section as Classification. Its
// AdvisoryIds (Linux only,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Patch.html)
// name the update notices that list the package; DescribeInstancePatches'
// PatchComplianceData has no such field.
func definitionOf(product string, ap types.Patch) fleet.Patch {
	d := fleet.Patch{
		Name: aws.ToString(ap.Name), Version: aws.ToString(ap.Version), Arch: aws.ToString(ap.Arch),
		Product: aws.ToString(ap.Product), CVEs: ap.CVEIds, ReleaseDate: aws.ToTime(ap.ReleaseDate).UTC(),
		Repository: aws.ToString(ap.Repository), RequiresReboot: strings.Contains(aws.ToString(ap.Description), "reboot"),
		Advisory: strings.Join(ap.AdvisoryIds, ","),
	}
	if d.Product == "" {
		d.Product = product
	}
	switch {
	case aws.ToString(ap.KbNumber) != "":
		d.OS, d.KB, d.ID, d.Name = fleet.OSWindows, aws.ToString(ap.KbNumber), aws.ToString(ap.KbNumber), aws.ToString(ap.Title)
		d.Version, d.Classification, d.MSRCSeverity, d.ProductFamily = "", aws.ToString(ap.Classification), aws.ToString(ap.MsrcSeverity), aws.ToString(ap.ProductFamily)
	case strings.HasPrefix(product, "Ubuntu"):
		d.OS, d.Priority, d.Section = fleet.OSUbuntu, aws.ToString(ap.Severity), aws.ToString(ap.Classification)
	default:
		d.OS, d.Classification, d.Severity = fleet.OSAmazonLinux2, aws.ToString(ap.Classification), aws.ToString(ap.Severity)
		if strings.HasSuffix(product, "2023") {
			d.OS = fleet.OSAmazonLinux2023
		}
	}
	if d.ID == "" {
		d.ID = d.Name + ":" + d.Version
	}
	return d
}

// fallbackDefinition builds a patch from DescribeInstancePatches alone.
func fallbackDefinition(n node, r patchRef) fleet.Patch {
	d := fleet.Patch{ID: r.id, Name: r.name, Version: r.version, Arch: r.arch, KB: r.kb, OS: n.inst.OS, Product: n.product}
	cls, sev := aws.ToString(r.data.Classification), aws.ToString(r.data.Severity)
	switch {
	case n.inst.OS.IsWindows():
		d.Classification, d.MSRCSeverity = cls, sev
	case n.inst.OS == fleet.OSUbuntu:
		d.Section, d.Priority = cls, sev
	default:
		d.Classification, d.Severity = cls, sev
	}
	if cves := aws.ToString(r.data.CVEIds); cves != "" {
		d.CVEs = strings.Split(cves, ",")
	}
	return d
}

// inventory reads one node's AWS:Application inventory (ListInventoryEntries,
// paginated): package name -> version.
func (p *Provider) inventory(ctx context.Context, g group, id string) (map[string]string, error) {
	out := map[string]string{}
	var token *string
	for {
		page, err := g.ssm.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{
			InstanceId: aws.String(id), TypeName: aws.String("AWS:Application"), MaxResults: aws.Int32(50), NextToken: token,
		})
		if err != nil {
			return nil, wrapErr("ListInventoryEntries "+id+" in "+g.String(), err)
		}
		for _, e := range page.Entries {
			out[e["Name"]] = e["Version"]
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		token = page.NextToken
	}
}

// each runs fn for every ID with at most Config.Concurrency in flight and
// returns the first error.
func (p *Provider) each(ids []string, fn func(i int, id string) error) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, p.cfg.Concurrency)
	)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i, id); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// eachGroup runs fn for every group in parallel and returns the first
// error.
func eachGroup(groups []group, fn func(g group) error) error {
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(g)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sortPackages orders packages by name.
func sortPackages(ps []fleet.InstalledPackage) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
}
