package cells

import (
	"math"
	"testing"
)

// TestSplitElongated: among round nuclei, an oval as long as two of them
// pressed end to end (a capsule: no neck on its outline) is cut in two
// halves across its long axis, while a large oval single nucleus (1.5 : 1)
// and a large round one stay whole; in a field where every nucleus is such
// a capsule (spindle-shaped cells), none is cut, not even the longer ones.
func TestSplitElongated(t *testing.T) {
	t.Parallel()
	const w, h, r = 300, 200, 6.0
	capsuleOf := func(half float64) func(x, y int, cx, cy float64) bool { // long axis along x, cap centres half px from the centre
		return func(x, y int, cx, cy float64) bool {
			dx := math.Max(0, math.Abs(float64(x)-cx)-half)
			return math.Hypot(dx, float64(y)-cy) <= r
		}
	}
	capsule, longCapsule := capsuleOf(7), capsuleOf(12)
	disc := func(x, y int, cx, cy float64) bool { return math.Hypot(float64(x)-cx, float64(y)-cy) <= r }
	oval := func(x, y int, cx, cy float64) bool { // 1.5 : 1, 1.5 discs of area
		return math.Hypot((float64(x)-cx)/(1.5*r), (float64(y)-cy)/r) <= 1
	}
	big := func(x, y int, cx, cy float64) bool { return math.Hypot(float64(x)-cx, float64(y)-cy) <= 1.4*r }
	draw := func(lab []int32, l int32, in func(x, y int, cx, cy float64) bool, cx, cy float64) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if in(x, y, cx, cy) {
					lab[y*w+x] = l
				}
			}
		}
	}
	centre := func(k int) (float64, float64) { return float64(25 + 40*(k%7)), float64(25 + 40*(k/7)) }
	area := func(lab []int32, l int32) int {
		a := 0
		for _, v := range lab {
			if v == l {
				a++
			}
		}
		return a
	}

	// Round nuclei, then a capsule (two discs 14 px apart, the gap between
	// them filled: aspect 1.95), an oval and a large round nucleus.
	lab := make([]int32, w*h)
	const nRound = 14
	for k := range nRound {
		cx, cy := centre(k)
		draw(lab, int32(k+1), disc, cx, cy)
	}
	for k, shape := range []func(x, y int, cx, cy float64) bool{capsule, oval, big} {
		cx, cy := centre(nRound + k)
		draw(lab, int32(nRound+k+1), shape, cx, cy)
	}
	n := nRound + 3
	capArea := area(lab, nRound+1)
	if got := splitElongated(lab, n, w); got != n+1 {
		t.Fatalf("round field: %d objects after the split, want %d (the capsule cut in two)", got, n+1)
	}
	// The capsule's halves: two objects of about half its area at its centre.
	cx, cy := centre(nRound)
	left, right := lab[int(cy)*w+int(cx)-7], lab[int(cy)*w+int(cx)+7]
	if left == right || left == 0 || right == 0 {
		t.Fatalf("capsule: labels %d and %d either side of its centre, want two different nuclei", left, right)
	}
	for _, l := range []int32{left, right} {
		if a := area(lab, l); math.Abs(float64(a)-float64(capArea)/2) > 0.1*float64(capArea) {
			t.Errorf("capsule half %d: %d px, want about %d", l, a, capArea/2)
		}
	}

	// Every nucleus a capsule, a few of them longer and larger than the
	// rest: elongation is the image's typical shape, not a sign of a pair.
	lab = make([]int32, w*h)
	for k := range nRound {
		cx, cy := centre(k)
		shape := capsule
		if k%4 == 0 {
			shape = longCapsule
		}
		draw(lab, int32(k+1), shape, cx, cy)
	}
	if got := splitElongated(lab, nRound, w); got != nRound {
		t.Errorf("capsule field: %d objects after the split, want %d (none cut)", got, nRound)
	}
}
