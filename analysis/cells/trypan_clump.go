package cells

import (
	"image"
	"math"
	"sort"
)

// Clumps on whole chamber fields.
//
// A flooded region larger than the largest accepted cell (40 µm) is a clump
// of cells whose outlines merged (touching cells, a dark shadow round them,
// a pale debris patch holding a few cells). trypanAccept would drop it
// whole (physgen seed 4: 844 live cells lost so). trypanSplitClumps instead
// cuts it between the cell centres it can see:
//
//   - live cells by their ring (the whole field's trypanRingPeaks), at their
//     own radius;
//   - stained cells by a dark disc of the field's typical cell radius
//     (trypanDarkDiscs), which must pass the gap test (trypanStainedDisc):
//     the dark gap between touching cells is as dark as a stained cell and
//     its centre is the darkest part of a cell-sized square too (physgen
//     seed-8 field 1: 657 of 2213 pieces held no cell without it). The
//     darkest square round a stained cell touching dark neighbours lies
//     off its centre, so a turned-down candidate is judged once more at
//     the darkest point near it (trypanStainedDiscNear).
//
// Each pixel goes to the nearest centre (in units of its radius) within
// trypanClumpReach of it; the rest (a shadow, a debris patch) is dropped.
// The pieces are then measured and judged like any other region. A region
// with no cue stays whole and rejected: cutting it by area overshoots
// where it is mostly shadow or debris (seed-4 field 0: 24 false live).
// The first version of this split is branch h9/clumps2 (notes/clumps9*.md).
// Branch h10/grey-clumps also took live cells seen below focus by a centre
// lighter than the annulus round it; left out: in the top-left 800×600 of
// physgen seed-7 field 13 (grey, focus −0.28) that cue made 160 live and
// 45 dead objects holding no cell (without it 88 and 17; main 16 dead),
// live 533 for 423 true (without it 448).
const (
	// trypanClumpDarkK: a stained cell's disc mean is below −K·fgThr
	// (seed-4 fields 10, 12 and seed-7 fields 9, 13: of the discs between
	// −2 and −4 thresholds 4 of 286 lay on a dead cell).
	trypanClumpDarkK = 4.0
	// trypanClumpReach: pixels beyond this many radii of every centre are
	// not part of a cell.
	trypanClumpReach = 1.25
	// trypanClumpDiscFrac: the dark-disc test averages over a square of
	// this fraction of the cell diameter (inside the cell, off its rim).
	trypanClumpDiscFrac = 0.8
	// trypanClumpDiscIn: at least this fraction of the square must lie
	// in the clump (a stained cell at its edge).
	trypanClumpDiscIn = 0.75
	// trypanClumpMinCells: a rejected region smaller than this many
	// typical cells is not looked at as touching cells.
	trypanClumpMinCells = 1.5
	// trypanClumpMinStdK: an oversized region whose grey spread is below
	// this many foreground thresholds has no cells' centres and rims in
	// it: a ruling-line remnant (spread 5–15 grey levels for a threshold
	// of 8) or a flat mis-flattened patch; clumps of cells spread 19–55.
	trypanClumpMinStdK = 2.0
)

// trypanSplitClumps cuts the regions of reg larger than sc.maxDiamPx
// between the cells they hold (see the block comment above), and the
// regions of at least trypanClumpMinCells typical cells that the cell test
// would reject but that hold two or more rings (touching live cells whose
// merged outline has no cell's centre and rim: seed-4 field 8, focus
// +0.87, lost 179 cells so). reg is relabelled in place (new labels above
// the old ones); bg, dist and fgThr are those of trypanFinish, cross the
// grid model's misfit (trypanFlattenGrid), peaks the whole field's ring
// peaks. A region without any cell cue is left as it is.
func trypanSplitClumps(reg []int32, flat, bg, cross []int16, dist []float32, peaks []trypanRingPeak, fgThr float64, w, h int, sc trypanScale) {
	start, order := trypanRegionPixels(reg)
	rc := trypanTypicalCellRadius(start, sc)
	clumps, boxes, oversize := trypanClumpCandidates(start, order, reg, flat, bg, dist, fgThr, w, h, rc, sc)
	if len(clumps) == 0 {
		return
	}
	isClump := make(map[int32]bool, len(clumps))
	for _, l := range clumps {
		isClump[l] = true
	}
	byReg := map[int32][]trypanRingPeak{}
	for _, p := range peaks {
		if l := reg[p.y*w+p.x]; isClump[l] && float64(p.score) >= trypanRingK*fgThr+trypanRingMisfit*trypanRingMisfitAt(p, cross, w, h) {
			byReg[l] = append(byReg[l], p)
		}
	}
	split := map[int32][]trypanRingPeak{}
	for i, l := range clumps {
		ps := order[start[l]:start[l+1]]
		cs := byReg[l]
		if oversize[i] {
			// Only there: a rejected cell-sized region is mostly a
			// line remnant, whose dark stretches would pass as discs.
			sums := trypanNewClumpSums(reg, l, flat, boxes[i], w)
			cs = append(cs, trypanDarkDiscs(ps, sums, flat, w, h, rc, fgThr, cs)...)
		}
		if len(cs) == 0 || (!oversize[i] && len(cs) < 2) {
			continue // not shown to be cells: left as it is
		}
		split[l] = cs
	}
	trypanSplitWithin(reg, w, split)
}

