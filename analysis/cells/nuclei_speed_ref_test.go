package cells

import (
	"math/rand"
	"slices"
	"testing"
)

// inscribedRadiiRef is inscribedRadii as it was before the bounding boxes:
// one distance transform of the whole image's own pixels (ownPixels).
func inscribedRadiiRef(lab []int32, n, w, h int) []float64 {
	dist := edt(ownPixels(lab, w, h), w, h)
	peak := make([]float64, n+1)
	for i, l := range lab {
		if l > 0 {
			peak[l] = max(peak[l], float64(dist[i])+1)
		}
	}
	return peak
}

// randomObjects paints up to 2n discs and rectangles of labels 1..n on a
// w×h image (overlapping, touching and cut by the border), so that boxes
// nest and objects bound each other; some labels end up absent.
func randomObjects(rng *rand.Rand, w, h, n int) []int32 {
	lab := make([]int32, w*h)
	for k := rng.Intn(2*n + 1); k >= 0; k-- {
		l := int32(1 + rng.Intn(n))
		cx, cy, r := rng.Intn(w), rng.Intn(h), 1+rng.Intn(max(1, min(w, h)/3))
		disc := rng.Intn(2) == 0
		for y := max(0, cy-r); y < min(h, cy+r+1); y++ {
			for x := max(0, cx-r); x < min(w, cx+r+1); x++ {
				if !disc || (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
					lab[y*w+x] = l
				}
			}
		}
	}
	return lab
}

func TestInscribedRadiiMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for trial := range 500 {
		w, h, n := 1+rng.Intn(70), 1+rng.Intn(70), 1+rng.Intn(12)
		lab := randomObjects(rng, w, h, n)
		if trial%5 == 0 { // also the label images of mitotic_ref_test, in range
			lab = randomLabelImage(rng, w, h, n)
			for i, l := range lab {
				if l < 0 || int(l) > n {
					lab[i] = 0
				}
			}
		}
		got, want := inscribedRadii(lab, n, w, h), inscribedRadiiRef(lab, n, w, h)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (%d×%d, n=%d): radii %v, want %v", trial, w, h, n, got, want)
		}
	}
}
