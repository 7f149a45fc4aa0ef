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
	for _, p := range peaks {
		i := p.y*w + p.x
		if res.mask[i] == 0 {
			continue
		}
		// Inside an accepted object a cell is already known to be there:
		// a live-looking ring (centre not clearly below the chamber, as
		// the ring relabelling asks) marks one of its cells. Outside, only
		// a bright centre tells a cell from the ruling's and gaps' rings.
		inObj := labels[i] != 0 && int(labels[i]) <= n
		if inObj && p.centre <= trypanLiveCentreFrac*p.rim {
			continue
		}
		if !inObj && float64(p.centre) < trypanFocusCentreK*fgThr {
			continue
		}
		// The user's size bounds hold for these cells too.
		if 2*p.r < sc.minDiamPx || 2*p.r > sc.maxDiamPx {
			continue
		}
		if float64(p.x)+0.5+p.r > float64(w) || float64(p.y)+0.5+p.r > float64(h) {
			continue
		}
		if float64(p.score) < trypanRingK*fgThr+trypanRingMisfit*trypanRingMisfitAt(p, cross, w, h) {
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
