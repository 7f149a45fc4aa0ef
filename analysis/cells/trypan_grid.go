package cells

import (
	"math"
	"sync"

	"github.com/histocount/histocount/stats"
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
//     bins of its coordinate — every bin spans the whole field (a
//     quarter of it along the lines, trypanGridBandProfile, for lines
//     that stop part-way), so cells, which cover a small part of it, do
//     not move the median; in a crowded field they do move it, by the
//     same amount in every bin, so each profile is taken relative to its
//     running median across the lines (trypanGridDebias);
//  5. cuts each line into stretches and keeps it only where the field
//     shows it (trypanGridPresence): a Neubauer ruling's 50 µm lines
//     exist only in its central square, and a line subtracted where it
//     is absent leaves a bright stripe that is cut into "cells"; the
//     verdicts of neighbouring stretches vote, as a line starts and stops
//     only at a few places;
//  6. models the lines as S·(1 + L), L the profile of each family, the
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
	// The baseline between lines is the chamber only where cells are
	// sparse: half a field of cells drags every bin's median down, and
	// that offset, subtracted as "line" everywhere, leaves a patchwork
	// of ± several percent that the threshold cuts into specks.
	baseHalf := int(math.Round(trypanGridBaselineUM / sc.pixelSizeUM * trypanGridSubBins))
	lineH := trypanGridDebias(trypanGridProfile(r, w, h, vOf, nb, nil), baseHalf)
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
	lineV := trypanGridDebias(trypanGridBandProfile(resid, w, h, uOf, vOf, nb, span), baseHalf)
	apply(r, lineV, uOf)
	lineH = trypanGridDebias(trypanGridBandProfile(resid, w, h, vOf, uOf, nb, span), baseHalf)

	// The profiles' change within ±half a pixel: how wrong the model can be
	// where the ruling is a fraction of a pixel off (waviness, tilt error).
	rangeH, rangeV := trypanGridLocalRange(lineH), trypanGridLocalRange(lineV)
	// Where each line actually runs: a line of the profile is modelled
	// only in the stretches where the field shows it.
	presH := trypanGridPresence(r, w, h, lineH, lineV, vOf, uOf, span)
	presV := trypanGridPresence(r, w, h, lineV, lineH, uOf, vOf, span)
	flat = make([]int16, w*h)
	bg, cross = trypScratchInt16(w*h), trypScratchInt16(w*h)
	bgv, crossv := *bg, *cross
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			vc, uc := vOf(x, y), uOf(x, y)
			bh, bv := int(vc*trypanGridSubBins), int(uc*trypanGridSubBins)
			a, b := float64(lineH[bh]), float64(lineV[bv])
			rh, rv := float64(rangeH[bh]), float64(rangeV[bv])
			if !presH.at(bh, uc) {
				a, rh = 0, 0
			}
			if !presV.at(bv, vc) {
				b, rv = 0, 0
			}
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
			miss := math.Max(trypanGridMisfit*math.Abs(l), rh+rv)
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

// trypanGridDebias subtracts from a profile its running median over
// ±half bins, the level between the lines, and zeroes what is then
// weaker than trypanGridMinContrast. A window of twice
// trypanGridBaselineUM holds a Neubauer ruling's widest line group (a
// triple line, about 25 µm) and at least two 50 µm spacings, so the
// median lands between lines.
func trypanGridDebias(prof []int16, half int) []int16 {
	if half <= 0 {
		return prof
	}
	shifted, base := make([]int16, len(prof)), make([]int16, len(prof))
	for b, v := range prof {
		shifted[b] = v + 256
	}
	var hist [512]int32
	trypRunningMedian(shifted, 0, 1, len(prof), half, base, &hist)
	out := make([]int16, len(prof))
	for b, v := range prof {
		if d := v - (base[b] - 256); d >= trypanGridMinContrast || d <= -trypanGridMinContrast {
			out[b] = d
		}
	}
	return out
}

// trypanGridBaselineUM: half the window of trypanGridDebias, µm.
const trypanGridBaselineUM = 60

// trypanGridPresence finds where each line of a family's profile runs. A
// profile spans the whole field, but a ruling's lines do not: a Neubauer
// chamber's 50 µm lines exist only inside its central square, and where
// the median says "line" over the whole field, subtracting it where it is
// absent leaves bright stripes that become cells. Each line
// (trypanGridLines, judged on its core: bins at least half its peak) is
// cut into stretches of trypanGridSegmentPx along it; in each, the median
// of r over the core's pixels (crossings with the other family left out)
// relative to the profile says whether the line is there: at least
// trypanGridPresentFrac of the profile's contrast. In a crowded field
// cells cover half of many stretches' cores and flip their verdict, so
// neighbouring stretches vote (trypanGridSmoothVerdicts); stretches with
// too few pixels to judge take the nearest verdict (they used to keep
// the line, and a line split into fragments of one bin was then kept
// everywhere).
func trypanGridPresence(r []int16, w, h int, prof, other []int16, across, along func(x, y int) float64, span int) trypanLinePresence {
	lineOf, nl := trypanGridLines(prof)
	nseg := span/trypanGridSegmentPx + 1
	pres := trypanLinePresence{lineOf: lineOf, nseg: nseg, present: make([]bool, nl*nseg)}
	if nl == 0 {
		return pres
	}
	// Ratio r/profile, in trypanGridRatioBins steps over [−1, 2).
	const nr = 3 * trypanGridRatioBins
	hist := make([]int32, nl*nseg*nr)
	cnt := make([]int32, nl*nseg)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b := int(across(x, y) * trypanGridSubBins)
			l := lineOf[b]
			if l < 0 || other[int(along(x, y)*trypanGridSubBins)] != 0 {
				continue
			}
			ratio := float64(r[y*w+x]) / float64(prof[b])
			g := int(l)*nseg + int(along(x, y))/trypanGridSegmentPx
			q := int(math.Floor((ratio + 1) * trypanGridRatioBins))
			hist[g*nr+min(max(q, 0), nr-1)]++
			cnt[g]++
		}
	}
	judged := make([]bool, len(pres.present))
	for g := range pres.present {
		if cnt[g] < trypanGridMinSegmentPx {
			continue
		}
		judged[g] = true
		half, acc := (cnt[g]+1)/2, int32(0)
		for q := 0; q < nr; q++ {
			acc += hist[g*nr+q]
			if acc >= half {
				pres.present[g] = float64(q)/trypanGridRatioBins-1 >= trypanGridPresentFrac
				break
			}
		}
	}
	for l := 0; l < nl; l++ {
		trypanGridSmoothVerdicts(pres.present[l*nseg:(l+1)*nseg], judged[l*nseg:(l+1)*nseg])
		trypanGridFillUnjudged(pres.present[l*nseg:(l+1)*nseg], judged[l*nseg:(l+1)*nseg])
	}
	return pres
}