// trypanSplitWithin splits each region l of split between its centres
// (trypanSplitByPeaks) and drops the pixels farther than trypanClumpReach
// radii from the centre they went to.
func trypanSplitWithin(reg []int32, w int, split map[int32][]trypanRingPeak) {
	if len(split) == 0 {
		return
	}
	maxL := int32(0)
	for _, l := range reg {
		maxL = max(maxL, l)
	}
	// Regions carry no class yet: trypanSplitByPeaks only needs one slot
	// per label.
	classes := trypanSplitByPeaks(reg, w, split, make([]string, maxL))
	centreOf := make([]trypanRingPeak, len(classes)+1)
	for l := int32(1); l <= maxL; l++ {
		if cs, ok := split[l]; ok {
			centreOf[l] = cs[0]
		}
	}
	// New labels were appended in label order, one per extra centre.
	next := maxL + 1
	for l := int32(1); l <= maxL; l++ {
		if cs, ok := split[l]; ok {
			for _, c := range cs[1:] {
				centreOf[next] = c
				next++
			}
		}
	}
	for i, l := range reg {
		if l == 0 || centreOf[l].r == 0 {
			continue
		}
		c := centreOf[l]
		if math.Hypot(float64(i%w-c.x), float64(i/w-c.y)) > trypanClumpReach*c.r {
			reg[i] = 0
		}
	}
}

// trypanClumpCandidates lists the regions trypanSplitClumps may cut, with
// their bounding boxes and whether each is over the largest cell's area.
func trypanClumpCandidates(start, order, reg []int32, flat, bg []int16, dist []float32, fgThr float64, w, h int, rc float64, sc trypanScale) (ls []int32, boxes []image.Rectangle, oversize []bool) {
	maxArea := math.Pi * sc.maxDiamPx * sc.maxDiamPx / 4
	minArea := trypanClumpMinCells * math.Pi * rc * rc
	vals := make([]int, 0, 256)
	for l := int32(1); l+1 < int32(len(start)); l++ {
		ps := order[start[l]:start[l+1]]
		n := float64(len(ps))
		over := n > maxArea
		if !over && n < minArea {
			continue
		}
		f := trypanMeasure(ps, flat, bg, dist, fgThr, w, h, &vals)
		if over && f.std < trypanClumpMinStdK*fgThr {
			continue // no cell structure: a line remnant or a flat patch
		}
		if !over && trypanIsFieldCell(f, sc, fgThr) {
			continue
		}
		ls = append(ls, l)
		boxes = append(boxes, trypanPixelBox(ps, w))
		oversize = append(oversize, over)
	}
	return ls, boxes, oversize
}

// trypanPixelBox is the bounding box of pixels ps (indices in a row of w).
// (Union of the empty rectangle with a pixel is that pixel.)
func trypanPixelBox(ps []int32, w int) image.Rectangle {
	var b image.Rectangle
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		b = b.Union(image.Rect(x, y, x+1, y+1))
	}
	return b
}

// trypanTypicalCellRadius is the equivalent radius (px) of the median
// region of cell size (from the smallest whole cell to the largest cell),
// or the middle of the size range when there is none.
func trypanTypicalCellRadius(start []int32, sc trypanScale) float64 {
	a := trypanCellSizedAreas(start, sc, nil)
	if len(a) == 0 {
		return (sc.minCellDiamPx + sc.maxDiamPx) / 4
	}
	return math.Sqrt(median(a) / math.Pi)
}

