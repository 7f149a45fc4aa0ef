package cells

import (
	"sync"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/morph"
)

// Binary-image helpers for the trypan segmenter that are not shared (the
// shared ones live in analysis/internal/morph). They work on plain
// row-major slices (w·h, 0/1 masks) so the pipeline stays in Go,
// deterministic, and OpenCV only ever sees buffers whose size was checked.

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
	// Copy from a view of dst's pixels: ToBytes would copy them twice.
	if b, err := dst.DataPtrUint8(); err == nil && len(b) == len(out) {
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

// trypInt16Pool holds per-image int16 scratch buffers (temporaries of
// trypanFlatten), so that concurrent workers do not each allocate and
// collect them for every crop. Only plain Go slices are pooled.
var trypInt16Pool = sync.Pool{New: func() any { return new([]int16) }}

// trypPoolMaxPixels bounds the pooled buffers: crops and fields, not whole
// slides, whose buffers would stay pinned between images.
const trypPoolMaxPixels = 1 << 21

// trypScratchInt16 returns a buffer of n int16 values with unspecified
// contents, pooled when small: callers write every element before reading
// it, and hand it back with trypPutInt16.
func trypScratchInt16(n int) *[]int16 {
	if n > trypPoolMaxPixels {
		b := make([]int16, n)
		return &b
	}
	p := trypInt16Pool.Get().(*[]int16)
	if cap(*p) < n {
		*p = make([]int16, n)
	}
	*p = (*p)[:n]
	return p
}

// trypPutInt16 returns a buffer of trypScratchInt16 to the pool.
func trypPutInt16(p *[]int16) {
	if cap(*p) <= trypPoolMaxPixels {
		trypInt16Pool.Put(p)
	}
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
		pq.push(trypQueued{p: p, l: l, prio: prio[p], seq: seq})
	}
	inQueue := make([]bool, len(lab))
	for p, l := range lab {
		if l == 0 {
			continue
		}
		px, py := p%w, p/w
		for _, q := range morph.Neighbours4(p, px, py, w, h) {
			if q >= 0 && mask[q] != 0 && lab[q] == 0 && !inQueue[q] {
				inQueue[q] = true
				push(q, l)
			}
		}
	}
	for pq.Len() > 0 {
		it := pq.pop()
		if lab[it.p] != 0 {
			continue
		}
		lab[it.p] = it.l
		px, py := it.p%w, it.p/w
		for _, q := range morph.Neighbours4(it.p, px, py, w, h) {
			if q >= 0 && mask[q] != 0 && lab[q] == 0 && !inQueue[q] {
				inQueue[q] = true
				push(q, it.l)
			}
		}
	}
}

type trypQueued struct {
	p    int
	l    int32
	prio float32
	seq  int
}

// trypPixelQueue is a binary max-heap of queued pixels, typed rather than
// container/heap, whose Pop boxes every item in an interface (one heap
// allocation per flooded pixel). The order is total (seq is unique), so
// the pop sequence is that of any correct heap.
type trypPixelQueue []trypQueued

func (q trypPixelQueue) Len() int { return len(q) }

// before reports whether item i pops before item j.
func (q trypPixelQueue) before(i, j int) bool {
	if q[i].prio != q[j].prio {
		return q[i].prio > q[j].prio
	}
	return q[i].seq < q[j].seq
}

func (q *trypPixelQueue) push(it trypQueued) {
	*q = append(*q, it)
	h := *q
	for j := len(h) - 1; j > 0; {
		i := (j - 1) / 2
		if !h.before(j, i) {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

func (q *trypPixelQueue) pop() trypQueued {
	h := *q
	n := len(h) - 1
	top := h[0]
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && h.before(r, j) {
			j = r
		}
		if !h.before(j, i) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	*q = h
	return top
}
