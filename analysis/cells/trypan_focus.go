package cells

import (
	"math"
	"sort"

	"github.com/histocount/histocount/models"
)

// Live cells at strong positive focus on whole chamber fields.
//
// Above the focal plane a live cell is a bright centre in a thin dark rim
// with a bright halo outside it. The halo passes the foreground threshold,
// so the cell's region takes it in and neighbours' halos join: the region
// is 1.5 cell radii wide or holds two or three cells, its inner and ring
// zones average centre with rim and rim with halo, and trypanIsFieldCell
// rejects it for low contrast, or its size rejects it (physgen seed-4
// field 8, focus +0.87: 287 of 1609 live cells lost so, 39 lone ones for
// contrast, 175 in regions of two or three).
//
// trypanFocusCells finds them by what they look like at their own size:
// a ring peak (trypanRingPeaks: centre above a rim that is dark all
// round, at radii for cells of 8–25 µm) whose centre is also clearly
// brighter than the chamber. The bright centre is what tells them from
// the ring peaks the ruling, debris and the gaps between cells make: on
// seed-4 field 8 the ring peaks on missed live cells had centre means of
// 1.7–5 foreground thresholds (5 % below 1.7), the peaks on no cell
// 0.4–1.0 (95 % below 1.0).
const (
	// trypanFocusCentreK: a live cell's centre box mean is at least this
	// many foreground thresholds above the chamber grey.
	trypanFocusCentreK = 1.5
	// trypanSplitMinPart: when an accepted object is split between its
	// ring peaks, each part must cover at least this fraction of its
	// peak's disc (trypanPruneSplit).
	trypanSplitMinPart = 0.5
	// trypanSplitMinSep: the peaks an object is split between lie at
	// least this fraction of the sum of their radii apart
	// (trypanApartPeaks).
	trypanSplitMinSep = 0.8
	// trypanSplitMinScore: and have at least this fraction of the
	// strongest peak's ring contrast (trypanApartPeaks).
	trypanSplitMinScore = 0.25
)

// trypanFocusCells adds to res a live cell (a disc of the peak's radius
// on unlabelled pixels) at each bright-centred ring peak that lies in the
// foreground mask but in no accepted object, passes the ring supplement's
// misfit test on the ruling and the chamber edge rule, and whose disc is
// not already mostly taken (trypanRingMaxTaken) by objects or earlier
// additions.
//
// Inside an accepted object the object already says a cell is there, so
// a ring peak there needs only a live cell's centre, not clearly below
// the chamber (above trypanLiveCentreFrac of its rim's depth, as the ring
// relabelling asks). Such an object holding a cell-sized part outside its
// peaks' discs gives that part a label of its own (a stained or ringless
// neighbour merged into the outline: trypanSplitRemainders), and one
// holding two or more peaks is split between them (trypanSplitByPeaks),
// leaving out the peaks whose share is a sliver (trypanPruneSplit).
// Objects are renumbered when any cell is added or split. peaks are the
// whole field's ring peaks (trypanRingPeaks); bg and dist are
// trypanSegment's background and distance map.
func trypanFocusCells(res *trypanResult, cross, bg []int16, dist []float32, peaks []trypanRingPeak, sc trypanScale, fgThr float64) {
	w, h := res.w, res.h
	n := len(res.classes)
	classes := append([]string(nil), res.classes...)
	labels := res.labels
	byObj := make([][]trypanRingPeak, n+1)
	added := false
	cellR, haveR := trypanMedianLiveRadius(res)
	for _, p := range peaks {
		i := p.y*w + p.x
		// Inside an accepted object a cell is already known to be there:
		// a live-looking ring (centre not clearly below the chamber, as
		// the ring relabelling asks) marks one of its cells. Outside, a
		// bright centre or a dark rim all round at this field's cell size
		// tells a cell from the ruling's and gaps' rings.
		inObj := labels[i] != 0 && int(labels[i]) <= n
		dark := !inObj && labels[i] == 0 && haveR && trypanDarkRing(p, cellR, fgThr) && trypanRimTakenFrac(labels, w, h, p) <= trypanDarkRingMaxRimTaken && trypanRimDeadFrac(labels, classes, w, h, p) <= trypanDarkRingMaxRimDead
		if res.mask[i] == 0 && !dark {
			continue
		}
		if inObj && p.centre <= trypanLiveCentreFrac*p.rim {
			continue
		}
		if !inObj && !dark && float64(p.centre) < trypanFocusCentreK*fgThr {
			continue
		}
		// The user's size bounds hold for these cells too.
		if 2*p.r < sc.minDiamPx || 2*p.r > sc.maxDiamPx {
			continue
		}
		if float64(p.x)+0.5+p.r > float64(w) || float64(p.y)+0.5+p.r > float64(h) {
			continue
		}
		if !dark && float64(p.score) < trypanRingK*fgThr+trypanRingMisfit*trypanRingMisfitAt(p, cross, w, h) {
			continue
		}
		if l := labels[i]; l != 0 {
			if int(l) <= n {
				byObj[l] = append(byObj[l], p)
			}
			continue
		}
		if trypanDiscTakenFrac(labels, w, h, p) > trypanRingMaxTaken {
			continue
		}
		classes = append(classes, models.ClassLive)
		trypanPaintDisc(labels, w, h, p, int32(len(classes)))
		added = true
	}
	m := len(classes)
	classes = trypanSplitRemainders(res, byObj, classes, bg, dist, sc, fgThr)
	added = added || len(classes) > m
	var split map[int32][]trypanRingPeak
	for l := 1; l <= n; l++ {
		if len(byObj[l]) >= 2 {
			if split == nil {
				split = map[int32][]trypanRingPeak{}
			}
			split[int32(l)] = byObj[l]
		}
	}
	trypanPruneSplit(labels, w, split)
	if len(split) > 0 {
		classes = trypanSplitByPeaks(labels, w, split, classes)
		added = true
	}
	if added {
		trypanRingRenumber(res, classes)
	}
}