// trypanCellSizedAreas lists the areas (px) of the regions (start: each
// label's offset in the pixel order) from the smallest whole cell to the
// largest cell, of the labels keep accepts (nil: all).
func trypanCellSizedAreas(start []int32, sc trypanScale, keep func(l int) bool) []float64 {
	lo := math.Pi * sc.minCellDiamPx * sc.minCellDiamPx / 4
	hi := math.Pi * sc.maxDiamPx * sc.maxDiamPx / 4
	var a []float64
	for l := 1; l+1 < len(start); l++ {
		if keep != nil && !keep(l) {
			continue
		}
		if n := float64(start[l+1] - start[l]); n >= lo && n <= hi {
			a = append(a, n)
		}
	}
	return a
}

// trypanClumpSums are integral images of flat and of membership in one
// clump over its bounding box, for the mean of flat over the clump's part
// of a square.
type trypanClumpSums struct {
	box image.Rectangle
	sum []float64
	cnt []int32
}

// trypanNewClumpSums builds the sums of clump l (labels reg) over box.
func trypanNewClumpSums(reg []int32, l int32, flat []int16, box image.Rectangle, w int) trypanClumpSums {
	bw, bh := box.Dx(), box.Dy()
	s := trypanClumpSums{box: box, sum: make([]float64, (bw+1)*(bh+1)), cnt: make([]int32, (bw+1)*(bh+1))}
	for y := 0; y < bh; y++ {
		for x := 0; x < bw; x++ {
			p := (box.Min.Y+y)*w + box.Min.X + x
			v, in := 0.0, int32(0)
			if reg[p] == l {
				v, in = float64(flat[p]), 1
			}
			i := (y+1)*(bw+1) + x + 1
			s.sum[i] = v + s.sum[i-1] + s.sum[i-bw-1] - s.sum[i-bw-2]
			s.cnt[i] = in + s.cnt[i-1] + s.cnt[i-bw-1] - s.cnt[i-bw-2]
		}
	}
	return s
}

// square is the sum of flat and the number of clump pixels in the square
// of half-side half centred on image pixel (x, y), clipped to the box.
func (s trypanClumpSums) square(x, y, half int) (sum float64, in int32) {
	bw, bh := s.box.Dx(), s.box.Dy()
	x, y = x-s.box.Min.X, y-s.box.Min.Y
	x0, y0 := max(0, x-half), max(0, y-half)
	x1, y1 := min(bw, x+half+1), min(bh, y+half+1)
	a, b, c, d := y0*(bw+1)+x0, y0*(bw+1)+x1, y1*(bw+1)+x0, y1*(bw+1)+x1
	return s.sum[d] - s.sum[b] - s.sum[c] + s.sum[a], s.cnt[d] - s.cnt[b] - s.cnt[c] + s.cnt[a]
}

// trypanClumpCand is a candidate centre and the score it is ranked by
// (lowest first).
type trypanClumpCand struct {
	x, y int
	m    float64
}

// trypanPickCentres takes the candidates best first (lowest m, ties in
// raster order), each at least trypanRingSep radii from the centres
// taken before (taken), from the ones it keeps and from the ones ok
// turned down (nil ok: all pass): a dark patch is judged once, by its
// darkest point, or the rim beside a turned-down gap would pass next.
func trypanPickCentres(cands []trypanClumpCand, taken []trypanRingPeak, rc float64, w int, ok func(c *trypanClumpCand) bool) []trypanRingPeak {
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].m != cands[j].m {
			return cands[i].m < cands[j].m
		}
		return cands[i].y*w+cands[i].x < cands[j].y*w+cands[j].x
	})
	var out, failed []trypanRingPeak
	near := func(x, y int, cs []trypanRingPeak) bool {
		for _, c := range cs {
			if math.Hypot(float64(x-c.x), float64(y-c.y)) < trypanRingSep*math.Max(rc, c.r) {
				return true
			}
		}
		return false
	}
	for _, c := range cands {
		if near(c.x, c.y, taken) || near(c.x, c.y, out) || near(c.x, c.y, failed) {
			continue
		}
		p := trypanRingPeak{x: c.x, y: c.y, r: rc}
		if ok != nil && !ok(&c) {
			failed = append(failed, p)
			continue
		}
		// ok may have moved the centre onto the disc's own.
		p.x, p.y = c.x, c.y
		out = append(out, p)
	}
	return out
}

