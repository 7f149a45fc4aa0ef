package cells

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/histocount/histocount/models"
)

// Cells of the synthetic fields are ≈ 20 px across, like the chamber crops.
var (
	trypanSynthSingles = []trypanSynthCell{
		{x: 30, y: 30, r: 10}, {x: 110, y: 25, r: 9}, {x: 180, y: 40, r: 10, dead: true},
		{x: 40, y: 170, r: 9, dead: true}, {x: 200, y: 190, r: 10},
	}
	// Touching pairs: centres one diameter apart.
	trypanSynthPairs = []trypanSynthCell{
		{x: 40, y: 40, r: 10}, {x: 60, y: 40, r: 10},
		{x: 150, y: 60, r: 9}, {x: 150, y: 78, r: 9},
		{x: 60, y: 180, r: 10, dead: true}, {x: 80, y: 182, r: 10, dead: true},
		{x: 180, y: 170, r: 10}, {x: 198, y: 178, r: 9, dead: true},
	}
)

func trypanSynthCounts(cs []trypanSynthCell) (live, dead int) {
	for _, c := range cs {
		if c.dead {
			dead++
		} else {
			live++
		}
	}
	return live, dead
}

func TestTrypanSyntheticCounts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cells []trypanSynthCell
		grid  bool
		grey  bool
		tol   int // allowed |pred−true| for live and for dead
	}{
		{"singles", trypanSynthSingles, false, false, 0},
		{"singles-grid", trypanSynthSingles, true, false, 0},
		{"singles-grid-grey", trypanSynthSingles, true, true, 0},
		{"touching-pairs", trypanSynthPairs, false, false, 1},
		{"touching-pairs-grid", trypanSynthPairs, true, false, 1},
		{"empty-grid", nil, true, false, 0},
		// On the vertical line at x = 69 and the horizontal one at y = 121.
		{"on-grid-lines", []trypanSynthCell{{x: 69, y: 40, r: 10}, {x: 150, y: 121, r: 10}, {x: 69, y: 180, r: 10, dead: true}}, true, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := synthTrypanField(230, 220, tc.cells, tc.grid, tc.grey, 7)
			res, err := Count(img, Options{Stain: StainTrypan})
			if err != nil {
				t.Fatal(err)
			}
			wl, wd := trypanSynthCounts(tc.cells)
			if abs(res.Live-wl) > tc.tol || abs(res.Dead-wd) > tc.tol {
				t.Errorf("live %d dead %d, want %d %d (±%d)", res.Live, res.Dead, wl, wd, tc.tol)
			}
			if len(tc.cells) == 0 && !slices.Contains(res.QC, models.QCNoObjects) {
				t.Errorf("empty field: QC %v lacks %s", res.QC, models.QCNoObjects)
			}
		})
	}
}

// TestTrypanTouchingPairsSplit checks that touching cells are split, not
// merged into one: the total must reach the true count.
func TestTrypanTouchingPairsSplit(t *testing.T) {
	t.Parallel()
	img := synthTrypanField(230, 220, trypanSynthPairs, false, false, 3)
	res, err := Count(img, Options{Stain: StainTrypan})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Live + res.Dead; got < len(trypanSynthPairs)-1 || got > len(trypanSynthPairs) {
		t.Errorf("total %d, want %d (−1 allowed)", got, len(trypanSynthPairs))
	}
}

