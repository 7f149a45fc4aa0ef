package cells

import (
	"container/heap"
	"math"

	"gocv.io/x/gocv"
)

// Binary-image and distance helpers for the trypan segmenter. They work on
// plain row-major slices (w·h, 0/1 masks) so the pipeline stays in Go,
// deterministic, and OpenCV only ever sees buffers whose size was checked.

// trypEdtInf stands for "no zero pixel seen yet" in the squared distance
// transform.
const trypEdtInf = 1e20

// trypDistanceToBackground returns, for every foreground pixel (mask != 0), the
// Euclidean distance in pixels to the nearest background pixel; background
// pixels get 0. Pixels outside the image count as background, so objects
// cut by the border are not mistaken for larger ones.
//
// Exact separable algorithm of Felzenszwalb & Huttenlocher, "Distance
// transforms of sampled functions", Theory of Computing 8 (2012).
func trypDistanceToBackground(mask []byte, w, h int) []float32 {
	return trypEdt(mask, w, h, false, true)
}

// trypEdt computes the Euclidean distance to the nearest "target" pixel: target
// is background (mask==0) unless invert, in which case it is foreground.
// borderIsTarget adds a target ring just outside the image.
func trypEdt(mask []byte, w, h int, invert, borderIsTarget bool) []float32 {
	n := max(w, h) + 2
	f := make([]float64, n)
	d := make([]float64, n)
	v := make([]int, n)
	z := make([]float64, n+1)
	sq := make([]float64, w*h)
	isTarget := func(i int) bool { return (mask[i] != 0) == invert }
	// Columns first.
	for x := 0; x < w; x++ {
		off := 0
		if borderIsTarget {
			f[0] = 0
			off = 1
		}
		for y := 0; y < h; y++ {
			if isTarget(y*w + x) {
				f[y+off] = 0
			} else {
				f[y+off] = trypEdtInf
			}
		}
		m := h + off
		if borderIsTarget {
			f[m] = 0
			m++
		}
		trypDt1(f[:m], d[:m], v, z)
		for y := 0; y < h; y++ {
			sq[y*w+x] = d[y+off]
		}
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		off := 0
		if borderIsTarget {
			f[0] = 0
			off = 1
		}
		for x := 0; x < w; x++ {
			f[x+off] = sq[y*w+x]
		}
		m := w + off
		if borderIsTarget {
			f[m] = 0
			m++
		}
		trypDt1(f[:m], d[:m], v, z)
		for x := 0; x < w; x++ {
			out[y*w+x] = float32(math.Sqrt(d[x+off]))
		}
	}
	return out
}

// trypDt1 is the 1-D squared distance transform (lower envelope of parabolas).
func trypDt1(f, d []float64, v []int, z []float64) {
	n := len(f)
	k := 0
	v[0] = 0
	z[0] = math.Inf(-1)
	z[1] = math.Inf(1)
	for q := 1; q < n; q++ {
		s := trypParabolaCross(f, q, v[k])
		for s <= z[k] {
			k--
			s = trypParabolaCross(f, q, v[k])
		}
		k++
		v[k] = q
		z[k] = s
		z[k+1] = math.Inf(1)
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

// trypParabolaCross is where the parabolas rooted at q and p intersect.
func trypParabolaCross(f []float64, q, p int) float64 {
	return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*(q-p))
}

// trypDiscMorph applies a morphological operation with a disc of radius r
// (pixels: every offset within r) to a 0/1 mask of w×h pixels. Outside the
// image neither erodes nor dilates (OpenCV's default border).
func trypDiscMorph(mask []byte, w, h int, op gocv.MorphType, r float64) []byte {
	k := int(r)
	side := 2*k + 1
	kb := make([]byte, side*side)
	for dy := -k; dy <= k; dy++ {
		for dx := -k; dx <= k; dx++ {
			if float64(dx*dx+dy*dy) <= r*r {
				kb[(dy+k)*side+dx+k] = 1
			}
		}
	}
	out := make([]byte, len(mask))
	kernel, err := gocv.NewMatFromBytes(side, side, gocv.MatTypeCV8UC1, kb)
	if err != nil {
		return out
	}
	defer kernel.Close()
	src, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC1, mask)
	if err != nil {
		return out
	}
	defer src.Close()
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.MorphologyEx(src, &dst, op, kernel)
	if b := dst.ToBytes(); len(b) == len(out) {
		copy(out, b)
	}
	return out
}

// trypCloseDisc is a morphological closing (dilate, then erode) with a disc.
func trypCloseDisc(mask []byte, w, h int, r float64) []byte {
	return trypDiscMorph(mask, w, h, gocv.MorphClose, r)
}

// trypOpenDisc is a morphological opening (erode, then dilate) with a disc.
func trypOpenDisc(mask []byte, w, h int, r float64) []byte {
	return trypDiscMorph(mask, w, h, gocv.MorphOpen, r)
}