// trypanGridLines groups a profile's bins into lines: runs of bins of one
// sign, bridging gaps of up to trypanGridLineGapBins zero bins (with a
// tilted ruling, quarter-pixel bins are sparsely filled and a median can
// dip below trypanGridMinContrast inside a line). lineOf is each bin's
// line (−1 outside line cores: bins under half the line's peak), nl the
// number of lines.
func trypanGridLines(prof []int16) (lineOf []int32, nl int) {
	lineOf = make([]int32, len(prof))
	for b := range lineOf {
		lineOf[b] = -1
	}
	for b := 0; b < len(prof); {
		if prof[b] == 0 {
			b++
			continue
		}
		pos := prof[b] > 0
		last, peak := b, int16(0)
		for e := b; e < len(prof) && e-last <= trypanGridLineGapBins; e++ {
			if prof[e] == 0 {
				continue
			}
			if (prof[e] > 0) != pos {
				break
			}
			last = e
			peak = max(peak, prof[e], -prof[e])
		}
		for k := b; k <= last; k++ {
			if 2*max(prof[k], -prof[k]) >= peak {
				lineOf[k] = int32(nl)
			}
		}
		nl++
		b = last + 1
	}
	return lineOf, nl
}

// trypanGridSmoothVerdicts replaces each judged stretch's verdict by the
// majority of the judged stretches within ±trypanGridVoteStretches of
// it. A ruling line starts and stops only at a few places, while cells
// crowding the core of one stretch flip its verdict either way; a
// majority keeps the runs and their ends and drops the flips.
func trypanGridSmoothVerdicts(present, judged []bool) {
	orig := append([]bool(nil), present...)
	for k := range present {
		if !judged[k] {
			continue
		}
		yes, n := 0, 0
		for d := max(0, k-trypanGridVoteStretches); d <= min(len(present)-1, k+trypanGridVoteStretches); d++ {
			if judged[d] {
				n++
				if orig[d] {
					yes++
				}
			}
		}
		present[k] = 2*yes > n || 2*yes == n && orig[k]
	}
}

