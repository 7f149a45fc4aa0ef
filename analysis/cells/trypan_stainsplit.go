package cells

import (
	"image"
	"math"
	"sort"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Stained cells inside other objects, found by their colour.
//
// In colour fields a dead cell is a sphere of dye: its B−R stands above
// the chamber's across its whole body, at any focus, highest where it is
// thickest. Touching a live cell or other stained cells it floods into
// one object with them, which is counted once, by its median colour
// (physgen seed 13 field 14, below focus: 150 dead cells in live objects,
// 210 in dead objects holding two or more, 1395 dead in all, 878 found).
// The object's colour, smoothed over a typical stained cell's dye core,
// has one maximum per stained cell, with a paler and lighter saddle
// between touching ones; the dye does not spread beyond the cell, so a
// live cell beside it stays pale. Each stained disc becomes a dead part;
// what is left of a live object beyond the discs' reach stays live when
// it is at least half a typical live cell (else the object was one
// stained cell the median colour missed).
const (
	// trypanStainSplitSmooth: the colour is the mean over the square of
	// half-side this many typical stained radii.
	trypanStainSplitSmooth = 0.6
	// trypanStainCoreLevel: a stained cell's dye core is where its B−R
	// above the chamber is at least this fraction of its own peak (the
	// half maximum of a blurred disc lies at its edge).
	trypanStainCoreLevel = 0.5
	// trypanStainCorePeak: the peak is this quantile of the object's
	// pixels (robust to chroma noise).
	trypanStainCorePeak = 0.9
	// trypanStainSplitSaddle: between two stained centres the dye falls
	// below the paler one's by at least this fraction (touching discs are
	// thin where they meet; one large cell's dye does not dip).
	trypanStainSplitSaddle = 0.2
)

// trypanSplitStainedDiscs splits the objects of res at the stained discs
// their colour shows (see the block comment above). bgr is the field's
// interleaved 8-bit BGR and thr the stain threshold of
// trypanStainBlueness (B−R levels above the chamber). Needs at least
// trypanStainedSplitMinDead cell-sized dead objects for the field's
// stained-cell size. Objects are renumbered when any is split.
func trypanSplitStainedDiscs(res *trypanResult, bgr []byte, thr float64, sc trypanScale) {
	w, h := res.w, res.h
	if len(bgr) != 3*w*h || len(res.labels) != w*h || len(res.mask) != w*h {
		return
	}
	dye, ok := trypanDyeMap(bgr, res.mask, res.labels)
	if !ok {
		return
	}
	start, order := trypanRegionPixels(res.labels)
	n := len(start) - 2
	if n != len(res.classes) {
		return
	}
	// A stained cell's object takes in its blur: that outline's typical
	// radius is how far a disc reaches, its dye core's how far apart two
	// touching ones sit.
	reach, ok := trypanTypicalStainedRadius(start, res.classes, sc)
	if !ok {
		return
	}
	rs, ok := trypanStainedCoreRadius(start, order, res.classes, dye, sc)
	if !ok {
		return
	}
	liveA := trypanCellSizedAreas(start, sc, func(l int) bool {
		return l <= len(res.classes) && res.classes[l-1] == models.ClassLive
	})
	liveArea := math.Pi * rs * rs
	if len(liveA) >= trypanStainedSplitMinDead {
		liveArea = math.Max(liveArea, median(liveA))
	}
	// A stained cell is bluer than the field's live cells, not merely
	// than the chamber: where live cells themselves read bluish (a tinted
	// render, dark rims), their own dye would otherwise make every one a
	// stained centre (physgen seed 8 field 34: live peaks 13 above the
	// chamber, thr 15, 9 dead cells: 138 live cells turned dead).
	thr += trypanLiveTint(start, order, res.classes, dye, sc)
	classes := append([]string(nil), res.classes...)
	changed := false
	for l := 1; l <= n; l++ {
		ps := order[start[l]:start[l+1]]
		if float64(len(ps)) < trypanStainedSplitMinCells*math.Pi*rs*rs {
			continue
		}
		cs := trypanStainCentres(ps, dye, res.flat, w, h, rs, thr)
		dead := classes[l-1] == models.ClassDead
		if len(cs) == 0 || (dead && len(cs) < 2) {
			continue
		}
		// Pixels beyond every disc's reach stay with the object (its live
		// remainder); the rest go to the nearest disc.
		rest := 0
		for _, p := range ps {
			c := cs[trypanNearestPeak(int(p)%w, int(p)/w, cs)]
			if math.Hypot(float64(int(p)%w-c.x), float64(int(p)/w-c.y)) > reach {
				rest++
			}
		}
		keepLive := !dead && float64(rest) >= trypanSplitMinPart*liveArea
		if keepLive {
			cs = trypanPruneReach(ps, w, cs, reach, trypanSplitMinPart*math.Pi*rs*rs)
			if len(cs) == 0 {
				continue
			}
		} else {
			cs = trypanPruneParts(ps, w, cs)
			if len(cs) == 0 || (dead && len(cs) < 2) {
				continue
			}
		}
		ids := make([]int32, len(cs))
		for k := range cs {
			if k == 0 && !keepLive {
				ids[k] = int32(l)
				classes[l-1] = models.ClassDead
				continue
			}
			classes = append(classes, models.ClassDead)
			ids[k] = int32(len(classes))
		}
		for _, p := range ps {
			x, y := int(p)%w, int(p)/w
			k := trypanNearestPeak(x, y, cs)
			if keepLive && math.Hypot(float64(x-cs[k].x), float64(y-cs[k].y)) > reach {
				continue
			}
			res.labels[p] = ids[k]
		}
		changed = true
	}
	if changed {
		trypanRingRenumber(res, classes)
	}
}

// trypanStainCentres returns the stained-disc centres of the object with
// pixels ps: maxima of its dye (B−R above the chamber) smoothed over
// trypanStainSplitSmooth core radii rs, at least thr, none bluer within
// trypanDiscMinSep radii in the field (inside the object or out), taken
// bluest first at least trypanRingSep·rs apart, each with a paler saddle
// in dye (trypanStainSplitSaddle) and a lighter one in the flattened grey
// flat (trypanStainedSplitSaddle) towards every centre taken before.
func trypanStainCentres(ps []int32, dye []float32, flat []int16, w, h int, rs, thr float64) []trypanRingPeak {
	box := trypanPixelBox(ps, w)
	bw := box.Dx()
	half := max(1, int(math.Round(trypanStainSplitSmooth*rs)))
	sep := max(1, int(trypanDiscMinSep*rs))
	// The smoothed dye is needed up to sep beyond the object: a maximum
	// must be the field's own, not the edge of a stained neighbour's blur
	// spilling into the object.
	gb := box.Inset(-(half + sep)).Intersect(image.Rect(0, 0, w, h))
	smooth := trypanBoxMean(gb, half, w, func(i int) float64 { return float64(dye[i]) })
	grey := trypanBoxMean(gb, half, w, func(i int) float64 { return float64(flat[i]) })
	// Negated over the object (+Inf elsewhere), so the bluest is the
	// minimum as in trypanPickCentres and a path leaving the object is a
	// saddle.
	neg := make([]float64, bw*box.Dy())
	for i := range neg {
		neg[i] = math.Inf(1)
	}
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		neg[(y-box.Min.Y)*bw+x-box.Min.X] = -smooth(x, y)
	}
	at := func(x, y int) float64 {
		if !(image.Point{x, y}).In(box) {
			return math.Inf(1)
		}
		return neg[(y-box.Min.Y)*bw+x-box.Min.X]
	}
	var cands []trypanClumpCand
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		m := neg[(y-box.Min.Y)*bw+x-box.Min.X]
		if -m < thr {
			continue
		}
		top := true
		for yy := max(gb.Min.Y, y-sep); yy < min(gb.Max.Y, y+sep+1) && top; yy++ {
			for xx := max(gb.Min.X, x-sep); xx < min(gb.Max.X, x+sep+1); xx++ {
				if smooth(xx, yy) > -m {
					top = false
					break
				}
			}
		}
		if top {
			cands = append(cands, trypanClumpCand{x, y, m})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	// The grey darkness over the object, for the second saddle test.
	dark := make([]float64, len(neg))
	for i := range dark {
		dark[i] = math.Inf(1)
	}
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		dark[(y-box.Min.Y)*bw+x-box.Min.X] = grey(x, y)
	}
	darkAt := func(x, y int) float64 {
		if !(image.Point{x, y}).In(box) {
			return math.Inf(1)
		}
		return dark[(y-box.Min.Y)*bw+x-box.Min.X]
	}
	var kept []trypanClumpCand
	ok := func(c *trypanClumpCand) bool {
		for _, k := range kept {
			// Two discs are paler where they meet, in dye and in grey;
			// a thick stained cell's nearly black middle dips in B−R
			// only, and is its darkest point.
			if !trypanPalerSaddle(at, *c, k) || !trypanLighterSaddle(darkAt,
				trypanClumpCand{c.x, c.y, darkAt(c.x, c.y)}, trypanClumpCand{k.x, k.y, darkAt(k.x, k.y)}) {
				return false
			}
		}
		kept = append(kept, *c)
		return true
	}
	return trypanPickCentres(cands, nil, rs, w, ok)
}

