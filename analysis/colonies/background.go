package colonies

import (
	"fmt"
	"math"
	"slices"

	"github.com/histocount/histocount/stats"
	"gocv.io/x/gocv"
)

// bgFactor is the block size at which backgrounds are estimated: they
// vary slowly, so a quarter of the working size loses nothing.
const bgFactor = 4

// blockMean averages s over bgFactor² blocks, replacing pixels outside roi
// (or inside excl) according to fill: with fill ≥ 0 they take that value;
// with fill < 0 they are left out and the weight is returned too.
func blockMean(s []float32, roi, excl []bool, w, h int, fill float64) (mean, weight []float64, sw, sh int) {
	sw, sh = (w+bgFactor-1)/bgFactor, (h+bgFactor-1)/bgFactor
	sum := make([]float64, sw*sh)
	wt := make([]float64, sw*sh)
	cnt := make([]float64, sw*sh)
	for y := 0; y < h; y++ {
		by := y / bgFactor
		for x := 0; x < w; x++ {
			i := by*sw + x/bgFactor
			cnt[i]++
			p := y*w + x
			if roi[p] && (excl == nil || !excl[p]) {
				sum[i] += float64(s[p])
				wt[i]++
			} else if fill >= 0 {
				sum[i] += fill
				wt[i]++
			}
		}
	}
	mean = make([]float64, sw*sh)
	for i := range mean {
		if wt[i] > 0 {
			mean[i] = sum[i] / wt[i]
		}
		wt[i] /= cnt[i]
	}
	return mean, wt, sw, sh
}

// upsample interpolates a block image back to w×h bilinearly, block
// centres at (bgFactor·(i+½)).
func upsample(small []float64, sw, sh, w, h int) []float32 {
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		y0, y1, ty := blockCoord(y, sh)
		for x := 0; x < w; x++ {
			x0, x1, tx := blockCoord(x, sw)
			a := small[y0*sw+x0]*(1-tx) + small[y0*sw+x1]*tx
			b := small[y1*sw+x0]*(1-tx) + small[y1*sw+x1]*tx
			out[y*w+x] = float32(a*(1-ty) + b*ty)
		}
	}
	return out
}

// blockCoord gives, for pixel coordinate p, the two nearest of n block
// centres and the weight t of the second, clamped at the ends.
func blockCoord(p, n int) (i0, i1 int, t float64) {
	f := (float64(p)+0.5)/bgFactor - 0.5
	f = math.Max(0, math.Min(float64(n-1), f))
	i0 = int(f)
	return i0, min(i0+1, n-1), f - float64(i0)
}

// medianBackground is a median filter of width win (working pixels) over
// the dish, with the outside filled by the dish level so the rim does not
// bleed in. Computed on block means with OpenCV's O(1) 8-bit median.
func medianBackground(s []float32, roi []bool, level, win float64, w, h int) ([]float32, error) {
	mean, _, sw, sh := blockMean(s, roi, nil, w, h, level)
	buf := make([]byte, sw*sh)
	for i, v := range mean {
		buf[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
	}
	m, err := gocv.NewMatFromBytes(sh, sw, gocv.MatTypeCV8UC1, buf)
	if err != nil {
		return nil, fmt.Errorf("colonies: wrap background: %w", err)
	}
	defer m.Close()
	k := int(win/bgFactor) | 1
	k = max(3, min(k, (min(sw, sh)-1)|1))
	if k > min(sw, sh) {
		k = 3
	}
	out := gocv.NewMat()
	defer out.Close()
	if min(sw, sh) >= 3 {
		gocv.MedianBlur(m, &out, k)
	} else {
		m.CopyTo(&out)
	}
	b := out.ToBytes()
	if len(b) != sw*sh {
		return nil, fmt.Errorf("colonies: background has %d bytes, want %d", len(b), sw*sh)
	}
	small := make([]float64, sw*sh)
	for i, v := range b {
		small[i] = float64(v)
	}
	return upsample(small, sw, sh, w, h), nil
}

// maskedBackground is a normalised box filter (width win) over dish pixels
// not in excl, so colonies do not lift the background under them. Where
// fewer than a tenth of the window's pixels are usable, fallback is kept.
func maskedBackground(s []float32, roi, excl []bool, fallback []float32, w, h int, win float64) []float32 {
	mean, wt, sw, sh := blockMean(s, roi, excl, w, h, -1)
	num := make([]float64, sw*sh)
	for i := range num {
		num[i] = mean[i] * wt[i]
	}
	r := max(1, int(win/bgFactor/2))
	bn := boxSum(num, sw, sh, r)
	bw := boxSum(wt, sw, sh, r)
	small := make([]float64, sw*sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			i := y*sw + x
			area := float64((min(sh-1, y+r) - max(0, y-r) + 1) * (min(sw-1, x+r) - max(0, x-r) + 1))
			if bw[i] > 0.1*area {
				small[i] = bn[i] / bw[i]
			} else {
				small[i] = math.NaN()
			}
		}
	}
	// NaN cells spread to their bilinear neighbours, which then keep the
	// median background.
	up := upsample(small, sw, sh, w, h)
	for i, v := range up {
		if math.IsNaN(float64(v)) {
			up[i] = fallback[i]
		}
	}
	return up
}

