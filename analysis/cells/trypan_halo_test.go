package cells

import (
	"math"
	"testing"
)

// TestTrypanMergeHalo: at 1 µm/px (cells up to 40 px across), a 16 µm
// disc inside its halo ring (two objects, one cell), and a disc with a
// ring piece round one side of it, become one object each; two touching
// whole cells of equal size, a disc 0.64 times as wide beside a larger
// one, and a small disc against a large one stay apart.
func TestTrypanMergeHalo(t *testing.T) {
	const w, h = 200, 100
	lab := make([]int32, w*h)
	paint := func(l int32, cx, cy, r0, r1, xmin float64) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if d := math.Hypot(float64(x)-cx, float64(y)-cy); d >= r0 && d < r1 && float64(x) >= xmin && lab[y*w+x] == 0 {
					lab[y*w+x] = l
				}
			}
		}
	}
	paint(1, 25, 25, 0, 8, 0)    // cell
	paint(2, 25, 25, 8, 12, 0)   // its halo ring
	paint(3, 75, 25, 0, 11, 0)   // cell
	paint(4, 75, 25, 11, 15, 66) // its halo, all but the left edge
	paint(5, 25, 70, 0, 9, 0)    // two touching whole cells
	paint(6, 43, 70, 0, 9, 0)
	paint(7, 100, 70, 0, 11, 0) // a larger cell and a smaller one beside it
	paint(8, 118, 70, 0, 7, 0)
	paint(9, 150, 70, 0, 13, 0) // a large cell and a small one against it
	paint(10, 168, 70, 0, 5, 0)
	res := trypanResult{w: w, h: h, labels: lab, classes: make([]string, 10), feats: make([]trypanFeatures, 10)}
	for i := range res.classes {
		res.classes[i] = "live"
	}
	trypanMergeHalo(&res, 40)
	if got := len(res.classes); got != 8 {
		t.Fatalf("%d objects after merging, want 8 (the two rings joined, the rest apart)", got)
	}
	if lab[25*w+25] != lab[25*w+35] || lab[25*w+75] != lab[25*w+88] {
		t.Error("halo ring not joined to its cell")
	}
	if lab[70*w+25] == lab[70*w+43] || lab[70*w+100] == lab[70*w+118] || lab[70*w+150] == lab[70*w+168] {
		t.Error("two whole cells joined")
	}
}
