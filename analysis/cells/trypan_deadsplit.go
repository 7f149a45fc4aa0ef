package cells

import (
	"image"
	"math"

	"github.com/histocount/histocount/models"
)

// Touching stained cells in one dead object.
//
// Two or more stained cells that touch without a neck in the foreground
// mask flood as one region, and when it is not larger than the largest
// cell it is accepted and called dead whole (physgen seed 8, field 1:
// 65 dead cells lost so). A stained cell is a filled disc darkest at its
// centre, where it is thickest; where two touch, both are thin, so the
// object's darkness, smoothed at a fraction of the cell's size, has one
// minimum per cell and a lighter saddle between them. The gap test
// (trypanStainedDiscNear) checks each minimum is a disc's centre, not a
// darker patch of one cell. The stained cells' size is the field's own:
// the median of its dead objects of cell size (most of them single).
const (
	// trypanStainedSplitMinCells: a dead object of fewer than this many
	// typical stained discs' area is one cell (a single cell's outline
	// takes in its blur and varies by about a third).
	trypanStainedSplitMinCells = 1.6
	// trypanStainedSplitSmooth: the darkness is the mean of the square of
	// half-side this many typical radii (the centre zone, not the rim).
	trypanStainedSplitSmooth = 0.35
	// trypanStainedSplitSaddle: on the straight path between two centres
	// the darkness rises above the lighter centre by at least this
	// fraction of its depth (touching discs are thin where they meet).
	trypanStainedSplitSaddle = 0.1
	// trypanStainedSplitFilled, trypanStainedSplitInterior: no pixel
	// this many typical radii inside the foreground is lighter than this
	// fraction of the shallowest centre's darkness (trypanFilledObject).
	trypanStainedSplitFilled   = 0.5
	trypanStainedSplitInterior = 0.5
	// trypanStainedSplitMinDead: with fewer dead objects of cell size the
	// field gives no typical stained size.
	trypanStainedSplitMinDead = 5
)

// trypanSplitStainedClumps splits each object of res called dead and
// larger than trypanStainedSplitMinCells typical stained discs between
// the stained-disc centres it holds (see the block comment above); each
// part is called dead. A centre whose part covers less than
// trypanSplitMinPart of its disc is dropped. Objects are renumbered when
// any is split.
func trypanSplitStainedClumps(res *trypanResult, cross []int16, dist []float32, peaks []trypanRingPeak, sc trypanScale, fgThr float64) {
	w, h := res.w, res.h
	start, order := trypanRegionPixels(res.labels)
	n := len(start) - 2
	if n != len(res.classes) {
		return
	}
	rs, ok := trypanTypicalStainedRadius(start, res.classes, sc)
	if !ok {
		return
	}
	minArea := trypanStainedSplitMinCells * math.Pi * rs * rs
	// An object holding a live cell's ring (centre not clearly below the
	// chamber, as trypanFocusCells asks inside objects) is not a clump of
	// stained discs: the dark minima there are its rim and the gap.
	ringed := make([]bool, n+1)
	for _, p := range peaks {
		l := res.labels[p.y*w+p.x]
		if l == 0 || p.centre <= trypanLiveCentreFrac*p.rim {
			continue
		}
		if float64(p.score) >= trypanRingK*fgThr+trypanRingMisfit*trypanRingMisfitAt(p, cross, w, h) {
			ringed[l] = true
		}
	}
	split := map[int32][]trypanRingPeak{}
	for l := 1; l <= n; l++ {
		ps := order[start[l]:start[l+1]]
		if res.classes[l-1] != models.ClassDead || ringed[l] || float64(len(ps)) < minArea {
			continue
		}
		cs, at := trypanStainedCentres(ps, res.flat, w, h, rs, fgThr)
		cs = trypanPruneParts(ps, w, cs)
		if len(cs) >= 2 && trypanFilledObject(ps, dist, w, cs, rs, at) {
			split[int32(l)] = cs
		}
	}
	if len(split) == 0 {
		return
	}
	classes := trypanSplitByPeaks(res.labels, w, split, append([]string(nil), res.classes...))
	trypanRingRenumber(res, classes)
}

// trypanTypicalStainedRadius is the median equivalent radius (px) of the
// objects called dead whose area lies within the cell size bounds; ok is
// false when there are fewer than trypanStainedSplitMinDead of them.
func trypanTypicalStainedRadius(start []int32, classes []string, sc trypanScale) (float64, bool) {
	a := trypanCellSizedAreas(start, sc, func(l int) bool {
		return l <= len(classes) && classes[l-1] == models.ClassDead
	})
	if len(a) < trypanStainedSplitMinDead {
		return 0, false
	}
	return math.Sqrt(median(a) / math.Pi), true
}

