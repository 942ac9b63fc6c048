package sampler

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// builder holds the state of one Build call.
type builder struct {
	bc       *columns.BuildContext
	cols     []*config.SamplerColumn
	byName   map[string]*config.SamplerColumn
	compiled map[string]*column
	// allNames maps every column of the config (any kind) to its kind;
	// docNames lists them in config order.
	allNames map[string]string
	docNames []string
	// locales collects non-English person locales → first column using it.
	locales     map[string]string
	localeOrder []string
	personUsed  string // first `person` column, for the persona warning
	// unitConstraints are the valid constraints by union-find root column.
	unitConstraints map[*column][]*constraint
	diags           config.Diagnostics
}

func newBuilder(bc *columns.BuildContext, cols []config.Column) *builder {
	b := &builder{
		bc:       bc,
		byName:   map[string]*config.SamplerColumn{},
		compiled: map[string]*column{},
		allNames: map[string]string{},
		locales:  map[string]string{},
	}
	for _, c := range cols {
		sc, ok := c.(*config.SamplerColumn)
		if !ok {
			panic(fmt.Sprintf("sampler.Build: got %T, want *config.SamplerColumn", c))
		}
		b.cols = append(b.cols, sc)
		b.byName[sc.Name] = sc
	}
	add := func(c config.Column) {
		if _, ok := b.allNames[c.Base().Name]; !ok {
			b.allNames[c.Base().Name] = c.Base().ColumnType
			b.docNames = append(b.docNames, c.Base().Name)
		}
	}
	if bc.Doc != nil {
		for _, c := range bc.Doc.Columns {
			add(c)
		}
	}
	for _, c := range b.cols {
		add(c)
	}
	return b
}

func (b *builder) errorf(pos config.Pos, path, format string, args ...any) {
	b.diags.Errorf(pos, path, format, args...)
}

// paramSet is one params object of a column: `params` or one entry of
// conditional_params.
type paramSet struct {
	p    config.SamplerParams
	cond *config.ConditionalParams // nil for `params`
}

// compile validates one column and records it in b.compiled when it has no
// errors.
func (b *builder) compile(c *config.SamplerColumn) {
	before := len(b.diags.Errors())
	if c.Params == nil || reflect.ValueOf(c.Params).IsNil() {
		pos, path := c.Meta.At("params")
		b.errorf(pos, path, "params are required for sampler column %q", c.Name)
		return
	}
	sets := []paramSet{{p: c.Params}}
	want := reflect.TypeOf(c.Params)
	for i := range c.ConditionalParams {
		cp := &c.ConditionalParams[i]
		if cp.Params == nil || reflect.TypeOf(cp.Params) != want {
			b.errorf(cp.Pos, cp.Path, "conditional params must have sampler_type %q like params", c.SamplerType)
			continue
		}
		if t := declaredType(cp.Params); t != "" && t != c.SamplerType {
			b.errorf(cp.Pos, cp.Path, "conditional params have sampler_type %q; params have %q", t, c.SamplerType)
			continue
		}
		sets = append(sets, paramSet{p: cp.Params, cond: cp})
	}

	col := &column{cfg: c, name: c.Name, order: slices.Index(b.cols, c), stream: newStream(b.bc.Seed, c.Name)}
	col.base = b.baseType(c, sets)
	drawers := make([]drawer, len(sets))
	for i, s := range sets {
		d, deps := b.drawer(c, s.p)
		drawers[i] = d
		col.deps = append(col.deps, deps...)
	}
	col.params = drawers[0]
	for i, s := range sets[1:] {
		cond, ok := b.condition(s.cond, drawers[i+1])
		if !ok {
			continue
		}
		col.conds = append(col.conds, cond)
		col.deps = append(col.deps, cond.deps...)
	}
	col.typ, col.convert = b.converter(c, col.base)
	col.ordering = orderingOf(c.SamplerType, col.typ, c.ConvertTo)
	if len(b.diags.Errors()) == before {
		b.compiled[c.Name] = col
	}
}

