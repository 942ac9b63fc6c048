package sampler

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Spans longer than time.Duration (~292 years) must cover the whole range.
func TestDatetimeSpanBeyondDuration(t *testing.T) {
	for _, unit := range []string{"Y", "D", "s"} {
		t.Run(unit, func(t *testing.T) {
			units := mustBuild(t, &setup{seed: 1, cols: []*config.SamplerColumn{
				sc("d", "datetime", &config.DatetimeParams{Start: "1500-01-01", End: "2500-12-31", Unit: unit}),
			}})
			lo, hi := 9999, 0
			for i := int64(0); i < 500; i++ {
				s := generate(t, units, i, nil)["d"].(string)
				d, err := time.Parse(isoLayout, s)
				if err != nil {
					t.Fatal(err)
				}
				if d.Before(time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)) || !d.Before(time.Date(2500, 12, 31, 0, 0, 0, 0, time.UTC)) {
					t.Fatalf("row %d: %s outside [start, end)", i, s)
				}
				if truncate(d, unit) != d {
					t.Fatalf("row %d: %s not truncated to unit %s", i, s, unit)
				}
				lo, hi = min(lo, d.Year()), max(hi, d.Year())
			}
			if lo > 1600 || hi < 2400 {
				t.Fatalf("years span [%d, %d], want about [1500, 2500]", lo, hi)
			}
		})
	}
}

func TestTimedeltaLargeOffsets(t *testing.T) {
	ref := func(end string) *config.SamplerColumn {
		return sc("start", "datetime", &config.DatetimeParams{Start: "2000-01-01", End: end})
	}
	td := func(lo, hi int, unit string) *config.SamplerColumn {
		return sc("x", "timedelta", &config.TimedeltaParams{DtMin: lo, DtMax: hi, Unit: unit, ReferenceColumnName: "start"})
	}
	cases := []struct {
		unit   string
		lo, hi int
		per    time.Duration
	}{
		{"D", 100000, 200000, 24 * time.Hour},
		{"h", 3_000_000, 4_000_000, time.Hour},
		{"s", 10_000_000_000, 12_000_000_000, time.Second},
	}
	for _, c := range cases {
		t.Run(c.unit, func(t *testing.T) {
			units := mustBuild(t, &setup{seed: 1, cols: []*config.SamplerColumn{ref("2000-01-02"), td(c.lo, c.hi, c.unit)}})
			base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			// The offsets in seconds, compared as int64 (Durations would overflow).
			perSec := int64(c.per / time.Second)
			for i := int64(0); i < 200; i++ {
				s := generate(t, units, i, nil)["x"].(string)
				d, err := time.Parse(isoLayout, s)
				if err != nil {
					t.Fatal(err)
				}
				off := d.Unix() - base.Unix()
				if off < int64(c.lo)*perSec || off >= int64(c.hi)*perSec || off%perSec != 0 {
					t.Fatalf("row %d: %s is %d s after 2000-01-01, want a whole number of %s in [%d, %d)", i, s, off, c.unit, c.lo, c.hi)
				}
			}
		})
	}
	// Offsets that cannot be represented are build-time errors.
	for _, tt := range []struct {
		name string
		cols []*config.SamplerColumn
		want string
	}{
		{"beyond any reference", []*config.SamplerColumn{ref("2000-01-02"), td(0, 4_000_000, "D")}, "cannot be represented"},
		{"beyond the reference's end", []*config.SamplerColumn{ref("9000-01-01"), td(0, 400_000, "D")}, "after year 9999"},
		{"overflowing int64 seconds", []*config.SamplerColumn{ref("2000-01-02"), td(0, math.MaxInt64, "D")}, "cannot be represented"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := (&setup{cols: tt.cols}).build()
			found := false
			for _, d := range diags.Errors() {
				found = found || (d.Path == "columns[1].params.dt_max" && strings.Contains(d.Summary, tt.want))
			}
			if !found {
				t.Fatalf("want an error at columns[1].params.dt_max containing %q; got:\n%v", tt.want, diags)
			}
		})
	}
	// A reference the build cannot see (e.g. a seed column) is checked per row.
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{
		sc("x", "timedelta", &config.TimedeltaParams{DtMin: 10, DtMax: 11, Unit: "D", ReferenceColumnName: "seeded"}),
	}, others: []config.Column{&config.SeedDatasetColumn{ColumnBase: config.ColumnBase{Name: "seeded", ColumnType: "seed-dataset"}}}})
	if _, err := tryGenerate(units, 0, map[string]any{"seeded": "9999-12-30"}); err == nil || !strings.Contains(err.Error(), "after year 9999") {
		t.Fatalf("err = %v, want an error about year 9999", err)
	}
}

