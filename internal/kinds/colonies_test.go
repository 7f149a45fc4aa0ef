package kinds

import (
	"errors"
	"image"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// A colony threshold in µm on an image without a pixel size fails the
// image instead of counting it with another definition of a colony; a
// threshold in px needs none.
func TestColoniesNeedPixelSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dish.png")
	if err := report.WritePNG(path, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	out := Output{Dir: dir, Stem: "dish"}
	for _, o := range []colonies.Options{{MinColonyAreaUM2: 100}, {MinColonyDiameterUM: 50}, {MinCells: 50, CellAreaUM2: 2000}} {
		p, err := Colonies(models.ColonyPlateResult{Image: path}, path, out, o, imageio.Options{}, false)
		if !errors.Is(err, ErrNeedsPixelSize) {
			t.Errorf("%+v: err %v, want ErrNeedsPixelSize", o, err)
		}
		if p.Input.Width != 64 {
			t.Errorf("%+v: input not kept on error: %+v", o, p.Input)
		}
	}
}

// CFERows keeps only the QC flags that pass on to the sample.
func TestCFERowsFlags(t *testing.T) {
	var c CFERows
	c.Add(models.ColonyPlateResult{Sample: "S", Status: models.StatusOK, Colonies: 10, CellsSeeded: 100,
		QC: []string{models.QCConfluent, models.QCOverlayNotWritten}})
	if len(c.rows) != 1 || len(c.rows[0].QC) != 1 || c.rows[0].QC[0] != models.QCConfluent {
		t.Errorf("rows %+v", c.rows)
	}
	if got := (&CFERows{}).Summaries(); got == nil || len(got) != 0 {
		t.Errorf("no dishes: %#v, want an empty list", got)
	}
}