// trypanStainedCentres returns the stained-disc centres of the object
// with pixels ps: minima of its smoothed darkness (trypanStainedSplitSmooth),
// none darker within trypanDiscMinSep radii rs, below
// −trypanClumpDarkK·fgThr, taken darkest first at least trypanRingSep·rs
// apart (trypanPickCentres), each with a lighter saddle
// (trypanStainedSplitSaddle) towards every centre taken before and
// passing the gap test (trypanStainedDiscNear).
func trypanStainedCentres(ps []int32, flat []int16, w, h int, rs, fgThr float64) ([]trypanRingPeak, func(x, y int) float64) {
	box := trypanPixelBox(ps, w)
	bw, bh := box.Dx(), box.Dy()
	half := max(1, int(math.Round(trypanStainedSplitSmooth*rs)))
	// Integral image of flat over the box grown by half (clipped to the
	// field), so every object pixel's square is whole where the field
	// allows.
	gb := box.Inset(-half).Intersect(image.Rect(0, 0, w, h))
	gw, gh := gb.Dx(), gb.Dy()
	sum := make([]float64, (gw+1)*(gh+1))
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			i := (y+1)*(gw+1) + x + 1
			sum[i] = float64(flat[(gb.Min.Y+y)*w+gb.Min.X+x]) + sum[i-1] + sum[i-gw-1] - sum[i-gw-2]
		}
	}
	mean := make([]float64, bw*bh)
	for i := range mean {
		mean[i] = math.Inf(1)
	}
	for _, p := range ps {
		x, y := int(p)%w-gb.Min.X, int(p)/w-gb.Min.Y
		x0, y0 := max(0, x-half), max(0, y-half)
		x1, y1 := min(gw, x+half+1), min(gh, y+half+1)
		s := sum[y1*(gw+1)+x1] - sum[y0*(gw+1)+x1] - sum[y1*(gw+1)+x0] + sum[y0*(gw+1)+x0]
		mean[(int(p)/w-box.Min.Y)*bw+int(p)%w-box.Min.X] = s / float64((x1-x0)*(y1-y0))
	}
	at := func(x, y int) float64 {
		if !(image.Point{x, y}).In(box) {
			return math.Inf(1)
		}
		return mean[(y-box.Min.Y)*bw+x-box.Min.X]
	}
	sep := max(1, int(trypanDiscMinSep*rs))
	var cands []trypanClumpCand
	for _, p := range ps {
		x, y := int(p)%w-box.Min.X, int(p)/w-box.Min.Y
		m := mean[y*bw+x]
		if m < -trypanClumpDarkK*fgThr && trypanIsLocalMin(mean, bw, bh, x, y, sep) {
			cands = append(cands, trypanClumpCand{x + box.Min.X, y + box.Min.Y, m})
		}
	}
	if len(cands) < 2 {
		return nil, at
	}
	var kept []trypanClumpCand
	ok := func(c *trypanClumpCand) bool {
		for _, k := range kept {
			if !trypanLighterSaddle(at, *c, k) {
				return false
			}
		}
		orig := *c
		var pass bool
		c.x, c.y, pass = trypanStainedDiscNear(flat, w, h, c.x, c.y, rs)
		if pass {
			kept = append(kept, orig)
		}
		return pass
	}
	return trypanPickCentres(cands, nil, rs, w, ok), at
}

// trypanFilledObject reports whether the object ps is filled like a
// clump of stained discs: none of its pixels at least
// trypanStainedSplitInterior radii rs inside the foreground (dist) is
// lighter, in the smoothed darkness at, than trypanStainedSplitFilled of
// the shallowest centre of cs. A live cell's light middle lies as deep
// inside as its rim, and its darkness minima are on the rim (physgen seed
// 8, field 1: live ring cells merged and called dead).
func trypanFilledObject(ps []int32, dist []float32, w int, cs []trypanRingPeak, rs float64, at func(x, y int) float64) bool {
	shallow := math.Inf(-1)
	for _, c := range cs {
		m := at(c.x, c.y)
		if math.IsInf(m, 1) {
			return false // re-centred off the object
		}
		shallow = math.Max(shallow, m)
	}
	limit := trypanStainedSplitFilled * shallow
	deep := float32(trypanStainedSplitInterior * rs)
	for _, p := range ps {
		if dist[p] >= deep && at(int(p)%w, int(p)/w) > limit {
			return false
		}
	}
	return true
}

// trypanLighterSaddle reports whether the smoothed darkness at (x, y)
// on the straight path between a and b, inside the object (finite at),
// rises above the lighter of the two by trypanStainedSplitSaddle of its
// depth; a path leaving the object (a bend between them) counts as a
// saddle.
func trypanLighterSaddle(at func(x, y int) float64, a, b trypanClumpCand) bool {
	lighter := math.Max(a.m, b.m)
	steps := int(math.Ceil(math.Hypot(float64(b.x-a.x), float64(b.y-a.y))))
	top := math.Inf(-1)
	for s := 0; s <= steps; s++ {
		t := float64(s) / float64(max(steps, 1))
		x := int(math.Round(float64(a.x) + t*float64(b.x-a.x)))
		y := int(math.Round(float64(a.y) + t*float64(b.y-a.y)))
		top = math.Max(top, at(x, y))
	}
	return top >= lighter*(1-trypanStainedSplitSaddle)
}

// trypanPruneParts drops, smallest share first, the centres whose part
// of the object ps (its pixels nearest that centre) covers less than
// trypanSplitMinPart of the centre's disc; nil when fewer than two are
// left.
func trypanPruneParts(ps []int32, w int, cs []trypanRingPeak) []trypanRingPeak {
	for len(cs) >= 2 {
		area := make([]int, len(cs))
		for _, p := range ps {
			area[trypanNearestPeak(int(p)%w, int(p)/w, cs)]++
		}
		worst, wf := -1, trypanSplitMinPart
		for k, c := range cs {
			if f := float64(area[k]) / (math.Pi * c.r * c.r); f < wf {
				worst, wf = k, f
			}
		}
		if worst < 0 {
			return cs
		}
		cs = append(cs[:worst:worst], cs[worst+1:]...)
	}
	return nil
}