// trypanSplitByPeaks gives each pixel of each object l of split to the
// nearest of its peaks split[l] (in units of the peak's radius): the
// first peak's part keeps l, the others get new labels with l's class,
// appended to classes (returned).
func trypanSplitByPeaks(labels []int32, w int, split map[int32][]trypanRingPeak, classes []string) []string {
	ids := make(map[int32][]int32, len(split))
	// New labels in label order, so the result does not depend on the
	// map's iteration order.
	n := int32(len(classes))
	for l := int32(1); l <= n; l++ {
		peaks, ok := split[l]
		if !ok {
			continue
		}
		ids[l] = []int32{l}
		for range peaks[1:] {
			classes = append(classes, classes[l-1])
			ids[l] = append(ids[l], int32(len(classes)))
		}
	}
	for i, l := range labels {
		peaks, ok := split[l]
		if !ok {
			continue
		}
		labels[i] = ids[l][trypanNearestPeak(i%w, i/w, peaks)]
	}
	return classes
}

// trypanNearestPeak is the index of the peak of peaks nearest (x, y) in
// units of the peak's radius.
func trypanNearestPeak(x, y int, peaks []trypanRingPeak) int {
	best, bd := 0, math.Inf(1)
	for k, p := range peaks {
		if d := math.Hypot(float64(x-p.x), float64(y-p.y)) / p.r; d < bd {
			best, bd = k, d
		}
	}
	return best
}

// trypanPruneSplit drops from each object's peaks in split those whose
// part of the object (its pixels nearest that peak, as
// trypanSplitByPeaks assigns them) is smaller than trypanSplitMinPart of
// the peak's disc, smallest first, and the objects left with fewer than
// two peaks. A cell merged with a neighbour keeps most of its own disc;
// a second ring peak on one cell (a halo arc, its rim seen at another
// radius) owns only a sliver at its edge.
func trypanPruneSplit(labels []int32, w int, split map[int32][]trypanRingPeak) {
	pix := make(map[int32][]int, len(split))
	for i, l := range labels {
		if _, ok := split[l]; ok {
			pix[l] = append(pix[l], i)
		}
	}
	for l, peaks := range split {
		peaks = trypanApartPeaks(peaks)
		for len(peaks) >= 2 {
			area := make([]int, len(peaks))
			for _, i := range pix[l] {
				area[trypanNearestPeak(i%w, i/w, peaks)]++
			}
			worst, wf := -1, trypanSplitMinPart
			for k, p := range peaks {
				if f := float64(area[k]) / (math.Pi * p.r * p.r); f < wf {
					worst, wf = k, f
				}
			}
			if worst < 0 {
				break
			}
			peaks = append(peaks[:worst:worst], peaks[worst+1:]...)
		}
		if len(peaks) < 2 {
			delete(split, l)
		} else {
			split[l] = peaks
		}
	}
}

