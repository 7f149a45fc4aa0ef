package cells

// The distance transform, labelling and hole filling are tested in
// analysis/internal/morph.

import (
	"math/rand"
	"slices"
	"testing"
)

// TestTrypanRunningMedian compares the sliding-histogram median with sorting.
func TestTrypanRunningMedian(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(2))
	var hist [512]int32
	for trial := 0; trial < 50; trial++ {
		n, half := 1+rng.Intn(60), rng.Intn(20)
		vals := make([]int16, n)
		for i := range vals {
			vals[i] = int16(rng.Intn(512))
			if trial%2 == 0 {
				vals[i] = int16(100 + rng.Intn(5)) // many ties
			}
		}
		out := make([]int16, n)
		trypRunningMedian(vals, 0, 1, n, half, out, &hist)
		for k := 0; k < n; k++ {
			win := slices.Clone(vals[max(0, k-half):min(n, k+half+1)])
			slices.Sort(win)
			if want := win[(len(win)-1)/2]; out[k] != want {
				t.Fatalf("n=%d half=%d k=%d: got %d want %d", n, half, k, out[k], want)
			}
		}
	}
}
