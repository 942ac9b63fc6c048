package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree into Go structs, collecting every problem
// as a Diagnostic instead of stopping at the first.
type decoder struct {
	file   string
	getenv func(string) (string, bool)
	diags  Diagnostics
	// substituted maps each scalar that had ${VAR} replaced to its original
	// text, so messages never print an environment value.
	substituted map[*yaml.Node]string
	// envValues are the (name, value) pairs substituted.
	envValues [][2]string
}

// customDecoder is implemented by config types whose YAML form is a union
// (e.g. a number or a mapping).
type customDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, path, what string)
}

var (
	metaType   = reflect.TypeOf(Meta{})
	nodeType   = reflect.TypeOf(yaml.Node{})
	customType = reflect.TypeOf((*customDecoder)(nil)).Elem()
)

func (d *decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.diags.Errorf(d.pos(n), path, format, args...)
}

func (d *decoder) warnf(n *yaml.Node, path, format string, args ...any) {
	d.diags.Warnf(d.pos(n), path, format, args...)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// resolve follows aliases and document wrappers.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// describe names what a node holds, for "expected X, got Y" messages. A
// value that came from ${VAR} is named by its reference, never printed.
func (d *decoder) describe(n *yaml.Node) string {
	if ref, ok := d.substituted[n]; ok && n.Kind == yaml.ScalarNode {
		return "the value of " + ref
	}
	return describe(n)
}

// describe names what a node holds (see decoder.describe, which callers
// with substituted values must use).
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("a string (%q)", clip(n.Value))
	}
	return "something else"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// field is one decodable struct field.
type field struct {
	key       string
	index     []int
	required  bool
	enum      []string
	oneOrMany bool
}

type structInfo struct {
	fields []field
	byKey  map[string]*field
	keys   []string
	meta   []int // index path of the Meta field, or nil
}

var structCache sync.Map // reflect.Type → *structInfo

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byKey: map[string]*field{}}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			idx := append(append([]int(nil), prefix...), i)
			if sf.Type == metaType {
				if si.meta == nil {
					si.meta = idx
				}
				continue
			}
			tag := sf.Tag.Get("yaml")
			if tag == "-" || !sf.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if opts == "inline" {
				walk(sf.Type, idx)
				continue
			}
			if name == "" {
				continue
			}
			f := field{key: name, index: idx, required: sf.Tag.Get("required") == "true", oneOrMany: sf.Tag.Get("oneormany") == "true"}
			if e := sf.Tag.Get("enum"); e != "" {
				f.enum = strings.Split(e, ",")
			}
			si.fields = append(si.fields, f)
		}
	}
	walk(t, nil)
	for i := range si.fields {
		si.byKey[si.fields[i].key] = &si.fields[i]
		si.keys = append(si.keys, si.fields[i].key)
	}
	structCache.Store(t, si)
	return si
}

// FieldNames lists the YAML keys of a config struct type (for docs and
// suggestions).
func FieldNames(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return append([]string(nil), infoOf(t).keys...)
}

// decode decodes n into v (addressable). what describes the enclosing
// mapping for messages, e.g. `llm-text column "answer"`.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path, what string) {
	n = resolve(n)
	if n == nil {
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(customType) {
		if isNull(n) {
			return
		}
		v.Addr().Interface().(customDecoder).decodeYAML(d, n, path, what)
		return
	}
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.Type().Elem() == nodeType {
			cp := *n
			v.Set(reflect.ValueOf(&cp))
			return
		}
		nv := reflect.New(v.Type().Elem())
		d.decode(n, nv.Elem(), path, what)
		v.Set(nv)
	case reflect.Struct:
		d.decodeStruct(n, v, path, what)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "expected a list, got %s", d.describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), indexPath(path, i), what)
		}
		v.Set(s)
	case reflect.Map:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "expected a mapping, got %s", d.describe(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if seen[k.Value] {
				d.errorf(k, joinPath(path, k.Value), "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(n.Content[i+1], ev, joinPath(path, k.Value), what)
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), ev)
		}
		v.Set(m)
	case reflect.Interface:
		if isNull(n) {
			return
		}
		var x any
		if err := n.Decode(&x); err != nil {
			d.errorf(n, path, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(normalize(x)))
	case reflect.String:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a string, got %s", d.describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n, path, "expected true or false, got %s", d.describe(n))
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if isNull(n) {
			return
		}
		f, ok := number(n)
		if !ok || f != math.Trunc(f) {
			d.errorf(n, path, "expected a whole number, got %s", d.describe(n))
			return
		}
		if math.Abs(f) > 1<<53 {
			d.errorf(n, path, "%s is out of range", d.describe(n))
			return
		}
		v.SetInt(int64(f))
	case reflect.Uint64, reflect.Uint:
		if isNull(n) {
			return
		}
		u, err := strconv.ParseUint(n.Value, 0, 64)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
			d.errorf(n, path, "expected a non-negative whole number, got %s", d.describe(n))
			return
		}
		v.SetUint(u)
	case reflect.Float64:
		if isNull(n) {
			return
		}
		f, ok := number(n)
		if !ok {
			d.errorf(n, path, "expected a number, got %s", d.describe(n))
			return
		}
		if math.IsNaN(f) {
			d.errorf(n, path, "expected a number, got NaN")
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("config: cannot decode into %s", v.Type()))
	}
}