// trypanApartPeaks keeps, strongest first, the peaks at least
// trypanSplitMinSep of the sum of their radii from every stronger peak
// kept and with at least trypanSplitMinScore of the strongest one's
// contrast. Touching cells are about the sum of their radii apart; a
// weaker peak nearer a stronger one sits on that cell (its halo, an arc
// of its rim). Cells side by side are imaged alike, so a neighbour's
// ring is not many times fainter: physgen seed-4 field 0 (focus +0.45,
// halo), ring cells of contrast 80–190 held second peaks of 9–13 on
// their halo, a small radius beside the cell.
func trypanApartPeaks(peaks []trypanRingPeak) []trypanRingPeak {
	order := append([]trypanRingPeak(nil), peaks...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].score > order[j].score })
	var kept []trypanRingPeak
	for _, p := range order {
		if p.score < trypanSplitMinScore*order[0].score {
			break
		}
		apart := true
		for _, q := range kept {
			if math.Hypot(float64(p.x-q.x), float64(p.y-q.y)) < trypanSplitMinSep*(p.r+q.r) {
				apart = false
				break
			}
		}
		if apart {
			kept = append(kept, p)
		}
	}
	return kept
}

// trypanDiscTakenFrac is the fraction of ring peak p's disc already
// labelled.
func trypanDiscTakenFrac(labels []int32, w, h int, p trypanRingPeak) float64 {
	in, taken := 0, 0
	for y := max(0, int(float64(p.y)-p.r)); y <= min(h-1, int(float64(p.y)+p.r)); y++ {
		for x := max(0, int(float64(p.x)-p.r)); x <= min(w-1, int(float64(p.x)+p.r)); x++ {
			if math.Hypot(float64(x-p.x), float64(y-p.y)) <= p.r {
				in++
				if labels[y*w+x] != 0 {
					taken++
				}
			}
		}
	}
	return float64(taken) / math.Max(1, float64(in))
}

// trypanPaintDisc labels l the unlabelled pixels of ring peak p's disc.
func trypanPaintDisc(labels []int32, w, h int, p trypanRingPeak, l int32) {
	for y := max(0, int(float64(p.y)-p.r)); y <= min(h-1, int(float64(p.y)+p.r)); y++ {
		for x := max(0, int(float64(p.x)-p.r)); x <= min(w-1, int(float64(p.x)+p.r)); x++ {
			if labels[y*w+x] == 0 && math.Hypot(float64(x-p.x), float64(y-p.y)) <= p.r {
				labels[y*w+x] = l
			}
		}
	}
}

