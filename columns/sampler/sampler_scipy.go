package sampler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/synthgen/synthgen/config"
)

// distSpec is one scipy.stats distribution: its parameters (scipy's names
// and semantics) and a sampler of its standard form. Continuous
// distributions also take loc (default 0) and scale (default 1, > 0) and
// yield loc + scale·x as float64; discrete ones take an integer loc and
// yield loc + x as int64.
type distSpec struct {
	discrete bool
	required []string
	// check returns the parameter at fault and the problem, or "" when the
	// values are valid.
	check func(p distParams) (key, problem string)
	// sample draws one value of the standard distribution.
	sample func(r *rand.Rand, p distParams) float64
	// integers are parameters that must be whole numbers.
	integers []string
	// infinite are parameters that may be ±inf (scipy's truncnorm bounds);
	// every other parameter, loc and scale included, must be finite.
	infinite []string
}

type distParams map[string]float64

func positive(keys ...string) func(p distParams) (string, string) {
	return func(p distParams) (string, string) {
		for _, k := range keys {
			if !(p[k] > 0) || math.IsInf(p[k], 0) {
				return k, "must be a finite number > 0"
			}
		}
		return "", ""
	}
}

func probability(key string, openAtZero bool) func(p distParams) (string, string) {
	return func(p distParams) (string, string) {
		v := p[key]
		if v < 0 || v > 1 || math.IsNaN(v) || (openAtZero && v == 0) {
			if openAtZero {
				return key, "must be in (0, 1]"
			}
			return key, "must be in [0, 1]"
		}
		return "", ""
	}
}

// distributions are the supported scipy.stats distributions by name.
var distributions = map[string]distSpec{
	"norm":    {sample: func(r *rand.Rand, _ distParams) float64 { return r.NormFloat64() }},
	"uniform": {sample: func(r *rand.Rand, _ distParams) float64 { return r.Float64() }},
	"lognorm": {required: []string{"s"}, check: positive("s"),
		sample: func(r *rand.Rand, p distParams) float64 { return math.Exp(p["s"] * r.NormFloat64()) }},
	"expon": {sample: func(r *rand.Rand, _ distParams) float64 { return r.ExpFloat64() }},
	"gamma": {required: []string{"a"}, check: positive("a"),
		sample: func(r *rand.Rand, p distParams) float64 { return gammaRand(r, p["a"]) }},
	"beta": {required: []string{"a", "b"}, check: positive("a", "b"),
		sample: func(r *rand.Rand, p distParams) float64 { return betaRand(r, p["a"], p["b"]) }},
	"truncnorm": {required: []string{"a", "b"}, infinite: []string{"a", "b"},
		check: func(p distParams) (string, string) {
			if !(p["a"] < p["b"]) {
				return "b", fmt.Sprintf("must be greater than a (%v)", p["a"])
			}
			return "", ""
		},
		sample: func(r *rand.Rand, p distParams) float64 { return truncnormRand(r, p["a"], p["b"]) }},
	"laplace": {sample: func(r *rand.Rand, _ distParams) float64 {
		u := openUnit(r) - 0.5
		return -math.Copysign(1, u) * math.Log1p(-2*math.Abs(u))
	}},
	"logistic": {sample: func(r *rand.Rand, _ distParams) float64 {
		u := openUnit(r)
		return math.Log(u / (1 - u))
	}},
	"cauchy":   {sample: func(r *rand.Rand, _ distParams) float64 { return math.Tan(math.Pi * (openUnit(r) - 0.5)) }},
	"halfnorm": {sample: func(r *rand.Rand, _ distParams) float64 { return math.Abs(r.NormFloat64()) }},
	"chi2": {required: []string{"df"}, check: positive("df"),
		sample: func(r *rand.Rand, p distParams) float64 { return 2 * gammaRand(r, p["df"]/2) }},
	"t": {required: []string{"df"}, check: positive("df"),
		sample: func(r *rand.Rand, p distParams) float64 {
			return r.NormFloat64() / math.Sqrt(2*gammaRand(r, p["df"]/2)/p["df"])
		}},
	"weibull_min": {required: []string{"c"}, check: positive("c"),
		sample: func(r *rand.Rand, p distParams) float64 { return math.Pow(r.ExpFloat64(), 1/p["c"]) }},
	"pareto": {required: []string{"b"}, check: positive("b"),
		sample: func(r *rand.Rand, p distParams) float64 { return math.Exp(r.ExpFloat64() / p["b"]) }},
	"triang": {required: []string{"c"}, check: probability("c", false),
		sample: func(r *rand.Rand, p distParams) float64 {
			c, u := p["c"], r.Float64()
			if u < c {
				return math.Sqrt(u * c)
			}
			return 1 - math.Sqrt((1-u)*(1-c))
		}},
	"poisson": {discrete: true, required: []string{"mu"},
		check: func(p distParams) (string, string) {
			if !(p["mu"] >= 0) || math.IsInf(p["mu"], 0) {
				return "mu", "must be a finite number ≥ 0"
			}
			return "", ""
		},
		sample: func(r *rand.Rand, p distParams) float64 { return float64(poissonRand(r, p["mu"])) }},
	"binom": {discrete: true, required: []string{"n", "p"}, integers: []string{"n"},
		check: func(p distParams) (string, string) {
			if p["n"] < 0 {
				return "n", "must be ≥ 0"
			}
			return probability("p", false)(p)
		},
		sample: func(r *rand.Rand, p distParams) float64 { return float64(binomialRand(r, int64(p["n"]), p["p"])) }},
	"randint": {discrete: true, required: []string{"low", "high"}, integers: []string{"low", "high"},
		check: func(p distParams) (string, string) {
			if !(p["high"] > p["low"]) {
				return "high", fmt.Sprintf("must be greater than low (%v); high is exclusive", p["low"])
			}
			return "", ""
		},
		sample: func(r *rand.Rand, p distParams) float64 {
			return p["low"] + float64(r.Int64N(int64(p["high"]-p["low"])))
		}},
	"geom": {discrete: true, required: []string{"p"}, check: probability("p", true),
		sample: func(r *rand.Rand, p distParams) float64 {
			if p["p"] == 1 {
				return 1
			}
			return math.Max(1, math.Ceil(-r.ExpFloat64()/math.Log1p(-p["p"])))
		}},
	"bernoulli": {discrete: true, required: []string{"p"}, check: probability("p", false),
		sample: func(r *rand.Rand, p distParams) float64 { return float64(bernoulliRand(r, p["p"])) }},
}

