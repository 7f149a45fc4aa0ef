package cells

import (
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

// TestTrypanCellMLPMatchesTorch checks the Go classifier against the
// PyTorch ensemble it was exported from, on the fixed vector of
// scripts/train/trypan_cellmlp.py (check_vector): the probabilities it
// printed after training. Regenerate them with the weights.
func TestTrypanCellMLPMatchesTorch(t *testing.T) {
	t.Parallel()
	v := make([]float64, trypanCellVectorLen)
	for k := range v {
		v[k] = math.Sin(0.7*float64(k)+0.3) * float64(1+k%3)
	}
	want := [3]float64{0.605786900215, 0.389822036555, 0.004391063230}
	got := trypanCellProbs(v)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("class %d: probability %.12f, PyTorch %.12f", i, got[i], want[i])
		}
	}
	if len(trypanCellMLPs) != 5 {
		t.Errorf("%d ensemble members, want 5", len(trypanCellMLPs))
	}
}

func TestTrypanLearnedClass(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    [3]float64
		want string
	}{
		{[3]float64{0.6, 0.3, 0.1}, ""},
		{[3]float64{0.2, 0.5, 0.3}, models.ClassLive},
		{[3]float64{0.2, 0.3, 0.5}, models.ClassDead},
		{[3]float64{0.4, 0.4, 0.2}, ""}, // ties keep the candidate out
	}
	for _, tc := range cases {
		if got := trypanLearnedClass(tc.p); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestTrypanCellVectorEdgeSide checks the field-edge descriptors: the
// same object cut by the top edge and by the bottom edge differ only in
// which side it touches.
func TestTrypanCellVectorEdgeSide(t *testing.T) {
	t.Parallel()
	const w, h = 100, 80
	sc := trypanScaleFor(models.Calibration{}, Options{}, 0, 0)
	patch := make([]float32, trypanPatchLen)
	top := trypanFeatures{area: 150, cx: 50, cy: 3, border: true, maxInscribed: 5, headroom: 150, elongation: 1.5}
	bottom := top
	bottom.cy = h - 1 - 3
	vt, vb := make([]float64, trypanCellVectorLen), make([]float64, trypanCellVectorLen)
	trypanCellVector(top, patch, w, h, sc, vt)
	trypanCellVector(bottom, patch, w, h, sc, vb)
	if vt[21] != 1 || vt[22] != 0 || vb[21] != 0 || vb[22] != 1 {
		t.Errorf("side flags top %v/%v bottom %v/%v, want 1/0 and 0/1", vt[21], vt[22], vb[21], vb[22])
	}
	if math.Abs(vt[23]-3/sc.refRadiusPx) > 1e-9 || vt[24] != 3 || vb[23] != 3 {
		t.Errorf("edge distances top %.3f/%.3f bottom %.3f/%.3f", vt[23], vt[24], vb[23], vb[24])
	}
	for k := 0; k < 21; k++ {
		if vt[k] != vb[k] {
			t.Errorf("descriptor %d differs: %v vs %v", k, vt[k], vb[k])
		}
	}
}

// TestTrypanLargeGridField counts a full-size chamber field (1024² with
// grid lines, 306 separated cells, one in seven dead): the learned
// classifier must neither drop cells nor take grid-line remnants for cells
// far from the crops it was fitted on.
func TestTrypanLargeGridField(t *testing.T) {
	t.Parallel()
	var cs []trypanSynthCell
	for y := 30.0; y < 1000; y += 60 {
		for x := 30.0; x < 1000; x += 55 {
			cs = append(cs, trypanSynthCell{x: x, y: y, r: 9, dead: int(x+y)%7 == 0})
		}
	}
	wl, wd := trypanSynthCounts(cs)
	img := synthTrypanField(1024, 1024, cs, true, false, 1)
	res, err := Count(img, Options{Stain: StainTrypan})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("live %d dead %d, drawn %d and %d", res.Live, res.Dead, wl, wd)
	// Cells drawn across a grid line may be lost or split: 1 % slack.
	if abs(res.Live-wl) > wl/100 || abs(res.Dead-wd) > max(1, wd/100) {
		t.Errorf("live %d dead %d, want %d and %d (±1 %%)", res.Live, res.Dead, wl, wd)
	}
}

// TestTrypanFieldScale checks when an uncalibrated field is measured
// again at its own scale: only with at least three whole cells whose
// median size is far from the development crops'.
func TestTrypanFieldScale(t *testing.T) {
	t.Parallel()
	sc := trypanScaleFor(models.Calibration{}, Options{}, 0, 0)
	typical := trypanTypicalInscribed * sc.refRadiusPx
	cells := func(r float64, n int, border bool) []trypanFeatures {
		fs := make([]trypanFeatures, n)
		for i := range fs {
			fs[i] = trypanFeatures{maxInscribed: r, border: border}
		}
		return fs
	}
	cases := []struct {
		name  string
		feats []trypanFeatures
		ok    bool
		f     float64
	}{
		{"typical", cells(typical, 5, false), false, 1},
		{"1.5x", cells(1.5*typical, 5, false), false, 1.5},
		{"2x", cells(2*typical, 5, false), true, 2},
		{"0.4x", cells(0.4*typical, 5, false), true, 0.4},
		{"2x-two-cells", cells(2*typical, 2, false), false, 1},
		{"2x-all-cut", cells(2*typical, 5, true), false, 1},
	}
	for _, tc := range cases {
		f, ok := trypanFieldScale(tc.feats, sc)
		if ok != tc.ok || math.Abs(f-tc.f) > 1e-9 {
			t.Errorf("%s: factor %.3f ok %v, want %.3f %v", tc.name, f, ok, tc.f, tc.ok)
		}
	}
}

// TestTrypanClassicalFallback keeps the classical rules (used when the
// learned classifier is switched off) counting the synthetic fields.
func TestTrypanClassicalFallback(t *testing.T) {
	t.Parallel()
	img := synthTrypanField(230, 220, trypanSynthSingles, true, true, 7)
	sc := trypanScaleFor(models.Calibration{}, Options{}, 0, 0)
	sc.learned = false
	res := trypanAnalyse(img.Pix, img.Width, img.Height, sc)
	live, dead := 0, 0
	for _, c := range res.classes {
		if c == models.ClassDead {
			dead++
		} else {
			live++
		}
	}
	wl, wd := trypanSynthCounts(trypanSynthSingles)
	if live != wl || dead != wd {
		t.Errorf("classical: live %d dead %d, want %d and %d", live, dead, wl, wd)
	}
}
