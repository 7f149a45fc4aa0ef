package cells

import (
	"math"
)

// Chamber-grid removal for whole hemocytometer fields.
//
// A counting chamber's ruling is two families of straight lines that cross
// the whole field, at right angles to each other and tilted by the camera
// by a small angle θ. Along a line its profile is the same everywhere (up
// to the illumination, which scales it), so the line pattern of each
// family is one 1-D profile P(v) of the coordinate across it,
// v = y·cosθ − x·sinθ (horizontal family) or u = x·cosθ + y·sinθ
// (vertical). trypanFlattenGrid:
//
//  1. estimates the smooth illumination S by block medians (blocks of
//     three largest cells), bilinearly interpolated;
//  2. expresses the field as relative contrast r = (g − S)/S;
//  3. finds θ within ±trypanGridMaxTiltDeg as the angle that maximises
//     the between-bin variance of the mean of r over 1-px bins of u and v
//     (the lines line up with the bins only at the right angle);
//  4. takes each family's profile as the median of r over quarter-pixel
//     bins of its coordinate — every bin spans the whole field, so cells,
//     which cover a small part of it, do not move the median;
//  5. models the lines as S·(1 + L), L the profile of each family, the
//     stronger one where both are of one sign (the crossing is as dark as
//     its darker line, not darker), and returns g minus that model; where
//     two lines cross, the foreground threshold is raised by both lines'
//     contrast, as their combination is not predictable.
//
// Profile values below trypanGridMinContrast are dropped as noise, so a
// field without a grid is only flattened. The residual misfit of the
// model on the lines (sub-pixel position, JPEG ringing) raises the local
// foreground threshold by trypanGridMisfit of the line contrast, or by how
// much the profile changes within half a pixel where that is more (the
// steep edges of a sharp line).
const (
	trypanGridMaxTiltDeg = 3.0
	// trypanGridUnits: relative contrast is binned in units of 1/200.
	trypanGridUnits = 200
	// trypanGridMinContrast: profile bins weaker than this (units of
	// 1/200, 1.5 %) are not lines.
	trypanGridMinContrast = 3
	trypanGridMisfit      = 0.35
	trypanGridSubBins     = 4 // bins per pixel across a line
)

// trypanFlattenGrid is trypanFlatten for whole chamber fields with a
// ruling at any small tilt; same outputs and ownership.
func trypanFlattenGrid(g []byte, w, h int, sc trypanScale) (flat []int16, bg, cross *[]int16) {
	block := max(48, int(3*sc.maxDiamPx))
	s := trypanBlockBackground(g, w, h, block)
	// Relative contrast, in 1/200 units, clipped to ±255.
	r := make([]int16, w*h)
	for i, v := range g {
		rel := (float64(v)/math.Max(1, float64(s[i])) - 1) * trypanGridUnits
		r[i] = int16(math.Max(-255, math.Min(255, math.Round(rel))))
	}
	theta := trypanGridAngle(r, w, h)
	sin, cos := math.Sin(theta), math.Cos(theta)
	// Horizontal family: coordinate v; vertical: u. Offsets keep bins ≥ 0.
	off, span := trypanGridSpan(w, h)
	vOf := func(x, y int) float64 { return float64(y)*cos - float64(x)*sin + off }
	uOf := func(x, y int) float64 { return float64(x)*cos + float64(y)*sin + off }
	nb := span * trypanGridSubBins
	lineH := trypanGridProfile(r, w, h, vOf, nb)
	// The vertical family's profile on the residual of the horizontal one,
	// then the horizontal one again without the vertical lines.
	resid := make([]int16, w*h)
	apply := func(src []int16, prof []int16, coord func(x, y int) float64) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				resid[i] = src[i] - prof[int(coord(x, y)*trypanGridSubBins)]
			}
		}
	}
	apply(r, lineH, vOf)
	lineV := trypanGridProfile(resid, w, h, uOf, nb)
	apply(r, lineV, uOf)
	lineH = trypanGridProfile(resid, w, h, vOf, nb)

	// The profiles' change within ±half a pixel: how wrong the model can be
	// where the ruling is a fraction of a pixel off (waviness, tilt error).
	rangeH, rangeV := trypanGridLocalRange(lineH), trypanGridLocalRange(lineV)
	flat = make([]int16, w*h)
	bg, cross = trypScratchInt16(w*h), trypScratchInt16(w*h)
	bgv, crossv := *bg, *cross
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			bh, bv := int(vOf(x, y)*trypanGridSubBins), int(uOf(x, y)*trypanGridSubBins)
			a, b := float64(lineH[bh]), float64(lineV[bv])
			var l float64
			switch {
			case a < 0 && b < 0:
				l = math.Min(a, b)
			case a > 0 && b > 0:
				l = math.Max(a, b)
			default:
				l = a + b
			}
			base := float64(s[i])
			model := base * (1 + l/trypanGridUnits)
			bgv[i] = int16(math.Round(math.Max(0, math.Min(255, model))))
			flat[i] = int16(int(g[i]) - int(bgv[i]))
			miss := math.Max(trypanGridMisfit*math.Abs(l), float64(rangeH[bh])+float64(rangeV[bv]))
			if a != 0 && b != 0 {
				// Where lines cross, how the two combine (the darker
				// wins, or the contrasts add) depends on the ruling and
				// the focus: only contrast beyond both lines is a cell.
				miss = math.Abs(a) + math.Abs(b)
			}
			crossv[i] = int16(math.Round(miss * base / trypanGridUnits))
		}
	}
	return flat, bg, cross
}

