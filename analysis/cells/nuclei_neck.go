package cells

import (
	"cmp"
	"math"
	"slices"

	"github.com/histocount/histocount/analysis/internal/morph"
)

// neckSearchMaxCuts bounds how many candidate chords (shortest first) are
// tried as cuts per object: each try floods the object's bounding box.
const neckSearchMaxCuts = 12

// neckCut looks for the neck of one object (pix: row-major indices in an
// image of width w; hull: pixelHull of pix) and returns the two pieces it
// separates.
//
// A neck is a chord between two outline pixels that both lie at least
// minDepthPx inside the object's convex hull, under different hull edges
// (a concavity on each side, not two points of one bay), that runs inside
// the object and cuts it into two pieces of at least minPiecePx pixels
// each, the chord being no longer than maxNeckFrac × the smaller piece's
// equivalent diameter. The shortest such chord wins. Two nuclei pressed
// together are pinched on both sides of the line between their centres
// (discs 1.7 r apart: chord 1.05 r, 0.54 of a piece's equivalent
// diameter); a bean, a lobed or a textured single nucleus has at most one
// notch or a waist as wide as itself.
func neckCut(pix []int32, w int, hull [][2]float64, minDepthPx, maxNeckFrac, minPiecePx float64) (a, b []int32, ok bool) {
	g := newObjectGrid(pix, w)
	if len(hull) < 3 {
		return nil, nil, false
	}
	type concave struct {
		x, y int // grid coordinates
		bay  int // hull edge the pixel lies under
	}
	var cands []concave
	for gy := 1; gy < g.h-1; gy++ {
		for gx := 1; gx < g.w-1; gx++ {
			if !g.in(gx, gy) || g.in(gx-1, gy) && g.in(gx+1, gy) && g.in(gx, gy-1) && g.in(gx, gy+1) {
				continue
			}
			d, bay := hullDepth(hull, float64(gx+g.x0), float64(gy+g.y0))
			if d >= minDepthPx {
				cands = append(cands, concave{gx, gy, bay})
			}
		}
	}
	type chord struct {
		p, q   int32 // indices into cands
		length float32
	}
	// No chord longer than this passes: the smaller piece holds at most
	// half the object.
	maxLen := maxNeckFrac * 2 * math.Sqrt(float64(len(pix))/2/math.Pi)
	var chords []chord
	for i, p := range cands {
		for j := i + 1; j < len(cands); j++ {
			q := cands[j]
			if p.bay == q.bay {
				continue
			}
			if l := math.Hypot(float64(p.x-q.x), float64(p.y-q.y)); l <= maxLen {
				chords = append(chords, chord{int32(i), int32(j), float32(l)})
			}
		}
	}
	slices.SortFunc(chords, func(a, b chord) int {
		return cmp.Or(cmp.Compare(a.length, b.length), cmp.Compare(a.p, b.p), cmp.Compare(a.q, b.q))
	})
	tries := 0
	for _, c := range chords {
		if tries == neckSearchMaxCuts {
			break
		}
		p, q := cands[c.p], cands[c.q]
		if !g.chordInside(p.x, p.y, q.x, q.y) {
			continue
		}
		tries++
		pa, pb := g.cutAlong(p.x, p.y, q.x, q.y)
		small := float64(min(len(pa), len(pb)))
		if small < minPiecePx || float64(c.length) > maxNeckFrac*2*math.Sqrt(small/math.Pi) {
			continue
		}
		return pa, pb, true
	}
	return nil, nil, false
}

// hullDepth returns how far (px) the point lies inside the convex hull
// (counter-clockwise), the distance to the nearest hull edge's line, and
// that edge's index.
func hullDepth(hull [][2]float64, x, y float64) (float64, int) {
	d, edge := math.Inf(1), -1
	for e := range hull {
		a, b := hull[e], hull[(e+1)%len(hull)]
		l := math.Hypot(b[0]-a[0], b[1]-a[1])
		if l == 0 {
			continue
		}
		if v := ((b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])) / l; v < d {
			d, edge = v, e
		}
	}
	return d, edge
}