// trypanLiveTint is the median over the cell-sized objects called live of
// their dye peak (trypanStainCorePeak quantile of B−R above the chamber),
// floored at 0; 0 with fewer than trypanStainedSplitMinDead such objects.
func trypanLiveTint(start, order []int32, classes []string, dye []float32, sc trypanScale) float64 {
	var peaks []float64
	trypanCellDyes(start, order, classes, dye, sc, models.ClassLive, func(vals []float64) {
		peaks = append(peaks, trypanDyePeak(vals))
	})
	if len(peaks) < trypanStainedSplitMinDead {
		return 0
	}
	return math.Max(0, median(peaks))
}

// trypanCellDyes calls f with the ascending dye values of each object
// called class whose area is cell-sized (the bounds of
// trypanCellSizedAreas). vals is reused between calls.
func trypanCellDyes(start, order []int32, classes []string, dye []float32, sc trypanScale, class string, f func(vals []float64)) {
	lo := math.Pi * sc.minCellDiamPx * sc.minCellDiamPx / 4
	hi := math.Pi * sc.maxDiamPx * sc.maxDiamPx / 4
	var vals []float64
	for l := 1; l+1 < len(start) && l <= len(classes); l++ {
		ps := order[start[l]:start[l+1]]
		if classes[l-1] != class || float64(len(ps)) < lo || float64(len(ps)) > hi {
			continue
		}
		vals = vals[:0]
		for _, p := range ps {
			vals = append(vals, float64(dye[p]))
		}
		sort.Float64s(vals)
		f(vals)
	}
}

