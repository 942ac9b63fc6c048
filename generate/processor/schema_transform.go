package processor

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/generate/output"
)

// TypeSchemaTransform is the processor_type this package builds.
const TypeSchemaTransform = "schema_transform"

// SchemaTransform is one compiled schema_transform processor. It is
// immutable after Build and safe for concurrent use.
type SchemaTransform struct {
	name   string
	fields []*leaf // the template's top-level keys: the dataset's columns
	cols   []output.Column
}

// leafKind says how a template node becomes a value.
type leafKind int

const (
	leafLiteral  leafKind = iota // a non-string scalar, kept as it is
	leafColumn                   // "{{ name }}": the column's value itself
	leafText                     // any other string: the rendered text
	leafMapping                  // a struct
	leafSequence                 // a list
)

// leaf is one compiled node of a template.
type leaf struct {
	kind     leafKind
	key      string // the mapping key this node is the value of ("" in a sequence)
	path     string // e.g. template.messages[1].content, for render errors
	literal  any
	column   string
	tpl      *template.Template
	children []*leaf
	typ      value.Type
	null     bool // a null literal: ignored when a list's element type is merged
}

// Name is the processor's name, the folder of its dataset.
func (s *SchemaTransform) Name() string { return s.name }

// Columns are the dataset's columns: the template's top-level keys with the
// types derived from the template. The slice is shared; do not modify it.
func (s *SchemaTransform) Columns() []output.Column { return s.cols }

// Render renders the template for one row: one value per column, in
// Columns order. A value read from the row is returned as it is (shared with
// the row), so the result must not be modified. A render error names the
// row and the leaf.
func (s *SchemaTransform) Render(row columns.Row) ([]any, error) {
	out := make([]any, len(s.fields))
	for i, f := range s.fields {
		v, err := f.render(row)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", row.Index(), err)
		}
		out[i] = v
	}
	return out, nil
}

// Rows renders every row, in order; the rows are only read. It stops at the
// first render error.
func (s *SchemaTransform) Rows(rows []columns.Row) ([][]any, error) {
	out := make([][]any, len(rows))
	for i, r := range rows {
		vals, err := s.Render(r)
		if err != nil {
			return nil, err
		}
		out[i] = vals
	}
	return out, nil
}

func (l *leaf) render(row columns.Row) (any, error) {
	switch l.kind {
	case leafLiteral:
		return l.literal, nil
	case leafColumn:
		v, _ := row.Get(l.column)
		return v, nil
	case leafText:
		text, err := l.tpl.Render(template.RowVars(row, l.tpl.Refs()))
		if err != nil {
			return nil, fmt.Errorf("rendering %s: %w", l.path, err)
		}
		return text, nil
	case leafMapping:
		m := value.NewMap()
		for _, c := range l.children {
			v, err := c.render(row)
			if err != nil {
				return nil, err
			}
			m.Set(c.key, v)
		}
		return m, nil
	case leafSequence:
		list := make([]any, len(l.children))
		for i, c := range l.children {
			v, err := c.render(row)
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	}
	panic(fmt.Sprintf("processor: unknown leaf kind %d", l.kind))
}

// Build compiles every schema_transform processor of doc against outputs,
// the plan's outputs (all generated columns, dropped and side-effect ones
// included). Problems are diagnostics with the position and path of the
// leaf; a processor with errors is left out of the result. drop_columns
// processors are not built here (they shape the plan).
func Build(doc *config.Document, outputs []columns.Output) ([]*SchemaTransform, config.Diagnostics) {
	b := &builder{doc: doc, types: map[string]value.Type{}, invalid: map[string]bool{}, disabled: map[string]string{}}
	for _, o := range outputs {
		b.types[o.Name] = o.Type
		b.names = append(b.names, o.Name)
	}
	for _, n := range doc.InvalidColumns {
		b.invalid[n] = true
		b.names = append(b.names, n)
	}
	for _, col := range doc.Columns {
		if llm := config.LLM(col); llm != nil {
			b.disabled[llm.Name+config.TraceSuffix] = "with_trace is none"
			b.disabled[llm.Name+config.ReasoningSuffix] = "extract_reasoning_content is false"
		}
	}
	var out []*SchemaTransform
	for i := range doc.Processors {
		p := &doc.Processors[i]
		if p.ProcessorType != TypeSchemaTransform {
			continue
		}
		if s := b.build(p); s != nil {
			out = append(out, s)
		}
	}
	return out, b.diags
}

type builder struct {
	doc      *config.Document
	types    map[string]value.Type // output name → type
	names    []string              // candidates for "did you mean"
	invalid  map[string]bool       // columns with their own errors
	disabled map[string]string     // side-effect names a column does not write → why
	diags    config.Diagnostics

	file  string // the processor's file, for leaf positions
	pname string // the processor's name, for messages
	ok    bool   // no error in the processor being built
}

// safeName matches processor names usable as one folder name on every OS.
var safeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func (b *builder) build(p *config.Processor) *SchemaTransform {
	b.file, b.pname, b.ok = p.Meta.Pos.File, p.Name, true
	if p.Name != "" && !safeName.MatchString(p.Name) {
		pos, path := p.Meta.At("name")
		b.diags.Errorf(pos, path, "processor name %q is its output folder: use only letters, digits, _, - and . (not first)", p.Name)
		b.ok = false
	}
	root := p.Template
	for root != nil && root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if p.Name == "" || root == nil || root.Kind != yaml.MappingNode {
		return nil // reported by the config checks
	}
	_, path := p.Meta.At("template")
	if len(root.Content) == 0 {
		pos, _ := p.Meta.At("template")
		b.diags.Errorf(pos, path, "template of processor %q has no keys: the dataset would have no columns", p.Name)
		return nil
	}
	top := b.compile(root, path, "template")
	if !b.ok {
		return nil
	}
	s := &SchemaTransform{name: p.Name, fields: top.children}
	for _, f := range top.children {
		s.cols = append(s.cols, output.Column{Name: f.key, Type: f.typ})
	}
	return s
}

func (b *builder) pos(n *yaml.Node) config.Pos {
	return config.Pos{File: b.file, Line: n.Line, Col: n.Column}
}

func (b *builder) errorf(n *yaml.Node, path, format string, args ...any) {
	b.diags.Errorf(b.pos(n), path, format, args...)
	b.ok = false
}

// compile turns a template node into a leaf. path is the node's config path
// (processors[0].template.x), rel the same relative to the processor, for
// render errors.
func (b *builder) compile(n *yaml.Node, path, rel string) *leaf {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	l := &leaf{path: rel}
	switch n.Kind {
	case yaml.MappingNode:
		l.kind = leafMapping
		seen := map[string]bool{}
		var fields []value.Field
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				b.errorf(k, path, "template keys must be plain names (no merge keys or complex keys)")
				continue
			}
			key := k.Value
			kpath := path + "." + key
			switch {
			case key == "":
				b.errorf(k, kpath, "template key is empty")
				continue
			case seen[key]:
				b.errorf(k, kpath, "duplicate template key %q", key)
				continue
			}
			seen[key] = true
			c := b.compile(v, kpath, rel+"."+key)
			c.key = key
			l.children = append(l.children, c)
			fields = append(fields, value.Field{Name: key, Type: c.typ})
		}
		l.typ = value.Struct(fields...)
	case yaml.SequenceNode:
		l.kind = leafSequence
		var elem *value.Type
		for i, item := range n.Content {
			c := b.compile(item, fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", rel, i))
			l.children = append(l.children, c)
			if c.null {
				continue
			}
			t := c.typ
			if elem != nil {
				t = value.Merge(*elem, t)
			}
			elem = &t
		}
		if elem == nil {
			elem = &value.String // only nulls, or empty
		}
		l.typ = value.List(*elem)
	case yaml.ScalarNode:
		b.scalar(l, n, path)
	default:
		b.errorf(n, path, "unsupported template value")
	}
	return l
}

