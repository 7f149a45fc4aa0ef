package cells

import "testing"

// TestTrypanMergedCellsPhysgen: physgen seed-4 field 10 (colour, focus
// −0.80, dense, with clumps) its top-left 800×600 (still a whole field):
// live cells touching a neighbour come out as one accepted outline with
// the neighbour, and only one of the two was counted (main: 389 of 477
// live). Their ring peaks, and the cell-sized part outside them, split
// such outlines (trypanFocusCells, trypanSplitRemainders).
func TestTrypanMergedCellsPhysgen(t *testing.T) {
	t.Parallel()
	_, res, live, dead := physgenQuarter(t, 4, 10)
	if frac := float64(res.Live) / float64(live); frac < 0.87 || frac > 1.1 {
		t.Errorf("live found %d of %d (%.0f %%), want 87–110 %%", res.Live, live, 100*frac)
	}
	if res.Dead > dead {
		t.Errorf("dead found %d of %d: the split pieces of live cells must not be called dead", res.Dead, dead)
	}
}
