package dermis

import (
	"math"
	"sort"

	imorph "github.com/histocount/histocount/analysis/internal/morph"
)

// plane is a single-channel float image at working resolution.
type plane struct {
	w, h int
	v    []float32
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, v: make([]float32, w*h)} }

// boxBlur1 runs a centred moving average of half-width r along rows, then
// columns, in place (edges use the valid part of the window).
func boxBlur1(p *plane, r int) {
	if r < 1 {
		return
	}
	w, h := p.w, p.h
	tmp := make([]float32, max(w, h))
	acc := make([]float64, max(w, h)+1)
	for y := 0; y < h; y++ {
		row := p.v[y*w : (y+1)*w]
		acc[0] = 0
		for x := 0; x < w; x++ {
			acc[x+1] = acc[x] + float64(row[x])
		}
		for x := 0; x < w; x++ {
			a, b := max(0, x-r), min(w, x+r+1)
			tmp[x] = float32((acc[b] - acc[a]) / float64(b-a))
		}
		copy(row, tmp[:w])
	}
	for x := 0; x < w; x++ {
		acc[0] = 0
		for y := 0; y < h; y++ {
			acc[y+1] = acc[y] + float64(p.v[y*w+x])
		}
		for y := 0; y < h; y++ {
			a, b := max(0, y-r), min(h, y+r+1)
			p.v[y*w+x] = float32((acc[b] - acc[a]) / float64(b-a))
		}
	}
}

// gaussBlur approximates a Gaussian of standard deviation sigma by three box
// passes (Wells 1986), in place.
func gaussBlur(p *plane, sigma float64) {
	if sigma < 0.5 {
		return
	}
	// three boxes of width 2r+1 have variance 3·((2r+1)²−1)/12 = r(r+1)
	r := int(math.Round((math.Sqrt(1+4*sigma*sigma) - 1) / 2))
	if r < 1 {
		r = 1
	}
	for i := 0; i < 3; i++ {
		boxBlur1(p, r)
	}
}

// normalisedBlur smooths f only over pixels where m is set (normalised
// convolution), so that glass and vacuoles do not dilute tissue values near
// their edges. Pixels outside m get the smoothed value too.
func normalisedBlur(f *plane, m []bool, sigma float64) *plane {
	num := newPlane(f.w, f.h)
	den := newPlane(f.w, f.h)
	for i, ok := range m {
		if ok {
			num.v[i] = f.v[i]
			den.v[i] = 1
		}
	}
	gaussBlur(num, sigma)
	gaussBlur(den, sigma)
	for i := range num.v {
		if den.v[i] > 1e-3 {
			num.v[i] /= den.v[i]
		} else {
			num.v[i] = 0
		}
	}
	return num
}

// insideDist returns, for every pixel of m, its chamfer distance to the
// nearest pixel outside m (0 outside m): how deep inside the mask it lies.
func insideDist(m []bool, w, h int) []float32 {
	out := make([]bool, len(m))
	for i, v := range m {
		out[i] = !v
	}
	return chamferDist(out, w, h)
}

// chamferDist returns, for every pixel, the chamfer distance (steps 1 and
// √2, in pixels) to the nearest pixel where src is true. Pixels with no
// source at all get a large value.
func chamferDist(src []bool, w, h int) []float32 {
	const big = 1e9
	const a, b = 1, 1.4142
	// padded by one pixel of "far" on every side, so the passes need no
	// bounds checks
	pw := w + 2
	d := make([]float32, pw*(h+2))
	for i := range d {
		d[i] = big
	}
	for y := 0; y < h; y++ {
		row := d[(y+1)*pw+1:]
		for x, s := range src[y*w : (y+1)*w] {
			if s {
				row[x] = 0
			}
		}
	}
	for y := 1; y <= h; y++ {
		for i := y*pw + 1; i <= y*pw+w; i++ {
			v := d[i]
			v = min(v, d[i-1]+a, d[i-pw]+a, d[i-pw-1]+b, d[i-pw+1]+b)
			d[i] = v
		}
	}
	for y := h; y >= 1; y-- {
		for i := y*pw + w; i >= y*pw+1; i-- {
			v := d[i]
			v = min(v, d[i+1]+a, d[i+pw]+a, d[i+pw+1]+b, d[i+pw-1]+b)
			d[i] = v
		}
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		copy(out[y*w:(y+1)*w], d[(y+1)*pw+1:])
	}
	return out
}

// components labels the 4-connected regions where m is true (1..n, in
// raster order of their first pixel, by the shared morph.LabelComponents4)
// and returns the labels, each region's area and whether it touches the
// border.
func components(m []bool, w, h int) (lab []int32, area []int, border []bool) {
	lab, n := imorph.LabelComponents4(m, w, h)
	area = make([]int, n+1)
	border = make([]bool, n+1)
	for i, l := range lab {
		if l == 0 {
			continue
		}
		area[l]++
		if x, y := i%w, i/w; x == 0 || y == 0 || x == w-1 || y == h-1 {
			border[l] = true
		}
	}
	return lab, area, border
}

// dilate and erode with a square of half-width r, via box sums (a box
// mean over 1e-4, or under 1−1e-4 for erosion: exact dilation only for
// r < 50: every radius here but the appearance opening of an uncalibrated
// image more than ~1700 px on its short side (3 % of it);
// an exact shared dilation would move those rare cases, so it stays here).
func morph(m []bool, w, h, r int, dilate bool) []bool {
	p := newPlane(w, h)
	for i, v := range m {
		if v {
			p.v[i] = 1
		}
	}
	boxBlur1(p, r)
	out := make([]bool, len(m))
	for i, v := range p.v {
		if dilate {
			out[i] = v > 1e-4
		} else {
			out[i] = v > 1-1e-4
		}
	}
	return out
}

// stats of a sample: mean, SD (n−1), median, min, max. The mean sums the
// sorted values (stats.Mean sums them in input order: last-digit
// differences in the reported thicknesses), so it is not stats'.
func describe(v []float64) (mean, sd, med, lo, hi float64) {
	n := len(v)
	if n == 0 {
		return
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	lo, hi = s[0], s[n-1]
	if n%2 == 1 {
		med = s[n/2]
	} else {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	for _, x := range s {
		mean += x
	}
	mean /= float64(n)
	if n > 1 {
		for _, x := range s {
			sd += (x - mean) * (x - mean)
		}
		sd = math.Sqrt(sd / float64(n-1))
	}
	return
}
