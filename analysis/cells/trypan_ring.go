package cells

import (
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/models"
)

// Ring detection of live cells on whole chamber fields.
//
// An unstained cell is a phase object: its centre is at or above the
// chamber grey and its refractile rim below it, at any focus. A stained
// cell is an absorbing sphere, thickest (darkest) at its centre; a debris
// speck is a small dark blot. So the mean of the grid-flattened field over
// the centre (a square of side 0.8 r) minus the mean of the least dark
// quarter of the rim at 0.8–1.05 r, the ring contrast, is positive only
// for live cells of radius ≈ r, and it integrates over tens of pixels, so
// faint cells whose every pixel stays within the foreground threshold
// (low rim darkness, JPEG noise) still stand out. Box means (strips for
// the rim's quarters) keep the cost independent of the radius: the disc
// and annulus kernels of the first version (branch h3/fields) took 2.3 s
// of a 1600×1200 field's 3.0 s. trypanRingSupplement evaluates it at radii
// spanning trypanRingMinUM–trypanRingMaxUM; an object called dead that
// holds a ring whose centre is near the chamber grey is relabelled live
// (trypanScale.ringClass), and with ringAdd a peak outside every object
// becomes a new live cell (a disc of its radius) and an object holding
// several well-separated peaks is split between them (nearest peak).
//
// Status (physgen chamber fields, held out; measured with the line-presence
// grid removal as in bc2241c, bands by the strongest band): ringClass is on — seed 2 (12 fields)
// pooled viability error 0.78 → 0.66 pp, per-field MAE 3.49 → 3.46 pp;
// seed 3 (12 fields) 5.44 → 3.52 pp, MAE 5.02 → 3.81 pp, live called dead
// 227 → 139; WAPE unchanged (16.85 %, 13.78 %). ringAdd is off: it lowers
// WAPE (seed 2 16.85 → 14.31 %, seed 3 13.78 → 11.73 %) by finding missed
// live cells, but raises the per-field MAE on both (3.46 → 4.39,
// 3.81 → 4.32 pp) and seed 2's pooled viability error (0.66 → 1.05 pp),
// and on the authors' chambersynth fields it calls too many live
// (TestTrypanWholeFields pooled viability 76.4 % against 74.9 % true,
// bound 1.5 pp). Constants were chosen on five physgen seed-1 fields.
const (
	// Radii of the ring scan, µm: live cells are 8–25 µm across.
	trypanRingMinUM = 4
	trypanRingMaxUM = 12.5
	// trypanRingStep: ratio of successive radii.
	trypanRingStep = 1.15
	// trypanRingK: a peak needs a ring contrast of this many times the
	// foreground threshold.
	trypanRingK = 1.0
	// trypanRingSep: peaks closer than this times the larger radius are
	// one cell (touching cells are ≥ 1.76 r apart).
	trypanRingSep = 1.2
	// trypanRingZ: robust standard deviations of the map above its
	// median that noise alone does not reach (trypanRingNoiseFloor).
	trypanRingZ = 5
	// trypanRingRim: the rim's depth below the chamber grey, times this,
	// must also exceed the threshold.
	trypanRingRim = 2
	// trypanRingMisfit: on the ruling the contrast must also exceed this
	// many times the grid model's misfit within the disc.
	trypanRingMisfit = 1
	// trypanRingMaxTaken: a new cell's disc may overlap existing objects
	// by at most this fraction.
	trypanRingMaxTaken = 0.3
	// trypanRingTile: tile side (px) of trypanRingNoiseFloor.
	trypanRingTile = 64
)

// Defaults of trypanScale.ringClass and ringAdd for calibrated fields
// (see Status above).
const (
	trypanRingClassOn = true
	trypanRingAddOn   = false
)

// trypanRingPeak is one detected ring: centre (px), radius (px), contrast.
type trypanRingPeak struct {
	x, y  int
	r     float64
	score float32
	// centre and rim: mean flattened grey of the centre disc and of the
	// least dark quarter of the annulus at the peak's radius.
	centre, rim float32
}

// trypanRingRadii returns the scan radii in pixels.
func trypanRingRadii(pixelSizeUM float64) []float64 {
	var out []float64
	for r := trypanRingMinUM / pixelSizeUM; r <= trypanRingMaxUM/pixelSizeUM*1.001; r *= trypanRingStep {
		out = append(out, r)
	}
	return out
}