// Dark-rimmed ring cells outside every object.
//
// A live cell far from focus, or faint, can stay outside the foreground
// (its centre at the chamber grey) or be rejected by the cell test, and
// its centre is not bright enough for the focus cells' centre test; yet
// its refractile rim stays dark all round. Physgen seeds 8 and 10
// (10 fields), ring peaks outside every object with a disc mostly free:
// on missed live cells the rim (the least dark quarter) lay at −0.8 to
// −10 foreground thresholds (5–95 %) and the ring contrast at 1.3–7.8;
// on no cell −0.5 to −2.9 and 1.05–2.5, and the ones with a dark rim
// and high contrast were large rings, the gaps ringed by crowded cells
// (up to 1.4 times the field's cell radius, while 95 % of the missed
// cells' rings were within it). The grid misfit test is not asked of
// them: their rim, darker than the misfit, is what the ruling's rings
// lack, and the misfit rose with crowding (median 5 thresholds on the
// missed cells), so it cost half of them.
const (
	// trypanDarkRingK: the ring contrast is at least this many
	// foreground thresholds.
	trypanDarkRingK = 2
	// trypanDarkRingRimK: the rim's least dark quarter lies this many
	// foreground thresholds below the chamber.
	trypanDarkRingRimK = 1
	// trypanDarkRingMinCells: the field's cell radius is the median of at
	// least this many live objects.
	trypanDarkRingMinCells = 20
	// trypanDarkRingMaxRimTaken: at most this fraction of the rim
	// (0.8–1.05 of the ring's radius) lies in objects. A gap between
	// crowded cells is ringed by their outlines; a missed cell's rim is
	// its own, outside every object (physgen seed-2 field 10, 758 dead
	// cells: +135 live without it).
	trypanDarkRingMaxRimTaken = 0.5
	// trypanDarkRingMaxRimDead: at most this fraction of the band around
	// the rim (0.8–1.3 of the ring's radius) lies in objects called dead.
	// Stained cells are dark discs: the gap beside two or three of them
	// is ringed by their bodies, dark all round, with the chamber grey in
	// the middle. Physgen seed 12 fields 3, 12, 34 (below focus, 650–1100
	// dead): the dark rings on no cell had 0.14–0.46 of that band in dead
	// objects (30 of 38 above 0.1), those on missed live cells 0 (138 of
	// 206 at most 0.1).
	trypanDarkRingMaxRimDead = 0.1
)

// trypanRimTakenFrac is the fraction of ring peak p's rim, 0.8–1.05 of
// its radius, already labelled.
func trypanRimTakenFrac(labels []int32, w, h int, p trypanRingPeak) float64 {
	return trypanBandFrac(labels, w, h, p, 0.8, 1.05, func(l int32) bool { return l != 0 })
}

// trypanRimDeadFrac is the fraction of the band 0.8–1.3 of ring peak
// p's radius that lies in objects whose class (classes, by label) is not
// live.
func trypanRimDeadFrac(labels []int32, classes []string, w, h int, p trypanRingPeak) float64 {
	return trypanBandFrac(labels, w, h, p, 0.8, 1.3, func(l int32) bool {
		return l > 0 && int(l) <= len(classes) && classes[l-1] != models.ClassLive
	})
}

// trypanBandFrac is the fraction of the band lo–hi of ring peak p's radius
// whose label counts (in).
func trypanBandFrac(labels []int32, w, h int, p trypanRingPeak, lo, hi float64, in func(int32) bool) float64 {
	n, hit := 0, 0
	ro := hi * p.r
	for y := max(0, int(float64(p.y)-ro)); y <= min(h-1, int(float64(p.y)+ro)); y++ {
		for x := max(0, int(float64(p.x)-ro)); x <= min(w-1, int(float64(p.x)+ro)); x++ {
			if d := math.Hypot(float64(x-p.x), float64(y-p.y)); d >= lo*p.r && d <= ro {
				n++
				if in(labels[y*w+x]) {
					hit++
				}
			}
		}
	}
	return float64(hit) / math.Max(1, float64(n))
}

// trypanDarkRing reports whether ring peak p is a dark-rimmed ring no
// larger than the field's live cells (cellR, their median equivalent
// radius): contrast trypanDarkRingK and rim depth trypanDarkRingRimK
// foreground thresholds fgThr.
func trypanDarkRing(p trypanRingPeak, cellR, fgThr float64) bool {
	return float64(p.score) >= trypanDarkRingK*fgThr && float64(p.rim) <= -trypanDarkRingRimK*fgThr && p.r <= cellR
}

// trypanMedianLiveRadius is the median equivalent radius (px) of the
// objects of res called live, and whether there are at least
// trypanDarkRingMinCells of them.
func trypanMedianLiveRadius(res *trypanResult) (float64, bool) {
	area := make([]int, len(res.classes)+1)
	for _, l := range res.labels {
		if l > 0 && int(l) <= len(res.classes) {
			area[l]++
		}
	}
	var rs []float64
	for l := 1; l <= len(res.classes); l++ {
		if res.classes[l-1] == models.ClassLive && area[l] > 0 {
			rs = append(rs, math.Sqrt(float64(area[l])/math.Pi))
		}
	}
	if len(rs) < trypanDarkRingMinCells {
		return 0, false
	}
	sort.Float64s(rs)
	return rs[len(rs)/2], true
}
