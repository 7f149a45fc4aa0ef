package cells

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/stats"
)

// This file holds the plain-Go morphology behind the nuclei segmenter:
// exact Euclidean distance transform, grey reconstruction (h-maxima),
// regional maxima, connected components and marker-controlled watershed.
// They work on row-major slices of a w×h image.

// edt returns the exact Euclidean distance (px) of every foreground pixel
// (mask true) to the nearest background pixel; the image border counts as
// background so that nuclei cut by the border keep their centre inside.
func edt(mask []bool, w, h int) []float32 {
	return morph.DistanceToBackground(mask, w, h, morph.BorderIsBackground)
}

// neighbours8 lists the 8-neighbour offsets (dx, dy).
var neighbours8 = [8][2]int{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}

// reconstructByDilation returns the greyscale reconstruction by dilation of
// marker under mask (marker ≤ mask pointwise), 8-connected. Vincent's hybrid
// algorithm: one raster and one anti-raster sweep, then a FIFO for the rest.
// L. Vincent, IEEE Trans. Image Processing 2(2):176–201 (1993).
func reconstructByDilation(marker, mask []float32, w, h int) []float32 {
	rec := make([]float32, len(marker))
	for i := range rec {
		rec[i] = min(marker[i], mask[i])
	}
	// Raster sweep: neighbours above and to the left. The row-edge tests
	// are written out so the inner loop does no per-neighbour bounds work.
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			m := rec[i]
			if x > 0 {
				m = max(m, rec[i-1])
			}
			if y > 0 {
				m = max(m, rec[i-w])
				if x > 0 {
					m = max(m, rec[i-w-1])
				}
				if x < w-1 {
					m = max(m, rec[i-w+1])
				}
			}
			rec[i] = min(m, mask[i])
		}
	}
	var fifo []int32
	// can reports whether neighbour j of pixel i could still be raised by i.
	can := func(i, j int) bool { return rec[j] < rec[i] && rec[j] < mask[j] }
	// Anti-raster sweep: neighbours below and to the right; a pixel that
	// could still raise one of them seeds the FIFO.
	for y := h - 1; y >= 0; y-- {
		for x := w - 1; x >= 0; x-- {
			i := y*w + x
			m := rec[i]
			right, below := x < w-1, y < h-1
			if right {
				m = max(m, rec[i+1])
			}
			if below {
				m = max(m, rec[i+w])
				if x > 0 {
					m = max(m, rec[i+w-1])
				}
				if right {
					m = max(m, rec[i+w+1])
				}
			}
			rec[i] = min(m, mask[i])
			if right && can(i, i+1) || below && (x > 0 && can(i, i+w-1) || can(i, i+w) || right && can(i, i+w+1)) {
				fifo = append(fifo, int32(i))
			}
		}
	}
	for head := 0; head < len(fifo); head++ {
		i := int(fifo[head])
		x, y := i%w, i/w
		for _, o := range neighbours8 {
			nx, ny := x+o[0], y+o[1]
			if nx < 0 || nx >= w || ny < 0 || ny >= h {
				continue
			}
			j := ny*w + nx
			if rec[j] < rec[i] && rec[j] != mask[j] {
				rec[j] = min(rec[i], mask[j])
				fifo = append(fifo, int32(j))
			}
		}
		if head > 1<<16 && head > len(fifo)/2 {
			// Drop the consumed head so the queue does not grow without bound.
			fifo = append(fifo[:0], fifo[head+1:]...)
			head = -1
		}
	}
	return rec
}

// hMaximaMarkers labels (1..n, scan order) the regional maxima of the
// h-maxima transform of f inside fg: peaks of f that rise at least h above
// every path to a higher peak. Returns the marker image and n.
func hMaximaMarkers(f []float32, fg []bool, w, h int, hgt float32) ([]int32, int) {
	marker := make([]float32, len(f))
	for i, v := range f {
		marker[i] = v - hgt
	}
	rec := reconstructByDilation(marker, f, w, h)
	return regionalMaxima(rec, fg, w, h)
}