// trypanRingPeaks scans flat for ring peaks of contrast above thr. With
// within nil the whole field is scanned and every peak is returned. Else
// only the peaks inside the rectangles of within are returned, and the
// contrast map is evaluated only where they depend on it (see
// trypanRingScan): the same peaks as the whole-field scan returns there.
func trypanRingPeaks(flat []int16, w, h int, radii []float64, thr float64, within []image.Rectangle) []trypanRingPeak {
	s := newTrypanRingScan(flat, w, h, radii)
	thr = math.Max(thr, s.noiseFloor())
	if within == nil {
		s.need(image.Rect(0, 0, w, h))
		return s.suppress(s.localMaxima(thr))
	}
	for _, r := range within {
		s.need(r)
	}
	for {
		peaks := s.localMaxima(thr)
		if s.closed(peaks, within) {
			var out []trypanRingPeak
			for _, p := range s.suppress(peaks) {
				if trypanRingInside(p, within) {
					out = append(out, p)
				}
			}
			return out
		}
	}
}

// trypanRingInside reports whether p's centre lies in one of rs.
func trypanRingInside(p trypanRingPeak, rs []image.Rectangle) bool {
	for _, r := range rs {
		if image.Pt(p.x, p.y).In(r) {
			return true
		}
	}
	return false
}

// trypanRingScanTile: side (px) of the tiles in which trypanRingScan
// evaluates the contrast map, at least the local-maximum window's half.
const trypanRingScanTile = 16

// trypanRingScan evaluates the ring contrast (trypanRingMaps' box means,
// best over the radii) from an integral image, pixel by pixel, on demand:
// only on the noise floor's sample grid and in the tiles that the peaks of
// interest depend on. A peak depends on the map within its local-maximum
// window and, through the greedy suppression, on every stronger peak
// within trypanRingSep radii, and so on recursively (closed).
type trypanRingScan struct {
	w, h, pad, iw int
	radii         []float64
	geo           []trypanRingGeom
	integ         []float64 // padded (reflect-101, as gocv.Blur) integral image
	best          []float32
	scale         []uint8
	tile, tw, th  int
	needed, done  []bool // per tile
	kern          []image.Point
}

// trypanRingGeom holds the box sizes of one radius (see trypanRingMaps).
// invC and invS are 1/area of the centre square and of a rim strip.
type trypanRingGeom struct {
	mid, thick, long, side int
	invC, invS             float64
}

func newTrypanRingScan(flat []int16, w, h int, radii []float64) *trypanRingScan {
	s := &trypanRingScan{w: w, h: h, radii: radii}
	for _, r := range radii {
		rin, rout := math.Min(0.8*r, r-1.2), 1.05*r
		g := trypanRingGeom{
			mid:   int(math.Round((rin + rout) / 2)),
			thick: max(1, int(math.Round(rout-rin))),
			long:  2*int(math.Round(0.5*(rin+rout)/2)) + 1,
			side:  2*int(math.Round(0.4*r)) + 1,
		}
		g.invC, g.invS = 1/float64(g.side*g.side), 1/float64(g.thick*g.long)
		s.geo = append(s.geo, g)
		s.pad = max(s.pad, g.long, g.side, g.thick)
	}
	s.pad = min(s.pad, w-1, h-1)
	// Integer sums are exact in float64, so the box means equal gocv.Blur's
	// (double sums of float32 integers, times 1/area, rounded to float32).
	pw, ph := w+2*s.pad, h+2*s.pad
	s.iw = pw + 1
	s.integ = make([]float64, (ph+1)*s.iw)
	for py := 0; py < ph; py++ {
		y := trypanReflect101(py-s.pad, h)
		row := 0.0
		for px := 0; px < pw; px++ {
			row += float64(flat[y*w+trypanReflect101(px-s.pad, w)])
			s.integ[(py+1)*s.iw+px+1] = s.integ[py*s.iw+px+1] + row
		}
	}
	s.best = make([]float32, w*h)
	for i := range s.best {
		s.best[i] = -1e9
	}
	s.scale = make([]uint8, w*h)
	ks := 2*int(math.Max(1, math.Round(0.8*radii[0]))) + 1
	s.tile = max(trypanRingScanTile, ks/2)
	s.tw, s.th = (w+s.tile-1)/s.tile, (h+s.tile-1)/s.tile
	s.needed, s.done = make([]bool, s.tw*s.th), make([]bool, s.tw*s.th)
	// The local-maximum window: the elliptic kernel gocv.Dilate used.
	kern := gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(ks, ks))
	defer kern.Close()
	for ky := 0; ky < ks; ky++ {
		for kx := 0; kx < ks; kx++ {
			if kern.GetUCharAt(ky, kx) != 0 {
				s.kern = append(s.kern, image.Pt(kx-ks/2, ky-ks/2))
			}
		}
	}
	return s
}