func TestTrypanCalibrated(t *testing.T) {
	t.Parallel()
	// 0.7 µm/px: the synthetic cells are 13–14 µm across.
	img := synthTrypanField(230, 220, trypanSynthSingles, true, false, 5)
	res, err := Count(img, Options{Stain: StainTrypan, PixelSizeUM: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	wl, wd := trypanSynthCounts(trypanSynthSingles)
	if res.Live != wl || res.Dead != wd {
		t.Errorf("calibrated: live %d dead %d, want %d %d", res.Live, res.Dead, wl, wd)
	}
	for _, o := range res.Objects {
		if o.EquivDiameterUM < 5 || o.EquivDiameterUM > 40 {
			t.Errorf("object %d: %.1f µm outside 5–40 µm", o.ID, o.EquivDiameterUM)
		}
	}
	// A minimum diameter above every cell removes them all.
	res, err = Count(img, Options{Stain: StainTrypan, PixelSizeUM: 0.7, MinDiameterUM: 30})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Live + res.Dead; n != 0 {
		t.Errorf("MinDiameterUM 30: %d cells, want 0", n)
	}
}

// TestTrypanCalibratedScale draws the same field at twice the resolution:
// with the pixel size given, the counts must not change.
func TestTrypanCalibratedScale(t *testing.T) {
	t.Parallel()
	var big []trypanSynthCell
	for _, c := range trypanSynthSingles {
		big = append(big, trypanSynthCell{x: 2 * c.x, y: 2 * c.y, r: 2 * c.r, dead: c.dead})
	}
	wl, wd := trypanSynthCounts(big)
	for _, px := range []float64{0.35, 0} { // 0: uncalibrated, pixel bounds
		img := synthTrypanField(460, 440, big, true, false, 9)
		res, err := Count(img, Options{Stain: StainTrypan, PixelSizeUM: px})
		if err != nil {
			t.Fatal(err)
		}
		if res.Live != wl || res.Dead != wd {
			t.Errorf("pixel size %.2f µm: live %d dead %d, want %d %d", px, res.Live, res.Dead, wl, wd)
		}
	}
}

func TestTrypanDeterministic(t *testing.T) {
	t.Parallel()
	img := synthTrypanField(230, 220, trypanSynthPairs, true, false, 11)
	a, err := Count(img, Options{Stain: StainTrypan, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Count(img, Options{Stain: StainTrypan, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Labels.Pix, b.Labels.Pix) {
		t.Fatal("label images differ between identical runs")
	}
	// Labels follow the row-major order of the rounded centroids.
	for i := 1; i < len(a.Objects); i++ {
		p, q := a.Objects[i-1], a.Objects[i]
		if math.Round(p.CentroidYPx) > math.Round(q.CentroidYPx) {
			t.Errorf("object %d (y %.1f) before object %d (y %.1f)", p.ID, p.CentroidYPx, q.ID, q.CentroidYPx)
		}
		if q.ID != i+1 {
			t.Errorf("object %d has ID %d", i+1, q.ID)
		}
	}
}

func TestTrypanEdgeCases(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		w, h   int
		ch     int
		v      byte
		wantQC string
	}{
		{"black", 220, 220, 3, 0, models.QCBlank},
		{"white", 220, 220, 3, 255, models.QCBlank},
		{"grey-1ch", 100, 80, 1, 128, models.QCBlank},
		{"tiny-8x8", 8, 8, 3, 100, models.QCTooSmall},
		{"thin-300x10", 300, 10, 1, 90, models.QCTooSmall},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Count(trypanUniformImage(tc.w, tc.h, tc.ch, tc.v), Options{Stain: StainTrypan, Labels: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Live+res.Dead != 0 {
				t.Errorf("%d cells in a featureless field", res.Live+res.Dead)
			}
			if !slices.Contains(res.QC, tc.wantQC) {
				t.Errorf("QC %v lacks %s", res.QC, tc.wantQC)
			}
			if res.Labels == nil || res.Labels.Bounds().Dx() != tc.w || res.Labels.Bounds().Dy() != tc.h {
				t.Errorf("label image missing or wrong size")
			}
		})
	}
}

func TestTrypanOutOfFocus(t *testing.T) {
	t.Parallel()
	// A smooth gradient has contrast but no edges: out of focus, no cells.
	w, h := 200, 200
	img := trypanUniformImage(w, h, 1, 0)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*w+x] = byte(60 + 80*x/w)
		}
	}
	res, err := Count(img, Options{Stain: StainTrypan})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.QC, models.QCOutOfFocus) {
		t.Errorf("QC %v lacks %s", res.QC, models.QCOutOfFocus)
	}
	if res.Live+res.Dead != 0 {
		t.Errorf("%d cells in a smooth gradient", res.Live+res.Dead)
	}
}

func TestTrypanCrowded(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	// A dense lattice of touching cells covers far more than a third.
	var cs []trypanSynthCell
	for y := 12.0; y < 220; y += 19 {
		for x := 12.0; x < 230; x += 19 {
			cs = append(cs, trypanSynthCell{x: x, y: y, r: 9.5, dead: int(x+y)%3 == 0})
		}
	}
	res, err := Count(synthTrypanField(230, 220, cs, false, false, 1), Options{Stain: StainTrypan})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.QC, models.QCCrowded) {
		t.Errorf("QC %v lacks %s (%d cells found of %d)", res.QC, models.QCCrowded, res.Live+res.Dead, len(cs))
	}
}

func BenchmarkCellsTrypan220(b *testing.B) {
	img := synthTrypanField(225, 219, trypanSynthPairs, true, false, 1)
	for b.Loop() {
		if _, err := Count(img, Options{Stain: StainTrypan}); err != nil {
			b.Fatal(err)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func BenchmarkCellsTrypan1024(b *testing.B) {
	var cs []trypanSynthCell
	for y := 30.0; y < 1000; y += 60 {
		for x := 30.0; x < 1000; x += 55 {
			cs = append(cs, trypanSynthCell{x: x, y: y, r: 9, dead: int(x+y)%7 == 0})
		}
	}
	img := synthTrypanField(1024, 1024, cs, true, false, 1)
	for b.Loop() {
		if _, err := Count(img, Options{Stain: StainTrypan}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTrypanRandomFieldsDoNotFail runs odd sizes and pure noise, salt and
// pepper and stripes through the segmenter: any size from the minimum up
// must give a result, never an error or a panic.
func TestTrypanRandomFieldsDoNotFail(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(4))
	for trial := 0; trial < 40; trial++ {
		w, h := 16+rng.Intn(50), 16+rng.Intn(50)
		if trial%5 == 0 {
			w = 300 + rng.Intn(100)
		}
		ch := 1 + 2*(trial%2)
		img := trypanUniformImage(w, h, ch, 0)
		for i := range img.Pix {
			switch trial % 3 {
			case 0:
				img.Pix[i] = byte(rng.Intn(256))
			case 1:
				if rng.Float64() < 0.05 {
					img.Pix[i] = 255 * byte(rng.Intn(2))
				} else {
					img.Pix[i] = 120
				}
			default:
				img.Pix[i] = byte(60 * ((i / ch % w) / 3 % 2))
			}
		}
		res, err := Count(img, Options{Stain: StainTrypan, Labels: true, Overlay: true})
		if err != nil {
			t.Fatalf("%dx%dx%d: %v", w, h, ch, err)
		}
		if res.Labels.Bounds().Dx() != w || res.Labels.Bounds().Dy() != h {
			t.Fatalf("%dx%d: label image %v", w, h, res.Labels.Bounds())
		}
	}
}