// trypanDyePeak is an object's dye peak: the trypanStainCorePeak
// quantile of its ascending dye values vals.
func trypanDyePeak(vals []float64) float64 {
	return vals[int(trypanStainCorePeak*float64(len(vals)-1))]
}

// trypanPruneReach keeps the centres of cs whose part of ps (pixels
// nearest it and within reach) holds at least minArea pixels.
func trypanPruneReach(ps []int32, w int, cs []trypanRingPeak, reach, minArea float64) []trypanRingPeak {
	area := make([]int, len(cs))
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		k := trypanNearestPeak(x, y, cs)
		if math.Hypot(float64(x-cs[k].x), float64(y-cs[k].y)) <= reach {
			area[k]++
		}
	}
	var out []trypanRingPeak
	for k, c := range cs {
		if float64(area[k]) >= minArea {
			out = append(out, c)
		}
	}
	return out
}

// trypanDyeMap is each pixel's B−R above the chamber's (the median over
// the pixels outside the foreground fg and every object), as
// trypanStainBlueness measures objects; ok is false when no pixel shows
// the chamber. (ln(B/R), which keeps growing where a thick stained cell turns nearly
// black, was tried: on dark live rims and grid lines its noise made
// stained maxima of live cells.)
func trypanDyeMap(bgr, fg []byte, labels []int32) (dye []float32, ok bool) {
	var hist [511]int
	n := 0
	dye = make([]float32, len(labels))
	for i := range labels {
		v := float64(int(bgr[3*i]) - int(bgr[3*i+2]))
		dye[i] = float32(v)
		if fg[i] == 0 && labels[i] == 0 {
			hist[int(v)+255]++
			n++
		}
	}
	if n == 0 {
		return nil, false
	}
	chamber := float64(stats.HistQuantileFloor(hist[:], n, 0.5) - 255)
	for i := range dye {
		dye[i] -= float32(chamber)
	}
	return dye, true
}

