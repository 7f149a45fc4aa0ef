package stats

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
			if got := NthSmallest(w, k); got != sorted[k] {
				t.Fatalf("trial %d: NthSmallest(k=%d of %d) = %v, want %v", trial, k, n, got, sorted[k])
			}
		}
	}
}

// TestNthSmallestEveryRank: every rank of small and large slices with
// few and many distinct values (the nuclei percentile's former test).
func TestNthSmallestEveryRank(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 0))
	for _, n := range []int{1, 2, 5, 17, 100, 1000} {
		for _, levels := range []int{3, 1000} {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = float64(rng.IntN(levels))
			}
			sorted := slices.Clone(vals)
			slices.Sort(sorted)
			for k := 0; k < n; k += max(1, n/13) {
				if got := NthSmallest(slices.Clone(vals), k); got != sorted[k] {
					t.Fatalf("n=%d levels=%d k=%d: got %v, want %v", n, levels, k, got, sorted[k])
				}
			}
		}
	}
}
