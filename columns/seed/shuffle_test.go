package seed

import (
	"slices"
	"sync"
	"testing"
)

func TestPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 7, 100} {
		p := permutation(42, 3, n)
		sorted := slices.Sorted(slices.Values(p))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("permutation(n=%d) = %v is not a permutation", n, p)
			}
		}
	}
	if !slices.Equal(permutation(42, 3, 50), permutation(42, 3, 50)) {
		t.Error("permutation is not deterministic")
	}
	if slices.Equal(permutation(42, 3, 50), permutation(42, 4, 50)) {
		t.Error("passes 3 and 4 share a permutation")
	}
}

// Many passes at once (more than the cache holds) from many goroutines:
// every answer equals the directly computed permutation.
func TestPermsCacheUnderConcurrency(t *testing.T) {
	ps := newPerms(9, 3)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for pass := range int64(40) {
				pass = (pass + int64(g)*3) % 40
				if got, want := ps.get(pass), permutation(9, pass, 3); !slices.Equal(got, want) {
					t.Errorf("pass %d = %v, want %v", pass, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(ps.recent) > maxCachedPasses {
		t.Errorf("cache holds %d passes, limit %d", len(ps.recent), maxCachedPasses)
	}
}