// trypanReflect101 maps i into 0..n−1 as OpenCV's BORDER_REFLECT_101.
func trypanReflect101(i, n int) int {
	if i < 0 {
		return -i
	}
	if i >= n {
		return 2*(n-1) - i
	}
	return i
}

// box is the mean of the kw×kh box at (x, y) with gocv.Blur's anchor;
// inv is 1/(kw·kh).
func (s *trypanRingScan) box(x, y, kw, kh int, inv float64) float32 {
	x0, y0 := x-kw/2+s.pad, y-kh/2+s.pad
	x1, y1 := x0+kw, y0+kh
	sum := s.integ[y1*s.iw+x1] - s.integ[y0*s.iw+x1] - s.integ[y1*s.iw+x0] + s.integ[y0*s.iw+x0]
	return float32(sum * inv)
}

// maps returns trypanRingMaps' centre and rim means at (x, y), radius k.
func (s *trypanRingScan) maps(x, y, k int) (centre, rim float32) {
	g := s.geo[k]
	centre = s.box(x, y, g.side, g.side, g.invC)
	rim = max(s.box(max(x-g.mid, 0), y, g.thick, g.long, g.invS), s.box(min(x+g.mid, s.w-1), y, g.thick, g.long, g.invS),
		s.box(x, max(y-g.mid, 0), g.long, g.thick, g.invS), s.box(x, min(y+g.mid, s.h-1), g.long, g.thick, g.invS))
	return centre, rim
}

// eval sets best and scale at (x, y).
func (s *trypanRingScan) eval(x, y int) {
	i := y*s.w + x
	for k := range s.radii {
		c, r := s.maps(x, y, k)
		// The rim must also lie below the chamber grey all round: a
		// bright gap between close grid lines or a cell's halo has a
		// centre above its surroundings but no dark ring.
		if d := min(c-r, -trypanRingRim*r); d > s.best[i] {
			s.best[i], s.scale[i] = d, uint8(k)
		}
	}
}

// noiseFloor evaluates the map on trypanRingNoiseFloor's sample grid and
// returns the floor.
func (s *trypanRingScan) noiseFloor() float64 {
	const b = trypanRingTile
	// Row by row: the integral image's differences between a box's bottom
	// and top rows, once per row, then two reads per box (integer sums:
	// the same values as box).
	dC, dV, dU, dD := make([]float64, s.iw), make([]float64, s.iw), make([]float64, s.iw), make([]float64, s.iw)
	for y := 0; y < s.h/b*b; y += 2 {
		for k, g := range s.geo {
			s.rowDiff(dC, y, g.side)
			s.rowDiff(dV, y, g.long)
			s.rowDiff(dU, max(y-g.mid, 0), g.thick)
			s.rowDiff(dD, min(y+g.mid, s.h-1), g.thick)
			for x := 0; x < s.w/b*b; x += 2 {
				c := s.rowBox(dC, x, g.side, g.invC)
				r := max(s.rowBox(dV, max(x-g.mid, 0), g.thick, g.invS), s.rowBox(dV, min(x+g.mid, s.w-1), g.thick, g.invS),
					s.rowBox(dU, x, g.long, g.invS), s.rowBox(dD, x, g.long, g.invS))
				i := y*s.w + x
				if d := min(c-r, -trypanRingRim*r); d > s.best[i] {
					s.best[i], s.scale[i] = d, uint8(k)
				}
			}
		}
	}
	return trypanRingNoiseFloor(s.best, s.w, s.h)
}

// rowDiff sets d to the integral image's row below minus its row above
// the kh rows of a box centred (gocv.Blur's anchor) on row y.
func (s *trypanRingScan) rowDiff(d []float64, y, kh int) {
	y0 := y - kh/2 + s.pad
	top, bottom := s.integ[y0*s.iw:(y0+1)*s.iw], s.integ[(y0+kh)*s.iw:(y0+kh+1)*s.iw]
	for i := range d {
		d[i] = bottom[i] - top[i]
	}
}