// directRef matches a string leaf that is one expression naming a variable.
var directRef = regexp.MustCompile(`^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$`)

func (b *builder) scalar(l *leaf, n *yaml.Node, path string) {
	l.kind = leafLiteral
	switch n.Tag {
	case "!!null":
		l.typ, l.null = value.String, true
		return
	case "!!bool":
		l.typ, l.literal = value.Bool, decodeScalar[bool](b, n, path)
		return
	case "!!int":
		l.typ, l.literal = value.Int, decodeScalar[int64](b, n, path)
		return
	case "!!float":
		l.typ, l.literal = value.Float, decodeScalar[float64](b, n, path)
		return
	}
	// Strings, and anything else YAML resolves (timestamps), are templates.
	tpl, err := template.Parse(n.Value)
	if err != nil {
		b.errorf(n, path, "processor %q: invalid template: %v", b.pname, err)
		return
	}
	for _, ref := range tpl.Refs() {
		b.checkRef(n, path, ref)
	}
	if m := directRef.FindStringSubmatch(n.Value); m != nil && len(tpl.Refs()) == 1 && tpl.Refs()[0] == m[1] {
		l.kind, l.column = leafColumn, m[1]
		if t, ok := b.types[m[1]]; ok {
			l.typ = t
		}
		return
	}
	l.kind, l.tpl, l.typ = leafText, tpl, value.String
}

// decodeScalar decodes a scalar literal as T (nil after an error, which is
// reported).
func decodeScalar[T bool | int64 | float64](b *builder, n *yaml.Node, path string) any {
	var v T
	if err := n.Decode(&v); err != nil {
		b.errorf(n, path, "processor %q: %v", b.pname, err)
		return nil
	}
	return v
}

// checkRef reports a referenced name that is not a column of the plan.
func (b *builder) checkRef(n *yaml.Node, path, ref string) {
	if _, ok := b.types[ref]; ok {
		return
	}
	base, _, _ := strings.Cut(ref, "__")
	if b.invalid[ref] || b.invalid[base] {
		return // that column's own errors are reported
	}
	if why, ok := b.disabled[ref]; ok {
		b.errorf(n, path, "processor %q references %q, which is not written because %s", b.pname, ref, why)
		return
	}
	b.errorf(n, path, "processor %q references unknown column %q%s", b.pname, ref, config.DidYouMean(ref, b.names))
}
