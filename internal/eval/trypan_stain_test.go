package eval

import (
	"testing"

	"github.com/histocount/histocount/analysis/cells"
)

// TestTrypanFieldDefocusedColourless: a colour physgen field below focus
// (seed 4 field 14: 1072 live and 10 dead cells, focus −0.6) whose live
// cells look dark and filled in grey, with no blue in them. The grey look
// called them dead and, with too few plainly blue cells, the colour rule
// did not overrule it: viability 19.6 % against 99.1 % true
// (trypanGreyDeadColourless). Measured after: 99.6 %.
func TestTrypanFieldDefocusedColourless(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and counts a 1600×1200 physgen field")
	}
	res, _ := countPhysgenField(t, 4, 14)
	if v := cells.Viability(res.Live, res.Dead); v < 95 {
		t.Errorf("viability %.1f %% (live %d dead %d), want ≥ 95 %% (99.1 %% true)", v, res.Live, res.Dead)
	}
}