// distributionNames lists the supported names, sorted.
func distributionNames() []string {
	names := make([]string, 0, len(distributions))
	for n := range distributions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// scipy: a sample of the named scipy.stats distribution.
func (b *builder) scipy(p *config.ScipyParams) drawer {
	dist := b.distribution(&p.Meta, p.DistName, p.DistParams, p.DecimalPlaces)
	if dist == nil {
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) { return dist(r), nil })
}

// distribution validates a dist_name and its dist_params (found in meta at
// the keys dist_name and dist_params) and returns a sampler that yields
// int64 for discrete and float64 for continuous distributions; nil when
// invalid.
func (b *builder) distribution(meta *config.Meta, name string, params map[string]float64, places *int) func(r *rand.Rand) any {
	spec, ok := distributions[name]
	if !ok {
		pos, path := meta.At("dist_name")
		b.errorf(pos, path, "unknown dist_name %q; supported: %s%s",
			name, strings.Join(distributionNames(), ", "), suggest(name, distributionNames()))
		return nil
	}
	pos, path := meta.At("dist_params")
	accepted := append([]string(nil), spec.required...)
	accepted = append(accepted, "loc")
	if !spec.discrete {
		accepted = append(accepted, "scale")
	}
	p := distParams{"loc": 0, "scale": 1}
	valid := true
	for _, k := range sortedKeys(params) {
		if !containsString(accepted, k) {
			b.errorf(pos, path+"."+k, "%s does not take parameter %q%s; it takes %s",
				name, k, suggest(k, accepted), strings.Join(accepted, ", "))
			valid = false
			continue
		}
		v := params[k]
		if math.IsNaN(v) || (math.IsInf(v, 0) && !containsString(spec.infinite, k)) {
			b.errorf(pos, path+"."+k, "%s %v must be a finite number", k, v)
			valid = false
			continue
		}
		p[k] = v
	}
	for _, k := range spec.required {
		if _, ok := params[k]; !ok {
			b.errorf(pos, path, "%s needs parameter %q (it takes %s)", name, k, strings.Join(accepted, ", "))
			valid = false
		}
	}
	if !valid {
		return nil
	}
	integers := spec.integers
	if spec.discrete {
		integers = append(append([]string(nil), integers...), "loc")
	}
	for _, k := range integers {
		if v := p[k]; v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			b.errorf(pos, path+"."+k, "%s %v must be a whole number", k, v)
			valid = false
		}
	}
	if !spec.discrete && (!(p["scale"] > 0) || math.IsInf(p["scale"], 0)) {
		b.errorf(pos, path+".scale", "scale %v must be a finite number > 0", p["scale"])
		valid = false
	}
	if valid && spec.check != nil {
		if k, problem := spec.check(p); problem != "" {
			b.errorf(pos, path+"."+k, "%s %v %s", k, p[k], problem)
			valid = false
		}
	}
	if !valid {
		return nil
	}
	if spec.discrete {
		loc := int64(p["loc"])
		return func(r *rand.Rand) any { return loc + int64(spec.sample(r, p)) }
	}
	loc, scale := p["loc"], p["scale"]
	return func(r *rand.Rand) any { return round(loc+scale*spec.sample(r, p), places) }
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