// trypanGridSpan is the offset that keeps the line coordinates u and v of
// a w×h field non-negative at any searched tilt, and the number of whole
// pixels they span.
func trypanGridSpan(w, h int) (off float64, span int) {
	m := float64(max(w, h))
	off = math.Ceil(m*math.Sin((trypanGridMaxTiltDeg+0.2)*math.Pi/180)) + 2
	return off, int(m+2*off) + 2
}

// trypanBlockBackground is the illumination: the background grey of each
// block×block tile (trypanHistMode), bilinearly interpolated between tile
// centres.
func trypanBlockBackground(g []byte, w, h, block int) []uint8 {
	nx, ny := (w+block-1)/block, (h+block-1)/block
	med := make([]float64, nx*ny)
	for by := 0; by < ny; by++ {
		for bx := 0; bx < nx; bx++ {
			var hist [256]int
			n := 0
			for y := by * block; y < min((by+1)*block, h); y++ {
				for x := bx * block; x < min((bx+1)*block, w); x++ {
					hist[g[y*w+x]]++
					n++
				}
			}
			med[by*nx+bx] = float64(trypanHistMode(hist[:], n))
		}
	}
	out := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)/float64(block) - 0.5
		y0 := int(math.Floor(fy))
		ty := fy - float64(y0)
		y0c, y1c := min(max(y0, 0), ny-1), min(max(y0+1, 0), ny-1)
		for x := 0; x < w; x++ {
			fx := (float64(x)+0.5)/float64(block) - 0.5
			x0 := int(math.Floor(fx))
			tx := fx - float64(x0)
			x0c, x1c := min(max(x0, 0), nx-1), min(max(x0+1, 0), nx-1)
			v := (med[y0c*nx+x0c]*(1-tx)+med[y0c*nx+x1c]*tx)*(1-ty) + (med[y1c*nx+x0c]*(1-tx)+med[y1c*nx+x1c]*tx)*ty
			out[y*w+x] = uint8(math.Round(math.Max(1, math.Min(255, v))))
		}
	}
	return out
}

