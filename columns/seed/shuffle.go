package seed

import (
	"math/bits"
	"math/rand/v2"
	"sync"
)

// perms hands out the permutation used for each pass over the seed in
// shuffle mode. Pass p's permutation depends only on (seed, p), so a row's
// seed row does not depend on scheduling or on resuming. A few recent passes
// are cached; rows are generated roughly in order.
//
// Safe for concurrent use; returned slices must not be modified.
type perms struct {
	seed uint64
	n    int

	mu     sync.Mutex
	recent []passPerm // at most maxCachedPasses, oldest first
}

type passPerm struct {
	pass int64
	perm []int
}

const maxCachedPasses = 8

// streamSalt separates the seed dataset's random stream from other users of
// the run seed.
const streamSalt = 0x5eed_da7a_5e7d_0001

func newPerms(seed uint64, n int) *perms { return &perms{seed: seed, n: n} }

func (p *perms) get(pass int64) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.recent {
		if c.pass == pass {
			return c.perm
		}
	}
	perm := permutation(p.seed, pass, p.n)
	if len(p.recent) == maxCachedPasses {
		p.recent = append(p.recent[:0], p.recent[1:]...)
	}
	p.recent = append(p.recent, passPerm{pass: pass, perm: perm})
	return perm
}

// permutation is a Fisher-Yates shuffle of 0..n-1 driven by a PCG stream
// seeded from (seed, pass). Both algorithms are fixed, so the result is
// stable across Go releases.
func permutation(seed uint64, pass int64, n int) []int {
	src := rand.NewPCG(splitmix64(seed^streamSalt), splitmix64(uint64(pass)))
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(boundedUint64(src, uint64(i+1)))
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// boundedUint64 is a uniform value in [0, bound) (Lemire's method).
func boundedUint64(src *rand.PCG, bound uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), bound)
		}
	}
	return hi
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
