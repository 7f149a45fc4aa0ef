package colonies

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/morph"
)

// splitTouching labels the mask by a watershed of its distance transform
// in which a maximum counts as a separate colony only when its persistence
// (height above the saddle where it meets a higher maximum) is at least
// max(minPx, rel·height). Two discs of radius r overlapping at centre
// distance d meet at a saddle of height √(r² − d²/4), so rel = 0.15 splits
// discs further apart than 1.05 r and merges the bumps of one ragged edge,
// whatever the colony size. Returns labels 1..n (0 background).
//
// Three steps: floodOrder sorts the colony pixels from the highest
// distance down; flood grows basins from the maxima in that order and
// merges a basin whose maximum is not persistent enough where it meets a
// higher one; label numbers the surviving basins in flooding order.
func splitTouching(mask []bool, dt []float32, w, h int, minPx, rel float64) ([]int32, int) {
	lab := make([]int32, w*h)
	order := floodOrder(mask, dt)
	if len(order) == 0 {
		return lab, 0
	}
	b := flood(order, dt, w, h, minPx, rel)
	return lab, b.label(order, lab)
}

// floodBinsPerPx is the resolution of the flooding order, bins per pixel
// of distance: pixels within 1/floodBinsPerPx px of each other flood
// together, in raster order.
const floodBinsPerPx = 4

// floodOrder returns the mask's pixels by distance dt, highest first (a
// counting sort on floodBinsPerPx bins per pixel), nil for an empty mask.
func floodOrder(mask []bool, dt []float32) []int32 {
	maxD := float32(0)
	nfg := 0
	for i, m := range mask {
		if m {
			nfg++
			if dt[i] > maxD {
				maxD = dt[i]
			}
		}
	}
	if nfg == 0 {
		return nil
	}
	nb := int(maxD*floodBinsPerPx) + 1
	count := make([]int, nb+1)
	key := func(i int) int { return nb - 1 - int(dt[i]*floodBinsPerPx) }
	for i, m := range mask {
		if m {
			count[key(i)+1]++
		}
	}
	for b := 1; b <= nb; b++ {
		count[b] += count[b-1]
	}
	order := make([]int32, nfg)
	for i, m := range mask {
		if m {
			k := key(i)
			order[count[k]] = int32(i)
			count[k]++
		}
	}
	return order
}

// basins is the union-find forest of a flooding: parent[p] is −1 until p
// is flooded; peak holds the height of each root's maximum.
type basins struct {
	parent []int32
	peak   map[int32]float32
}

// root returns the root of p's basin (halving the path on the way).
func (b *basins) root(p int32) int32 {
	for b.parent[p] != p {
		b.parent[p] = b.parent[b.parent[p]]
		p = b.parent[p]
	}
	return p
}

// flood floods the pixels in order (see splitTouching): a pixel with no
// flooded 8-neighbour starts a basin at its maximum; otherwise the
// highest neighbouring basin absorbs it, and lower neighbouring basins
// whose peak rises less than max(minPx, rel·peak) above this saddle merge
// into that one.
func flood(order []int32, dt []float32, w, h int, minPx, rel float64) *basins {
	b := &basins{parent: make([]int32, w*h), peak: map[int32]float32{}}
	for i := range b.parent {
		b.parent[i] = -1
	}
	persistence := func(pk float32) float32 { return float32(math.Max(minPx, rel*float64(pk))) }
	var roots [8]int32
	for _, p := range order {
		nr := b.floodedNeighbours(p, w, h, &roots)
		if nr == 0 {
			b.parent[p] = p
			b.peak[p] = dt[p]
			continue
		}
		main := roots[0]
		for k := 1; k < nr; k++ {
			if b.peak[roots[k]] > b.peak[main] {
				main = roots[k]
			}
		}
		level := dt[p]
		for k := 0; k < nr; k++ {
			r := roots[k]
			if r == main {
				continue
			}
			if b.peak[r]-level < persistence(b.peak[r]) {
				b.parent[r] = main
				delete(b.peak, r)
			}
		}
		b.parent[p] = main
	}
	return b
}

// floodedNeighbours writes the distinct basin roots of p's flooded
// 8-neighbours into roots, in raster order, and returns how many.
func (b *basins) floodedNeighbours(p int32, w, h int, roots *[8]int32) int {
	x, y := int(p)%w, int(p)/w
	nr := 0
	for dy := -1; dy <= 1; dy++ {
		yy := y + dy
		if yy < 0 || yy >= h {
			continue
		}
		for dx := -1; dx <= 1; dx++ {
			xx := x + dx
			if (dx == 0 && dy == 0) || xx < 0 || xx >= w {
				continue
			}
			q := int32(yy*w + xx)
			if b.parent[q] < 0 {
				continue
			}
			r := b.root(q)
			dup := false
			for k := 0; k < nr; k++ {
				if roots[k] == r {
					dup = true
					break
				}
			}
			if !dup {
				roots[nr] = r
				nr++
			}
		}
	}
	return nr
}

// label writes 1..n into lab for the flooded pixels, numbering basins in
// the order their first pixel was flooded, and returns n.
func (b *basins) label(order []int32, lab []int32) int {
	ids := map[int32]int32{}
	n := int32(0)
	for _, p := range order {
		r := b.root(p)
		id, ok := ids[r]
		if !ok {
			n++
			id = n
			ids[r] = id
		}
		lab[p] = id
	}
	return int(n)
}

