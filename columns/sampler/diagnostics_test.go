package sampler

import (
	"strings"
	"testing"

	"github.com/synthgen/synthgen/config"
)

func TestDiagnostics(t *testing.T) {
	cat := func() *config.SamplerColumn {
		return sc("dept", "category", &config.CategoryParams{Values: []any{"eng", "sales"}})
	}
	uni := func(name string) *config.SamplerColumn {
		return sc(name, "uniform", &config.UniformParams{Low: 0, High: 1})
	}
	tests := []struct {
		name        string
		cols        []*config.SamplerColumn
		constraints []config.Constraint
		wantPath    string
		want        []string // substrings of one error summary
	}{
		{"empty values", []*config.SamplerColumn{sc("x", "category", &config.CategoryParams{})},
			nil, "columns[0].params.values", []string{"must not be empty"}},
		{"weights wrong length", []*config.SamplerColumn{sc("x", "category", &config.CategoryParams{Values: []any{"a", "b"}, Weights: []float64{1}})},
			nil, "columns[0].params.weights", []string{"weights has 1 entries but values has 2"}},
		{"negative weight", []*config.SamplerColumn{sc("x", "category", &config.CategoryParams{Values: []any{"a", "b"}, Weights: []float64{1, -1}})},
			nil, "columns[0].params.weights[1]", []string{"≥ 0"}},
		{"weights sum 0", []*config.SamplerColumn{sc("x", "category", &config.CategoryParams{Values: []any{"a", "b"}, Weights: []float64{0, 0}})},
			nil, "columns[0].params.weights", []string{"sum to 0"}},
		{"bad value", []*config.SamplerColumn{sc("x", "category", &config.CategoryParams{Values: []any{"a", true}})},
			nil, "columns[0].params.values[1]", []string{"string or a number"}},
		{"subcategory parent missing", []*config.SamplerColumn{cat(), sc("x", "subcategory", &config.SubcategoryParams{Category: "dpt", Values: map[string][]any{"eng": {"a"}}})},
			nil, "columns[1].params.category", []string{`"dpt" is not a column`, `did you mean "dept"?`}},
		{"subcategory parent not category", []*config.SamplerColumn{uni("u"), sc("x", "subcategory", &config.SubcategoryParams{Category: "u", Values: map[string][]any{"1": {"a"}}})},
			nil, "columns[1].params.category", []string{"is a uniform sampler", "sampler_type category"}},
		{"uniform low >= high", []*config.SamplerColumn{sc("x", "uniform", &config.UniformParams{Low: 2, High: 2})},
			nil, "columns[0].params.high", []string{"low (2) must be less than high (2)"}},
		{"gaussian negative stddev", []*config.SamplerColumn{sc("x", "gaussian", &config.GaussianParams{Stddev: -1})},
			nil, "columns[0].params.stddev", []string{"≥ 0"}},
		{"bernoulli p > 1", []*config.SamplerColumn{sc("x", "bernoulli", &config.BernoulliParams{P: 1.5})},
			nil, "columns[0].params.p", []string{"p 1.5 must be in [0, 1]"}},
		{"binomial p < 0", []*config.SamplerColumn{sc("x", "binomial", &config.BinomialParams{N: 3, P: -0.1})},
			nil, "columns[0].params.p", []string{"must be in [0, 1]"}},
		{"binomial n < 0", []*config.SamplerColumn{sc("x", "binomial", &config.BinomialParams{N: -3, P: 0.1})},
			nil, "columns[0].params.n", []string{"n -3 must be ≥ 0"}},
		{"poisson negative mean", []*config.SamplerColumn{sc("x", "poisson", &config.PoissonParams{Mean: -1})},
			nil, "columns[0].params.mean", []string{"≥ 0"}},
		{"unknown scipy dist", []*config.SamplerColumn{sc("x", "scipy", &config.ScipyParams{DistName: "normal"})},
			nil, "columns[0].params.dist_name", []string{`unknown dist_name "normal"`, "supported: bernoulli, beta, binom", "norm", "truncnorm", "uniform", `did you mean "norm"?`}},
		{"scipy missing param", []*config.SamplerColumn{sc("x", "scipy", &config.ScipyParams{DistName: "gamma", DistParams: map[string]float64{"scale": 2}})},
			nil, "columns[0].params.dist_params", []string{`gamma needs parameter "a"`}},
		{"scipy unknown param", []*config.SamplerColumn{sc("x", "scipy", &config.ScipyParams{DistName: "norm", DistParams: map[string]float64{"sigma": 2}})},
			nil, "columns[0].params.dist_params.sigma", []string{`norm does not take parameter "sigma"`, "loc, scale"}},
		{"scipy bad scale", []*config.SamplerColumn{sc("x", "scipy", &config.ScipyParams{DistName: "norm", DistParams: map[string]float64{"scale": 0}})},
			nil, "columns[0].params.dist_params.scale", []string{"> 0"}},
		{"scipy randint high <= low", []*config.SamplerColumn{sc("x", "scipy", &config.ScipyParams{DistName: "randint", DistParams: map[string]float64{"low": 3, "high": 3}})},
			nil, "columns[0].params.dist_params.high", []string{"greater than low"}},
		{"scipy binom fractional n", []*config.SamplerColumn{sc("x", "scipy", &config.ScipyParams{DistName: "binom", DistParams: map[string]float64{"n": 2.5, "p": 0.5}})},
			nil, "columns[0].params.dist_params.n", []string{"whole number"}},
		{"mixture bad dist", []*config.SamplerColumn{sc("x", "bernoulli_mixture", &config.BernoulliMixtureParams{P: 0.5, DistName: "foo"})},
			nil, "columns[0].params.dist_name", []string{"unknown dist_name"}},
		{"datetime bad start", []*config.SamplerColumn{sc("x", "datetime", &config.DatetimeParams{Start: "01/02/2024", End: "2024-02-01"})},
			nil, "columns[0].params.start", []string{"not a date"}},
		{"datetime end before start", []*config.SamplerColumn{sc("x", "datetime", &config.DatetimeParams{Start: "2024-02-01", End: "2024-01-01"})},
			nil, "columns[0].params.end", []string{"before start"}},
		{"timedelta dt_max <= dt_min", []*config.SamplerColumn{
			sc("d", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2024-02-01"}),
			sc("x", "timedelta", &config.TimedeltaParams{DtMin: 5, DtMax: 5, ReferenceColumnName: "d"})},
			nil, "columns[1].params.dt_max", []string{"dt_max 5 must be greater than dt_min 5"}},
		{"timedelta negative dt_min", []*config.SamplerColumn{
			sc("d", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2024-02-01"}),
			sc("x", "timedelta", &config.TimedeltaParams{DtMin: -1, DtMax: 5, ReferenceColumnName: "d"})},
			nil, "columns[1].params.dt_min", []string{"≥ 0"}},
		{"timedelta unknown reference", []*config.SamplerColumn{
			sc("d", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2024-02-01"}),
			sc("x", "timedelta", &config.TimedeltaParams{DtMin: 0, DtMax: 5, ReferenceColumnName: "dd"})},
			nil, "columns[1].params.reference_column_name", []string{"not a column", `did you mean "d"?`}},
		{"timedelta reference not datetime", []*config.SamplerColumn{
			uni("u"), sc("x", "timedelta", &config.TimedeltaParams{DtMin: 0, DtMax: 5, ReferenceColumnName: "u"})},
			nil, "columns[1].params.reference_column_name", []string{"is a uniform sampler"}},
		{"person bad age_range", []*config.SamplerColumn{sc("x", "person", &config.PersonParams{AgeRange: []int{50, 20}})},
			nil, "columns[0].params.age_range", []string{"min ≤ max"}},
		{"convert_to bad for numbers", []*config.SamplerColumn{convertTo(uni("x"), "flaot")},
			nil, "columns[0].convert_to", []string{`convert_to "flaot" does not apply`, `did you mean "float"?`}},
		{"convert_to int for datetime", []*config.SamplerColumn{convertTo(sc("x", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2024-02-01"}), "int")},
			nil, "columns[0].convert_to", []string{"strftime format"}},
		{"convert_to bad directive", []*config.SamplerColumn{convertTo(sc("x", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2024-02-01"}), "%Y-%Q")},
			nil, "columns[0].convert_to", []string{"unsupported directive %Q"}},
		{"convert_to on strings", []*config.SamplerColumn{convertTo(sc("x", "category", &config.CategoryParams{Values: []any{"a"}}), "float")},
			nil, "columns[0].convert_to", []string{"only str"}},
		{"convert_to on person", []*config.SamplerColumn{convertTo(sc("x", "person", &config.PersonParams{}), "str")},
			nil, "columns[0].convert_to", []string{"does not apply to a person sampler"}},
		{"condition does not compile", []*config.SamplerColumn{cat(), cond(uni("x"), "dept ==", &config.UniformParams{Low: 0, High: 2})},
			nil, `columns[1].conditional_params["dept =="]`, []string{`condition "dept =="`}},
		{"conditional params of another type", []*config.SamplerColumn{cat(), cond(uni("x"), "dept == 'eng'", &config.GaussianParams{Stddev: 1})},
			nil, `columns[1].conditional_params["dept == 'eng'"]`, []string{`sampler_type "uniform"`}},
		{"cycle through conditions", []*config.SamplerColumn{
			cond(uni("a"), "b > 0.5", &config.UniformParams{Low: 1, High: 2}),
			cond(uni("b"), "a > 0.5", &config.UniformParams{Low: 1, High: 2})},
			[]config.Constraint{{TargetColumn: "a", Operator: "lt", RHSColumn: "b"}},
			"columns[0]", []string{"a, b depend on each other in a cycle"}},
		{"self reference", []*config.SamplerColumn{cond(uni("a"), "a > 0.5", &config.UniformParams{Low: 1, High: 2})},
			nil, "columns[0]", []string{"cycle"}},
		{"constraint target unknown", []*config.SamplerColumn{uni("a")},
			[]config.Constraint{{TargetColumn: "aa", Operator: "lt", RHSNumber: 1}},
			"constraints[0].target_column", []string{`constraint target "aa" is not a column; did you mean "a"?`}},
		{"constraint rhs not a sampler", []*config.SamplerColumn{uni("a")},
			[]config.Constraint{{TargetColumn: "a", Operator: "lt", RHSColumn: "text"}},
			"constraints[0].rhs", []string{`constraint rhs "text" is not a sampler column (column_type expression)`}},
		{"constraint on text", []*config.SamplerColumn{cat()},
			[]config.Constraint{{TargetColumn: "dept", Operator: "lt", RHSNumber: 1}},
			"constraints[0].target_column", []string{"needs a numeric sampler"}},
		{"constraint bad operator", []*config.SamplerColumn{uni("a")},
			[]config.Constraint{{TargetColumn: "a", Operator: "lte", RHSNumber: 1}},
			"constraints[0].operator", []string{`operator "lte" must be one of lt, le, gt, ge`}},
		{"scalar constraint with column rhs", []*config.SamplerColumn{uni("a"), uni("b")},
			[]config.Constraint{{TargetColumn: "a", Operator: "lt", RHSColumn: "b", ConstraintType: "scalar_inequality"}},
			"constraints[0].rhs", []string{"use column_inequality"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &setup{cols: tt.cols, constraints: tt.constraints,
				others: []config.Column{&config.ExpressionColumn{ColumnBase: config.ColumnBase{Name: "text", ColumnType: "expression"}}}}
			_, diags := s.build()
			for _, d := range diags.Errors() {
				if d.Path != tt.wantPath {
					continue
				}
				ok := true
				for _, w := range tt.want {
					ok = ok && strings.Contains(d.Summary, w)
				}
				if ok {
					if d.Pos.Line == 0 {
						t.Errorf("diagnostic without a position: %v", d)
					}
					return
				}
			}
			t.Fatalf("no error at %s containing %q; got:\n%v", tt.wantPath, tt.want, diags)
		})
	}
}

func TestSubcategoryMissingParentValueWarns(t *testing.T) {
	s := &setup{cols: []*config.SamplerColumn{
		sc("dept", "category", &config.CategoryParams{Values: []any{"eng", "sales", "hr"}}),
		sc("team", "subcategory", &config.SubcategoryParams{Category: "dept", Values: map[string][]any{
			"eng": {"backend"}, "sales": {"inside"}}}),
	}}
	units, diags := s.build()
	if diags.HasErrors() || len(diags.Warnings()) != 1 || !strings.Contains(diags.Warnings()[0].Summary, `"hr"`) {
		t.Fatalf("want one warning about hr, got %v", diags)
	}
	sawNull := false
	for i := int64(0); i < 100; i++ {
		row := generate(t, units, i, nil)
		if row["dept"] == "hr" {
			sawNull = row["team"] == nil
			if !sawNull {
				t.Fatalf("hr row got %v, want null", row["team"])
			}
		}
	}
	if !sawNull {
		t.Fatal("no hr row in 100")
	}
}

func TestSubcategoryNumericParent(t *testing.T) {
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{
		sc("tier", "category", &config.CategoryParams{Values: []any{1, 2}}),
		convertTo(sc("sub", "subcategory", &config.SubcategoryParams{Category: "tier", Values: map[string][]any{
			"1": {10, 11}, "2": {20.5}}}), "str"),
	}})
	for i := int64(0); i < 50; i++ {
		row := generate(t, units, i, nil)
		want := map[int64][]string{1: {"10.0", "11.0"}, 2: {"20.5"}}[row["tier"].(int64)]
		if !strings.Contains(strings.Join(want, ","), row["sub"].(string)) {
			t.Fatalf("tier %v got sub %v, want one of %v", row["tier"], row["sub"], want)
		}
	}
}