// trypanDarkDiscs finds the stained cells of a clump (pixels ps, sums over
// its box): the local minima (none darker within trypanDiscMinSep radii)
// of the mean of flat over the part in the clump (at least
// trypanClumpDiscIn) of a square of side trypanClumpDiscFrac·2rc, below
// −trypanClumpDarkK·fgThr, darkest first, each at least trypanRingSep·rc
// from the centres found before (found) and from the darker ones judged,
// and shaped like a stained cell, not like the gap between touching cells
// (trypanStainedDiscNear, which may move the centre onto the disc's own).
// Only minima: beside a gap that was turned down,
// the inside of a dark live cell is dark too, but darker towards the gap.
func trypanDarkDiscs(ps []int32, sums trypanClumpSums, flat []int16, w, h int, rc, fgThr float64, found []trypanRingPeak) []trypanRingPeak {
	half := max(1, int(trypanClumpDiscFrac*rc))
	full := int32((2*half + 1) * (2*half + 1))
	box := sums.box
	mean := make([]float64, box.Dx()*box.Dy())
	for i := range mean {
		mean[i] = math.Inf(1)
	}
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		if sum, in := sums.square(x, y, half); float64(in) >= trypanClumpDiscIn*float64(full) {
			mean[(y-box.Min.Y)*box.Dx()+x-box.Min.X] = sum / float64(in)
		}
	}
	sep := max(1, int(trypanDiscMinSep*rc))
	var cands []trypanClumpCand
	for _, p := range ps {
		x, y := int(p)%w-box.Min.X, int(p)/w-box.Min.Y
		m := mean[y*box.Dx()+x]
		if m >= -trypanClumpDarkK*fgThr {
			continue
		}
		if trypanIsLocalMin(mean, box.Dx(), box.Dy(), x, y, sep) {
			cands = append(cands, trypanClumpCand{x + box.Min.X, y + box.Min.Y, m})
		}
	}
	ok := func(c *trypanClumpCand) bool {
		var pass bool
		c.x, c.y, pass = trypanStainedDiscNear(flat, w, h, c.x, c.y, rc)
		return pass
	}
	return trypanPickCentres(cands, found, rc, w, ok)
}

// trypanDiscMinSep: a disc candidate is the darkest square mean within
// this many cell radii.
const trypanDiscMinSep = 0.5

// trypanIsLocalMin reports whether no value of m (bw×bh) within sep
// pixels (a square) of (x, y) is below m's value there.
func trypanIsLocalMin(m []float64, bw, bh, x, y, sep int) bool {
	v := m[y*bw+x]
	for yy := max(0, y-sep); yy <= min(bh-1, y+sep); yy++ {
		for xx := max(0, x-sep); xx <= min(bw-1, x+sep); xx++ {
			if m[yy*bw+xx] < v {
				return false
			}
		}
	}
	return true
}

// The gap test. A stained cell is a filled disc, darkest at its centre
// (it absorbs most where it is thickest): round its centre the dark spreads
// evenly in every direction. The gap between touching round cells is
// bounded by their convex rims, which pass close to it: its darkness lies
// in the directions of those rims (darker than its middle), and towards
// the cells' interiors it fades. Both are read from trypanDiscSectors
// sectors of the annulus trypanDiscInLo–trypanDiscInHi cell radii round
// the candidate, against the mean within trypanDiscInLo. On the disc
// candidates of physgen seed-4 fields 10 and 12, seed-7 fields 9 and 13
// and seed-8 field 1 (matched to the truth: within 0.5 radii of a dead
// cell, or of none), the two bounds keep 11 of 12, 66 of 72 and 96 of 115
// dead cells and 5 of 37, 11 of 46 and 111 of 290 gaps.
const (
	trypanDiscSectors = 8
	trypanDiscInLo    = 0.2
	trypanDiscInHi    = 0.55
	// trypanDiscMinFill: the lightest sector keeps at least this
	// fraction of the centre's depth (filled, round).
	trypanDiscMinFill = 0.4
	// trypanDiscMaxDark: no sector is darker than this many times the
	// centre (darkest near the centre, not along neighbours' rims).
	trypanDiscMaxDark = 1.3
)

