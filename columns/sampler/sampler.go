package sampler

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Kind is the column_type this package builds.
const Kind = config.KindSampler

// Spec returns the spec of the sampler column kind. Build turns the sampler
// columns of a config, together with the top-level constraints, into units:
// one unit per column, except that columns linked by constraints share one
// unit so that they are rejection-sampled jointly.
func Spec() columns.Spec {
	return columns.Spec{
		Kind: Kind,
		Summary: "draws values from a distribution (categories, numbers, datetimes, UUIDs, fake persons); " +
			"top-level constraints are enforced by joint rejection sampling",
		Fields: fieldDocs(&config.SamplerColumn{}, false),
		Extra:  paramDocs(),
		Build:  Build,
	}
}

// Build validates the sampler columns cols (each a *config.SamplerColumn, in
// config order) and bc.Doc.Constraints, and returns one unit per group of
// sampler columns linked by constraints. Problems are returned as
// diagnostics; units are returned only for columns that compiled.
//
// The generators of the returned units are safe for concurrent use. Every
// value depends only on bc.Seed, the column name, the row index and the
// rejection attempt; a row gives up after maxAttemptsPerRow (1000)
// attempts, so whether it fails depends on nothing else either.
func Build(bc *columns.BuildContext, cols []config.Column) ([]*columns.Unit, config.Diagnostics) {
	b := newBuilder(bc, cols)
	for _, c := range b.cols {
		b.compile(c)
	}
	b.warnLocales()
	groups := b.constraints()
	var units []*columns.Unit
	for _, g := range groups {
		if u := b.unit(g); u != nil {
			units = append(units, u)
		}
	}
	return units, b.diags
}

// lookup is the part of a row a sampler reads: values of other columns,
// including columns of the same unit generated earlier in the attempt.
type lookup interface {
	Get(name string) (any, bool)
}

// drawer draws one value from one params object. It must be safe for
// concurrent use; all randomness comes from r.
type drawer interface {
	draw(r *rand.Rand, row lookup) (any, error)
}

// drawFunc adapts a function to drawer.
type drawFunc func(r *rand.Rand, row lookup) (any, error)

func (f drawFunc) draw(r *rand.Rand, row lookup) (any, error) { return f(r, row) }

// column is one compiled sampler column.
type column struct {
	cfg    *config.SamplerColumn
	name   string
	order  int // position among the sampler columns, in config order
	stream stream
	// params draws from `params`; conds are tried first, in config order.
	params drawer
	conds  []*condition
	// base is the type the drawers produce (after coercion); typ is the
	// output type after convert_to.
	base    value.Type
	typ     value.Type
	convert func(any) (any, error)
	// ordering tells how constraints compare the column's values.
	ordering ordering
	deps     []columns.Dep
}

// value generates the column's value for one row and attempt.
func (c *column) value(rowIndex int64, attempt int, row lookup) (any, error) {
	d := c.params
	for _, cond := range c.conds {
		ok, err := cond.holds(row)
		if err != nil {
			return nil, err
		}
		if ok {
			d = cond.params
			break
		}
	}
	v, err := d.draw(c.stream.rand(rowIndex, attempt), row)
	if err != nil {
		return nil, err
	}
	v = coerce(v, c.base)
	if c.convert != nil && v != nil {
		return c.convert(v)
	}
	return v, nil
}

// coerce brings a drawn value to the column's base type: ints become floats
// in a float column, numbers become text in a text column.
func coerce(v any, t value.Type) any {
	switch t.Kind {
	case value.KindFloat:
		if i, ok := v.(int64); ok {
			return float64(i)
		}
	case value.KindString:
		switch x := v.(type) {
		case int64, float64:
			return pyStr(x)
		}
	}
	return v
}

// unitGen generates every column of a unit and rejects the attempt until
// all of the unit's constraints hold, giving up on the row after
// maxAttemptsPerRow attempts.
type unitGen struct {
	cols        []*column // generation order
	index       map[string]int
	constraints []*constraint
}

// unitRow is the lookup a column of a unit reads: columns of the unit
// generated earlier in this attempt, then the engine's row.
type unitRow struct {
	g    *unitGen
	row  columns.Row
	out  []any
	upto int
}

func (u *unitRow) Get(name string) (any, bool) {
	if i, ok := u.g.index[name]; ok {
		if i < u.upto {
			return u.out[i], true
		}
		return nil, false
	}
	return u.row.Get(name)
}

// Generate implements columns.Generator.
func (g *unitGen) Generate(ctx context.Context, row columns.Row, out []any) error {
	idx := row.Index()
	view := &unitRow{g: g, row: row, out: out}
	var failed *constraint
	for attempt := range maxAttemptsPerRow {
		if attempt > 0 {
			if err := ctx.Err(); err != nil {
				return &columns.CellError{Row: idx, Column: g.cols[0].name, Kind: Kind,
					Err: fmt.Errorf("rejection sampling: %w", context.Cause(ctx))}
			}
		}
		for i, c := range g.cols {
			view.upto = i
			v, err := c.value(idx, attempt, view)
			if err != nil {
				return &columns.CellError{Row: idx, Column: c.name, Kind: Kind, Err: err}
			}
			out[i] = v
		}
		if failed = g.check(out); failed == nil {
			return nil
		}
	}
	return &columns.CellError{Row: idx, Column: failed.target.name, Kind: Kind,
		Err: &RejectionError{Constraint: failed.String(), Attempts: maxAttemptsPerRow}}
}

// check returns the first constraint the values violate, or nil.
func (g *unitGen) check(out []any) *constraint {
	for _, k := range g.constraints {
		if !k.holds(out) {
			return k
		}
	}
	return nil
}
