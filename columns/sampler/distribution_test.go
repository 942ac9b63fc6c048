package sampler

import (
	"math"
	"testing"

	"github.com/synthgen/synthgen/config"
)

// draws generates n values of column x.
func draws(t *testing.T, c *config.SamplerColumn, n int) []float64 {
	t.Helper()
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{c}, seed: 11})
	out := make([]float64, n)
	for i := range out {
		v := generate(t, units, int64(i), nil)["x"]
		f, ok := number(v)
		if !ok {
			t.Fatalf("row %d: %#v is not a number", i, v)
		}
		out[i] = f
	}
	return out
}

func meanVar(xs []float64) (float64, float64) {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, v / float64(len(xs)-1)
}

func TestDistributionMoments(t *testing.T) {
	const n = 20000
	scipy := func(name string, p map[string]float64) *config.SamplerColumn {
		return sc("x", "scipy", &config.ScipyParams{DistName: name, DistParams: p})
	}
	tests := []struct {
		name           string
		col            *config.SamplerColumn
		mean, variance float64
		min, max       float64
	}{
		{"gaussian", sc("x", "gaussian", &config.GaussianParams{Mean: 5, Stddev: 2}), 5, 4, math.Inf(-1), math.Inf(1)},
		{"uniform", sc("x", "uniform", &config.UniformParams{Low: -1, High: 3}), 1, 16.0 / 12, -1, 3},
		{"bernoulli", sc("x", "bernoulli", &config.BernoulliParams{P: 0.3}), 0.3, 0.21, 0, 1},
		{"binomial small", sc("x", "binomial", &config.BinomialParams{N: 20, P: 0.1}), 2, 1.8, 0, 20},
		{"binomial large", sc("x", "binomial", &config.BinomialParams{N: 1000, P: 0.3}), 300, 210, 0, 1000},
		{"binomial p>0.5", sc("x", "binomial", &config.BinomialParams{N: 50, P: 0.9}), 45, 4.5, 0, 50},
		{"poisson small", sc("x", "poisson", &config.PoissonParams{Mean: 3}), 3, 3, 0, math.Inf(1)},
		{"poisson large", sc("x", "poisson", &config.PoissonParams{Mean: 150}), 150, 150, 0, math.Inf(1)},
		{"bernoulli_mixture", sc("x", "bernoulli_mixture", &config.BernoulliMixtureParams{P: 0.4, DistName: "norm",
			DistParams: map[string]float64{"loc": 10, "scale": 1}}), 4, 0.4*101 - 16, math.Inf(-1), math.Inf(1)},
		{"norm", scipy("norm", map[string]float64{"loc": -3, "scale": 0.5}), -3, 0.25, math.Inf(-1), math.Inf(1)},
		{"scipy uniform", scipy("uniform", map[string]float64{"loc": 2, "scale": 3}), 3.5, 0.75, 2, 5},
		{"lognorm", scipy("lognorm", map[string]float64{"s": 0.5, "scale": 2}), 2 * math.Exp(0.125), 4 * (math.Exp(0.25) - 1) * math.Exp(0.25), 0, math.Inf(1)},
		{"expon", scipy("expon", map[string]float64{"loc": 1, "scale": 2}), 3, 4, 1, math.Inf(1)},
		{"gamma", scipy("gamma", map[string]float64{"a": 2.5, "scale": 2}), 5, 10, 0, math.Inf(1)},
		{"gamma a<1", scipy("gamma", map[string]float64{"a": 0.5}), 0.5, 0.5, 0, math.Inf(1)},
		{"beta", scipy("beta", map[string]float64{"a": 2, "b": 5}), 2.0 / 7, 10.0 / (49 * 8), 0, 1},
		{"scipy poisson", scipy("poisson", map[string]float64{"mu": 4, "loc": 1}), 5, 4, 1, math.Inf(1)},
		{"binom", scipy("binom", map[string]float64{"n": 30, "p": 0.5}), 15, 7.5, 0, 30},
		{"randint", scipy("randint", map[string]float64{"low": 0, "high": 10}), 4.5, 8.25, 0, 9},
		{"truncnorm", scipy("truncnorm", map[string]float64{"a": 0, "b": math.Inf(1)}), math.Sqrt(2 / math.Pi), 1 - 2/math.Pi, 0, math.Inf(1)},
		{"truncnorm tail", scipy("truncnorm", map[string]float64{"a": 6, "b": 7}), 6.158, 0.0226, 6, 7},
		{"truncnorm lower", scipy("truncnorm", map[string]float64{"a": -7, "b": -6}), -6.158, 0.0226, -7, -6},
		{"chi2", scipy("chi2", map[string]float64{"df": 4}), 4, 8, 0, math.Inf(1)},
		{"t", scipy("t", map[string]float64{"df": 10}), 0, 1.25, math.Inf(-1), math.Inf(1)},
		{"laplace", scipy("laplace", map[string]float64{"loc": 1}), 1, 2, math.Inf(-1), math.Inf(1)},
		{"logistic", scipy("logistic", nil), 0, math.Pi * math.Pi / 3, math.Inf(-1), math.Inf(1)},
		{"halfnorm", scipy("halfnorm", nil), math.Sqrt(2 / math.Pi), 1 - 2/math.Pi, 0, math.Inf(1)},
		{"weibull_min", scipy("weibull_min", map[string]float64{"c": 1}), 1, 1, 0, math.Inf(1)},
		{"pareto", scipy("pareto", map[string]float64{"b": 5}), 1.25, 5.0 / (16 * 3), 1, math.Inf(1)},
		{"triang", scipy("triang", map[string]float64{"c": 0.5}), 0.5, 1.0 / 24, 0, 1},
		{"geom", scipy("geom", map[string]float64{"p": 0.25}), 4, 12, 1, math.Inf(1)},
		{"scipy bernoulli", scipy("bernoulli", map[string]float64{"p": 0.7}), 0.7, 0.21, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := draws(t, tt.col, n)
			for _, x := range xs {
				if x < tt.min || x > tt.max {
					t.Fatalf("value %v outside [%v, %v]", x, tt.min, tt.max)
				}
			}
			m, v := meanVar(xs)
			// Five standard errors of the mean; variance within 10%.
			if tol := 5 * math.Sqrt(tt.variance/n); math.Abs(m-tt.mean) > tol {
				t.Errorf("mean = %.4f, want %.4f ± %.4f", m, tt.mean, tol)
			}
			if math.Abs(v-tt.variance) > 0.1*tt.variance {
				t.Errorf("variance = %.4f, want %.4f ± 10%%", v, tt.variance)
			}
		})
	}
}

func TestCategoryWeights(t *testing.T) {
	const n = 20000
	c := sc("x", "category", &config.CategoryParams{Values: []any{"a", "b", "c", "never"}, Weights: []float64{5, 3, 2, 0}})
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{c}, seed: 5})
	counts := map[any]int{}
	for i := 0; i < n; i++ {
		counts[generate(t, units, int64(i), nil)["x"]]++
	}
	for v, want := range map[string]float64{"a": 0.5, "b": 0.3, "c": 0.2, "never": 0} {
		if got := float64(counts[v]) / n; math.Abs(got-want) > 0.03 {
			t.Errorf("share of %s = %.3f, want %.2f ± 0.03", v, got, want)
		}
	}
	if counts["never"] != 0 {
		t.Errorf("a value of weight 0 was drawn %d times", counts["never"])
	}
}