// rowBox is box's mean from rowDiff's d: the kw columns at x.
func (s *trypanRingScan) rowBox(d []float64, x, kw int, inv float64) float32 {
	x0 := x - kw/2 + s.pad
	return float32((d[x0+kw] - d[x0]) * inv)
}

// need marks the tiles meeting r, and their neighbours (the local-maximum
// window of a pixel reaches into them), for evaluation; it reports whether
// any was not yet evaluated.
func (s *trypanRingScan) need(r image.Rectangle) bool {
	r = r.Intersect(image.Rect(0, 0, s.w, s.h))
	if r.Empty() {
		return false
	}
	grew := false
	for ty := max(0, r.Min.Y/s.tile-1); ty <= min(s.th-1, (r.Max.Y-1)/s.tile+1); ty++ {
		for tx := max(0, r.Min.X/s.tile-1); tx <= min(s.tw-1, (r.Max.X-1)/s.tile+1); tx++ {
			if !s.done[ty*s.tw+tx] {
				s.needed[ty*s.tw+tx], grew = true, true
			}
		}
	}
	return grew
}

// localMaxima evaluates the needed tiles and returns the local maxima
// above thr in the tiles whose neighbours are all evaluated (there the
// window is complete), strongest first, ties in row-major order.
func (s *trypanRingScan) localMaxima(thr float64) []trypanRingPeak {
	for t, n := range s.needed {
		if !n || s.done[t] {
			continue
		}
		tx, ty := t%s.tw, t/s.tw
		for y := ty * s.tile; y < min(s.h, (ty+1)*s.tile); y++ {
			for x := tx * s.tile; x < min(s.w, (tx+1)*s.tile); x++ {
				s.eval(x, y)
			}
		}
		s.done[t] = true
	}
	var peaks []trypanRingPeak
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			v := s.best[y*s.w+x]
			if float64(v) <= thr || !s.complete(x/s.tile, y/s.tile) || !s.isMax(x, y, v) {
				continue
			}
			k := int(s.scale[y*s.w+x])
			c, r := s.maps(x, y, k)
			peaks = append(peaks, trypanRingPeak{x: x, y: y, r: s.radii[k], score: v, centre: c, rim: r})
		}
	}
	sort.SliceStable(peaks, func(i, j int) bool { return peaks[i].score > peaks[j].score })
	return peaks
}

// complete reports whether tile (tx, ty) and its neighbours are evaluated.
func (s *trypanRingScan) complete(tx, ty int) bool {
	for y := max(0, ty-1); y <= min(s.th-1, ty+1); y++ {
		for x := max(0, tx-1); x <= min(s.tw-1, tx+1); x++ {
			if !s.done[y*s.tw+x] {
				return false
			}
		}
	}
	return true
}

// isMax: v is at least the map's maximum over the window (gocv.Dilate with
// its default border, which ignores pixels outside the field).
func (s *trypanRingScan) isMax(x, y int, v float32) bool {
	for _, o := range s.kern {
		if xx, yy := x+o.X, y+o.Y; xx >= 0 && yy >= 0 && xx < s.w && yy < s.h && s.best[yy*s.w+xx] > v {
			return false
		}
	}
	return true
}

// closed reports whether the suppression of every peak inside within
// depends only on peaks found: the stronger peaks that can suppress a
// peak lie within trypanRingSep of the largest radius, so that square,
// for it and recursively for them, must lie in complete tiles. Where it
// does not, those tiles are marked needed and false is returned.
func (s *trypanRingScan) closed(peaks []trypanRingPeak, within []image.Rectangle) bool {
	reach := int(math.Ceil(trypanRingSep * s.radii[len(s.radii)-1]))
	in := make([]bool, len(peaks))
	var queue []int
	for i, p := range peaks {
		if trypanRingInside(p, within) {
			in[i] = true
			queue = append(queue, i)
		}
	}
	grew := false
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		p := peaks[i]
		if s.need(image.Rect(p.x-reach, p.y-reach, p.x+reach+1, p.y+reach+1)) {
			grew = true
			continue
		}
		for j := 0; j < i; j++ {
			q := peaks[j]
			if !in[j] && math.Hypot(float64(p.x-q.x), float64(p.y-q.y)) < trypanRingSep*math.Max(p.r, q.r) {
				in[j] = true
				queue = append(queue, j)
			}
		}
	}
	return !grew
}