// boxSum sums v over (2r+1)² windows clipped to the image, via an
// integral image.
func boxSum(v []float64, w, h, r int) []float64 {
	ii := make([]float64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		row := 0.0
		for x := 0; x < w; x++ {
			row += v[y*w+x]
			ii[(y+1)*(w+1)+x+1] = ii[y*(w+1)+x+1] + row
		}
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			out[y*w+x] = ii[y1*(w+1)+x1] - ii[y0*(w+1)+x1] - ii[y1*(w+1)+x0] + ii[y0*(w+1)+x0]
		}
	}
	return out
}

// robustSigma is 1.4826·MAD of v over roi: the background noise, which
// colonies covering under half the dish do not inflate. Values are binned
// at 1/8 grey level, far below any threshold built on σ.
func robustSigma(v []float32, roi []bool) float64 {
	const binsPerGL, span = 8, 512 // ±256 grey levels
	hist := make([]int, 2*span*binsPerGL+1)
	bin := func(x float64) int {
		return max(0, min(len(hist)-1, int(math.Round(x*binsPerGL))+span*binsPerGL))
	}
	n := 0
	for i, in := range roi {
		if in {
			hist[bin(float64(v[i]))]++
			n++
		}
	}
	if n == 0 {
		return 0
	}
	med := stats.HistQuantileCeil(hist, n, 0.5)
	dev := make([]int, len(hist))
	for i, c := range hist {
		d := i - med
		if d < 0 {
			d = -d
		}
		dev[d] += c
	}
	return 1.4826 * float64(stats.HistQuantileCeil(dev, n, 0.5)) / binsPerGL
}

func medianBytes(v []byte) float64 { return float64(percentileBytes(v, 0.5)) }

// percentileBytes returns the q-quantile (0..1) of v by the inverse ECDF.
func percentileBytes(v []byte, q float64) byte {
	var hist [256]int
	for _, b := range v {
		hist[b]++
	}
	return byte(stats.HistQuantileCeil(hist[:], len(v), q))
}

// polarBackground replaces bg between radii r0 and r1 around (cx, cy) by
// the median of s in polar bins 1 px deep and 1/64 of a turn wide,
// interpolated linearly around the dish. Colonies fill a small part of a
// bin's arc, so the median follows the rim's rings, not the colonies.
func polarBackground(s []float32, roi []bool, bg []float32, w, h int, cx, cy, r0, r1 float64) {
	const sectors = 64
	if r1-r0 < 2 || r0 < 0 {
		return
	}
	nr := int(r1-r0) + 1
	bins := make([][]float32, sectors*nr)
	angle := func(dx, dy float64) float64 { // sector coordinate 0..sectors, centre of sector k at k+0.5
		a := math.Atan2(dy, dx)
		if a < 0 {
			a += 2 * math.Pi
		}
		return a / (2 * math.Pi) * sectors
	}
	// inBand calls fn for every roi pixel whose centre lies in the band of
	// nr rings from r0, with its offset from the centre and its radius.
	inBand := func(fn func(i int, dx, dy, r float64)) {
		for y := max(0, int(cy-r1)); y < min(h, int(cy+r1)+1); y++ {
			for x := max(0, int(cx-r1)); x < min(w, int(cx+r1)+1); x++ {
				i := y*w + x
				if !roi[i] {
					continue
				}
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				r := math.Hypot(dx, dy)
				if r < r0 || r >= r0+float64(nr) {
					continue
				}
				fn(i, dx, dy, r)
			}
		}
	}
	inBand(func(i int, dx, dy, r float64) {
		k := min(sectors-1, int(angle(dx, dy)))
		j := k*nr + int(r-r0)
		bins[j] = append(bins[j], s[i])
	})
	med := make([]float64, len(bins))
	for j, b := range bins {
		if len(b) < 3 {
			med[j] = math.NaN()
			continue
		}
		slices.Sort(b)
		med[j] = float64(b[len(b)/2])
	}
	inBand(func(i int, dx, dy, r float64) {
		ri := int(r - r0)
		a := angle(dx, dy) - 0.5
		k0 := int(math.Floor(a))
		t := a - float64(k0)
		k1 := (k0 + 1 + sectors) % sectors
		k0 = (k0 + sectors) % sectors
		v0, v1 := med[k0*nr+ri], med[k1*nr+ri]
		var v float64
		switch {
		case math.IsNaN(v0) && math.IsNaN(v1):
			return
		case math.IsNaN(v0):
			v = v1
		case math.IsNaN(v1):
			v = v0
		default:
			v = v0*(1-t) + v1*t
		}
		// Blend in over the innermost 3 px so the seam does not show.
		f := math.Min(1, (r-r0)/3)
		bg[i] = float32(f*v + (1-f)*float64(bg[i]))
	})
}