// The fate of a row depends only on (seed, column, row): not on the order in
// which rows are generated, on concurrency, or on other rows' rejections.
func TestRejectionIsPerRow(t *testing.T) {
	type outcome struct {
		val string
		err string
	}
	run := func(t *testing.T, s func() *setup, order []int64, concurrent bool) map[int64]outcome {
		units := mustBuild(t, s())
		out := make(map[int64]outcome, len(order))
		var mu sync.Mutex
		var wg sync.WaitGroup
		one := func(i int64) {
			defer wg.Done()
			row, err := tryGenerate(units, i, nil)
			o := outcome{}
			if err != nil {
				o.err = err.Error()
			} else {
				o.val = value.JSON(row["x"])
			}
			mu.Lock()
			out[i] = o
			mu.Unlock()
		}
		for _, i := range order {
			wg.Add(1)
			if concurrent {
				go one(i)
			} else {
				one(i)
			}
		}
		wg.Wait()
		return out
	}
	const n = 400
	var forward, backward, shuffled []int64
	for i := int64(0); i < n; i++ {
		forward = append(forward, i)
		backward = append(backward, n-1-i)
		shuffled = append(shuffled, (i*7919)%n)
	}
	check := func(t *testing.T, s func() *setup) (fails int) {
		want := run(t, s, forward, false)
		for name, got := range map[string]map[int64]outcome{
			"backward":   run(t, s, backward, false),
			"shuffled":   run(t, s, shuffled, false),
			"concurrent": run(t, s, shuffled, true),
			"tail only":  run(t, s, forward[n/2:], true),
		} {
			for i, o := range got {
				if o != want[i] {
					t.Fatalf("%s: row %d = %+v, in order %+v", name, i, o, want[i])
				}
			}
		}
		for _, o := range want {
			if o.err != "" {
				fails++
			}
		}
		return fails
	}
	t.Run("90% rejected", func(t *testing.T) {
		// gaussian(0, 1) > 1.2 rejects ~88% of draws; no row comes close to
		// the per-row limit.
		fails := check(t, func() *setup {
			return &setup{seed: 1, numRecords: n, cols: []*config.SamplerColumn{
				sc("x", "gaussian", &config.GaussianParams{Mean: 0, Stddev: 1})},
				constraints: []config.Constraint{{TargetColumn: "x", Operator: "gt", RHSNumber: 1.2}}}
		})
		if fails != 0 {
			t.Fatalf("%d rows failed", fails)
		}
	})
	t.Run("some rows fail", func(t *testing.T) {
		// Each draw is accepted with probability 0.0012: about 30% of rows
		// exhaust their attempts.
		fails := check(t, func() *setup {
			return &setup{seed: 1, numRecords: n, cols: []*config.SamplerColumn{
				sc("x", "uniform", &config.UniformParams{Low: 0, High: 1})},
				constraints: []config.Constraint{{TargetColumn: "x", Operator: "gt", RHSNumber: 0.9988}}}
		})
		if fails < n/10 || fails > n/2 {
			t.Fatalf("%d of %d rows failed, want about 30%%", fails, n)
		}
	})
}

func TestImpossibleConstraintFailsEveryRow(t *testing.T) {
	units := mustBuild(t, &setup{numRecords: 10, cols: []*config.SamplerColumn{
		sc("x", "uniform", &config.UniformParams{Low: 0, High: 1}),
	}, constraints: []config.Constraint{{TargetColumn: "x", Operator: "gt", RHSNumber: 1.2}}})
	for i := int64(0); i < 3; i++ {
		_, err := tryGenerate(units, i, nil)
		var re *RejectionError
		var ce *columns.CellError
		if !errors.As(err, &re) || !errors.As(err, &ce) || re.Attempts != maxAttemptsPerRow || ce.Row != i {
			t.Fatalf("row %d: err = %v, want a RejectionError after %d attempts", i, err, maxAttemptsPerRow)
		}
		want := "constraint x > 1.2 not satisfied after 1000 attempts for this row; the constraints may be impossible to satisfy"
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %q, want it to contain %q", err, want)
		}
	}
}

func TestCategoryHugeWeights(t *testing.T) {
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{
		sc("x", "category", &config.CategoryParams{Values: []any{"a", "b", "c"}, Weights: []float64{1e308, 1e308, 1e308}}),
		sc("y", "category", &config.CategoryParams{Values: []any{"a", "b"}, Weights: []float64{1e308, 5e-324}}),
	}})
	counts := map[any]int{}
	for i := int64(0); i < 3000; i++ {
		row := generate(t, units, i, nil)
		counts[row["x"]]++
		if row["y"] != "a" {
			t.Fatalf("row %d: y = %v, want a", i, row["y"])
		}
	}
	for _, v := range []string{"a", "b", "c"} {
		if counts[v] < 850 || counts[v] > 1150 {
			t.Fatalf("counts = %v, want about 1000 each", counts)
		}
	}
}

