package cells

import (
	"math"
	"sort"
)

// Whole-field pieces of one cell. A live cell in a sparse field can come
// out as two objects: the cell and a concentric ring of its dark halo, or
// the cell and a crescent of the halo against its edge; both are counted
// (seed-4 field 0: 59 of 95 false positives within 1.5 cell radii of a
// true cell, most at 0.1–0.2 R of a cell another object already matched).
// The halo makes the cell look larger than it is (objects of 18–30 µm for
// cells of ~18 µm), so the test is relative, not the live-cell size
// range. Only the concentric case is joined: a rule for crescents (a
// piece under 0.35 of its neighbour's area, centroid within 1.6 of its
// radius) also joined cells of clumps (seed-1 field 0: 16 matched live
// cells lost), and the pieces' inscribed radius on the foreground mask
// does not tell them from small cells.
const (
	// trypanHaloCentreFrac: an object whose centroid lies within this
	// fraction of a touching larger object's equivalent radius of its
	// centroid is part of it (a ring round it, or the cell inside its
	// ring). Two whole cells side by side are the sum of their radii
	// apart, at least 1.0 of the larger one's radius.
	trypanHaloCentreFrac = 0.5
)

// trypanMergeHalo joins each object of res to the touching larger object
// nearest in units of its radius (within trypanHaloCentreFrac), unless
// the two together would exceed the largest accepted cell (maxDiamPx).
// The joined object keeps the larger one's class; objects are renumbered
// (trypanRingRenumber).
func trypanMergeHalo(res *trypanResult, maxDiamPx float64) {
	w, n := res.w, len(res.classes)
	if n < 2 {
		return
	}
	area, sx, sy := make([]float64, n+1), make([]float64, n+1), make([]float64, n+1)
	for i, l := range res.labels {
		if l > 0 {
			area[l]++
			sx[l] += float64(i % w)
			sy[l] += float64(i / w)
		}
	}
	touch := trypanTouchingPairs(res.labels, w, res.h)
	maxArea := math.Pi * maxDiamPx * maxDiamPx / 4
	into := newForest[int32](n)
	root := into.find
	order := make([]int32, 0, n)
	for l := int32(1); l <= int32(n); l++ {
		order = append(order, l)
	}
	sort.SliceStable(order, func(i, j int) bool { return area[order[i]] < area[order[j]] })
	merged := false
	for _, a := range order {
		if area[a] == 0 || into[a] != a {
			continue
		}
		best, bd := int32(0), math.Inf(1)
		for _, b0 := range touch[a] {
			b := root(b0)
			if b == a || area[b] < area[a] || area[a]+area[b] > maxArea {
				continue
			}
			rb := math.Sqrt(area[b] / math.Pi)
			d := math.Hypot(sx[a]/area[a]-sx[b]/area[b], sy[a]/area[a]-sy[b]/area[b]) / rb
			if d < trypanHaloCentreFrac && d < bd {
				best, bd = b, d
			}
		}
		if best == 0 {
			continue
		}
		into[a] = best
		area[best] += area[a]
		sx[best] += sx[a]
		sy[best] += sy[a]
		merged = true
	}
	if !merged {
		return
	}
	for i, l := range res.labels {
		if l > 0 {
			res.labels[i] = root(l)
		}
	}
	trypanRingRenumber(res, res.classes)
}

// trypanTouchingPairs lists, for each label, the labels 4-adjacent to it.
func trypanTouchingPairs(labels []int32, w, h int) map[int32][]int32 {
	seen := map[[2]int32]bool{}
	out := map[int32][]int32{}
	add := func(a, b int32) {
		if a == 0 || b == 0 || a == b || seen[[2]int32{a, b}] {
			return
		}
		seen[[2]int32{a, b}], seen[[2]int32{b, a}] = true, true
		out[a] = append(out[a], b)
		out[b] = append(out[b], a)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			l := labels[y*w+x]
			if x+1 < w {
				add(l, labels[y*w+x+1])
			}
			if y+1 < h {
				add(l, labels[(y+1)*w+x])
			}
		}
	}
	return out
}