// trypanGridFillUnjudged gives the stretches of one line with too few
// pixels to judge (field corners, stretches that are all crossings) the
// verdict of the nearest judged stretch; a line judged nowhere is kept.
func trypanGridFillUnjudged(present, judged []bool) {
	for k := range present {
		if judged[k] {
			continue
		}
		present[k] = true
		for d := 1; d < len(present); d++ {
			if k-d >= 0 && judged[k-d] {
				present[k] = present[k-d]
				break
			}
			if k+d < len(present) && judged[k+d] {
				present[k] = present[k+d]
				break
			}
		}
	}
}

// trypanLinePresence says, per profile bin and stretch along the line,
// whether the line is there (trypanGridPresence).
type trypanLinePresence struct {
	lineOf  []int32 // line of each profile bin, −1 outside line cores
	nseg    int
	present []bool // by line·nseg + stretch
}

// at reports whether the profile's value at bin b is to be modelled at
// position along (pixels) on the line. Bins outside line cores (the
// flanks) follow the core next to them.
func (p trypanLinePresence) at(b int, along float64) bool {
	l := p.lineOf[b]
	for k := 1; l < 0 && k <= trypanGridFlankBins; k++ {
		if b-k >= 0 && p.lineOf[b-k] >= 0 {
			l = p.lineOf[b-k]
		} else if b+k < len(p.lineOf) && p.lineOf[b+k] >= 0 {
			l = p.lineOf[b+k]
		}
	}
	if l < 0 {
		return true
	}
	return p.present[int(l)*p.nseg+int(along)/trypanGridSegmentPx]
}

// Line presence (trypanGridPresence).
const (
	// trypanGridSegmentPx: stretch length along a line, pixels — a few
	// cells long, short enough to follow where a line stops.
	trypanGridSegmentPx = 40
	// trypanGridMinSegmentPx: fewest core pixels to judge a stretch.
	trypanGridMinSegmentPx = 16
	// trypanGridPresentFrac: a line is present where its median contrast
	// is at least this fraction of the profile's.
	trypanGridPresentFrac = 0.5
	// trypanGridRatioBins: ratio histogram steps per unit.
	trypanGridRatioBins = 20
	// trypanGridFlankBins: profile bins (quarter pixels) on either side of
	// a line's core that share its verdict.
	trypanGridFlankBins = 3 * trypanGridSubBins
	// trypanGridLineGapBins: zero bins (quarter pixels) bridged within
	// one line.
	trypanGridLineGapBins = trypanGridSubBins
	// trypanGridVoteStretches: stretches on either side that vote on a
	// stretch's verdict (trypanGridSmoothVerdicts).
	trypanGridVoteStretches = 3
)

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

