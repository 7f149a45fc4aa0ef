package colonies

import (
	"math"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Paper labels on the dish rim. A label stuck across the dish wall is a
// flat, bright patch that goes on beyond the wall, over the bench, where
// the rest of the circumference shows the bench; the writing on it lies
// in the rim band and its blobs are as round and dark as colonies. A
// meniscus colony lies on agar, and beyond the wall there is bench. So a
// rim sector is a label where the strip just outside the outer wall is
// much brighter than the bench on either side of it, and band objects in
// that sector are writing. A plate without a label, or on a bench as
// bright as paper, has no such sector and nothing changes.
const (
	labelBins       = 180   // angular sectors of the circumference
	labelFrom       = 1.008 // the strip beyond the wall: from this × the outer wall radius…
	labelTo         = 1.025 // … to this
	labelBaseBins   = 22    // the bench level of a sector is the median of the sectors within this many on either side
	labelMinStepGL  = 25.0  // a label sector is this many grey levels brighter than the bench beside it…
	labelMADs       = 5.0   // … and this many robust σ of the sectors' departures from it
	labelMinBins    = 3     // a label spans at least this many sectors (6°)…
	labelMaxShare   = 0.25  // … and at most this share of the circumference: a brighter half is lighting
	labelMinSamples = 4     // sectors with fewer pixels in the strip are not judged
)

// labelSectors returns, per angular sector of the dish (labelBins, from
// the +x axis towards +y), whether a paper label crosses the wall there;
// nil when there is no circular dish or no label.
func labelSectors(g *grey8, dish models.Dish, scale float64) []bool {
	if !dish.Found || dish.Shape != "circle" || dish.RimRadiusPx <= 0 {
		return nil
	}
	cx, cy, rim := dish.CXPx*scale, dish.CYPx*scale, dish.RimRadiusPx*scale
	r0, r1 := rim*labelFrom, rim*labelTo
	samples := make([][]float64, labelBins)
	x0, x1 := max(0, int(cx-r1)), min(g.w-1, int(cx+r1)+1)
	y0, y1 := max(0, int(cy-r1)), min(g.h-1, int(cy+r1)+1)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			if d2 := dx*dx + dy*dy; d2 < r0*r0 || d2 > r1*r1 {
				continue
			}
			b := labelSector(dx, dy)
			samples[b] = append(samples[b], float64(g.pix[y*g.w+x]))
		}
	}
	level := make([]float64, labelBins)
	for b, s := range samples {
		if len(s) < labelMinSamples {
			level[b] = math.NaN()
			continue
		}
		level[b] = stats.NthSmallest(s, len(s)/2)
	}
	// Departure of each sector from the bench beside it (the median of
	// its neighbourhood follows a lighting gradient, not a label).
	step := make([]float64, labelBins)
	var steps []float64
	for b := range level {
		step[b] = math.NaN()
		if math.IsNaN(level[b]) {
			continue
		}
		var nb []float64
		for k := -labelBaseBins; k <= labelBaseBins; k++ {
			if v := level[(b+k+labelBins)%labelBins]; !math.IsNaN(v) {
				nb = append(nb, v)
			}
		}
		step[b] = level[b] - stats.NthSmallest(nb, len(nb)/2)
		steps = append(steps, math.Abs(step[b]))
	}
	if len(steps) < labelBins/2 {
		return nil // most of the strip is off the image
	}
	sigma := 1.4826 * stats.NthSmallest(steps, len(steps)/2)
	t := math.Max(labelMinStepGL, labelMADs*sigma)
	bright := make([]bool, labelBins)
	n := 0
	for b, s := range step {
		if s > t {
			bright[b] = true
			n++
		}
	}
	if n == 0 || float64(n) > labelMaxShare*labelBins {
		return nil
	}
	// Keep runs of at least labelMinBins sectors (around the circle); a
	// single bright sector is a glint.
	out := make([]bool, labelBins)
	found := false
	for b := 0; b < labelBins; b++ {
		if !bright[b] || bright[(b-1+labelBins)%labelBins] {
			continue // not the start of a run (n ≤ labelMaxShare: every run has one)
		}
		k := 0
		for k < labelBins && bright[(b+k)%labelBins] {
			k++
		}
		if k >= labelMinBins {
			found = true
			// One sector more on each side: the label's edge falls
			// inside a sector.
			for j := -1; j <= k; j++ {
				out[(b+j+labelBins)%labelBins] = true
			}
		}
	}
	if !found {
		return nil
	}
	return out
}

// rejectOnLabel reclassifies as debris the counted objects in the rim
// band of a sector a label crosses (labelSectors): writing.
func rejectOnLabel(objs []object, sectors []bool, dish models.Dish, scale float64, inBand func(*object) bool) {
	if sectors == nil {
		return
	}
	cx, cy := dish.CXPx*scale, dish.CYPx*scale
	for i := range objs {
		o := &objs[i]
		if o.class != models.ColonyCounted || !inBand(o) {
			continue
		}
		if sectors[labelSector(o.cx+0.5-cx, o.cy+0.5-cy)] {
			o.class = models.ColonyDebris
		}
	}
}

// labelSector is the sector (0..labelBins−1, from the +x axis towards +y)
// of the offset dx, dy from the dish centre.
func labelSector(dx, dy float64) int {
	a := math.Atan2(dy, dx)
	if a < 0 {
		a += 2 * math.Pi
	}
	return min(labelBins-1, int(a/(2*math.Pi)*labelBins))
}