// suppress keeps peaks (strongest first) greedily: a peak closer than
// trypanRingSep times the larger radius to a kept one is the same cell.
func (s *trypanRingScan) suppress(peaks []trypanRingPeak) []trypanRingPeak {
	radii := s.radii
	w := s.w
	// Greedy suppression across scales, on a coarse hash grid.
	cell := 2 * trypanRingSep * radii[len(radii)-1]
	gw := int(float64(w)/cell) + 1
	grid := map[int][]int{}
	var kept []trypanRingPeak
	for _, p := range peaks {
		gx, gy := int(float64(p.x)/cell), int(float64(p.y)/cell)
		ok := true
		for dy := -1; dy <= 1 && ok; dy++ {
			for dx := -1; dx <= 1 && ok; dx++ {
				for _, k := range grid[(gy+dy)*gw+gx+dx] {
					q := kept[k]
					if math.Hypot(float64(p.x-q.x), float64(p.y-q.y)) < trypanRingSep*math.Max(p.r, q.r) {
						ok = false
						break
					}
				}
			}
		}
		if ok {
			grid[gy*gw+gx] = append(grid[gy*gw+gx], len(kept))
			kept = append(kept, p)
		}
	}
	return kept
}

// trypanRingSupplement adds the ring peaks the segmentation of res missed
// (see the block comment above) and renumbers the objects in row-major
// order of their rounded centroids.
//
// With add false only the relabelling is done: no new cells, no splits.
// peaks are the whole field's (trypanRingPeaks with within nil).
func trypanRingSupplement(res *trypanResult, cross []int16, peaks []trypanRingPeak, fgThr float64, add bool) {
	w, h := res.w, res.h
	n := len(res.classes)
	// Relabelling needs the peaks inside the objects not called live only;
	// adding cells needs them everywhere.
	if !add {
		within := trypanNotLiveBoxes(res.labels, res.classes, w)
		var in []trypanRingPeak
		for _, p := range peaks {
			if trypanRingInside(p, within) {
				in = append(in, p)
			}
		}
		peaks = in
	}
	byObj := make([][]trypanRingPeak, n+1)
	classes := append([]string(nil), res.classes...)
	labels := res.labels
	for _, p := range peaks {
		// Chamber rule: a cell cut by the bottom or right edge is the
		// next field's.
		if float64(p.x)+0.5+p.r > float64(w) || float64(p.y)+0.5+p.r > float64(h) {
			continue
		}
		// On the ruling the flattened field keeps the grid model's misfit
		// (a bright gap between double lines looks like a ring centre):
		// there the contrast must exceed the largest misfit in the disc.
		if float64(p.score) < trypanRingK*fgThr+trypanRingMisfit*trypanRingMisfitAt(p, cross, w, h) {
			continue
		}
		if l := labels[p.y*w+p.x]; l != 0 {
			byObj[l] = append(byObj[l], p)
			continue
		}
		if !add {
			continue
		}
		// A new live cell: its disc, where no object lies, unless
		// objects already cover much of it (the halo beside a cell).
		if trypanDiscTakenFrac(labels, w, h, p) > trypanRingMaxTaken {
			continue
		}
		classes = append(classes, models.ClassLive)
		trypanPaintDisc(labels, w, h, p, int32(len(classes)))
	}
	// An object holding a ring whose centre stays near the chamber grey
	// (above trypanLiveCentreFrac of the rim's depth below it) is live
	// whatever its grey-level call: a thick dark rim around a small bright
	// centre reads as "dark" to trypanClassifyField. A stained cell's
	// centre is dark even where its membrane is darker still (the
	// authors' generator draws such a membrane: without the centre test
	// they were relabelled live). The stain colour still overrides.
	for l := 1; l <= n; l++ {
		for _, p := range byObj[l] {
			if p.centre > trypanLiveCentreFrac*p.rim {
				classes[l-1] = models.ClassLive
			}
		}
		if !add {
			byObj[l] = nil
		}
	}
	// Clumps: an object holding several peaks is split between them; the
	// parts keep the object's call (the stain colour then judges each part
	// on its own pixels).
	split := map[int32][]trypanRingPeak{}
	for l := 1; l <= n; l++ {
		if len(byObj[l]) >= 2 {
			split[int32(l)] = byObj[l]
		}
	}
	if len(split) > 0 {
		classes = trypanSplitByPeaks(labels, w, split, classes)
	}
	trypanRingRenumber(res, classes)
}

