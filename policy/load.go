package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// policyExts are the file name endings Load reads from a folder.
var policyExts = []string{".yaml", ".yml", ".json"}

// Load reads a policy from one file or from every *.yaml, *.yml and *.json
// file of a folder (not recursive, in name order), merges them, and
// validates the result. Any problem, in any file, is reported with all the
// others as *Errors; a policy is returned only when it is valid.
func Load(path string) (*Policy, error) {
	files, err := policyFiles(path)
	if err != nil {
		return nil, err
	}
	l := newLoader()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		l.add(f, data)
	}
	return l.finish()
}

// Parse reads one policy file's contents (YAML or JSON, named name in
// errors) and validates it, as Load does for a single file.
func Parse(name string, data []byte) (*Policy, error) {
	l := newLoader()
	l.add(name, data)
	return l.finish()
}

// LoadBaselineFile reads one AWS patch baseline, either a file holding just
// the baseline (the JSON of `aws ssm get-patch-baseline`, or the input of
// `create-patch-baseline --cli-input-json`) or a policy file with exactly
// one baseline, and validates it.
func LoadBaselineFile(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l := newLoader()
	l.add(path, data)
	if err := l.c.result(); err != nil {
		return nil, err
	}
	if len(l.p.Baselines) != 1 {
		return nil, fmt.Errorf("%s: want exactly one baseline, found %d", path, len(l.p.Baselines))
	}
	var b *Baseline
	var name string
	for name, b = range l.p.Baselines {
	}
	validateBaseline(l.c, itemPath("baselines", name), b)
	if err := l.c.result(); err != nil {
		return nil, err
	}
	return b, nil
}

func policyFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		for _, ext := range policyExts {
			if strings.EqualFold(filepath.Ext(e.Name()), ext) {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.yaml, *.yml or *.json policy files", path)
	}
	return files, nil
}

// loader merges files into one Policy, remembering where each named item
// was first defined.
type loader struct {
	p *Policy
	c *collector
}

func newLoader() *loader {
	c := newCollector()
	return &loader{
		p: &Policy{
			Baselines: map[string]*Baseline{},
			Groups:    map[string]*Group{},
			Windows:   map[string]*Window{},
			Freezes:   map[string]*Freeze{},
			pos:       c.pos,
		},
		c: c,
	}
}

func (l *loader) finish() (*Policy, error) {
	l.resolveAllowedSigners()
	l.resolveFreezes(time.Now())
	l.p.validate(l.c)
	if err := l.c.result(); err != nil {
		return nil, err
	}
	return l.p, nil
}

// baselineKeys mark a file that is a single AWS baseline rather than a
// fleetpatch policy file.
var baselineKeys = map[string]bool{"OperatingSystem": true, "ApprovalRules": true, "BaselineId": true}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (l *loader) add(file string, data []byte) {
	l.p.files = append(l.p.files, file)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line := 0
			if m := yamlLine.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.TrimPrefix(msg, m[0]+": ")
			}
			l.c.at(Pos{File: file, Line: line}, "", "cannot parse: %s", msg)
			return
		}
		l.addDoc(file, &doc)
	}
}

func (l *loader) addDoc(file string, doc *yaml.Node) {
	d := &decoder{file: file, c: l.c}
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = root.Content[0]
	}
	if isNull(root) {
		return
	}
	if root.Kind != yaml.MappingNode {
		d.fail(root, "", "a policy file must be a mapping with baselines, groups, windows and targets, or a single AWS patch baseline")
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k, ok := scalarKey(root.Content[i]); ok && baselineKeys[k] {
			l.addItem(d, root, "baselines", "Name", reflect.ValueOf(l.p.Baselines), -1)
			return
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key, _ := scalarKey(k)
		if seen[key] {
			d.fail(k, key, "duplicate key %q", key)
			continue
		}
		seen[key] = true
		switch key {
		case "baselines":
			l.addList(d, v, key, "Name", reflect.ValueOf(l.p.Baselines))
		case "groups":
			l.addList(d, v, key, "name", reflect.ValueOf(l.p.Groups))
		case "windows":
			l.addList(d, v, key, "name", reflect.ValueOf(l.p.Windows))
		case "freezes":
			l.addList(d, v, key, "name", reflect.ValueOf(l.p.Freezes))
		case "targets":
			var t Targets
			base := Targets{AWS: l.p.Targets.AWS, Azure: l.p.Targets.Azure}
			// Paths of later files continue the index of earlier ones.
			d.decodeTargets(v, &t, len(base.AWS), len(base.Azure))
			l.p.Targets.AWS = append(base.AWS, t.AWS...)
			l.p.Targets.Azure = append(base.Azure, t.Azure...)
		default:
			d.fail(k, key, "unknown key %q (a policy file has baselines, groups, windows, freezes and targets)", key)
		}
	}
}

