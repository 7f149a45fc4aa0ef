package colonies

import (
	"math"
)

// distanceTransform returns the exact Euclidean distance of every mask
// pixel to the nearest non-mask pixel (0 outside the mask), by the
// separable algorithm of Felzenszwalb & Huttenlocher (2012).
func distanceTransform(mask []bool, w, h int) []float32 {
	const inf = 1e20
	f := make([]float64, max(w, h))
	d := make([]float64, max(w, h))
	v := make([]int, max(w, h))
	z := make([]float64, max(w, h)+1)
	sq := make([]float64, w*h)
	for i, m := range mask {
		if m {
			sq[i] = inf
		}
	}
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			f[y] = sq[y*w+x]
		}
		dt1(f[:h], d[:h], v, z)
		for y := 0; y < h; y++ {
			sq[y*w+x] = d[y]
		}
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		copy(f[:w], sq[y*w:(y+1)*w])
		dt1(f[:w], d[:w], v, z)
		for x := 0; x < w; x++ {
			out[y*w+x] = float32(math.Sqrt(d[x]))
		}
	}
	return out
}

// dt1 is the 1-D squared-distance transform (lower envelope of parabolas).
func dt1(f, d []float64, v []int, z []float64) {
	n := len(f)
	k := 0
	v[0] = 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		s := ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		for s <= z[k] {
			k--
			s = ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		}
		k++
		v[k] = q
		z[k], z[k+1] = s, math.Inf(1)
	}
	k = 0
	for q := 0; q < n; q++ {
		for z[k+1] < float64(q) {
			k++
		}
		dq := float64(q - v[k])
		d[q] = dq*dq + f[v[k]]
	}
}

// splitTouching labels the mask by a watershed of its distance transform
// in which a maximum counts as a separate colony only when its persistence
// (height above the saddle where it meets a higher maximum) is at least
// max(minPx, rel·height). Two discs of radius r overlapping at centre
// distance d meet at a saddle of height √(r² − d²/4), so rel = 0.15 splits
// discs further apart than 1.05 r and merges the bumps of one ragged edge,
// whatever the colony size. Returns labels 1..n (0 background).
func splitTouching(mask []bool, dt []float32, w, h int, minPx, rel float64) ([]int32, int) {
	// Bucket pixels by distance, highest first (0.25 px resolution).
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
	lab := make([]int32, w*h)
	if nfg == 0 {
		return lab, 0
	}
	nb := int(maxD*4) + 1
	count := make([]int, nb+1)
	key := func(i int) int { return nb - 1 - int(dt[i]*4) }
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
	parent := make([]int32, w*h) // union-find over pixels; -1 = not yet flooded
	for i := range parent {
		parent[i] = -1
	}
	peak := map[int32]float32{} // root pixel → height of its maximum
	find := func(p int32) int32 {
		for parent[p] != p {
			parent[p] = parent[parent[p]]
			p = parent[p]
		}
		return p
	}
	hFor := func(pk float32) float32 { return float32(math.Max(minPx, rel*float64(pk))) }
	var roots [8]int32
	for _, p := range order {
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
				if parent[q] < 0 {
					continue
				}
				r := find(q)
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
		if nr == 0 {
			parent[p] = p
			peak[p] = dt[p]
			continue
		}
		// The highest basin absorbs p; lower basins whose peak barely
		// rises above this saddle merge into it.
		main := roots[0]
		for k := 1; k < nr; k++ {
			if peak[roots[k]] > peak[main] {
				main = roots[k]
			}
		}
		level := dt[p]
		for k := 0; k < nr; k++ {
			r := roots[k]
			if r == main {
				continue
			}
			if peak[r]-level < hFor(peak[r]) {
				parent[r] = main
				delete(peak, r)
			}
		}
		parent[p] = main
	}
	ids := map[int32]int32{}
	n := int32(0)
	for _, p := range order {
		r := find(p)
		id, ok := ids[r]
		if !ok {
			n++
			id = n
			ids[r] = id
		}
		lab[p] = id
	}
	return lab, int(n)
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
	edges         float64 // pixel edges facing another label or background
	coreRes       float64 // mean contrast where the distance to the edge is ≥ maxDT/2
	class         string
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
			o.maxDT = max(o.maxDT, dt[i])
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
	comp := components(lab, w, h)
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

// components labels the 8-connected components of lab > 0.
func components(lab []int32, w, h int) []int32 {
	out := make([]int32, w*h)
	var stack []int
	next := int32(0)
	for s := range lab {
		if lab[s] == 0 || out[s] != 0 {
			continue
		}
		next++
		out[s] = next
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%w, p/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					q := yy*w + xx
					if lab[q] != 0 && out[q] == 0 {
						out[q] = next
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return out
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

// fillHoles sets background regions of at most maxArea pixels that do not
// reach the image border: specular highlights or pale centres inside a
// colony, which would otherwise split its distance transform.
func fillHoles(mask []bool, w, h, maxArea int) {
	seen := make([]bool, w*h)
	var stack, region []int
	for s := range mask {
		if mask[s] || seen[s] {
			continue
		}
		seen[s] = true
		stack = append(stack[:0], s)
		region = region[:0]
		border := false
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(region) <= maxArea {
				region = append(region, p) // larger regions are only marked seen
			}
			x, y := p%w, p/w
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				border = true
			}
			for _, q := range [4]int{p - 1, p + 1, p - w, p + w} {
				if q < 0 || q >= w*h || (q == p-1 && x == 0) || (q == p+1 && x == w-1) {
					continue
				}
				if !mask[q] && !seen[q] {
					seen[q] = true
					stack = append(stack, q)
				}
			}
		}
		if !border && len(region) <= maxArea {
			for _, p := range region {
				mask[p] = true
			}
		}
	}
}