func TestNonFiniteParams(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	scipy := func(dist string, p map[string]float64) *config.SamplerColumn {
		return sc("x", "scipy", &config.ScipyParams{DistName: dist, DistParams: p})
	}
	tests := []struct {
		col  *config.SamplerColumn
		path string
	}{
		{sc("x", "uniform", &config.UniformParams{Low: -inf, High: 1}), "params.low"},
		{sc("x", "uniform", &config.UniformParams{Low: 0, High: inf}), "params.high"},
		{sc("x", "uniform", &config.UniformParams{Low: nan, High: 1}), "params.low"},
		{sc("x", "uniform", &config.UniformParams{Low: 0, High: nan}), "params.high"},
		{sc("x", "gaussian", &config.GaussianParams{Mean: nan, Stddev: 1}), "params.mean"},
		{sc("x", "gaussian", &config.GaussianParams{Mean: -inf, Stddev: 1}), "params.mean"},
		{sc("x", "gaussian", &config.GaussianParams{Mean: 0, Stddev: nan}), "params.stddev"},
		{sc("x", "gaussian", &config.GaussianParams{Mean: 0, Stddev: inf}), "params.stddev"},
		{sc("x", "bernoulli", &config.BernoulliParams{P: nan}), "params.p"},
		{sc("x", "binomial", &config.BinomialParams{N: 3, P: inf}), "params.p"},
		{sc("x", "poisson", &config.PoissonParams{Mean: nan}), "params.mean"},
		{sc("x", "poisson", &config.PoissonParams{Mean: inf}), "params.mean"},
		{sc("x", "bernoulli_mixture", &config.BernoulliMixtureParams{P: nan, DistName: "norm"}), "params.p"},
		{sc("x", "bernoulli_mixture", &config.BernoulliMixtureParams{P: 0.5, DistName: "norm", DistParams: map[string]float64{"loc": inf}}), "params.dist_params.loc"},
		{sc("x", "category", &config.CategoryParams{Values: []any{"a", "b"}, Weights: []float64{1, nan}}), "params.weights[1]"},
		{sc("x", "category", &config.CategoryParams{Values: []any{"a", "b"}, Weights: []float64{inf, 1}}), "params.weights[0]"},
		{scipy("norm", map[string]float64{"loc": nan}), "params.dist_params.loc"},
		{scipy("norm", map[string]float64{"loc": -inf}), "params.dist_params.loc"},
		{scipy("norm", map[string]float64{"scale": inf}), "params.dist_params.scale"},
		{scipy("expon", map[string]float64{"scale": nan}), "params.dist_params.scale"},
		{scipy("lognorm", map[string]float64{"s": inf}), "params.dist_params.s"},
		{scipy("gamma", map[string]float64{"a": nan}), "params.dist_params.a"},
		{scipy("beta", map[string]float64{"a": 1, "b": inf}), "params.dist_params.b"},
		{scipy("truncnorm", map[string]float64{"a": nan, "b": 1}), "params.dist_params.a"},
		{scipy("truncnorm", map[string]float64{"a": 0, "b": 1, "loc": inf}), "params.dist_params.loc"},
		{scipy("triang", map[string]float64{"c": nan}), "params.dist_params.c"},
		{scipy("poisson", map[string]float64{"mu": inf}), "params.dist_params.mu"},
		{scipy("binom", map[string]float64{"n": nan, "p": 0.5}), "params.dist_params.n"},
		{scipy("randint", map[string]float64{"low": -inf, "high": 3}), "params.dist_params.low"},
		{scipy("geom", map[string]float64{"p": nan}), "params.dist_params.p"},
		{scipy("poisson", map[string]float64{"mu": 1, "loc": inf}), "params.dist_params.loc"},
		{scipy("t", map[string]float64{"df": inf}), "params.dist_params.df"},
	}
	for i, tt := range tests {
		name := fmt.Sprintf("%d %s %s", i, tt.col.SamplerType, tt.path)
		t.Run(name, func(t *testing.T) {
			_, diags := (&setup{cols: []*config.SamplerColumn{tt.col}}).build()
			want := "columns[0]." + tt.path
			for _, d := range diags.Errors() {
				if d.Path == want {
					return
				}
			}
			t.Fatalf("want an error at %s; got:\n%v", want, diags)
		})
	}
	t.Run("constraint rhs NaN", func(t *testing.T) {
		_, diags := (&setup{cols: []*config.SamplerColumn{sc("x", "uniform", &config.UniformParams{Low: 0, High: 1})},
			constraints: []config.Constraint{{TargetColumn: "x", Operator: "lt", RHSNumber: nan}}}).build()
		for _, d := range diags.Errors() {
			if d.Path == "constraints[0].rhs" {
				return
			}
		}
		t.Fatalf("want an error at constraints[0].rhs; got:\n%v", diags)
	})
	// truncnorm takes infinite bounds, like scipy.
	for _, ab := range [][2]float64{{-inf, inf}, {-inf, -1}, {1, inf}} {
		units := mustBuild(t, &setup{cols: []*config.SamplerColumn{scipy("truncnorm", map[string]float64{"a": ab[0], "b": ab[1]})}})
		for i := int64(0); i < 100; i++ {
			v := generate(t, units, i, nil)["x"].(float64)
			if math.IsNaN(v) || v < ab[0] || v > ab[1] {
				t.Fatalf("truncnorm(%v, %v) gave %v", ab[0], ab[1], v)
			}
		}
	}
}
