package cells

import (
	"testing"

	"github.com/histocount/histocount/internal/physgen/chamber"
)

// TestTrypanMergedCellsPhysgen: physgen seed-4 field 10 (colour, focus
// −0.80, dense, with clumps) its top-left 800×600 (still a whole field):
// live cells touching a neighbour come out as one accepted outline with
// the neighbour, and only one of the two was counted (main: 389 of 477
// live). Their ring peaks, and the cell-sized part outside them, split
// such outlines (trypanFocusCells, trypanSplitRemainders).
func TestTrypanMergedCellsPhysgen(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("renders and counts an 800×600 physgen field")
	}
	f, err := chamber.Generate(4, 10, chamber.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 800, 600
	live, dead := physgenTopLeftTruth(f, w, h)
	res := countPhysgenTopLeft(t, f, w, h)
	t.Logf("live %d / %d, dead %d / %d", res.Live, live, res.Dead, dead)
	if frac := float64(res.Live) / float64(live); frac < 0.87 || frac > 1.1 {
		t.Errorf("live found %d of %d (%.0f %%), want 87–110 %%", res.Live, live, 100*frac)
	}
	if res.Dead > dead {
		t.Errorf("dead found %d of %d: the split pieces of live cells must not be called dead", res.Dead, dead)
	}
}
