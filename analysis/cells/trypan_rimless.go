package cells

import (
	"sort"

	"github.com/histocount/histocount/models"
)

// Rimless live objects.
//
// One ring is one cell: a live cell is a bright centre inside a dark
// refractile rim (below focus a dark disc with a lighter centre, near
// focus a thin dark rim). An object called live that is bright only, with
// no dark rim and no ring, is on such a field something else: a faint
// ruling line's remnant cut into pieces, the glow between defocused
// cells, a halo. Physgen seed 4, 13 fields: of the live objects kept by
// the cell test, those on a cell had a dark fraction of 0.37 or more
// (5th percentile), those on no cell 0.06 or less (75th percentile).
//
// Far above focus the halo outshines the rim and the field's real cells
// are rimless too: physgen seed-12 field 19 (focus +0.74) lost 142 of its
// 626 live objects (1107 true) to an unconditional drop. There the median
// dark fraction of the live objects is low (0.08–0.21 on seed-12 fields
// 19, 20, 22 and seed-4 field 38), on rimmed fields 0.42–0.95 (seed 4
// fields 6, 8, 10, 30, 35; seed 12 fields 3, 24, 34), so the drop is
// made only where the field's own live objects show a rim.
const (
	// trypanRimMinDarkFrac: an object with less than this fraction of
	// its pixels a foreground threshold below the chamber
	// (trypanFeatures.darkFrac) has no dark rim.
	trypanRimMinDarkFrac = 0.1
	// trypanRimlessFieldDark: the median dark fraction of the field's
	// live objects at which their cells are taken to show a rim.
	trypanRimlessFieldDark = 0.3
	// trypanRimlessMinCells: the median is of at least this many live
	// objects.
	trypanRimlessMinCells = 20
)

// trypanDropRimless drops from res (trypanFinish's objects, full
// features) the objects called live that have no dark rim (darkFrac under
// trypanRimMinDarkFrac), hold none of the field's ring peaks and whose
// centre is not above their outer part by the field contrast
// (trypanFieldContrast foreground thresholds fgThr: a cell far above
// focus, a bright spot falling off to its edge), and renumbers the rest;
// only when the median dark fraction of the field's live objects is at
// least trypanRimlessFieldDark.
func trypanDropRimless(res *trypanResult, peaks []trypanRingPeak, fgThr float64) {
	n := len(res.classes)
	if n == 0 || len(res.feats) != n {
		return
	}
	var df []float64
	for l := 1; l <= n; l++ {
		if res.classes[l-1] == models.ClassLive {
			df = append(df, res.feats[l-1].darkFrac)
		}
	}
	if len(df) < trypanRimlessMinCells {
		return
	}
	sort.Float64s(df)
	if df[len(df)/2] < trypanRimlessFieldDark {
		return
	}
	ringed := make([]bool, n+1)
	for _, p := range peaks {
		if l := res.labels[p.y*res.w+p.x]; l > 0 && int(l) <= n {
			ringed[l] = true
		}
	}
	drop := make([]bool, n+1)
	some := false
	for l := 1; l <= n; l++ {
		f := res.feats[l-1]
		if res.classes[l-1] == models.ClassLive && !ringed[l] && f.darkFrac < trypanRimMinDarkFrac && f.inner-f.ring < trypanFieldContrast*fgThr {
			drop[l], some = true, true
		}
	}
	if !some {
		return
	}
	for i, l := range res.labels {
		if l > 0 && drop[l] {
			res.labels[i] = 0
		}
	}
	trypanRingRenumber(res, res.classes)
}
