package cells

import (
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

// trypanTint shifts the blue and red channels of a BGR field inside the
// disc (x, y, r), or everywhere when r ≤ 0: a stain or a white-balance cast.
func trypanTint(pix []byte, w, h int, x, y, r float64, db, dr int) {
	clamp := func(v int) byte { return byte(max(0, min(255, v))) }
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			if r > 0 && math.Hypot(float64(px)-x, float64(py)-y) > r {
				continue
			}
			i := 3 * (py*w + px)
			pix[i] = clamp(int(pix[i]) + db)
			pix[i+2] = clamp(int(pix[i+2]) + dr)
		}
	}
}

// TestTrypanStainColour checks the colour rule on synthetic colour
// fields: blue cells are dead even when their grey look is that of a live
// cell, and a white-balance cast over the whole field changes nothing.
func TestTrypanStainColour(t *testing.T) {
	t.Parallel()
	cells := []trypanSynthCell{{x: 40, y: 40, r: 10}, {x: 120, y: 60, r: 10}, {x: 60, y: 150, r: 9}, {x: 170, y: 160, r: 10, dead: true}}
	cases := []struct {
		name               string
		tint               func(pix []byte, w, h int)
		wantLive, wantDead int
	}{
		{"plain", func([]byte, int, int) {}, 3, 1},
		{"bluish-white-balance", func(p []byte, w, h int) { trypanTint(p, w, h, 0, 0, 0, 25, -20) }, 3, 1},
		{"yellowish-white-balance", func(p []byte, w, h int) { trypanTint(p, w, h, 0, 0, 0, -20, 15) }, 3, 1},
		// The second live-looking cell took up some dye: blue inside.
		{"stained-refractile", func(p []byte, w, h int) { trypanTint(p, w, h, 120, 60, 9, 40, -40) }, 2, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := synthTrypanField(220, 210, cells, false, false, 3)
			tc.tint(img.Pix, img.Width, img.Height)
			res, err := Count(img, Options{Stain: StainTrypan})
			if err != nil {
				t.Fatal(err)
			}
			if res.Live != tc.wantLive || res.Dead != tc.wantDead {
				t.Errorf("live %d dead %d, want %d and %d", res.Live, res.Dead, tc.wantLive, tc.wantDead)
			}
		})
	}
}

// TestTrypanStainBluenessGrey checks that grey fields carry no stain
// colour (the grey-level classifier decides alone).
func TestTrypanStainBluenessGrey(t *testing.T) {
	t.Parallel()
	const w, h = 40, 30
	bgr := make([]byte, 3*w*h)
	for i := range bgr {
		bgr[i] = byte(100 + i/3%7)
	}
	labels := make([]int32, w*h)
	fg := make([]byte, w*h)
	for i := 0; i < 50; i++ {
		labels[i], fg[i] = 1, 1
	}
	if _, _, ok := trypanStainBlueness(bgr, fg, labels, 1, w, h); ok {
		t.Error("grey field reported as colour")
	}
	if _, _, ok := trypanStainBlueness(bgr[:10], fg, labels, 1, w, h); ok {
		t.Error("short buffer accepted")
	}
}

// TestTrypanFieldStainColourless checks the field-level colour decision:
// where the objects called dead by their grey look are no bluer than the
// chamber (a defocused field of live cells, dark and filled), the
// colourless ones are live; where they carry a pale stain, or are too few
// to judge the field by, the grey call stands.
func TestTrypanFieldStainColourless(t *testing.T) {
	t.Parallel()
	const thr = 17.8
	field := func(nDead int, deadBlue float64) ([]string, []float64) {
		var classes []string
		var blue []float64
		for i := 0; i < nDead; i++ {
			classes = append(classes, models.ClassDead)
			blue = append(blue, deadBlue+float64(i%3-1))
		}
		// One plainly blue cell, and a few live ones.
		classes = append(classes, models.ClassDead, models.ClassLive, models.ClassLive)
		blue = append(blue, 25, 0, -1)
		return classes, blue
	}
	cases := []struct {
		name     string
		nDead    int
		deadBlue float64
		wantDead int
	}{
		{"defocused-colourless", 30, -3, 1},
		{"pale-stain", 30, 6, 31},
		{"too-few-to-judge", 10, -3, 11},
	}
	for _, tc := range cases {
		classes, blue := field(tc.nDead, tc.deadBlue)
		trypanApplyFieldStain(classes, blue, thr)
		if dead := countClass(classes, models.ClassDead); dead != tc.wantDead {
			t.Errorf("%s: %d dead, want %d", tc.name, dead, tc.wantDead)
		}
	}
}