// trypanStainedCoreRadius is the median over the cell-sized objects called
// dead of their dye core's equivalent radius (px): the pixels whose B−R
// above the chamber reaches trypanStainCoreLevel of the object's peak
// (trypanStainCorePeak quantile). ok is false with fewer than
// trypanStainedSplitMinDead such objects.
func trypanStainedCoreRadius(start, order []int32, classes []string, dye []float32, sc trypanScale) (float64, bool) {
	var radii []float64
	trypanCellDyes(start, order, classes, dye, sc, models.ClassDead, func(vals []float64) {
		peak := trypanDyePeak(vals)
		if peak <= 0 {
			return
		}
		core := 0
		for _, v := range vals {
			if v >= trypanStainCoreLevel*peak {
				core++
			}
		}
		radii = append(radii, math.Sqrt(float64(core)/math.Pi))
	})
	if len(radii) < trypanStainedSplitMinDead {
		return 0, false
	}
	return median(radii), true
}

// trypanPalerSaddle is trypanLighterSaddle for the negated dye map: on the
// straight path between a and b the dye falls to (1 −
// trypanStainSplitSaddle) of the paler centre's, or the path leaves the
// object.
func trypanPalerSaddle(at func(x, y int) float64, a, b trypanClumpCand) bool {
	paler := math.Max(a.m, b.m)
	steps := int(math.Ceil(math.Hypot(float64(b.x-a.x), float64(b.y-a.y))))
	top := math.Inf(-1)
	for s := 0; s <= steps; s++ {
		t := float64(s) / float64(max(steps, 1))
		x := int(math.Round(float64(a.x) + t*float64(b.x-a.x)))
		y := int(math.Round(float64(a.y) + t*float64(b.y-a.y)))
		top = math.Max(top, at(x, y))
	}
	return top >= paler*(1-trypanStainSplitSaddle)
}

// trypanBoxMean returns the mean of v (by pixel index of a w-wide field)
// over the square of half-side half, clipped to the box gb, at any pixel
// of gb.
func trypanBoxMean(gb image.Rectangle, half, w int, v func(i int) float64) func(x, y int) float64 {
	gw, gh := gb.Dx(), gb.Dy()
	sum := make([]float64, (gw+1)*(gh+1))
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			i := (y+1)*(gw+1) + x + 1
			sum[i] = v((gb.Min.Y+y)*w+gb.Min.X+x) + sum[i-1] + sum[i-gw-1] - sum[i-gw-2]
		}
	}
	return func(x, y int) float64 {
		x, y = x-gb.Min.X, y-gb.Min.Y
		x0, y0 := max(0, x-half), max(0, y-half)
		x1, y1 := min(gw, x+half+1), min(gh, y+half+1)
		return (sum[y1*(gw+1)+x1] - sum[y0*(gw+1)+x1] - sum[y1*(gw+1)+x0] + sum[y0*(gw+1)+x0]) / float64((x1-x0)*(y1-y0))
	}
}
