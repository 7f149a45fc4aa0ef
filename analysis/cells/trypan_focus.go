package cells

import (
	"math"

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
)

// trypanFocusCells adds to res a live cell (a disc of the peak's radius
// on unlabelled pixels) at each bright-centred ring peak that lies in the
// foreground mask but in no accepted object, passes the ring supplement's
// misfit test on the ruling and the chamber edge rule, and whose disc is
// not already mostly taken (trypanRingMaxTaken) by objects or earlier
// additions. An accepted object holding two or more such peaks (two
// bright cells whose outlines merged into one accepted region) is split
// between them (trypanSplitByPeaks). Objects are renumbered when any cell
// is added or split. peaks are the whole field's ring peaks
// (trypanRingPeaks).
func trypanFocusCells(res *trypanResult, cross []int16, peaks []trypanRingPeak, sc trypanScale, fgThr float64) {
	w, h := res.w, res.h
	n := len(res.classes)
	classes := append([]string(nil), res.classes...)
	labels := res.labels
	byObj := make([][]trypanRingPeak, n+1)
	added := false
	for _, p := range peaks {
		i := p.y*w + p.x
		if res.mask[i] == 0 || float64(p.centre) < trypanFocusCentreK*fgThr {
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
	var split map[int32][]trypanRingPeak
	for l := 1; l <= n; l++ {
		if len(byObj[l]) >= 2 {
			if split == nil {
				split = map[int32][]trypanRingPeak{}
			}
			split[int32(l)] = byObj[l]
		}
	}
	if split != nil {
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
		x, y := i%w, i/w
		best, bd := 0, math.Inf(1)
		for k, p := range peaks {
			if d := math.Hypot(float64(x-p.x), float64(y-p.y)) / p.r; d < bd {
				best, bd = k, d
			}
		}
		labels[i] = ids[l][best]
	}
	return classes
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
