package sampler

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// stream derives the random source of one cell. A value depends only on the
// run seed, the column name, the row index and the rejection attempt, never
// on scheduling or on the order in which rows are generated.
type stream struct {
	// base is the FNV-64a state after hashing the seed and column name; the
	// row index and attempt are hashed on top of it per cell.
	base uint64
}

func newStream(seed uint64, column string) stream {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(column))
	h.Write([]byte{0})
	return stream{base: h.Sum64()}
}

const fnvPrime64 = 1099511628211

// seeds returns the two PCG seeds of (row, attempt).
func (s stream) seeds(row int64, attempt int) (uint64, uint64) {
	h := s.base
	for _, v := range [2]uint64{uint64(row), uint64(attempt)} {
		for i := 0; i < 8; i++ {
			h ^= v >> (8 * i) & 0xff
			h *= fnvPrime64
		}
	}
	return splitmix64(h), splitmix64(h ^ 0x9e3779b97f4a7c15)
}

// rand returns the generator of one cell.
func (s stream) rand(row int64, attempt int) *rand.Rand {
	return rand.New(rand.NewPCG(s.seeds(row, attempt)))
}

// splitmix64 is the finalizer of SplitMix64: it spreads nearby hashes over
// the whole state space before they seed PCG.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