// envelopeBackground is the background as the morphological closing of
// the dish (opening for light colonies) over a win-wide square window on
// block means, then a box mean over half the window: dark features
// narrower than the window are removed whatever share of the dish they
// cover, where a median fails beyond half. sign is +1 for light colonies,
// −1 for dark ones. Pixels outside roi take no part.
func envelopeBackground(s []float32, roi []bool, sign float32, win float64, w, h int) []float32 {
	mean, wt, sw, sh := blockMean(s, roi, nil, w, h, -1)
	in := make([]bool, sw*sh)
	v := make([]float64, sw*sh)
	for i := range v {
		in[i] = wt[i] > 0.25
		v[i] = -float64(sign) * mean[i] // colonies dark in v
	}
	r := max(1, int(win/bgFactor/2))
	v = maskedExtreme(v, in, sw, sh, r, true)
	v = maskedExtreme(v, in, sw, sh, r, false)
	num := make([]float64, sw*sh)
	cnt := make([]float64, sw*sh)
	for i := range v {
		if in[i] {
			num[i], cnt[i] = -float64(sign)*v[i], 1
		}
	}
	bn := boxSum(num, sw, sh, max(1, r/2))
	bc := boxSum(cnt, sw, sh, max(1, r/2))
	small := make([]float64, sw*sh)
	level := 0.0
	nl := 0.0
	for i := range small {
		if bc[i] > 0 {
			small[i] = bn[i] / bc[i]
			level += small[i]
			nl++
		}
	}
	if nl > 0 {
		level /= nl
	}
	for i := range small {
		if bc[i] == 0 {
			small[i] = level
		}
	}
	return upsample(small, sw, sh, w, h)
}

// maskedExtreme is a separable (2r+1)² max (or min) filter over the cells
// where in is true; other cells keep their value and are not read.
func maskedExtreme(v []float64, in []bool, w, h, r int, isMax bool) []float64 {
	better := func(a, b float64) bool {
		if isMax {
			return a > b
		}
		return a < b
	}
	tmp := make([]float64, len(v))
	has := make([]bool, len(v))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			tmp[i] = v[i]
			for xx := max(0, x-r); xx <= min(w-1, x+r); xx++ {
				j := y*w + xx
				if in[j] && (!has[i] || better(v[j], tmp[i])) {
					tmp[i], has[i] = v[j], true
				}
			}
		}
	}
	out := make([]float64, len(v))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			out[i] = v[i]
			got := false
			for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
				j := yy*w + x
				if has[j] && (!got || better(tmp[j], out[i])) {
					out[i], got = tmp[j], true
				}
			}
		}
	}
	return out
}

// backgroundMode returns, for the signed contrast sign·v over roi, the
// background peak (the histogram mode within ±modeRangeGL) and the noise
// σ measured on the side away from the colonies, 1.4826 × the median
// distance below the mode: colonies covering most of the dish do not
// inflate it, as they do a MAD over all pixels.
func backgroundMode(v []float32, roi []bool, sign float32) (mode, sigma float64) {
	const binsPerGL, span, modeRangeGL = 8, 256, 10
	hist := make([]int, 2*span*binsPerGL+1)
	for i, in := range roi {
		if in {
			b := int(math.Round(float64(sign*v[i])*binsPerGL)) + span*binsPerGL
			hist[max(0, min(len(hist)-1, b))]++
		}
	}
	// Mode of the histogram smoothed over ±1 GL.
	best, bestC := span*binsPerGL, -1
	for b := (span - modeRangeGL) * binsPerGL; b <= (span+modeRangeGL)*binsPerGL; b++ {
		c := 0
		for k := max(0, b-binsPerGL); k <= min(len(hist)-1, b+binsPerGL); k++ {
			c += hist[k]
		}
		if c > bestC {
			best, bestC = b, c
		}
	}
	below := 0
	for b := 0; b < best; b++ {
		below += hist[b]
	}
	if below == 0 {
		return float64(best-span*binsPerGL) / binsPerGL, 0
	}
	target, acc := (below+1)/2, 0
	for b := best - 1; b >= 0; b-- {
		acc += hist[b]
		if acc >= target {
			return float64(best-span*binsPerGL) / binsPerGL, 1.4826 * float64(best-b) / binsPerGL
		}
	}
	return float64(best-span*binsPerGL) / binsPerGL, 0
}
