package policy

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// maxDecodeSteps bounds the work spent on one file, so that a small file
// full of YAML aliases cannot expand into an enormous value.
const maxDecodeSteps = 200_000

// maxDepth bounds nesting; no policy value is nested deeper than a few
// levels.
const maxDepth = 32

// nodeUnmarshaler is implemented by the value types (Duration, Amount)
// that parse their own scalar form.
type nodeUnmarshaler interface {
	unmarshalNode(n *yaml.Node) error
}

// decoder copies a yaml.Node tree into Go values strictly: every key must
// name a field (by its json tag), every value must have the field's type,
// and the position of every field is recorded under its dotted path.
// JSON files go through the same code, since JSON is YAML.
type decoder struct {
	file     string
	c        *collector
	steps    int
	overflow bool
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.c.at(Pos{File: d.file, Line: n.Line}, path, format, args...)
}

// decode fills v from n; problems are collected, never returned, so one
// pass finds all of them.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) {
	d.steps++
	if d.steps > maxDecodeSteps || depth > maxDepth {
		if !d.overflow {
			d.overflow = true
			// Kept even past maxErrors: it explains why decoding stopped.
			d.c.errs = append(d.c.errs, FieldError{File: d.file, Line: n.Line, Field: path,
				Msg: "document is too large or too deeply nested (YAML aliases expand to too many values)"})
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.fail(n, path, "unresolved alias")
			return
		}
		d.decode(n.Alias, v, path, depth+1)
		return
	}
	d.c.pos[path] = Pos{File: d.file, Line: n.Line}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(nodeUnmarshaler); ok {
			if n.Kind != yaml.ScalarNode {
				d.fail(n, path, "must be a single value, not a %s", kindName(n))
				return
			}
			if err := u.unmarshalNode(n); err != nil {
				d.fail(n, path, "%s", err.Error())
			}
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, depth+1)
	case reflect.Struct:
		d.decodeStruct(n, v, path, depth)
	case reflect.Map:
		d.decodeMap(n, v, path, depth)
	case reflect.Slice:
		d.decodeSlice(n, v, path, depth)
	default:
		d.decodeScalar(n, v, path)
	}
}

// mapping walks the entries of a mapping node: it refuses a node that is
// not a mapping, keys that are not plain strings and duplicate keys (each
// with its own error), and calls f with every other entry and its field
// path.
func (d *decoder) mapping(n *yaml.Node, path string, f func(k *yaml.Node, key, sub string, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping, not a %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := scalarKey(k)
		if !ok {
			d.fail(k, path, "keys must be plain strings")
			continue
		}
		sub := joinPath(path, key)
		if seen[key] {
			d.fail(k, sub, "duplicate key %q", key)
			continue
		}
		seen[key] = true
		f(k, key, sub, val)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) {
	if isNull(n) {
		return
	}
	fields := fieldsOf(v.Type())
	d.mapping(n, path, func(k *yaml.Node, key, sub string, val *yaml.Node) {
		idx, ok := fields[key]
		if !ok {
			d.fail(k, sub, "unknown key %q%s", key, suggest(key, fields))
			return
		}
		d.decode(val, v.Field(idx), sub, depth+1)
	})
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, depth int) {
	if isNull(n) {
		return
	}
	t := v.Type()
	if n.Kind == yaml.MappingNode && t.Key().Kind() != reflect.String {
		d.fail(n, path, "unsupported map key type %s", t.Key())
		return
	}
	if n.Kind == yaml.MappingNode && v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	d.mapping(n, path, func(_ *yaml.Node, key, sub string, val *yaml.Node) {
		ev := reflect.New(t.Elem()).Elem()
		d.decode(val, ev, sub, depth+1)
		v.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), ev)
	})
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, depth int) {
	d.decodeList(n, v, path, 0, depth)
}

// decodeList decodes a sequence into the slice v, numbering element paths
// from offset.
func (d *decoder) decodeList(n *yaml.Node, v reflect.Value, path string, offset, depth int) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be a list, not a %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, offset+i), depth+1)
	}
	v.Set(s)
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "must be a single value, not a %s", kindName(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		// Any scalar is accepted as text: `aws ssm get-patch-baseline`
		// prints CreatedDate as a number in some CLI versions and as a
		// timestamp in others.
		if isNull(n) {
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "must be true or false, not %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.ShortTag() != "!!int" || err != nil || v.OverflowInt(i) {
			d.fail(n, path, "must be a whole number, not %q", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || err != nil {
			d.fail(n, path, "must be a number, not %q", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "unsupported field type %s", v.Type())
	}
}

// fieldCache maps a struct type to its json key -> field index table.
var fieldCache sync.Map

func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		m[name] = i
	}
	fieldCache.Store(t, m)
	return m
}

// suggest names a key that differs only in case, the commonest slip when
// switching between the AWS (PascalCase) and fleetpatch (camelCase) parts.
func suggest(key string, fields map[string]int) string {
	for k := range fields {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	return ""
}

func scalarKey(k *yaml.Node) (string, bool) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode || isNull(k) {
		return "", false
	}
	return k.Value, true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return fmt.Sprintf("value %q", n.Value)
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