// trypanDiscSpread is the lightest and the darkest sector mean of the
// annulus round (x, y) (trypanDiscInLo–trypanDiscInHi radii rc) as
// fractions of the mean within trypanDiscInLo; ok is false when the
// centre is not darker than the chamber.
func trypanDiscSpread(flat []int16, w, h, x, y int, rc float64) (fill, dark float64, ok bool) {
	var ss [trypanDiscSectors]float64
	var ns [trypanDiscSectors]int
	var sc, nc float64
	reach := int(math.Ceil(trypanDiscInHi * rc))
	for yy := max(0, y-reach); yy <= min(h-1, y+reach); yy++ {
		for xx := max(0, x-reach); xx <= min(w-1, x+reach); xx++ {
			dx, dy := float64(xx-x), float64(yy-y)
			d := math.Hypot(dx, dy) / rc
			v := float64(flat[yy*w+xx])
			switch {
			case d < trypanDiscInLo:
				sc += v
				nc++
			case d < trypanDiscInHi:
				k := min(int((math.Atan2(dy, dx)+math.Pi)/(2*math.Pi)*trypanDiscSectors), trypanDiscSectors-1)
				ss[k] += v
				ns[k]++
			}
		}
	}
	if nc == 0 || sc >= 0 {
		return 0, 0, false
	}
	centre := sc / nc
	lo, hi := math.Inf(1), math.Inf(-1)
	for k := range ss {
		if ns[k] > 0 {
			m := ss[k] / float64(ns[k])
			lo, hi = math.Min(lo, m), math.Max(hi, m)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 0, false
	}
	return hi / centre, lo / centre, true
}

// trypanStainedDisc reports whether the dark disc candidate at (x, y) is a
// stained cell of radius about rc rather than the gap between touching
// cells (the gap test above).
func trypanStainedDisc(flat []int16, w, h, x, y int, rc float64) bool {
	fill, dark, ok := trypanDiscSpread(flat, w, h, x, y, rc)
	return ok && fill >= trypanDiscMinFill && dark <= trypanDiscMaxDark
}

// trypanDiscRecentre: a dark-disc candidate is the darkest cell-sized
// square, which between two touching stained cells lies off each cell's
// centre towards the other (the neighbour's dark fills that side of the
// square). A stained cell is darkest at its own centre, where it is
// thickest: the gap test is tried again at the darkest point, by the mean
// within trypanDiscInLo radii (the test's own centre zone), within this
// many radii of the candidate.
const trypanDiscRecentre = 0.6

// trypanStainedDiscNear is trypanStainedDisc at (x, y) or, failing that,
// at the darkest point near it (trypanDiscRecentre); it returns the point
// that passed.
func trypanStainedDiscNear(flat []int16, w, h, x, y int, rc float64) (int, int, bool) {
	if trypanStainedDisc(flat, w, h, x, y, rc) {
		return x, y, true
	}
	reach := int(trypanDiscRecentre * rc)
	cr := max(1, int(trypanDiscInLo*rc))
	bx, by, best := x, y, math.Inf(1)
	for dy := -reach; dy <= reach; dy++ {
		for dx := -reach; dx <= reach; dx++ {
			xx, yy := x+dx, y+dy
			if math.Hypot(float64(dx), float64(dy)) > trypanDiscRecentre*rc || xx-cr < 0 || yy-cr < 0 || xx+cr >= w || yy+cr >= h {
				continue
			}
			sum, n := 0.0, 0
			for v := -cr; v <= cr; v++ {
				for u := -cr; u <= cr; u++ {
					if u*u+v*v <= cr*cr {
						sum += float64(flat[(yy+v)*w+xx+u])
						n++
					}
				}
			}
			if m := sum / float64(n); m < best {
				bx, by, best = xx, yy, m
			}
		}
	}
	if bx == x && by == y {
		return x, y, false
	}
	fill, dark, ok := trypanDiscSpread(flat, w, h, bx, by, rc)
	if !ok || fill < trypanDiscMinFill || dark > trypanDiscRecentredMaxDark {
		return x, y, false
	}
	return bx, by, true
}

// trypanDiscRecentredMaxDark: at the darkest point the dark must fade in
// every direction (Beer–Lambert), with no sector darker than the centre.
const trypanDiscRecentredMaxDark = 1.0
