package sampler

import (
	"math"
	"math/rand/v2"
)

// openUnit is uniform in the open interval (0, 1).
func openUnit(r *rand.Rand) float64 {
	for {
		if u := r.Float64(); u > 0 {
			return u
		}
	}
}

// gammaRand draws Gamma(a, 1) by Marsaglia and Tsang's method (boosted for
// a < 1).
func gammaRand(r *rand.Rand, a float64) float64 {
	if a < 1 {
		return gammaRand(r, a+1) * math.Pow(openUnit(r), 1/a)
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := openUnit(r)
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// betaRand draws Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
func betaRand(r *rand.Rand, a, b float64) float64 {
	for {
		x, y := gammaRand(r, a), gammaRand(r, b)
		if s := x + y; s > 0 {
			return x / s
		}
	}
}

// truncnormRand draws a standard normal restricted to [a, b], by inverting
// the CDF on the side of the tail so that far tails keep their precision.
func truncnormRand(r *rand.Rand, a, b float64) float64 {
	if b <= 0 {
		return -truncnormRand(r, -b, -a)
	}
	for {
		var x float64
		if a >= 0 { // upper tail: invert the survival function
			qa, qb := 0.5*math.Erfc(a/math.Sqrt2), 0.5*math.Erfc(b/math.Sqrt2)
			x = math.Sqrt2 * math.Erfcinv(2*(qb+(qa-qb)*r.Float64()))
		} else {
			pa, pb := 0.5*math.Erfc(-a/math.Sqrt2), 0.5*math.Erfc(-b/math.Sqrt2)
			x = -math.Sqrt2 * math.Erfcinv(2*(pa+(pb-pa)*r.Float64()))
		}
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			return math.Max(a, math.Min(b, x))
		}
	}
}

// poissonRand draws Poisson(mu): multiplication of uniforms for small mu,
// Hörmann's PTRS transformed rejection otherwise.
func poissonRand(r *rand.Rand, mu float64) int64 {
	if mu <= 0 {
		return 0
	}
	if mu < 10 {
		limit, prod := math.Exp(-mu), r.Float64()
		var k int64
		for prod > limit {
			k++
			prod *= r.Float64()
		}
		return k
	}
	slam, loglam := math.Sqrt(mu), math.Log(mu)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + mu + 0.43)
		if us >= 0.07 && v <= vr {
			return int64(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -mu+k*loglam-lg {
			return int64(k)
		}
	}
}

// binomialRand draws Binomial(n, p): inversion when n·min(p,1-p) is small,
// Hörmann's BTRS transformed rejection otherwise.
func binomialRand(r *rand.Rand, n int64, p float64) int64 {
	if n == 0 || p == 0 {
		return 0
	}
	if p == 1 {
		return n
	}
	if p > 0.5 {
		return n - binomialRand(r, n, 1-p)
	}
	q := 1 - p
	nf := float64(n)
	if nf*p < 10 {
		qn := math.Exp(nf * math.Log1p(-p))
		bound := math.Min(nf, nf*p+10*math.Sqrt(nf*p*q+1))
		for {
			var x int64
			px, u := qn, r.Float64()
			for u > px {
				x++
				if float64(x) > bound {
					break
				}
				u -= px
				px = (nf - float64(x) + 1) * p * px / (float64(x) * q)
			}
			if float64(x) <= bound {
				return x
			}
		}
	}
	spq := math.Sqrt(nf * p * q)
	b := 1.15 + 2.53*spq
	a := -0.0873 + 0.0248*b + 0.01*p
	c := nf*p + 0.5
	vr := 0.92 - 4.2/b
	alpha := (2.83 + 5.1/b) * spq
	lpq := math.Log(p / q)
	m := math.Floor((nf + 1) * p)
	lgm, _ := math.Lgamma(m + 1)
	lgnm, _ := math.Lgamma(nf - m + 1)
	h := lgm + lgnm
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + c)
		if k < 0 || k > nf {
			continue
		}
		if us >= 0.07 && v <= vr {
			return int64(k)
		}
		lgk, _ := math.Lgamma(k + 1)
		lgnk, _ := math.Lgamma(nf - k + 1)
		if math.Log(v*alpha/(a/(us*us)+b)) <= h-lgk-lgnk+(k-m)*lpq {
			return int64(k)
		}
	}
}
