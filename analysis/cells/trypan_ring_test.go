package cells

import (
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

// ringField draws, on a flattened 240×160 field (0 = chamber grey, a
// little deterministic texture), live cells (centre +25, rim −40 at 0.93 r)
// and returns it.
func ringField(w, h int, live [][3]float64, dead [][3]float64) []int16 {
	f := make([]int16, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := float64((x*7+y*13)%5) - 2
			for _, c := range live {
				rho := math.Hypot(float64(x)-c[0], float64(y)-c[1]) / c[2]
				v += 25*math.Exp(-rho*rho/0.3) - 40*math.Exp(-math.Pow((rho-0.93)/0.15, 2))
			}
			for _, c := range dead {
				if rho := math.Hypot(float64(x)-c[0], float64(y)-c[1]) / c[2]; rho < 1 {
					v -= 50 * math.Sqrt(1-rho*rho)
				}
			}
			f[y*w+x] = int16(math.Round(v))
		}
	}
	return f
}

// TestTrypanRingPeaks: a live cell's ring is found at its centre and size;
// a stained (filled, darkest at the centre) cell and a debris speck are
// not rings.
func TestTrypanRingPeaks(t *testing.T) {
	const w, h = 240, 160
	f := ringField(w, h, [][3]float64{{50, 50, 8}, {120, 110, 11}}, [][3]float64{{150, 40, 9}, {40, 120, 3}})
	peaks := trypanRingPeaks(f, w, h, trypanRingRadii(1), 8, nil)
	want := [][3]float64{{50, 50, 8}, {120, 110, 11}}
	if len(peaks) != len(want) {
		t.Fatalf("%d peaks %+v, want %d", len(peaks), peaks, len(want))
	}
	for _, c := range want {
		found := false
		for _, p := range peaks {
			if math.Hypot(float64(p.x)-c[0], float64(p.y)-c[1]) <= 2 && math.Abs(p.r-c[2]) <= 0.25*c[2] {
				found = true
			}
		}
		if !found {
			t.Errorf("no peak at (%v, %v) r %v: %+v", c[0], c[1], c[2], peaks)
		}
	}
}

// TestTrypanRingSupplement: a live cell the segmentation missed is added
// as a live object, one cut by the right edge is not (chamber rule), and
// an object called dead that holds two touching live rings is relabelled
// live and split in two, and the bright
// gap between two close grid lines (a ring centre to the quadrant test at
// the smallest radius) is refused by the grid model's misfit there.
func TestTrypanRingSupplement(t *testing.T) {
	const w, h = 240, 160
	f := ringField(w, h, [][3]float64{{50, 50, 8}, {235, 100, 8}, {120, 80, 9}, {136, 80, 9}}, nil)
	res := trypanResult{w: w, h: h, flat: f, labels: make([]int32, w*h), classes: []string{models.ClassDead}}
	// The segmentation found the clump as one dead object.
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if math.Hypot(float64(x)-120, float64(y)-80) <= 9 || math.Hypot(float64(x)-136, float64(y)-80) <= 9 {
				res.labels[y*w+x] = 1
			}
		}
	}
	res.feats = []trypanFeatures{{area: 1}}
	// Two dark lines 6 px apart, as trypanFlattenGrid leaves them when its
	// model is a pixel off, with its misfit (0.35 of the line contrast).
	cross := make([]int16, w*h)
	for y := 0; y < h; y++ {
		for _, x := range []int{180, 181, 186, 187} {
			f[y*w+x] -= 40
			for dx := -1; dx <= 1; dx++ {
				cross[y*w+x+dx] = 14
			}
		}
	}
	trypanRingSupplement(&res, cross, trypanRingPeaks(res.flat, w, h, trypanRingRadii(1), trypanRingK*8, nil), 8, true)
	if len(res.classes) != 3 {
		t.Fatalf("%d objects (%v), want 3: the missed cell and the clump split in two", len(res.classes), res.classes)
	}
	live := 0
	for _, c := range res.classes {
		if c == models.ClassLive {
			live++
		}
	}
	if live != 3 {
		t.Errorf("classes %v: want all live (the added cell, and the clump called dead whose rings have bright centres)", res.classes)
	}
	for i, ft := range res.feats {
		if ft.cx > w-10 {
			t.Errorf("object %d at x %.0f: a cell cut by the right edge belongs to the next field", i+1, ft.cx)
		}
	}
}