// trypanGridBandProfile is trypanGridProfile taken separately in
// trypanGridBands bands along the lines, keeping per bin the strongest
// band's value where a second band shows the line too: a line that runs along less than half of the
// field (a Neubauer chamber's 50 µm lines stop at its central square)
// has a whole-field median of zero but is there in the bands it crosses.
// trypanGridPresence then says where along the line to model it.
func trypanGridBandProfile(r []int16, w, h int, across, along func(x, y int) float64, nb, span int) []int16 {
	// The along coordinate's range over the field, split evenly.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range [][2]int{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}} {
		a := along(c[0], c[1])
		lo, hi = math.Min(lo, a), math.Max(hi, a)
	}
	step := (hi - lo) / trypanGridBands
	if step < trypanGridMinBandPx {
		// A crop of a field: too short for bands to hold a line's median.
		return trypanGridProfile(r, w, h, across, nb, nil)
	}
	// Per bin the two band values of largest magnitude: a line must show
	// in two bands, as a crowd of cells filling one band's bin does not.
	first, second := make([]int16, nb), make([]int16, nb)
	for k := 0; k < trypanGridBands; k++ {
		a0, a1 := lo+float64(k)*step, lo+float64(k+1)*step
		p := trypanGridProfile(r, w, h, across, nb, func(x, y int) bool {
			a := along(x, y)
			return a >= a0 && (a < a1 || k == trypanGridBands-1)
		})
		for b, v := range p {
			switch m := max(v, -v); {
			case m > max(first[b], -first[b]):
				first[b], second[b] = v, first[b]
			case m > max(second[b], -second[b]):
				second[b] = v
			}
		}
	}
	// A line that crosses a band only in part (the 50 µm lines end at
	// the central square) fills each quarter-pixel bin of that band from
	// a few rows only, so its median there alternates between the line
	// and zero along the profile, and the second band's value is a comb.
	// Where the strongest band shows a line far above the profile's
	// typical level (the noise of a crowded field's medians, which every
	// band shows) and a second band shows it within half a pixel, the
	// strongest band's value is kept; elsewhere the second band's.
	ac0, ac1 := math.Inf(1), math.Inf(-1)
	for _, c := range [][2]int{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}} {
		a := across(c[0], c[1])
		ac0, ac1 = math.Min(ac0, a), math.Max(ac1, a)
	}
	var mag []int16
	for b := max(0, int(ac0*trypanGridSubBins)); b < min(nb, int(ac1*trypanGridSubBins)); b++ {
		mag = append(mag, max(first[b], -first[b]))
	}
	strong := int16(trypanGridStrongK * math.Max(trypanGridMinContrast, float64(stats.QuantileFloor(mag, 0.5))))
	out := make([]int16, nb)
	for b, v := range first {
		if (second[b] > 0) == (v > 0) {
			out[b] = second[b]
		}
		if max(v, -v) < strong {
			continue
		}
		for k := max(0, b-trypanGridSubBins/2); k <= min(nb-1, b+trypanGridSubBins/2); k++ {
			if second[k] != 0 && (second[k] > 0) == (v > 0) {
				out[b] = v
				break
			}
		}
	}
	return out
}

// trypanGridBands: see trypanGridBandProfile. Four bands of a 1.3–2.6 mm
// field are 0.3–0.65 mm long, so a 1 mm central square fills two of them
// in most fields where it spans half the field.
const trypanGridBands = 4

// trypanGridStrongK: a band value this many times the profile's median
// magnitude (or trypanGridMinContrast) is a line, not a crowd of cells
// (trypanGridBandProfile).
const trypanGridStrongK = 3

// trypanGridMinBandPx: shorter bands are not used (a 2×2 tile of a
// 1600×1200 field, a 960×720 field): with fewer than ~300 px along the
// line, cells crowding a band's bins make phantom lines (physgen 960×720
// fields with the strongest band's value: WAPE 19 → 34 %; chambersynth
// 800×600 tiles with two bands' value: 215 cells for 199).
const trypanGridMinBandPx = 300

// trypGridHistPool holds trypanGridProfile's histograms.
var trypGridHistPool = sync.Pool{New: func() any { return new([]uint16) }}

// trypanGridProfile is the median of r over sub-pixel bins of coord
// (nb bins of 1/trypanGridSubBins px), zero where weaker than
// trypanGridMinContrast; only pixels where keep is true (all when nil).
// Bins without pixels take their neighbours'.
func trypanGridProfile(r []int16, w, h int, coord func(x, y int) float64, nb int, keep func(x, y int) bool) []int16 {
	const span = 511
	// The histogram (nb·span, ~8 MB on a 1600×1200 field) is reused: a
	// field takes up to nine profiles.
	hp := trypGridHistPool.Get().(*[]uint16)
	defer trypGridHistPool.Put(hp)
	if cap(*hp) < nb*span {
		*hp = make([]uint16, nb*span)
	}
	hist := (*hp)[:nb*span]
	clear(hist)
	cnt := make([]int32, nb)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if keep != nil && !keep(x, y) {
				continue
			}
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
		return stats.HistQuantileFloor(hist, n, 0.5)
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
