package mock

import (
	"math"
	"math/rand/v2"
	"time"
)

// Sample draws one delay from the latency.
func (l Latency) Sample(r *rand.Rand) time.Duration {
	switch l.Distribution {
	case DistLognormal:
		sigma := l.Scale
		if sigma == 0 {
			sigma = 0.5
		}
		mu := math.Log(l.Mean.Seconds()) - sigma*sigma/2
		d := seconds(math.Exp(mu + sigma*r.NormFloat64()))
		if l.Low > 0 && d < l.Low {
			d = l.Low
		}
		if l.High > 0 && d > l.High {
			d = l.High
		}
		return d
	case DistUniform:
		return l.Low + time.Duration(r.Float64()*float64(l.High-l.Low))
	case DistBeta:
		a, b := l.betaParams()
		x := sampleBeta(r, a, b)
		return l.Low + time.Duration(x*float64(l.betaSpan()))
	}
	return l.Fixed
}

// MeanDuration is the expected delay.
func (l Latency) MeanDuration() time.Duration {
	switch l.Distribution {
	case DistLognormal:
		return l.Mean
	case DistUniform:
		return (l.Low + l.High) / 2
	case DistBeta:
		a, b := l.betaParams()
		return l.Low + time.Duration(a/(a+b)*float64(l.betaSpan()))
	}
	return l.Fixed
}

func (l Latency) betaParams() (float64, float64) {
	a, b := l.Alpha, l.Beta
	if a == 0 {
		a = 2
	}
	if b == 0 {
		b = 2
	}
	return a, b
}

func (l Latency) betaSpan() time.Duration {
	if l.High > 0 {
		return l.High - l.Low
	}
	return seconds(l.Scale)
}

func seconds(f float64) time.Duration {
	if f > 1e6 || math.IsNaN(f) {
		f = 1e6
	}
	return time.Duration(f * float64(time.Second))
}

// sampleBeta draws from Beta(a, b) as G(a) / (G(a) + G(b)).
func sampleBeta(r *rand.Rand, a, b float64) float64 {
	x, y := sampleGamma(r, a), sampleGamma(r, b)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

// sampleGamma draws from Gamma(k, 1) (Marsaglia and Tsang).
func sampleGamma(r *rand.Rand, k float64) float64 {
	if k < 1 {
		u := r.Float64()
		return sampleGamma(r, k+1) * math.Pow(u, 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