func number(n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, false
	}
	if n.Tag == "!!int" {
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err == nil {
			return float64(i), true
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil {
		switch strings.ToLower(n.Value) {
		case ".inf", "+.inf":
			return math.Inf(1), true
		case "-.inf":
			return math.Inf(-1), true
		case ".nan":
			return math.NaN(), true
		}
		return 0, false
	}
	return f, true
}

// normalize turns yaml's generic decoding into plain values: map[string]any,
// []any, int64, float64, bool, string, nil.
func normalize(x any) any {
	switch t := x.(type) {
	case int:
		return int64(t)
	case uint64:
		return float64(t)
	case []any:
		for i := range t {
			t[i] = normalize(t[i])
		}
		return t
	case map[string]any:
		for k, v := range t {
			t[k] = normalize(v)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, v := range t {
			m[fmt.Sprint(k)] = normalize(v)
		}
		return m
	}
	return x
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path, what string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping (%s), got %s", what, d.describe(n))
		return
	}
	si := infoOf(v.Type())
	var meta *Meta
	if si.meta != nil {
		meta = v.FieldByIndex(si.meta).Addr().Interface().(*Meta)
		meta.Pos = d.pos(n)
		meta.Path = path
		meta.Keys = map[string]Pos{}
	}
	seen := map[string]bool{}
	suggested := map[string]bool{} // required keys a misspelt key already points at
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		val := n.Content[i+1]
		kp := joinPath(path, k.Value)
		if seen[k.Value] {
			d.errorf(k, kp, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		f, ok := si.byKey[k.Value]
		if !ok {
			in := ""
			if what != "" {
				in = " in " + what
			}
			d.errorf(k, kp, "unknown field %q%s%s", k.Value, in, didYouMean(k.Value, si.keys))
			suggested[Suggest(k.Value, si.keys)] = true
			continue
		}
		if meta != nil {
			meta.Keys[k.Value] = d.pos(resolve(val))
		}
		rv := resolve(val)
		if f.required && isNull(rv) {
			d.errorf(rv, kp, "%q is required and cannot be null", k.Value)
			continue
		}
		fv := v.FieldByIndex(f.index)
		if f.oneOrMany && rv != nil && rv.Kind == yaml.ScalarNode && !isNull(rv) && fv.Kind() == reflect.Slice {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Line: rv.Line, Column: rv.Column, Content: []*yaml.Node{rv}}
			d.decode(seq, fv, kp, what)
		} else {
			d.decode(val, fv, kp, what)
		}
		if len(f.enum) > 0 && rv != nil && !isNull(rv) {
			d.checkEnum(rv, kp, k.Value, f.enum)
		}
	}
	for _, f := range si.fields {
		if f.required && !seen[f.key] && !suggested[f.key] {
			in := ""
			if what != "" {
				in = " in " + what
			}
			d.errorf(n, joinPath(path, f.key), "missing required field %q%s", f.key, in)
		}
	}
}

func (d *decoder) checkEnum(n *yaml.Node, path, key string, enum []string) {
	if n.Kind != yaml.ScalarNode {
		return // the type error is already reported
	}
	for _, e := range enum {
		if n.Value == e {
			return
		}
	}
	hint := didYouMean(n.Value, enum)
	if n.Tag == "!!bool" && key == "with_trace" {
		if strings.EqualFold(n.Value, "true") {
			hint = "; did you mean \"all_messages\"?"
		} else {
			hint = "; did you mean \"none\"?"
		}
	}
	if hint == "" {
		hint = didYouMean(strings.ToLower(n.Value), enum)
	}
	d.errorf(n, path, "%s must be one of %s, got %s%s", key, strings.Join(enum, ", "), d.describe(n), hint)
}