// trypanGridAngle returns the tilt (radians) at which the ruling's lines
// line up best with rows and columns: a coarse search in 0.1° steps, then
// 0.01° steps around the best, on every second pixel.
func trypanGridAngle(r []int16, w, h int) float64 {
	score := func(th float64) float64 {
		sin, cos := math.Sin(th), math.Cos(th)
		off, nb := trypanGridSpan(w, h)
		sumV, nV := make([]float64, nb), make([]float64, nb)
		sumU, nU := make([]float64, nb), make([]float64, nb)
		for y := 0; y < h; y += 2 {
			for x := 0; x < w; x += 2 {
				v := float64(r[y*w+x])
				bv := int(float64(y)*cos - float64(x)*sin + off)
				bu := int(float64(x)*cos + float64(y)*sin + off)
				sumV[bv] += v
				nV[bv]++
				sumU[bu] += v
				nU[bu]++
			}
		}
		s := 0.0
		for i := range sumV {
			if nV[i] > 0 {
				s += sumV[i] * sumV[i] / nV[i]
			}
			if nU[i] > 0 {
				s += sumU[i] * sumU[i] / nU[i]
			}
		}
		return s
	}
	deg := math.Pi / 180
	best, bestS := 0.0, math.Inf(-1)
	for a := -trypanGridMaxTiltDeg; a <= trypanGridMaxTiltDeg+1e-9; a += 0.1 {
		if s := score(a * deg); s > bestS {
			best, bestS = a, s
		}
	}
	c := best
	for a := c - 0.1; a <= c+0.1+1e-9; a += 0.01 {
		if s := score(a * deg); s > bestS {
			best, bestS = a, s
		}
	}
	return best * deg
}

// trypanGridLocalRange is, per bin, the largest difference between the
// profile there and within half a pixel of it.
func trypanGridLocalRange(p []int16) []int16 {
	out := make([]int16, len(p))
	const k = trypanGridSubBins / 2
	for b := range p {
		for j := max(0, b-k); j <= min(len(p)-1, b+k); j++ {
			d := p[j] - p[b]
			out[b] = max(out[b], d, -d)
		}
	}
	return out
}

// trypanGridProfile is the median of r over sub-pixel bins of coord
// (nb bins of 1/trypanGridSubBins px), zero where weaker than
// trypanGridMinContrast. Bins without pixels take their neighbours'.
func trypanGridProfile(r []int16, w, h int, coord func(x, y int) float64, nb int) []int16 {
	const span = 511
	hist := make([]uint16, nb*span)
	cnt := make([]int32, nb)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b := int(coord(x, y) * trypanGridSubBins)
			v := int(r[y*w+x]) + 255
			if hist[b*span+v] < math.MaxUint16 {
				hist[b*span+v]++
			}
			cnt[b]++
		}
	}
	prof := make([]int16, nb)
	// A bin needs a few pixels for a median; near the corners of a tilted
	// field bins are short, and a line there must still be modelled.
	minCount := int32(8)
	for b := 0; b < nb; b++ {
		if cnt[b] < minCount {
			continue
		}
		half, acc := (cnt[b]+1)/2, int32(0)
		for v := 0; v < span; v++ {
			acc += int32(hist[b*span+v])
			if acc >= half {
				m := int16(v - 255)
				if m >= trypanGridMinContrast || m <= -trypanGridMinContrast {
					prof[b] = m
				}
				break
			}
		}
	}
	return prof
}

// trypanHistMode is the chamber's grey level in a tile: the peak of its
// histogram smoothed over ±trypanModeHalfWidth levels (camera noise and
// JPEG quantisation split one level over several bins). The median would
// do in sparse fields, but where cells cover half the tile or more (dense
// suspensions, many stained cells) it lands on the cells; the chamber's
// pixels still cluster in one narrow peak while a cell's spread over its
// rim, centre and halo. Falls back to the median when the tile has fewer
// than 64 pixels.
func trypanHistMode(hist []int, n int) int {
	if n < 64 {
		return trypanHistQuantileN(hist, n, 0.5)
	}
	const hw = trypanModeHalfWidth
	best, bestV := -1, 0
	sum := 0
	for v := 0; v < len(hist)+hw; v++ {
		if v < len(hist) {
			sum += hist[v]
		}
		if v-2*hw-1 >= 0 {
			sum -= hist[v-2*hw-1]
		}
		if c := v - hw; c >= 0 && c < len(hist) && sum > best {
			best, bestV = sum, c
		}
	}
	return bestV
}

// trypanModeHalfWidth: see trypanHistMode.
const trypanModeHalfWidth = 3