// declaredType is the sampler_type written inside a params object, if any.
func declaredType(p config.SamplerParams) string {
	v := reflect.ValueOf(p)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		if f := v.Elem().FieldByName("Type"); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	return ""
}

// baseType is the type of the values the column's drawers produce, over all
// of its params objects.
func (b *builder) baseType(c *config.SamplerColumn, sets []paramSet) value.Type {
	switch c.SamplerType {
	case config.SamplerCategory, config.SamplerSubcategory:
		var vals []any
		for _, s := range sets {
			switch p := s.p.(type) {
			case *config.CategoryParams:
				vals = append(vals, p.Values...)
			case *config.SubcategoryParams:
				for _, k := range sortedKeys(p.Values) {
					vals = append(vals, p.Values[k]...)
				}
			}
		}
		return categoryType(vals)
	case config.SamplerUniform, config.SamplerGaussian:
		return value.Float
	case config.SamplerBernoulli, config.SamplerBinomial, config.SamplerPoisson:
		return value.Int
	case config.SamplerBernoulliMixture, config.SamplerScipy:
		t := value.Int
		for _, s := range sets {
			name := ""
			switch p := s.p.(type) {
			case *config.ScipyParams:
				name = p.DistName
			case *config.BernoulliMixtureParams:
				name = p.DistName
			}
			if d, ok := distributions[name]; !ok || !d.discrete {
				t = value.Float
			}
		}
		return t
	case config.SamplerPerson, config.SamplerPersonFromFaker:
		return personType
	}
	return value.String // datetime, timedelta, uuid
}

// drawer validates one params object and returns its drawer and the names it
// reads. On errors it returns a drawer that is never used.
func (b *builder) drawer(c *config.SamplerColumn, p config.SamplerParams) (drawer, []columns.Dep) {
	switch p := p.(type) {
	case *config.CategoryParams:
		return b.category(p), nil
	case *config.SubcategoryParams:
		return b.subcategory(p)
	case *config.UniformParams:
		return b.uniform(p), nil
	case *config.GaussianParams:
		return b.gaussian(p), nil
	case *config.BernoulliParams:
		return b.bernoulli(p), nil
	case *config.BernoulliMixtureParams:
		return b.bernoulliMixture(p), nil
	case *config.BinomialParams:
		return b.binomial(p), nil
	case *config.PoissonParams:
		return b.poisson(p), nil
	case *config.ScipyParams:
		return b.scipy(p), nil
	case *config.DatetimeParams:
		return b.datetime(p), nil
	case *config.TimedeltaParams:
		return b.timedelta(p)
	case *config.UUIDParams:
		return uuidDrawer(p), nil
	case *config.PersonParams:
		return b.person(c, p), nil
	}
	pos, path := c.Meta.At("sampler_type")
	b.errorf(pos, path, "unsupported sampler_type %q", c.SamplerType)
	return nil, nil
}

// sortedKeys returns a map's keys in order, so diagnostics and value order
// never depend on map iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// warnLocales logs, once per Build, that person data is English/US only and
// that managed persona datasets are not shipped.
func (b *builder) warnLocales() {
	if len(b.localeOrder) > 0 {
		var cols []string
		for _, l := range b.localeOrder {
			cols = append(cols, fmt.Sprintf("%s (column %s)", l, b.locales[l]))
		}
		b.bc.Logger.Warn("person samplers generate English/US data only; the locale is not used",
			"locales", strings.Join(cols, ", "))
	}
	if b.personUsed != "" {
		b.bc.Logger.Warn("managed persona datasets are not shipped; person samplers use person_from_faker data",
			"column", b.personUsed)
	}
}

// suggest returns `; did you mean "x"?` for the closest candidate, or "".
func suggest(name string, candidates []string) string { return config.DidYouMean(name, candidates) }
