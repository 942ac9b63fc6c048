package registry

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/embedding"
	"github.com/synthgen/synthgen/columns/expression"
	"github.com/synthgen/synthgen/columns/llm"
	"github.com/synthgen/synthgen/columns/sampler"
	"github.com/synthgen/synthgen/columns/seed"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/validation"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Registry is the set of column kinds. It is a value: tests may build their
// own with extra kinds.
type Registry struct {
	specs map[string]columns.Spec
	order []string
}

// New returns a registry of the built-in kinds.
func New() *Registry {
	r := &Registry{specs: map[string]columns.Spec{}}
	r.Add(sampler.Spec())
	for _, k := range llm.Kinds() {
		r.Add(llm.Spec(k))
	}
	r.Add(expression.Spec())
	r.Add(validation.Spec())
	r.Add(seed.Spec())
	r.Add(embedding.Spec())
	return r
}

// Add registers a kind, replacing one of the same name.
func (r *Registry) Add(s columns.Spec) {
	if _, ok := r.specs[s.Kind]; !ok {
		r.order = append(r.order, s.Kind)
	}
	r.specs[s.Kind] = s
}

// Specs returns the kinds in registration order.
func (r *Registry) Specs() []columns.Spec {
	out := make([]columns.Spec, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, r.specs[k])
	}
	return out
}

// Spec returns one kind.
func (r *Registry) Spec(kind string) (columns.Spec, bool) {
	s, ok := r.specs[kind]
	return s, ok
}

// Build builds the units of every column of bc.Doc, the seed unit first, and
// compiles skip rules. Units come in config order (the planner sorts them).
func (r *Registry) Build(bc *columns.BuildContext) ([]*columns.Unit, config.Diagnostics) {
	var diags config.Diagnostics
	byKind := map[string][]config.Column{}
	var kinds []string
	for _, col := range bc.Doc.Columns {
		k := col.Base().ColumnType
		if _, ok := byKind[k]; !ok {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], col)
	}
	var units []*columns.Unit
	seedUnit, ds := seed.Build(bc, byKind[config.KindSeedDataset])
	diags = append(diags, ds...)
	if seedUnit != nil {
		units = append(units, seedUnit)
	}
	for _, k := range kinds {
		if k == config.KindSeedDataset {
			continue
		}
		spec, ok := r.specs[k]
		if !ok {
			c := byKind[k][0].Base()
			diags.Errorf(c.Meta.Pos, c.Meta.Path, "column kind %q has no generator in this build", k)
			continue
		}
		us, ds := spec.Build(bc, byKind[k])
		diags = append(diags, ds...)
		units = append(units, us...)
	}
	cols := map[string]config.Column{}
	for _, col := range bc.Doc.Columns {
		cols[col.Base().Name] = col
	}
	for _, u := range units {
		if len(u.Columns) != 1 {
			continue
		}
		col, ok := cols[u.Columns[0]]
		if !ok || col.Base().Skip == nil {
			continue
		}
		skip, ds := compileSkip(col.Base(), u.Outputs[0].Type)
		diags = append(diags, ds...)
		u.Skip = skip
	}
	return units, diags
}

// compileSkip compiles a column's skip rule and checks its value fits the
// column's type.
func compileSkip(b *config.ColumnBase, t value.Type) (*columns.Skip, config.Diagnostics) {
	var diags config.Diagnostics
	pos, path := b.Skip.Meta.At("when")
	tmpl, err := template.Parse(b.Skip.When)
	if err != nil {
		diags.Errorf(pos, path, "skip.when of column %q is not a valid template: %v", b.Name, err)
		return nil, diags
	}
	refs := tmpl.Refs()
	skip := &columns.Skip{}
	for _, ref := range refs {
		skip.Deps = append(skip.Deps, columns.Dep{Name: ref, Pos: pos, Path: path})
	}
	skip.When = func(row columns.Row) (bool, error) {
		s, err := tmpl.Render(template.RowVars(row, refs))
		if err != nil {
			return true, err
		}
		return template.Truthy(s), nil
	}
	vpos, vpath := b.Skip.Meta.At("value")
	v, err := scalarValue(&b.Skip.Value, t)
	if err != nil {
		diags.Errorf(vpos, vpath, "skip.value of column %q: %v", b.Name, err)
	}
	skip.Value = v
	return skip, diags
}

// scalarValue converts a YAML scalar to a cell value of type t.
func scalarValue(n *yaml.Node, t value.Type) (any, error) {
	if n == nil || n.Kind == 0 || n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("must be a scalar or null")
	}
	switch t.Kind {
	case value.KindString, value.KindJSON:
		return n.Value, nil
	case value.KindInt:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an int, the column's type", n.Value)
		}
		return i, nil
	case value.KindFloat:
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number, the column's type", n.Value)
		}
		return f, nil
	case value.KindBool:
		b, err := strconv.ParseBool(n.Value)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false, the column's type", n.Value)
		}
		return b, nil
	}
	return nil, fmt.Errorf("a %s column can only be skipped with null", t)
}