// TestTrypanFieldColourPopulations: in a noisy colour field the per-pixel
// stain threshold lies above the stained objects' medians, so neither the
// plain-stain nor the colourless rule fires, yet the objects fall into a
// dye-free and a stained population; each object is then called by its
// own population. One population only, or two too close, leave the grey
// call alone.
func TestTrypanFieldColourPopulations(t *testing.T) {
	t.Parallel()
	const thr = 29.7 // 4 σ of a noisy chamber's B−R
	field := func(nFree, nStained int, free, stained float64) ([]string, []float64) {
		var classes []string
		var blue []float64
		for i := 0; i < nFree; i++ {
			classes = append(classes, models.ClassDead) // defocused: dark and filled
			blue = append(blue, free+float64(i%5-2))
		}
		for i := 0; i < nStained; i++ {
			classes = append(classes, models.ClassDead)
			blue = append(blue, stained+2*float64(i%7-3))
		}
		return classes, blue
	}
	cases := []struct {
		name               string
		nFree, nStained    int
		free, stained      float64
		wantLive, wantDead int
	}{
		{"two-populations", 60, 50, 2, 22, 60, 50},
		{"stained-only", 0, 80, 2, 22, 0, 80},
		{"free-only", 80, 0, 2, 22, 0, 80},
		{"too-close", 60, 50, 2, 9, 0, 110},
		{"too-few-stained", 60, 10, 2, 22, 0, 70},
	}
	for _, tc := range cases {
		classes, blue := field(tc.nFree, tc.nStained, tc.free, tc.stained)
		trypanApplyFieldStain(classes, blue, thr)
		live, dead := 0, 0
		for _, c := range classes {
			if c == models.ClassDead {
				dead++
			} else {
				live++
			}
		}
		if live != tc.wantLive || dead != tc.wantDead {
			t.Errorf("%s: %d live %d dead, want %d and %d", tc.name, live, dead, tc.wantLive, tc.wantDead)
		}
	}
}

// TestTrypanFieldStainBlueCast: under a blue-cast chamber (physgen seed 10
// field 3: chamber B−R +30) dark dye-free objects sit well below the
// chamber's B−R, so the cells the grey look calls dead have a median
// below it even though a third of them are stained; the field is not
// colourless, its stained population (at the chamber's B−R, far above the
// dye-free one) is dead. Two populations both below the chamber differ by
// darkness, not dye, and the field stays colourless.
func TestTrypanFieldStainBlueCast(t *testing.T) {
	t.Parallel()
	const thr = 29.7 // inflated by the cast's spread with brightness
	field := func(live, defocused, stained float64, nStained int) ([]string, []float64) {
		var classes []string
		var blue []float64
		jit := func(i int) float64 { return 2 * float64(i%5-2) }
		for i := 0; i < 100; i++ {
			classes = append(classes, models.ClassLive)
			blue = append(blue, live+jit(i))
		}
		for i := 0; i < 60; i++ { // dark and filled, no dye
			classes = append(classes, models.ClassDead)
			blue = append(blue, defocused+jit(i))
		}
		for i := 0; i < nStained; i++ {
			classes = append(classes, models.ClassDead)
			blue = append(blue, stained+jit(i+1))
		}
		return classes, blue
	}
	cases := []struct {
		name                     string
		live, defocused, stained float64
		nStained, wantDead       int
	}{
		{"cast-stained", -15, -13, 4, 50, 50},
		{"cast-darkness-only", -25, -8, -8, 0, 0},
	}
	for _, tc := range cases {
		classes, blue := field(tc.live, tc.defocused, tc.stained, tc.nStained)
		trypanApplyFieldStain(classes, blue, thr)
		dead := 0
		for _, c := range classes {
			if c == models.ClassDead {
				dead++
			}
		}
		if dead < tc.wantDead-3 || dead > tc.wantDead+3 {
			t.Errorf("%s: %d dead, want %d ± 3", tc.name, dead, tc.wantDead)
		}
	}
}

// TestTrypanFieldStainTintedLive: the field's dye-free cells sit a little
// above the chamber's B−R (physgen seed 8 field 34: live +6, threshold 15)
// and half of them, below focus, look dark and filled to the grey look; a
// dozen stained cells are +16…+19, too pale for the plain-stain rule, and the grey-dead median (+6) is above the chamber, so the
// chamber-relative colourless rule does not fire either. The grey-dead
// cells match the grey-live ones in colour: they are live. A pale stain
// (grey-dead bluer than the grey-live cells) stays dead.
func TestTrypanFieldStainTintedLive(t *testing.T) {
	t.Parallel()
	const thr = 15
	field := func(liveBlue, greyDeadBlue float64) ([]string, []float64) {
		var classes []string
		var blue []float64
		jit := func(i int) float64 { return 2 * float64(i%5-2) }
		for i := 0; i < 150; i++ {
			classes = append(classes, models.ClassLive)
			blue = append(blue, liveBlue+jit(i))
		}
		for i := 0; i < 200; i++ {
			classes = append(classes, models.ClassDead)
			blue = append(blue, greyDeadBlue+jit(i+2))
		}
		for i := 0; i < 12; i++ {
			classes = append(classes, models.ClassDead)
			blue = append(blue, 16+float64(i%4))
		}
		return classes, blue
	}
	cases := []struct {
		name                   string
		liveBlue, greyDeadBlue float64
		wantDead               int
	}{
		{"tinted-live-defocused", 6, 6, 12},
		{"pale-stain", 0, 8, 212},
	}
	for _, tc := range cases {
		classes, blue := field(tc.liveBlue, tc.greyDeadBlue)
		trypanApplyFieldStain(classes, blue, thr)
		if dead := countClass(classes, models.ClassDead); dead != tc.wantDead {
			t.Errorf("%s: %d dead, want %d", tc.name, dead, tc.wantDead)
		}
	}
}

// countClass counts the entries of classes equal to c.
func countClass(classes []string, c string) int {
	n := 0
	for _, x := range classes {
		if x == c {
			n++
		}
	}
	return n
}
