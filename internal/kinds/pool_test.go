package kinds

import (
	"testing"

	"github.com/histocount/histocount/models"
)

// Three images of sample A (two analysed, one failed) and one of B: counts,
// failures, marker and mitotic nuclei and imaged area pool per sample, in
// the order the samples first appear.
func TestCellsPool(t *testing.T) {
	cal := models.Calibration{PixelSizeUM: 1, Source: models.CalibrationSourceFlag}
	in := models.InputInfo{Width: 1000, Height: 500} // 0.5 mm² at 1 µm/px
	p := NewCellsPool()
	p.Add("B", &models.CellsImage{Live: 1, Input: in}, 0) // no pixel size: B's area unknown
	p.Add("A", &models.CellsImage{Live: 8, Dead: 2, Input: in, Calibration: cal,
		Marker: &models.MarkerSummary{Positive: 3, Nuclei: 10}, MitoticIndex: &models.MitoticSummary{Mitotic: 1, Nuclei: 10}}, 0.1)
	p.Add("A", nil, 0)
	p.Add("A", &models.CellsImage{Live: 4, Dead: 6, Input: in, Calibration: cal,
		Marker: &models.MarkerSummary{Positive: 2, Nuclei: 10}, MitoticIndex: &models.MitoticSummary{Mitotic: 0, Nuclei: 10}}, 0.1)
	if got := p.Samples(); len(got) != 2 || got[0] != "B" || got[1] != "A" {
		t.Fatalf("samples %v, want [B A]", got)
	}
	a := p.Summary("A", models.Chamber{})
	if a.Images != 2 || a.FailedImages != 1 || a.Live != 12 || a.Dead != 8 {
		t.Errorf("A: %d images, %d failed, %d live, %d dead; want 2, 1, 12, 8", a.Images, a.FailedImages, a.Live, a.Dead)
	}
	if m, ok := p.Marker("A"); !ok || m.Positive != 5 || m.Nuclei != 20 || m.PositivePct != 25 {
		t.Errorf("A marker %+v (%v), want 5 of 20 = 25 %%", m, ok)
	}
	if _, ok := p.Marker("B"); ok {
		t.Error("B has no marker images")
	}
	if m := p.Mitotic("A"); m == nil || m.Mitotic != 1 || m.Nuclei != 20 {
		t.Errorf("A mitotic %+v, want 1 of 20", m)
	}
	if p.Mitotic("B") != nil {
		t.Error("B has no mitotic index")
	}
	if got := p.AreaMM2("A"); got != 1 {
		t.Errorf("A area %g mm², want 1", got)
	}
	if got := p.AreaMM2("B"); got != 0 {
		t.Errorf("B area %g mm², want 0 (an image without pixel size)", got)
	}
}
