package sampler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// scalar normalizes a config value to a cell value: int64, float64 or
// string; ok is false for anything else.
func scalar(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return nil, false
}

// categoryType is the type of a list of category values: String when all
// are strings, Int when all are integers, Float when numbers are mixed, and
// String (numbers written as Python's str) when strings and numbers mix.
func categoryType(vals []any) value.Type {
	var str, ints, floats bool
	for _, v := range vals {
		s, ok := scalar(v)
		if !ok {
			continue
		}
		switch s.(type) {
		case string:
			str = true
		case int64:
			ints = true
		case float64:
			floats = true
		}
	}
	switch {
	case str || (!ints && !floats):
		return value.String
	case floats:
		return value.Float
	}
	return value.Int
}

// scalars validates a list of category values.
func (b *builder) scalars(vals []any, pos config.Pos, path string) []any {
	if len(vals) == 0 {
		b.errorf(pos, path, "values must not be empty")
		return nil
	}
	out := make([]any, len(vals))
	for i, v := range vals {
		s, ok := scalar(v)
		if !ok {
			b.errorf(pos, fmt.Sprintf("%s[%d]", path, i), "a value must be a string or a number, got %s", value.KindOf(v))
			continue
		}
		out[i] = s
	}
	return out
}

// category: one of values, with probability proportional to its weight.
func (b *builder) category(p *config.CategoryParams) drawer {
	vpos, vpath := p.Meta.At("values")
	vals := b.scalars(p.Values, vpos, vpath)
	if len(p.Weights) == 0 || len(vals) == 0 {
		return drawFunc(func(r *rand.Rand, _ lookup) (any, error) { return vals[r.IntN(len(vals))], nil })
	}
	pos, path := p.Meta.At("weights")
	if len(p.Weights) != len(vals) {
		b.errorf(pos, path, "weights has %d entries but values has %d; give one weight per value", len(p.Weights), len(vals))
		return nil
	}
	var biggest float64
	for i, w := range p.Weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			b.errorf(pos, fmt.Sprintf("%s[%d]", path, i), "weight %v must be a finite number ≥ 0", w)
			return nil
		}
		biggest = max(biggest, w)
	}
	if biggest == 0 {
		b.errorf(pos, path, "weights sum to 0; at least one weight must be positive")
		return nil
	}
	// Scaling by the largest weight first keeps the sum finite (at most
	// len(weights)) however large the weights are, e.g. [1e308, 1e308].
	var sum float64
	for _, w := range p.Weights {
		sum += w / biggest
	}
	cum := make([]float64, len(vals))
	acc := 0.0
	for i, w := range p.Weights {
		acc += w / biggest / sum
		cum[i] = acc
	}
	last := len(cum) - 1
	for last > 0 && p.Weights[last] == 0 {
		last--
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		u := r.Float64()
		i := sort.Search(len(cum), func(i int) bool { return cum[i] > u })
		if i > last { // rounding left u above the last cumulative weight
			i = last
		}
		return vals[i], nil
	})
}

// subcategory: one of the values listed for the row's value of the parent
// category column. A parent value without a list gives null (warned at
// build time).
func (b *builder) subcategory(p *config.SubcategoryParams) (drawer, []columns.Dep) {
	pos, path := p.Meta.At("category")
	deps := []columns.Dep{{Name: p.Category, Pos: pos, Path: path}}
	parent, ok := b.byName[p.Category]
	if !ok || parent.SamplerType != config.SamplerCategory {
		var cats []string
		for _, c := range b.cols {
			if c.SamplerType == config.SamplerCategory {
				cats = append(cats, c.Name)
			}
		}
		what := "is not a column of this config"
		if ok {
			what = fmt.Sprintf("is a %s sampler", parent.SamplerType)
		} else if kind, known := b.allNames[p.Category]; known {
			what = fmt.Sprintf("is not a sampler column (column_type %s)", kind)
		}
		b.errorf(pos, path, "subcategory parent %q %s; it must name a sampler column of sampler_type category%s",
			p.Category, what, suggest(p.Category, cats))
		return nil, deps
	}
	vpos, vpath := p.Meta.At("values")
	lists := map[string][]any{}
	for _, k := range sortedKeys(p.Values) {
		if len(p.Values[k]) == 0 {
			b.errorf(vpos, vpath+"."+k, "the list for parent value %q must not be empty", k)
			continue
		}
		lists[k] = b.scalars(p.Values[k], vpos, vpath+"."+k)
	}
	// Every value the parent can take should have a list.
	for _, pv := range parentValues(parent) {
		if _, ok := findList(lists, pv); !ok {
			b.diags.Warnf(vpos, vpath, "no values for parent %s value %s; those rows get null", p.Category, pyRepr(pv))
		}
	}
	return drawFunc(func(r *rand.Rand, row lookup) (any, error) {
		pv, _ := row.Get(p.Category)
		list, ok := findList(lists, pv)
		if !ok {
			return nil, nil
		}
		return list[r.IntN(len(list))], nil
	}), deps
}

// parentValues lists the values a category column can produce.
func parentValues(c *config.SamplerColumn) []any {
	var out []any
	add := func(p config.SamplerParams) {
		if cp, ok := p.(*config.CategoryParams); ok {
			for _, v := range cp.Values {
				if s, ok := scalar(v); ok {
					out = append(out, s)
				}
			}
		}
	}
	add(c.Params)
	for _, cp := range c.ConditionalParams {
		add(cp.Params)
	}
	return out
}

// findList finds the list for a parent value: by its text, and for
// integral numbers also by the integer's text (2.0 finds "2").
func findList(lists map[string][]any, parent any) ([]any, bool) {
	switch x := parent.(type) {
	case string:
		l, ok := lists[x]
		return l, ok
	case int64:
		l, ok := lists[pyStr(x)]
		return l, ok
	case float64:
		if l, ok := lists[pyStr(x)]; ok {
			return l, true
		}
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			l, ok := lists[pyStr(int64(x))]
			return l, ok
		}
	}
	return nil, false
}

// pyRepr quotes strings for messages.
func pyRepr(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return pyStr(v)
}