// addList decodes a list of named items (baselines, groups or windows)
// into the map m, keyed by the value of nameKey in each item.
func (l *loader) addList(d *decoder, n *yaml.Node, kind, nameKey string, m reflect.Value) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, kind, "must be a list, not a %s", kindName(n))
		return
	}
	for i, item := range n.Content {
		l.addItem(d, item, kind, nameKey, m, i)
	}
}

// addItem decodes one named item; index is its place in the list, or -1
// for a standalone baseline file.
func (l *loader) addItem(d *decoder, item *yaml.Node, kind, nameKey string, m reflect.Value, index int) {
	if item.Kind == yaml.AliasNode && item.Alias != nil {
		item = item.Alias
	}
	if item.Kind != yaml.MappingNode {
		d.fail(item, fmt.Sprintf("%s[%d]", kind, index), "each of %s must be a mapping, not a %s", kind, kindName(item))
		return
	}
	name := ""
	{
		for j := 0; j+1 < len(item.Content); j += 2 {
			if k, ok := scalarKey(item.Content[j]); ok && k == nameKey && item.Content[j+1].Kind == yaml.ScalarNode {
				name = item.Content[j+1].Value
			}
		}
	}
	keyName, path := name, kind+"."+name
	if name == "" {
		keyName = fmt.Sprintf("[%d]", index)
		if index < 0 {
			keyName = "[" + filepath.Base(d.file) + "]"
		}
		path = kind + keyName
	}
	key := reflect.ValueOf(keyName)
	if prev := m.MapIndex(key); prev.IsValid() {
		first := l.c.pos[path]
		d.fail(item, path, "%s %q is defined twice (first at %s:%d)", strings.TrimSuffix(kind, "s"), name, first.File, first.Line)
		return
	}
	v := reflect.New(m.Type().Elem().Elem())
	d.decode(item, v.Elem(), path, 1)
	if name == "" {
		d.fail(item, path, "%s is required", nameKey)
	}
	m.SetMapIndex(key, v)
}

func (d *decoder) decodeTargets(n *yaml.Node, t *Targets, awsOffset, azureOffset int) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "targets", "must be a mapping with aws and azure, not a %s", kindName(n))
		return
	}
	d.c.pos["targets"] = Pos{File: d.file, Line: n.Line}
	d.mapping(n, "targets", func(k *yaml.Node, key, path string, v *yaml.Node) {
		switch key {
		case "aws":
			d.decodeOffsetList(v, reflect.ValueOf(&t.AWS).Elem(), path, awsOffset)
		case "azure":
			d.decodeOffsetList(v, reflect.ValueOf(&t.Azure).Elem(), path, azureOffset)
		default:
			d.fail(k, path, "unknown key %q (targets has aws and azure)", key)
		}
	})
}

// decodeOffsetList decodes a list whose element paths are numbered from
// offset, so that targets merged from several files keep distinct paths.
func (d *decoder) decodeOffsetList(n *yaml.Node, v reflect.Value, path string, offset int) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.decodeList(n, v, path, offset, 0)
}

// Files lists the files the policy was read from.
func (p *Policy) Files() []string { return append([]string(nil), p.files...) }

// Position returns where the field at path (for example
// "groups.prod-auto.mode") was defined, if the policy was loaded from files.
func (p *Policy) Position(path string) (Pos, bool) {
	pos, ok := p.pos[path]
	return pos, ok
}
