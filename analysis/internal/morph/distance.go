package morph

import (
	"math"
	"slices"
	"sync"
)

// Border says whether the pixels just outside the image count as
// background for DistanceToBackground.
type Border bool

const (
	// BorderIsOpen: only background pixels inside the image count.
	BorderIsOpen Border = false
	// BorderIsBackground: a ring of background surrounds the image.
	BorderIsBackground Border = true
)

// far stands for "no background pixel seen yet" in the squared distance;
// finite so that the parabola intersections stay finite.
const far = 1e20

// poolMaxPixels bounds the images whose scratch buffers are pooled.
const poolMaxPixels = 1 << 21

// columnPool holds the column-pass buffers of DistanceToBackground.
var columnPool = sync.Pool{New: func() any { return new([]float64) }}

// DistanceToBackground returns the exact Euclidean distance in pixels of
// every foreground pixel of mask (w×h) to the nearest background pixel, 0
// on background; see the package documentation for the algorithm and the
// meaning of border.
func DistanceToBackground[M bool | byte](mask []M, w, h int, border Border) []float32 {
	n := max(w, h) + 2
	f := make([]float64, n)
	d := make([]float64, n)
	v := make([]int, n)
	z := make([]float64, n+1)
	// The column pass is kept in float64, as the row pass needs it exact;
	// its buffer (8 bytes a pixel) is the largest allocation here, so for
	// crop-sized images it is reused across calls (whole slides are rare
	// and would pin large buffers). Every element is written before read.
	var sq []float64
	if w*h <= poolMaxPixels {
		sqp := columnPool.Get().(*[]float64)
		defer columnPool.Put(sqp)
		if cap(*sqp) < w*h {
			*sqp = make([]float64, w*h)
		}
		sq = (*sqp)[:w*h]
	} else {
		sq = make([]float64, w*h)
	}
	columnDistances(mask, w, h, border, sq)
	off := 0
	if border {
		off = 1
	}
	// Then rows, on the column results.
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		row := sq[y*w : (y+1)*w]
		if !slices.ContainsFunc(row, func(v float64) bool { return v != 0 }) {
			continue // all background: every distance is 0, as out already holds
		}
		copy(f[off:off+w], row)
		transformLine(f, d, v, z, w, border)
		for x := 0; x < w; x++ {
			out[y*w+x] = float32(math.Sqrt(d[x+off]))
		}
	}
	return out
}

// columnDistances writes into sq (w·h) the squared distance of every
// pixel of mask to the nearest background pixel in its own column (the
// ring outside the image counting as background when border is), far
// where the column has none. For a binary mask the column pass of the
// parabola method reduces to this, and two raster sweeps (down, then up)
// read memory in order instead of striding down columns, which on large
// images cost a cache miss per pixel. Distances are small integers, so
// their squares are exact.
func columnDistances[M bool | byte](mask []M, w, h int, border Border, sq []float64) {
	var zero M
	// Running distance to the nearest background above (then below), in
	// rows; none marks "none seen" and stays far above any real distance.
	const none = math.MaxInt32 / 2
	start := int32(none)
	if border {
		start = 0 // the row just outside the image is background
	}
	run := make([]int32, w)
	for x := range run {
		run[x] = start
	}
	// Down: sq holds the distance to the background above.
	for y := 0; y < h; y++ {
		row, out := mask[y*w:(y+1)*w], sq[y*w:(y+1)*w]
		for x, m := range row {
			if m == zero {
				run[x] = 0
			} else if run[x] < none {
				run[x]++
			}
			out[x] = float64(run[x])
		}
	}
	for x := range run {
		run[x] = start
	}
	// Up: the nearer of above and below, squared.
	for y := h - 1; y >= 0; y-- {
		row, out := mask[y*w:(y+1)*w], sq[y*w:(y+1)*w]
		for x, m := range row {
			if m == zero {
				run[x] = 0
			} else if run[x] < none {
				run[x]++
			}
			if g := min(out[x], float64(run[x])); g >= none {
				out[x] = far
			} else {
				out[x] = g * g
			}
		}
	}
}

// squaredDistance1D writes into d the 1-D squared distance transform of
// the sampled function f, d[q] = min over p of ((q − p)² + f[p]), as the
// lower envelope of the parabolas rooted at the samples. v (len(f)) and z
// (len(f)+1) are scratch: the envelope's parabola roots and boundaries.
func squaredDistance1D(f, d []float64, v []int, z []float64) {
	n := len(f)
	k := 0
	v[0] = 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		s := parabolaCross(f, q, v[k])
		for s <= z[k] {
			k--
			s = parabolaCross(f, q, v[k])
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

// parabolaCross is the abscissa where the parabolas rooted at q and p
// (p < q) intersect.
func parabolaCross(f []float64, q, p int) float64 {
	return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*(q-p))
}

// transformLine transforms the n samples in f[off:off+n] (off = 1 when the
// border is background, between the two zero border samples it sets),
// leaving them in d[off:off+n].
func transformLine(f, d []float64, v []int, z []float64, n int, border Border) {
	m := n
	if border {
		f[0], f[n+1] = 0, 0
		m = n + 2
	}
	squaredDistance1D(f[:m], d[:m], v, z)
}
