package cells

import (
	"fmt"
	"math"
	"testing"

	"github.com/histocount/histocount/internal/physgen/chamber"
)

// physgenTopLeftCounts renders physgen field (seed, k), counts its top-left
// w×h and returns found and true live and dead counts.
func physgenTopLeftCounts(t *testing.T, seed, k, w, h int) (live, dead, trueLive, trueDead int) {
	t.Helper()
	f, err := chamber.Generate(uint64(seed), k, chamber.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := countPhysgenTopLeft(t, f, w, h)
	for _, c := range f.Cells {
		if !c.Counted(w, h) {
			continue
		}
		if c.Dead {
			trueDead++
		} else {
			trueLive++
		}
	}
	return res.Live, res.Dead, trueLive, trueDead
}

// TestTrypanStainedDiscsPhysgen: physgen seed-13 fields 14 (colour, below
// focus, 1395 dead) and 17 (above focus, 978 dead), their top-left
// quarters: stained cells touching live cells or each other are counted
// at their dye maxima (trypanSplitStainedDiscs); without it 0.65 and 0.76
// of the dead cells are found, with it 0.78 and 0.87. Field 2 (46 dead
// among 1918 live) checks that small dark stained cells are not split in
// two where their nearly black middle dips in B−R (1.64 of the dead
// without the grey saddle test, 1.09 with it and without the rule).
// Seed 8 field 34 (2 dead among 302 live; live cells read 13 levels
// bluer than the chamber, thr 15) checks that live cells' own tint makes
// no stained centres: 29 dead without trypanLiveTint, 8 with it (as
// without the rule).
func TestTrypanStainedDiscsPhysgen(t *testing.T) {
	if testing.Short() {
		t.Skip("renders physgen fields")
	}
	t.Parallel()
	for _, c := range []struct {
		seed, k, w, h    int
		minDead, maxDead float64 // found / true
		maxLive          float64
	}{
		{13, 14, 1024, 768, 0.72, 1.05, 1.25},
		{13, 17, 640, 480, 0.82, 1.05, 1.0},
		{13, 2, 800, 600, 0.7, 1.3, 1.1},
		{8, 34, 800, 600, 0, 6, 1.0},
	} {
		t.Run(fmt.Sprintf("seed%d-field%d", c.seed, c.k), func(t *testing.T) {
			t.Parallel()
			live, dead, tl, td := physgenTopLeftCounts(t, c.seed, c.k, c.w, c.h)
			rd, rl := float64(dead)/float64(max(1, td)), float64(live)/float64(max(1, tl))
			t.Logf("seed %d field %d: dead %d of %d (%.2f), live %d of %d (%.2f)", c.seed, c.k, dead, td, rd, live, tl, rl)
			if rd < c.minDead || rd > c.maxDead {
				t.Errorf("dead %d of %d (%.2f), want %.2f–%.2f", dead, td, rd, c.minDead, c.maxDead)
			}
			if rl > c.maxLive {
				t.Errorf("live %d of %d (%.2f), want at most %.2f", live, tl, rl, c.maxLive)
			}
		})
	}
}

// stainDiscsField draws stained spheres (centre x, y, radius r, dye
// density k) on a grey 64×48 field: by Beer–Lambert each channel falls
// with the path length through the cells, red five times faster than
// blue. A dense one turns nearly black in the middle, where its B−R falls
// again. Returns the BGR, the flattened grey and the pixels of the
// spheres' union.
func stainDiscsField(discs [][4]float64) (bgr []byte, flat []int16, ps []int32, w, h int) {
	w, h = 64, 48
	bgr = make([]byte, 3*w*h)
	flat = make([]int16, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			path := 0.0
			for _, d := range discs {
				if dd := math.Hypot(float64(x)-d[0], float64(y)-d[1]) / d[2]; dd < 1 {
					path += d[3] * math.Sqrt(1-dd*dd)
				}
			}
			b := 190 * math.Exp(-0.5*path)
			r := 190 * math.Exp(-2.5*path)
			g := 190 * math.Exp(-2*path)
			bgr[3*i], bgr[3*i+1], bgr[3*i+2] = byte(b), byte(g), byte(r)
			flat[i] = int16((b+g+r)/3 - 190)
			if path > 0 {
				ps = append(ps, int32(i))
			}
		}
	}
	return bgr, flat, ps, w, h
}

// TestTrypanStainCentres: two touching stained discs have one dye maximum
// each with a paler saddle between them; one thick cell whose middle is
// nearly black (B−R dips there) and a single plain disc give one.
func TestTrypanStainCentres(t *testing.T) {
	for _, c := range []struct {
		name  string
		discs [][4]float64
		want  int
	}{
		{"touching pair", [][4]float64{{20, 24, 6, 1}, {32, 24, 6, 1}}, 2},
		{"black middle", [][4]float64{{30, 24, 8, 6}}, 1},
		{"single", [][4]float64{{30, 24, 6, 1}}, 1},
		{"row of three", [][4]float64{{14, 24, 6, 1}, {26, 24, 6, 0.6}, {38, 24, 6, 1.5}}, 3},
	} {
		bgr, flat, ps, w, h := stainDiscsField(c.discs)
		dye := make([]float32, w*h)
		for i := range dye {
			dye[i] = float32(int(bgr[3*i]) - int(bgr[3*i+2]))
		}
		cs := trypanStainCentres(ps, dye, flat, w, h, 6, 15)
		if len(cs) != c.want {
			t.Errorf("%s: %d centres %v, want %d", c.name, len(cs), cs, c.want)
		}
	}
}
