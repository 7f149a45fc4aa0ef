package colonies

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNthSmallest compares the selection with a full sort on random
// slices, with and without long runs of equal values.
func TestNthSmallest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(200)
		levels := []int{2, 16, 1 << 20}[trial%3]
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(rng.IntN(levels)) / 7
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		for _, k := range []int{0, n / 2, n - 1, rng.IntN(n)} {
			w := slices.Clone(v)
			if got := nthSmallest(w, k); got != sorted[k] {
				t.Fatalf("trial %d: nthSmallest(k=%d of %d) = %v, want %v", trial, k, n, got, sorted[k])
			}
		}
	}
}
