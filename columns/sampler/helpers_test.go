package sampler

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// fakeRow is a map-backed columns.Row.
type fakeRow struct {
	idx  int64
	vals map[string]any
}

func (r fakeRow) Index() int64 { return r.idx }

func (r fakeRow) Get(name string) (any, bool) {
	v, ok := r.vals[name]
	return v, ok
}

// setup is the input of one Build.
type setup struct {
	cols        []*config.SamplerColumn
	others      []config.Column // non-sampler columns of the document
	constraints []config.Constraint
	seed        uint64
	numRecords  int
	log         bytes.Buffer
}

// sc makes a sampler column with positions filled so diagnostics carry paths.
func sc(name, samplerType string, p config.SamplerParams) *config.SamplerColumn {
	c := &config.SamplerColumn{
		ColumnBase:  config.ColumnBase{Name: name, ColumnType: config.KindSampler},
		SamplerType: samplerType,
		Params:      p,
	}
	return c
}

// cond adds a conditional params entry.
func cond(c *config.SamplerColumn, condition string, p config.SamplerParams) *config.SamplerColumn {
	c.ConditionalParams = append(c.ConditionalParams, config.ConditionalParams{Condition: condition, Params: p})
	return c
}

func convertTo(c *config.SamplerColumn, to string) *config.SamplerColumn {
	c.ConvertTo = &to
	return c
}

func (s *setup) build() ([]*columns.Unit, config.Diagnostics) {
	doc := &config.Document{Constraints: s.constraints}
	var cols []config.Column
	for i, c := range s.cols {
		c.Meta.Path = fmt.Sprintf("columns[%d]", i)
		c.Meta.Pos = config.Pos{File: "test.yaml", Line: i + 1, Col: 3}
		setParamsMeta(c.Params, c.Meta.Path+".params", c.Meta.Pos)
		for j := range c.ConditionalParams {
			cp := &c.ConditionalParams[j]
			cp.Path = fmt.Sprintf("%s.conditional_params[%q]", c.Meta.Path, cp.Condition)
			cp.Pos = c.Meta.Pos
			setParamsMeta(cp.Params, cp.Path, cp.Pos)
		}
		cols = append(cols, c)
		doc.Columns = append(doc.Columns, c)
	}
	doc.Columns = append(doc.Columns, s.others...)
	for i := range doc.Constraints {
		doc.Constraints[i].Meta.Path = fmt.Sprintf("constraints[%d]", i)
		doc.Constraints[i].Meta.Pos = config.Pos{File: "test.yaml", Line: 100 + i, Col: 3}
	}
	n := s.numRecords
	if n == 0 {
		n = 100
	}
	bc := &columns.BuildContext{
		Doc: doc, Seed: s.seed,
		Logger: slog.New(slog.NewTextHandler(&s.log, nil)),
	}
	return Build(bc, cols)
}

func setParamsMeta(p config.SamplerParams, path string, pos config.Pos) {
	v := reflect.ValueOf(p)
	if !v.IsValid() || v.IsNil() {
		return
	}
	m := v.Elem().FieldByName("Meta")
	m.Set(reflect.ValueOf(config.Meta{Pos: pos, Path: path}))
}

// mustBuild builds and fails the test on error diagnostics.
func mustBuild(t testing.TB, s *setup) []*columns.Unit {
	t.Helper()
	units, diags := s.build()
	if diags.HasErrors() {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	return units
}

// generate runs every unit for one row (in dependency order) and returns
// the row's values; given values seed the row (e.g. non-sampler columns).
func generate(t testing.TB, units []*columns.Unit, idx int64, given map[string]any) map[string]any {
	t.Helper()
	vals, err := tryGenerate(units, idx, given)
	if err != nil {
		t.Fatalf("row %d: %v", idx, err)
	}
	return vals
}

func tryGenerate(units []*columns.Unit, idx int64, given map[string]any) (map[string]any, error) {
	vals := map[string]any{}
	for k, v := range given {
		vals[k] = v
	}
	done := map[*columns.Unit]bool{}
	for len(done) < len(units) {
		progressed := false
		for _, u := range units {
			if done[u] {
				continue
			}
			ready := true
			for _, d := range u.Deps {
				if _, ok := vals[d.Name]; !ok {
					ready = false
				}
			}
			if !ready {
				continue
			}
			out := make([]any, len(u.Outputs))
			if err := u.Gen.Generate(context.Background(), fakeRow{idx: idx, vals: vals}, out); err != nil {
				return nil, err
			}
			for i, o := range u.Outputs {
				vals[o.Name] = out[i]
			}
			done[u] = true
			progressed = true
		}
		if !progressed {
			return nil, fmt.Errorf("units wait on missing deps")
		}
	}
	return vals, nil
}

// outputType finds a column's declared output type.
func outputType(units []*columns.Unit, name string) (value.Type, bool) {
	for _, u := range units {
		for _, o := range u.Outputs {
			if o.Name == name {
				return o.Type, true
			}
		}
	}
	return value.Type{}, false
}

// matches reports whether v is a value of type t (nil always matches).
func matches(v any, t value.Type) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return t.Kind == value.KindString
	case int64:
		return t.Kind == value.KindInt
	case float64:
		return t.Kind == value.KindFloat
	case bool:
		return t.Kind == value.KindBool
	case *value.Map:
		if t.Kind != value.KindStruct || len(t.Fields) != x.Len() {
			return false
		}
		for i, k := range x.Keys() {
			fv, _ := x.Get(k)
			if t.Fields[i].Name != k || !matches(fv, t.Fields[i].Type) {
				return false
			}
		}
		return true
	}
	return false
}