// object accumulates the measurements of one label, in working pixels.
type object struct {
	label         int32
	group         int32 // connected component of the mask (touching colonies share it)
	area          float64
	sx, sy        float64
	sxx, syy, sxy float64 // raw second moments
	cx, cy        float64
	sumGrey       float64
	sumRes        float64
	maxRes        float32
	maxDT         float32
	deepAt        int     // pixel index of the first (scan order) pixel at maxDT
	edges         float64 // pixel edges facing another label or background
	coreRes       float64 // mean contrast where the distance to the edge is ≥ maxDT/2
	faint         bool    // rejected by rejectFaint (a candidate satellite)
	satellite     bool    // counted by countSatellites: no typical colony
	row           bool    // mostly in a row of overlapping colonies (markRows)
	class         string
	ringN         float64 // dish pixels just outside the object (ringStats)
	ringOff       float64 // how many of them are not of the agar's hue
	stainRG       float64 // shift of ln(R/G) from the clear dish per unit OD (stainShift)
	stainBG       float64 // … and of ln(B/G)
}

func (o *object) meanGrey() float64 { return o.sumGrey / o.area }

// elongation is the ratio of the principal axes of the object's inertia
// ellipse, 1 for a disc; a pixel's own extent (1/12) keeps it finite.
func (o *object) elongation() float64 {
	if o.area == 0 {
		return 1
	}
	mx, my := o.sx/o.area, o.sy/o.area
	a := o.sxx/o.area - mx*mx + 1.0/12
	c := o.syy/o.area - my*my + 1.0/12
	b := o.sxy/o.area - mx*my
	d := math.Sqrt((a-c)*(a-c) + 4*b*b)
	l1, l2 := (a+c+d)/2, (a+c-d)/2
	if l2 <= 0 {
		return math.Inf(1)
	}
	return math.Sqrt(l1 / l2)
}
func (o *object) meanRes() float64 { return o.sumRes / o.area }

// circularity is 4π·area/perimeter²; the perimeter is the count of outer
// pixel edges times π/4, which makes digital discs come out near 1.
func (o *object) circularity() float64 {
	p := o.edges * math.Pi / 4
	if p <= 0 {
		return 0
	}
	return math.Min(1, 4*math.Pi*o.area/(p*p))
}

// measure accumulates area, centroid, intensities, the largest distance
// to the background and the outline length of every label.
func measure(lab []int32, n, w, h int, grey []byte, res, dt []float32) []object {
	objs := make([]object, n+1)
	for i := range objs {
		objs[i].label = int32(i)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			l := lab[i]
			if l == 0 {
				continue
			}
			o := &objs[l]
			o.area++
			o.sx += float64(x)
			o.sy += float64(y)
			o.sxx += float64(x * x)
			o.syy += float64(y * y)
			o.sxy += float64(x * y)
			o.sumGrey += float64(grey[i])
			o.sumRes += float64(res[i])
			o.maxRes = max(o.maxRes, res[i])
			if dt[i] > o.maxDT || o.area == 1 {
				o.maxDT, o.deepAt = dt[i], i
			}
			if x == 0 || lab[i-1] != l {
				o.edges++
			}
			if x == w-1 || lab[i+1] != l {
				o.edges++
			}
			if y == 0 || lab[i-w] != l {
				o.edges++
			}
			if y == h-1 || lab[i+w] != l {
				o.edges++
			}
		}
	}
	comp, _ := morph.LabelComponents(lab, w, h)
	for i := range objs {
		o := &objs[i]
		if o.area > 0 {
			o.cx, o.cy = o.sx/o.area, o.sy/o.area
		}
	}
	for i, l := range lab {
		if l > 0 {
			objs[l].group = comp[i]
		}
	}
	return objs[1:]
}

// dilate grows mask by r pixels (square structuring element).
func dilate(mask []bool, w, h, r int) []bool {
	tmp := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !mask[y*w+x] {
				continue
			}
			for xx := max(0, x-r); xx <= min(w-1, x+r); xx++ {
				tmp[y*w+xx] = true
			}
		}
	}
	out := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !tmp[y*w+x] {
				continue
			}
			for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
				out[yy*w+x] = true
			}
		}
	}
	return out
}

// ringStats sets ringN and ringOff of every object from the dish pixels
// within k px outside it (8-neighbour steps, nearest object first) that
// belong to no object: how much of what the object lies on is not agar,
// a pixel whose hueRatio is more than tol from the agar's.
func ringStats(objs []object, lab []int32, mask, roi []bool, grey []float32, bgr []byte, agar, tol float64, w, h, k int) {
	owner := make([]int32, len(lab))
	var front []int32
	for i, l := range lab {
		if l > 0 {
			owner[i] = l
			front = append(front, int32(i))
		}
	}
	for step := 0; step < k; step++ {
		var next []int32
		for _, p := range front {
			x, y := int(p)%w, int(p)/w
			l := owner[p]
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					q := yy*w + xx
					if owner[q] != 0 || mask[q] || !roi[q] {
						continue
					}
					owner[q] = l
					o := &objs[l-1]
					hr := hueRatio(float64(bgr[3*q]), float64(bgr[3*q+1]), float64(bgr[3*q+2]), float64(grey[q]))
					o.ringN++
					if math.Abs(hr-agar) > tol {
						o.ringOff++
					}
					next = append(next, int32(q))
				}
			}
		}
		front = next
	}
}