// trypLabelComponents labels the components of mask with 8-connectivity,
// numbering them 1..n in raster order of their first pixel. It returns the
// label image and n.
func trypLabelComponents(mask []byte, w, h int) ([]int32, int) {
	lab := make([]int32, w*h)
	n := int32(0)
	stack := make([]int, 0, 256)
	for i := range mask {
		if mask[i] == 0 || lab[i] != 0 {
			continue
		}
		n++
		lab[i] = n
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			px, py := p%w, p/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					x, y := px+dx, py+dy
					if x < 0 || y < 0 || x >= w || y >= h {
						continue
					}
					q := y*w + x
					if mask[q] != 0 && lab[q] == 0 {
						lab[q] = n
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return lab, int(n)
}

// trypFillHoles sets background regions of mask that do not touch the image
// border and are at most maxArea pixels to foreground. The area bound keeps
// a ring of grid-line fragments from turning a whole chamber square into
// one "cell".
func trypFillHoles(mask []byte, w, h int, maxArea int) {
	inv := make([]byte, len(mask))
	for i, v := range mask {
		if v == 0 {
			inv[i] = 1
		}
	}
	lab, n := trypLabelComponents4(inv, w, h)
	area := make([]int, n+1)
	border := make([]bool, n+1)
	for i, l := range lab {
		if l == 0 {
			continue
		}
		area[l]++
		x, y := i%w, i/w
		if x == 0 || y == 0 || x == w-1 || y == h-1 {
			border[l] = true
		}
	}
	for i, l := range lab {
		if l != 0 && !border[l] && area[l] <= maxArea {
			mask[i] = 1
		}
	}
}

// trypLabelComponents4 is trypLabelComponents with 4-connectivity (used for the
// background, the dual of 8-connected foreground).
func trypLabelComponents4(mask []byte, w, h int) ([]int32, int) {
	lab := make([]int32, w*h)
	n := int32(0)
	stack := make([]int, 0, 256)
	for i := range mask {
		if mask[i] == 0 || lab[i] != 0 {
			continue
		}
		n++
		lab[i] = n
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			px, py := p%w, p/w
			for _, q := range [4]int{p - 1, p + 1, p - w, p + w} {
				switch {
				case q == p-1 && px == 0, q == p+1 && px == w-1, q == p-w && py == 0, q == p+w && py == h-1:
					continue
				}
				if mask[q] != 0 && lab[q] == 0 {
					lab[q] = n
					stack = append(stack, q)
				}
			}
		}
	}
	return lab, int(n)
}

// trypRunningMedian replaces each of the count samples vals[start+k·step]
// (k = 0..count-1) by the median of its window of ±half samples, truncated
// at the ends. Values must lie in [0, 511]. Huang's sliding-histogram
// algorithm: O(1) amortised per sample for slowly varying data.
func trypRunningMedian(vals []int16, start, step, count, half int, out []int16, hist *[512]int32) {
	for i := range hist {
		hist[i] = 0
	}
	at := func(k int) int16 { return vals[start+k*step] }
	lo, hi := 0, min(half, count-1) // current window [lo, hi]
	for k := lo; k <= hi; k++ {
		hist[at(k)]++
	}
	n := hi - lo + 1
	// Initial median by scanning.
	m, lt := 0, int32(0)
	for {
		if lt+hist[m] > int32((n-1)/2) {
			break
		}
		lt += hist[m]
		m++
	}
	for k := 0; k < count; k++ {
		wantLo, wantHi := max(0, k-half), min(count-1, k+half)
		for hi < wantHi {
			hi++
			v := at(hi)
			hist[v]++
			if int(v) < m {
				lt++
			}
		}
		for lo < wantLo {
			v := at(lo)
			hist[v]--
			if int(v) < m {
				lt--
			}
			lo++
		}
		n = hi - lo + 1
		target := int32((n - 1) / 2)
		for lt > target {
			m--
			lt -= hist[m]
		}
		for lt+hist[m] <= target {
			lt += hist[m]
			m++
		}
		out[start+k*step] = int16(m)
	}
}

// trypFloodSeeds grows the seed labels over mask in decreasing order of
// priority (a marker-controlled watershed on the distance map: regions meet
// along the valleys between cells). Ties are broken by insertion order so
// the result is deterministic.
func trypFloodSeeds(lab []int32, mask []byte, prio []float32, w, h int) {
	pq := &trypPixelQueue{}
	seq := 0
	push := func(p int, l int32) {
		seq++
		heap.Push(pq, trypQueued{p: p, l: l, prio: prio[p], seq: seq})
	}
	inQueue := make([]bool, len(lab))
	for p, l := range lab {
		if l == 0 {
			continue
		}
		px, py := p%w, p/w
		for _, q := range trypNeighbours4(p, px, py, w, h) {
			if q >= 0 && mask[q] != 0 && lab[q] == 0 && !inQueue[q] {
				inQueue[q] = true
				push(q, l)
			}
		}
	}
	for pq.Len() > 0 {
		it := heap.Pop(pq).(trypQueued)
		if lab[it.p] != 0 {
			continue
		}
		lab[it.p] = it.l
		px, py := it.p%w, it.p/w
		for _, q := range trypNeighbours4(it.p, px, py, w, h) {
			if q >= 0 && mask[q] != 0 && lab[q] == 0 && !inQueue[q] {
				inQueue[q] = true
				push(q, it.l)
			}
		}
	}
}

// trypNeighbours4 returns the 4-neighbours of p, -1 where outside the image.
func trypNeighbours4(p, x, y, w, h int) [4]int {
	nb := [4]int{-1, -1, -1, -1}
	if x > 0 {
		nb[0] = p - 1
	}
	if x < w-1 {
		nb[1] = p + 1
	}
	if y > 0 {
		nb[2] = p - w
	}
	if y < h-1 {
		nb[3] = p + w
	}
	return nb
}

type trypQueued struct {
	p    int
	l    int32
	prio float32
	seq  int
}

type trypPixelQueue []trypQueued

func (q trypPixelQueue) Len() int { return len(q) }
func (q trypPixelQueue) Less(i, j int) bool {
	if q[i].prio != q[j].prio {
		return q[i].prio > q[j].prio
	}
	return q[i].seq < q[j].seq
}
func (q trypPixelQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *trypPixelQueue) Push(x any)   { *q = append(*q, x.(trypQueued)) }
func (q *trypPixelQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
