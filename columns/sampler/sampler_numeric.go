package sampler

import (
	"math"
	"math/rand/v2"

	"github.com/synthgen/synthgen/config"
)

// finite reports a NaN or infinite param (YAML .nan, .inf) at its key.
func (b *builder) finite(meta *config.Meta, key string, v float64) bool {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		return true
	}
	pos, path := meta.At(key)
	b.errorf(pos, path, "%s %v must be a finite number", key, v)
	return false
}

// uniform: a float in [low, high).
func (b *builder) uniform(p *config.UniformParams) drawer {
	okLow := b.finite(&p.Meta, "low", p.Low)
	if okHigh := b.finite(&p.Meta, "high", p.High); !okLow || !okHigh {
		return nil
	}
	pos, path := p.Meta.At("high")
	if !(p.Low < p.High) {
		b.errorf(pos, path, "low (%v) must be less than high (%v)", p.Low, p.High)
		return nil
	}
	if math.IsInf(p.High-p.Low, 0) {
		b.errorf(pos, path, "high - low overflows (low %v, high %v); narrow the range", p.Low, p.High)
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		return round(p.Low+(p.High-p.Low)*r.Float64(), p.DecimalPlaces), nil
	})
}

// gaussian: a normal float with the given mean and standard deviation.
func (b *builder) gaussian(p *config.GaussianParams) drawer {
	ok := b.finite(&p.Meta, "mean", p.Mean)
	if !(p.Stddev >= 0) || math.IsInf(p.Stddev, 0) {
		pos, path := p.Meta.At("stddev")
		b.errorf(pos, path, "stddev %v must be a finite number ≥ 0", p.Stddev)
		ok = false
	}
	if !ok {
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		return round(p.Mean+p.Stddev*r.NormFloat64(), p.DecimalPlaces), nil
	})
}

// checkP reports a probability outside [0, 1].
func (b *builder) checkP(meta *config.Meta, key string, p float64) bool {
	if p >= 0 && p <= 1 {
		return true
	}
	pos, path := meta.At(key)
	b.errorf(pos, path, "%s %v must be in [0, 1]", key, p)
	return false
}

// bernoulli: 1 with probability p, else 0 (int64).
func (b *builder) bernoulli(p *config.BernoulliParams) drawer {
	if !b.checkP(&p.Meta, "p", p.P) {
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) { return bernoulliRand(r, p.P), nil })
}

func bernoulliRand(r *rand.Rand, p float64) int64 {
	if r.Float64() < p {
		return 1
	}
	return 0
}

// bernoulliMixture: bernoulli(p) × a sample of a scipy distribution.
func (b *builder) bernoulliMixture(p *config.BernoulliMixtureParams) drawer {
	okP := b.checkP(&p.Meta, "p", p.P)
	dist := b.distribution(&p.Meta, p.DistName, p.DistParams, nil)
	if !okP || dist == nil {
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		on := bernoulliRand(r, p.P)
		v := dist(r)
		if on == 1 {
			return v, nil
		}
		if _, isInt := v.(int64); isInt {
			return int64(0), nil
		}
		return 0.0, nil
	})
}

// binomial: the number of successes in n trials of probability p (int64).
func (b *builder) binomial(p *config.BinomialParams) drawer {
	ok := b.checkP(&p.Meta, "p", p.P)
	if p.N < 0 {
		pos, path := p.Meta.At("n")
		b.errorf(pos, path, "n %d must be ≥ 0", p.N)
		ok = false
	}
	if !ok {
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) { return binomialRand(r, int64(p.N), p.P), nil })
}

// poisson: a Poisson count with the given mean (int64).
func (b *builder) poisson(p *config.PoissonParams) drawer {
	if !(p.Mean >= 0) || math.IsInf(p.Mean, 0) {
		pos, path := p.Meta.At("mean")
		b.errorf(pos, path, "mean %v must be a finite number ≥ 0", p.Mean)
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) { return poissonRand(r, p.Mean), nil })
}