// regionalMaxima labels the 8-connected plateaus of f inside fg that have no
// higher neighbour, in scan order.
func regionalMaxima(f []float32, fg []bool, w, h int) ([]int32, int) {
	lab := make([]int32, len(f))
	visited := make([]bool, len(f))
	var stack, plateau []int32
	n := int32(0)
	for start := range f {
		if !fg[start] || visited[start] {
			continue
		}
		val := f[start]
		isMax := true
		plateau = plateau[:0]
		stack = append(stack[:0], int32(start))
		visited[start] = true
		for len(stack) > 0 {
			i := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			plateau = append(plateau, int32(i))
			x, y := i%w, i/w
			for _, o := range neighbours8 {
				nx, ny := x+o[0], y+o[1]
				if nx < 0 || nx >= w || ny < 0 || ny >= h {
					continue
				}
				j := ny*w + nx
				if f[j] > val {
					isMax = false
				}
				if f[j] == val && fg[j] && !visited[j] {
					visited[j] = true
					stack = append(stack, int32(j))
				}
			}
		}
		if isMax {
			n++
			for _, i := range plateau {
				lab[i] = n
			}
		}
	}
	return lab, int(n)
}

// components labels the 8-connected components of fg in scan order and
// returns the labels, their count and each component's area (index label).
func components(fg []bool, w, h int) ([]int32, int, []int) {
	lab, n := morph.LabelComponents(fg, w, h)
	areas := make([]int, n+1)
	for _, l := range lab {
		if l > 0 {
			areas[l]++
		}
	}
	return lab, n, areas
}

// floodItem is one pixel waiting in the watershed queue. key orders items
// by level, then insertion order (ties flood first-in first-out,
// deterministically): the level's bits mapped to an unsigned order above
// the insertion count. One integer compare per heap step, and 12 bytes an
// item rather than 24.
type floodItem struct {
	key uint64
	idx int32
}

// floodKey packs a level and an insertion count into a floodItem key that
// sorts as (level, order) does: the float's sign bit flipped (all bits for
// negatives) gives an unsigned order equal to the float order, with −0
// taken as +0 as a float comparison does. NaN levels are not expected.
func floodKey(level float32, order uint32) uint64 {
	if level == 0 {
		level = 0 // −0 → +0
	}
	b := math.Float32bits(level)
	if b&(1<<31) != 0 {
		b = ^b
	} else {
		b |= 1 << 31
	}
	return uint64(b)<<32 | uint64(order)
}

// less orders flood items by key: a strict total order, so any correct
// heap pops the same sequence.
func (a floodItem) less(b floodItem) bool { return a.key < b.key }

// floodQueue is a binary min-heap of flood items (typed, so a push does not
// box the item into an interface and allocate, as container/heap would).
type floodQueue []floodItem

func (q *floodQueue) push(it floodItem) {
	h := append(*q, it)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*q = h
}

func (q *floodQueue) pop() floodItem {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// watershed floods the relief from the labelled markers (label > 0) by
// increasing level, 4-connected, inside fg only; every fg pixel reachable
// from a marker gets the label of the basin that reaches it first. No
// watershed lines are kept: touching nuclei share a border.
func watershed(relief []float32, markers []int32, fg []bool, w, h int) []int32 {
	lab := make([]int32, len(markers))
	copy(lab, markers)
	q := &floodQueue{}
	var order uint32 // each pixel is queued at most once, so it cannot wrap
	push := func(i int) {
		q.push(floodItem{key: floodKey(relief[i], order), idx: int32(i)})
		order++
	}
	queued := make([]bool, len(markers))
	for i, l := range markers {
		if l > 0 {
			queued[i] = true
			push(i)
		}
	}
	n4 := [4][2]int{{0, -1}, {-1, 0}, {1, 0}, {0, 1}}
	for len(*q) > 0 {
		it := q.pop()
		i := int(it.idx)
		x, y := i%w, i/w
		for _, o := range n4 {
			nx, ny := x+o[0], y+o[1]
			if nx < 0 || nx >= w || ny < 0 || ny >= h {
				continue
			}
			j := ny*w + nx
			if !fg[j] || queued[j] {
				continue
			}
			queued[j] = true
			lab[j] = lab[i]
			push(j)
		}
	}
	return lab
}

// percentile returns the p-quantile (0..1) of vals (copied, not modified):
// the element of rank round(p·(n−1)), found by selection in O(n) rather
// than a full sort (this runs once per nucleus).
func percentile(vals []float64, p float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	s := append([]float64(nil), vals...)
	k := min(max(int(math.Round(p*float64(len(s)-1))), 0), len(s)-1)
	return stats.NthSmallest(s, k)
}
