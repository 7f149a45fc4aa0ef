package cells

import (
	"math"
	"testing"
)

// TestTrypanMergeHalo: at 1 µm/px (cells up to 40 px across), a 16 µm disc inside its halo ring
// (two objects, one cell) and a disc with a small crescent against its
// edge become one object each; two touching whole cells of equal size,
// and a disc 0.64 times as wide beside a larger one, stay apart.
func TestTrypanMergeHalo(t *testing.T) {
	const w, h = 200, 100
	lab := make([]int32, w*h)
	paint := func(l int32, cx, cy, r0, r1 float64) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if d := math.Hypot(float64(x)-cx, float64(y)-cy); d >= r0 && d < r1 && lab[y*w+x] == 0 {
					lab[y*w+x] = l
				}
			}
		}
	}
	paint(1, 25, 25, 0, 8)  // cell
	paint(2, 25, 25, 8, 12) // its halo ring
	paint(3, 75, 25, 0, 11) // cell
	paint(4, 84, 25, 0, 9)  // crescent of its halo (disc at 84 minus the cell)
	paint(5, 25, 70, 0, 9)  // two touching whole cells
	paint(6, 43, 70, 0, 9)
	paint(7, 100, 70, 0, 11) // a larger cell and a smaller whole one beside it
	paint(8, 118, 70, 0, 7)
	res := trypanResult{w: w, h: h, labels: lab, classes: make([]string, 8), feats: make([]trypanFeatures, 8)}
	for i := range res.classes {
		res.classes[i] = "live"
	}
	trypanMergeHalo(&res, 40)
	if got := len(res.classes); got != 6 {
		t.Fatalf("%d objects after merging, want 6 (ring and crescent joined, the rest apart)", got)
	}
	if lab[25*w+25] != lab[25*w+35] || lab[25*w+75] != lab[25*w+90] {
		t.Error("halo ring or crescent not joined to its cell")
	}
	if lab[70*w+25] == lab[70*w+43] || lab[70*w+100] == lab[70*w+118] {
		t.Error("two whole cells joined")
	}
}