// trypanRingMisfitAt is the largest grid-model misfit within ring peak p's
// disc: on the ruling a peak must beat it (a bright gap between double
// lines looks like a ring centre).
func trypanRingMisfitAt(p trypanRingPeak, cross []int16, w, h int) float64 {
	misfit := 0.0
	for y := max(0, int(float64(p.y)-p.r)); y <= min(h-1, int(float64(p.y)+p.r)); y++ {
		for x := max(0, int(float64(p.x)-p.r)); x <= min(w-1, int(float64(p.x)+p.r)); x++ {
			misfit = math.Max(misfit, float64(cross[y*w+x]))
		}
	}
	return misfit
}

// trypanNotLiveBoxes returns the bounding boxes of the objects of labels
// (classes by label−1) that are not called live; never nil.
func trypanNotLiveBoxes(labels []int32, classes []string, w int) []image.Rectangle {
	boxes := make([]image.Rectangle, len(classes))
	for i, l := range labels {
		if l > 0 && classes[l-1] != models.ClassLive {
			p := image.Rect(i%w, i/w, i%w+1, i/w+1)
			if boxes[l-1].Empty() {
				boxes[l-1] = p
			} else {
				boxes[l-1] = boxes[l-1].Union(p)
			}
		}
	}
	out := []image.Rectangle{}
	for _, b := range boxes {
		if !b.Empty() {
			out = append(out, b)
		}
	}
	return out
}

// trypanRingRenumber renumbers the objects of res.labels (classes by label−1)
// 1..n in row-major order of rounded centroids, dropping empty labels;
// features are reduced to area and centroid for objects that gained or
// lost pixels.
func trypanRingRenumber(res *trypanResult, classes []string) {
	n := len(classes)
	sx, sy, cnt := make([]float64, n+1), make([]float64, n+1), make([]int, n+1)
	for i, l := range res.labels {
		if l > 0 {
			sx[l] += float64(i % res.w)
			sy[l] += float64(i / res.w)
			cnt[l]++
		}
	}
	type obj struct {
		old    int32
		cx, cy float64
	}
	var objs []obj
	for l := 1; l <= n; l++ {
		if cnt[l] > 0 {
			objs = append(objs, obj{int32(l), sx[l] / float64(cnt[l]), sy[l] / float64(cnt[l])})
		}
	}
	sort.SliceStable(objs, func(i, j int) bool {
		yi, yj := math.Round(objs[i].cy), math.Round(objs[j].cy)
		if yi != yj {
			return yi < yj
		}
		return math.Round(objs[i].cx) < math.Round(objs[j].cx)
	})
	newOf := make([]int32, n+1)
	outC := make([]string, len(objs))
	outF := make([]trypanFeatures, len(objs))
	for i, o := range objs {
		newOf[o.old] = int32(i + 1)
		outC[i] = classes[o.old-1]
		if int(o.old) <= len(res.feats) && res.feats[o.old-1].area == cnt[o.old] {
			outF[i] = res.feats[o.old-1]
		} else {
			outF[i] = trypanFeatures{area: cnt[o.old], cx: o.cx, cy: o.cy}
		}
	}
	for i, l := range res.labels {
		res.labels[i] = newOf[l]
	}
	res.classes, res.feats = outC, outF
}

// trypanRingNoiseFloor is the ring contrast that noise alone reaches: per
// tile of trypanRingTile² pixels the median plus trypanRingZ robust
// standard deviations (1.4826·MAD) of the map, at the tile of the
// trypanNoiseQuantile-th quietest spread. Crowded fields have cells in
// every tile's upper tail; the chamber shows between them.
func trypanRingNoiseFloor(best []float32, w, h int) float64 {
	const b = trypanRingTile
	type tile struct{ med, sig float64 }
	var tiles []tile
	vals := make([]float64, 0, b*b)
	for by := 0; by+b <= h; by += b {
		for bx := 0; bx+b <= w; bx += b {
			vals = vals[:0]
			for y := by; y < by+b; y += 2 {
				for x := bx; x < bx+b; x += 2 {
					vals = append(vals, float64(best[y*w+x]))
				}
			}
			med := quantile(vals, 0.5)
			for i, v := range vals {
				vals[i] = math.Abs(v - med)
			}
			tiles = append(tiles, tile{med, 1.4826 * quantile(vals, 0.5)})
		}
	}
	if len(tiles) == 0 {
		return 0
	}
	sort.Slice(tiles, func(i, j int) bool { return tiles[i].sig < tiles[j].sig })
	t := tiles[int(trypanNoiseQuantile*float64(len(tiles)-1))]
	return t.med + trypanRingZ*t.sig
}