// objectGrid is one object's bounding box (grown by a pixel of
// background on each side) as a mask, with the image index of each cell.
type objectGrid struct {
	x0, y0, w, h int // grid origin in the image and size
	imgW         int
	mask         []bool
}

func newObjectGrid(pix []int32, w int) objectGrid {
	x0, y0, x1, y1 := math.MaxInt, math.MaxInt, -1, -1
	for _, i := range pix {
		x, y := int(i)%w, int(i)/w
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	g := objectGrid{x0: x0 - 1, y0: y0 - 1, w: x1 - x0 + 3, h: y1 - y0 + 3, imgW: w}
	g.mask = make([]bool, g.w*g.h)
	for _, i := range pix {
		g.mask[(int(i)/w-g.y0)*g.w+int(i)%w-g.x0] = true
	}
	return g
}

func (g objectGrid) in(x, y int) bool { return g.mask[y*g.w+x] }

// chordSteps samples the segment (x0,y0)–(x1,y1) finely enough that the
// rounded samples form an 8-connected line.
func chordSteps(x0, y0, x1, y1 int, visit func(x, y int) bool) bool {
	n := 2 * max(x1-x0, x0-x1, y1-y0, y0-y1)
	for s := 0; s <= n; s++ {
		t := 0.0
		if n > 0 {
			t = float64(s) / float64(n)
		}
		x := int(math.Round(float64(x0) + t*float64(x1-x0)))
		y := int(math.Round(float64(y0) + t*float64(y1-y0)))
		if !visit(x, y) {
			return false
		}
	}
	return true
}

// chordInside reports whether every pixel of the chord is in the object.
func (g objectGrid) chordInside(x0, y0, x1, y1 int) bool {
	return chordSteps(x0, y0, x1, y1, func(x, y int) bool { return g.in(x, y) })
}

// cutAlong removes the chord from the object, takes the two largest
// 4-connected parts left (an 8-connected line separates 4-connected
// regions) and gives the chord and any sliver to the side of the chord's
// line each pixel lies on. Returns the two pieces as image indices.
func (g objectGrid) cutAlong(x0, y0, x1, y1 int) ([]int32, []int32) {
	cut := slices.Clone(g.mask)
	chordSteps(x0, y0, x1, y1, func(x, y int) bool { cut[y*g.w+x] = false; return true })
	part, n := morph.LabelComponents4(cut, g.w, g.h) // 0: background or chord
	sizes := make([]int, n)
	for _, p := range part {
		if p > 0 {
			sizes[p-1]++
		}
	}
	if len(sizes) < 2 {
		return nil, nil
	}
	var first, second int32 // the largest and second-largest parts
	for l := int32(1); l <= int32(n); l++ {
		switch s := sizes[l-1]; {
		case first == 0 || s > sizes[first-1]:
			first, second = l, first
		case second == 0 || s > sizes[second-1]:
			second = l
		}
	}
	// Side of the chord's line: sign of the cross product, and which side
	// the first piece is on.
	cross := func(i int) int {
		x, y := i%g.w, i/g.w
		return (x1-x0)*(y-y0) - (y1-y0)*(x-x0)
	}
	side := func(i int) bool { return cross(i) > 0 }
	var firstSide, seen bool
	for i, p := range part {
		if p == first && cross(i) != 0 {
			firstSide, seen = side(i), true
			break
		}
	}
	var a, b []int32
	for i, p := range part {
		if !g.mask[i] {
			continue
		}
		img := int32((i/g.w+g.y0)*g.imgW + i%g.w + g.x0)
		switch {
		case p == first:
			a = append(a, img)
		case p == second:
			b = append(b, img)
		case seen && side(i) == firstSide:
			a = append(a, img)
		default:
			b = append(b, img)
		}
	}
	return a, b
}

// clumpSplit is the rule for objects too large and too concave to be one
// nucleus of this image (typ: the median object area, px).
type clumpSplit struct {
	typ, ratio, maxSolidity float64
	minDepthPx, maxNeckFrac float64 // neckCut's concavity depth and chord limit
	minPiecePx              float64 // a piece below this is no nucleus
	// Objects above pairRatio × typ (and at most ratio × typ) less convex
	// than pairMaxSolidity are cut at a neck of concavities pairDepthPx
	// deep, never by size, and only when the larger piece holds
	// pairMinLarger px: a crease across one nucleus pinches its outline on
	// both sides too, into two halves.
	pairRatio, pairMaxSolidity, pairDepthPx, pairMinLarger float64
}

func newClumpSplit(typ, ratio, maxSolidity float64) clumpSplit {
	rTyp := math.Sqrt(typ / math.Pi)
	return clumpSplit{
		typ: typ, ratio: ratio, maxSolidity: maxSolidity,
		minDepthPx:      max(nucleiNeckMinDepthPx, nucleiNeckDepthFrac*rTyp),
		maxNeckFrac:     nucleiNeckMaxChordFrac,
		minPiecePx:      nucleiNeckMinPieceFrac * typ,
		pairRatio:       nucleiPairAreaRatio,
		pairMaxSolidity: nucleiPairMaxSolidity,
		pairDepthPx:     max(nucleiPairMinDepthPx, nucleiPairDepthFrac*rTyp),
		pairMinLarger:   nucleiPairMinLargerFrac * typ,
	}
}

// pieces returns the nuclei that the object pix (row-major indices, image
// width w) holds, at most budget. It is one nucleus when no larger than
// ratio × typ or convex (solidity above maxSolidity), except that one
// above pairRatio × typ and less convex than pairMaxSolidity is cut in two
// at a neck whose larger piece holds pairMinLarger px (physgen DAPI and
// Kc167 seeds 2–10: most merged pairs are a nucleus and a smaller one,
// 1–1.6 × the median area, solidity 0.85–0.92, pinched where they touch).
// Else, where the
// outline has a neck (neckCut), the two pieces of the neck, each judged
// again by the same rule: a pair of large (G2) nuclei stays two although
// its area is three typical ones. Else round(area ÷ typ) k-means parts:
// touching nuclei without a neck are recognised only by their size.
func (c clumpSplit) pieces(pix []int32, w, budget int) [][]int32 {
	a := float64(len(pix))
	if budget < 2 || a <= c.pairRatio*c.typ {
		return [][]int32{pix}
	}
	hull := pixelHull(pix, w)
	if a <= c.ratio*c.typ {
		if hullSolidity(len(pix), hull) < c.pairMaxSolidity {
			pa, pb, ok := neckCut(pix, w, hull, c.pairDepthPx, c.maxNeckFrac, c.minPiecePx)
			if ok && float64(max(len(pa), len(pb))) >= c.pairMinLarger {
				return [][]int32{pa, pb}
			}
		}
		return [][]int32{pix}
	}
	if hullSolidity(len(pix), hull) > c.maxSolidity {
		return [][]int32{pix}
	}
	if pa, pb, ok := neckCut(pix, w, hull, c.minDepthPx, c.maxNeckFrac, c.minPiecePx); ok {
		ka := min(budget-1, max(1, int(math.Round(float64(budget)*float64(len(pa))/a))))
		return append(c.pieces(pa, w, ka), c.pieces(pb, w, budget-ka)...)
	}
	k := min(int(math.Round(a/c.typ)), budget)
	if k < 2 {
		return [][]int32{pix}
	}
	assign := kmeansPixels(pix, w, k)
	parts := make([][]int32, k)
	for j, i := range pix {
		parts[assign[j]] = append(parts[assign[j]], i)
	}
	return parts
}
