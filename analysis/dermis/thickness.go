package dermis

import (
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// outerContour returns the longest outer contour of the mask (working px).
func outerContour(m []bool, w, h int) []image.Point {
	buf := make([]byte, w*h)
	for i, v := range m {
		if v {
			buf[i] = 255
		}
	}
	mat, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC1, buf)
	if err != nil {
		return nil
	}
	defer mat.Close()
	cs := gocv.FindContours(mat, gocv.RetrievalExternal, gocv.ChainApproxNone)
	defer cs.Close()
	var best []image.Point
	for i := 0; i < cs.Size(); i++ {
		pts := cs.At(i).ToPoints()
		if len(pts) > len(best) {
			best = pts
		}
	}
	return best
}

// minSurfaceCover is the least share of a secondary surface stretch that
// lies near the epidermis.
const minSurfaceCover = 0.7

// surfaceRuns returns, in order along the closed contour, the stretches of
// points lying within scMax of the epidermis (gaps up to maxGap points
// bridged), longest first, keeping those at least minFrac of the longest and
// minLen points long.
func surfaceRuns(c []image.Point, ok []bool, maxGap int, minFrac float64, minLen int) [][]image.Point {
	n := len(c)
	if n == 0 {
		return nil
	}
	// start scanning just after a non-surface point so runs do not wrap
	start := -1
	for i := 0; i < n; i++ {
		if !ok[i] {
			start = i
			break
		}
	}
	if start < 0 {
		return [][]image.Point{c} // the whole outline is surface
	}
	type span struct{ a, l int }
	var spans []span
	runA, last := -1, -1
	for k := 1; k <= n; k++ {
		i := (start + k) % n
		if !ok[i] {
			continue
		}
		if runA >= 0 && k-last <= maxGap+1 {
			last = k
			continue
		}
		if runA >= 0 {
			spans = append(spans, span{runA, last - runA + 1})
		}
		runA, last = k, k
	}
	if runA >= 0 {
		spans = append(spans, span{runA, last - runA + 1})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].l > spans[j].l })
	// share of a span's points that lie near the epidermis: a real
	// surface is covered almost all along, a chain of dark specks along
	// the deep cut edge (bridged gaps) is not
	cover := func(sp span) float64 {
		k := 0
		for j := 0; j < sp.l; j++ {
			if ok[(start+sp.a+j)%n] {
				k++
			}
		}
		return float64(k) / float64(sp.l)
	}
	var out [][]image.Point
	for si, sp := range spans {
		if sp.l < minLen || float64(sp.l) < minFrac*float64(spans[0].l) {
			break
		}
		if si > 0 && cover(sp) < minSurfaceCover {
			continue
		}
		run := make([]image.Point, sp.l)
		for j := range run {
			run[j] = c[(start+sp.a+j)%n]
		}
		out = append(out, run)
	}
	return out
}

// smoothCurve is a moving average of half-width hw, shrinking at the ends.
func smoothCurve(c []image.Point, hw int) []Point {
	n := len(c)
	out := make([]Point, n)
	for i := range c {
		k := min(hw, i, n-1-i)
		var sx, sy float64
		for j := i - k; j <= i+k; j++ {
			sx += float64(c[j].X)
			sy += float64(c[j].Y)
		}
		out[i] = Point{sx / float64(2*k+1), sy / float64(2*k+1)}
	}
	return out
}

// resample returns points every step along the polyline plus their arc
// positions.
func resample(c []Point, step float64) ([]Point, []float64, float64) {
	if len(c) < 2 || step <= 0 {
		return nil, nil, 0
	}
	cum := make([]float64, len(c))
	for i := 1; i < len(c); i++ {
		cum[i] = cum[i-1] + math.Hypot(c[i].X-c[i-1].X, c[i].Y-c[i-1].Y)
	}
	L := cum[len(c)-1]
	var pts []Point
	var at []float64
	// centre the samples on the curve
	first := math.Mod(L, step) / 2
	j := 0
	for a := first; a <= L; a += step {
		for j < len(c)-2 && cum[j+1] < a {
			j++
		}
		seg := cum[j+1] - cum[j]
		t := 0.0
		if seg > 0 {
			t = (a - cum[j]) / seg
		}
		pts = append(pts, Point{c[j].X + t*(c[j+1].X-c[j].X), c[j].Y + t*(c[j+1].Y-c[j].Y)})
		at = append(at, a)
	}
	return pts, at, L
}

// pointAt interpolates the polyline at arc position a.
func pointAt(c []Point, cum []float64, a float64) Point {
	if a <= 0 {
		return c[0]
	}
	for j := 1; j < len(c); j++ {
		if cum[j] >= a {
			seg := cum[j] - cum[j-1]
			t := 0.0
			if seg > 0 {
				t = (a - cum[j-1]) / seg
			}
			return Point{c[j-1].X + t*(c[j].X-c[j-1].X), c[j-1].Y + t*(c[j].Y-c[j-1].Y)}
		}
	}
	return c[len(c)-1]
}

// measureThickness fits the skin surface and measures along its normals.
func (s *section) measureThickness() {
	sec := &s.res.Section
	w, h := s.w, s.h
	fin := float64(s.f)
	sec.Epidermis.Unit, sec.Dermis.Unit = sec.Unit, sec.Unit
	if s.cal.Known() {
		sec.IntervalPx = models.Round3(s.opt.IntervalUM / s.cal.PixelSizeUM)
	} else {
		sec.IntervalPx = s.opt.IntervalUM
	}
	// Normals closer than half a working pixel repeat each other; the
	// floor also bounds the work for a tiny interval on a coarse image.
	sec.IntervalPx = math.Max(sec.IntervalPx, 0.5*fin)
	// main tissue piece
	lab, area, _ := components(s.filled, w, h)
	bi := 0
	for l := 1; l < len(area); l++ {
		if bi == 0 || area[l] > area[bi] {
			bi = l
		}
	}
	main := make([]bool, w*h)
	for i, l := range lab {
		main[i] = l == int32(bi) && bi != 0
	}
	c := outerContour(main, w, h)
	distEpi := chamferDist(s.epi, w, h)
	scMax := s.scMax()
	ok := make([]bool, len(c))
	anyOK := false
	for i, p := range c {
		onBorder := p.X <= 1 || p.Y <= 1 || p.X >= w-2 || p.Y >= h-2
		ok[i] = !onBorder && float64(distEpi[p.Y*w+p.X]) <= scMax+1.5
		anyOK = anyOK || ok[i]
	}
	if !anyOK || s.tEst <= 0 {
		sec.QC = append(sec.QC, models.QCNoEpidermis, models.QCSectionPartial)
		return
	}
	s.epiBig = bigPieces(s.epi, w, h, 0.1)
	s.epiDepth, s.nuclei = nil, nil
	if s.sheetUsed && s.eConc != nil {
		s.epiDepth = insideDist(s.epi, w, h)
		s.nuclei = s.nuclearMask()
		s.basophilia, s.cornLevel = s.corneumLevel()
	}
	hw := int(math.Max(3, 2*s.tEst))
	// A stretch of surface must be long against the smoothing, but a
	// narrow view (a surface cut short by the image) may offer no more than
	// half its width.
	minRun := max(2*hw, int(s.px(200, 0)))
	minRun = min(minRun, max(int(s.px(200, 0)), min(w, h)/2))
	runs := surfaceRuns(c, ok, int(math.Max(10, s.px(100, 10))), 0.2, minRun)
	s.surface = make([]bool, w*h)
	if s.epiMedian == 0 {
		s.band = make([]bool, w*h)
	} else {
		s.band = nil
	}
	var ep, sc []float64
	var de dermisSamples
	var totalL float64
	for _, run := range runs {
		totalL += s.measureRun(run, hw, &ep, &sc, &de)
	}
	sec.SurfaceLength = models.Round3(s.toUnit(totalL))
	denseMed := 0.0
	if s.band != nil {
		denseMed = s.markBand()
		s.bandRuns = nil
	}
	if len(ep) > 0 {
		// Epidermis pixels deeper than 1.5× the median thickness (plus
		// the cornified layer) below the surface are adnexa (follicles,
		// glands) or dense dermis, not interfollicular epidermis; 1.5×
		// leaves room for rete ridges.
		_, _, medE, _, _ := describe(ep)
		_, _, medC, _, _ := describe(sc)
		if s.epiMedian == 0 {
			s.epiLimit = (1.5*medE+medC)/fin + 2
			s.epiMedian = medE / fin
			if denseMed > 0 && len(ep) < 10 {
				// every pixel of surface, not every IntervalUM: robust
				// even when only a few measurements fit on the surface
				s.epiMedian = math.Max(s.epiMedian, denseMed)
			}
		}
	}
	sec.Epidermis = s.stats(plausible(ep))
	sec.Dermis = s.stats(de.chosen())
	scFound := 0
	for _, v := range sc {
		if v >= 1.5*fin {
			scFound++
		}
	}
	if len(sc) > 0 && scFound*2 >= len(sc) {
		st := s.stats(sc)
		sec.StratumCorneum = &st
	}
	if len(de.all) > 0 && de.lower*2 >= len(de.all) {
		sec.DermisLowerBound = true
		sec.QC = append(sec.QC, models.QCLowerBoundDermis)
	}
	if len(ep) < 3 {
		sec.QC = append(sec.QC, models.QCSectionPartial)
	}
}

// measureRun fits one stretch of skin surface, measures along its normals
// and appends the thicknesses (input px). It returns the curve length in
// working px.
func (s *section) measureRun(run []image.Point, hw int, ep, sc *[]float64, de *dermisSamples) float64 {
	fin := float64(s.f)
	for _, p := range run {
		s.surface[p.Y*s.w+p.X] = true
	}
	curve := smoothCurve(run, hw)
	cum := make([]float64, len(curve))
	for i := 1; i < len(curve); i++ {
		cum[i] = cum[i-1] + math.Hypot(curve[i].X-curve[i-1].X, curve[i].Y-curve[i-1].Y)
	}
	step := s.res.Section.IntervalPx / fin
	samples, at, L := resample(curve, step)
	var sc0 []Point
	for _, p := range curve {
		sc0 = append(sc0, Point{(p.X + 0.5) * fin, (p.Y + 0.5) * fin})
	}
	if len(samples) == 0 {
		s.res.SurfaceCurves = append(s.res.SurfaceCurves, sc0)
		return L
	}
	// tangents from the curve ±hw/2 around each sample
	dA := math.Max(2, float64(hw)/2)
	normals := make([]Point, len(samples))
	vote := 0
	for k, a := range at {
		p0 := pointAt(curve, cum, math.Max(0, a-dA))
		p1 := pointAt(curve, cum, math.Min(L, a+dA))
		tx, ty := p1.X-p0.X, p1.Y-p0.Y
		n := math.Hypot(tx, ty)
		if n == 0 {
			tx, ty, n = 1, 0, 1
		}
		nx, ny := -ty/n, tx/n
		normals[k] = Point{nx, ny}
		d := 2*s.tEst + 3
		if s.inside(samples[k].X+d*nx, samples[k].Y+d*ny) {
			vote++
		}
		if s.inside(samples[k].X-d*nx, samples[k].Y-d*ny) {
			vote--
		}
	}
	if vote < 0 {
		for k := range normals {
			normals[k] = Point{-normals[k].X, -normals[k].Y}
		}
	}
	sign := 1.0
	if vote < 0 {
		sign = -1
	}
	s.res.SurfaceCurves = append(s.res.SurfaceCurves, sc0)
	if s.band != nil {
		s.marchDense(curve, cum, L, dA, sign)
	}
	trim := s.tEst
	var dej, end []Point
	for k, p := range samples {
		if k%64 == 0 && s.cancelled() {
			break
		}
		if at[k] < trim || at[k] > L-trim {
			continue
		}
		m, good := s.march(p, normals[k])
		if !good {
			continue
		}
		m.Surface = Point{(p.X + 0.5) * fin, (p.Y + 0.5) * fin}
		m.Normal = normals[k]
		m.CorneumPx *= fin
		m.EpidermisPx *= fin
		m.DermisPx *= fin
		m.TissueAt *= fin
		m.EpidermisAt *= fin
		m.DEJAt *= fin
		m.DermisEndAt *= fin
		s.res.Measurements = append(s.res.Measurements, m)
		*ep = append(*ep, m.EpidermisPx)
		*sc = append(*sc, m.CorneumPx)
		dej = append(dej, Point{m.Surface.X + m.DEJAt*m.Normal.X, m.Surface.Y + m.DEJAt*m.Normal.Y})
		if !math.IsNaN(m.DermisPx) {
			de.add(m)
			end = append(end, Point{m.Surface.X + m.DermisEndAt*m.Normal.X, m.Surface.Y + m.DermisEndAt*m.Normal.Y})
		}
	}
	if len(dej) > 0 {
		s.res.DEJ = append(s.res.DEJ, dej)
	}
	if len(end) > 0 {
		s.res.DermisEnd = append(s.res.DermisEnd, end)
	}
	return L
}

// dermisSamples collects the dermal thickness of each normal (input px)
// and where it ended.
type dermisSamples struct {
	all    []float64
	atFat  []float64 // ended at the hypodermis
	inView []float64 // ended inside the image (at fat or at the tissue's end)
	lower  int       // lower bounds: ended anywhere but at fat
}

func (d *dermisSamples) add(m Measurement) {
	d.all = append(d.all, m.DermisPx)
	if m.DermisLowerBound {
		d.lower++
	} else {
		d.atFat = append(d.atFat, m.DermisPx)
	}
	if !m.offImage {
		d.inView = append(d.inView, m.DermisPx)
	}
}

// chosen returns the thicknesses the section's dermis is reported from.
// Normals that ran off the image or out of the tissue before reaching fat
// only give lower bounds: when most reached the hypodermis, those alone.
// When fat is in view but a tilted or narrow view lets some normals leave
// the image first (through its side, or its bottom under a deeper stretch
// of dermis), those say only that the dermis is longer than the image
// allows: the normals that ended inside the view, if a few did.
func (d *dermisSamples) chosen() []float64 {
	switch {
	case len(d.atFat) >= 3 && 2*len(d.atFat) > len(d.all):
		return d.atFat
	case len(d.atFat) >= 1 && len(d.inView) >= minInViewNormals && len(d.inView) < len(d.all):
		return d.inView
	}
	return d.all
}

// minInViewNormals is the fewest normals ending inside the view that
// replace those which left it.
const minInViewNormals = 2

func (s *section) inside(x, y float64) bool {
	xi, yi := int(x), int(y)
	if xi < 0 || yi < 0 || xi >= s.w || yi >= s.h {
		return false
	}
	return s.filled[yi*s.w+xi]
}

// toUnit converts working px to the reported unit.
func (s *section) toUnit(v float64) float64 {
	v *= float64(s.f)
	if s.cal.Known() {
		return v * s.cal.PixelSizeUM
	}
	return v
}

func (s *section) stats(vInputPx []float64) models.LayerThickness {
	u := s.res.Section.Unit
	if len(vInputPx) == 0 {
		return models.LayerThickness{Unit: u}
	}
	v := make([]float64, len(vInputPx))
	for i, x := range vInputPx {
		if s.cal.Known() {
			x *= s.cal.PixelSizeUM
		}
		v[i] = x
	}
	mean, sd, med, lo, hi := describe(v)
	return models.LayerThickness{Unit: u, Mean: models.Round3(mean), SD: models.Round3(sd), Median: models.Round3(med), Min: models.Round3(lo), Max: models.Round3(hi), N: len(v)}
}

// marchEpidermis walks along the normal n from p (working px) and returns
// the offsets of the tissue surface s0, the top of the epidermis e0 and the
// DEJ e1 (the start of a sustained non-epidermis run).
func (s *section) marchEpidermis(p, n Point) (s0, e0, e1 float64, ok bool) {
	const step = 0.5
	at := func(t float64) (int, bool) { return s.pixelAlong(p, n, t) }
	scMax := s.scMax()
	m0 := scMax + 2*s.tEst + 4
	t := -m0
	found := false
	for ; t < m0; t += step {
		if i, in := at(t); in && s.filled[i] {
			found = true
			break
		}
	}
	if found && s.nearSurface {
		t = s.nearestTissueStart(p, n, t, m0)
	}
	if !found {
		return 0, 0, 0, false
	}
	s0 = t
	found = false
	for ; t < s0+scMax+step; t += step {
		i, in := at(t)
		if !in {
			return 0, 0, 0, false
		}
		if s.epi[i] {
			found = true
			break
		}
	}
	if !found {
		return 0, 0, 0, false
	}
	e0 = t
	gap := math.Max(2, 0.15*s.tEst)
	lastEpi := t
	for ; ; t += step {
		i, in := at(t)
		if !in {
			return 0, 0, 0, false // the epidermis runs off the image
		}
		if s.epi[i] {
			lastEpi = t
		} else if t-lastEpi >= gap {
			break
		}
		if t-e0 > 20*s.tEst+20 {
			return 0, 0, 0, false
		}
	}
	e1 = lastEpi + step
	if s.sheetUsed && s.eConc != nil {
		// H&E only: in silver the fine feature is dark on the dermal
		// fibres too (measured: silver 1 point worse on seeds 2–4).
		// At most a quarter of the band (or the sheet's smoothing) back:
		// where the spinous nuclei are sparse the last dense pixel may lie
		// high in the epidermis
		e1 = s.lastDense(p, n, (e0+e1)/2, e1-math.Max(s.px(epiSheetSigmaUM, 0), (e1-e0)/4), e1)
	}
	// The DEJ from a threshold on a smoothed feature lies too deep: the
	// dark basal row right above it is smeared into the dermis. The
	// steepest fall of the feature along the normal is the edge itself.
	// (The top edge has no such asymmetry and stays as thresholded.)
	// A band thresholded at a cell's scale (sheetUsed) may end that far
	// from the DEJ.
	r := math.Max(2, s.px(6, 2))
	if s.sheetUsed {
		r = math.Max(r, s.px(epiSheetSigmaUM, 0))
	}
	if e1r := s.steepest(p, n, math.Max(e1-r, (e0+e1)/2), e1+r, -1); e1r-e0 > 1 {
		e1 = e1r
	}
	e1 = s.basalDEJ(p, n, e0, e1)
	// The cell-scale band also reaches up into the corneum: its top is the
	// steepest rise of the fine feature near the thresholded one.
	if s.sheetUsed {
		if e0r := s.steepest(p, n, math.Max(s0, e0-r), math.Min(e0+r, (e0+e1)/2), 1); e1-e0r > 1 {
			e0 = e0r
		}
	}
	if s.cornLevel > 0 {
		e0 = s.topByColour(p, n, s0, e0)
	}
	return s0, e0, e1, true
}

// corneumLevel returns the H&E share of haematoxylin H/(H+E) (σ = 2.5
// µm, over tissue) and the level between the stratum corneum's (the tissue
// within 4 µm of the glass, outside the sheet) and the keratinocytes'
// cytoplasm (the sheet's lower quartile, nuclei being the upper part); 0
// when the two do not differ by topColourContrast. The sheet's top follows
// its nuclei, and where the upper spinous layers have few of them it
// starts 10–30 µm below the corneum (physgen seeds 1 and 4); the corneum
// is eosinophilic keratin, the cytoplasm lilac.
func (s *section) corneumLevel() (*plane, float32) {
	h, e := s.hConc.v, s.eConc.v
	ratio := newPlane(s.w, s.h)
	for i := range ratio.v {
		if sum := h[i] + e[i]; s.tissue[i] && sum > 0 {
			ratio.v[i] = max(0, h[i]) / sum
		}
	}
	ratio = normalisedBlur(ratio, s.tissue, s.px(2.5, 1.2))
	nearGlass := chamferDist(s.glass, s.w, s.h)
	depth := float32(s.px(topCorneumDepthUM, 2))
	var corn, sheet []float32
	for i, t := range s.tissue {
		switch {
		case !t:
		case s.epi[i]:
			sheet = append(sheet, ratio.v[i])
		case nearGlass[i] <= depth:
			corn = append(corn, ratio.v[i])
		}
	}
	if len(corn) < minLevelSamples || len(sheet) < minLevelSamples {
		return nil, 0
	}
	c, k := stats.QuantileFloor(corn, 0.5), stats.QuantileFloor(sheet, 0.25)
	if k-c < topColourContrast {
		return nil, 0
	}
	return ratio, (c + k) / 2
}

// topByColour moves the top of the epidermis e0 up the normal, towards the
// tissue surface s0, while the tissue is coloured more like keratinocyte
// cytoplasm than like the corneum (see corneumLevel).
func (s *section) topByColour(p, n Point, s0, e0 float64) float64 {
	const step = 0.5
	for t := e0 - step; t >= s0; t -= step {
		i, in := s.pixelAlong(p, n, t)
		if !in || !s.tissue[i] || s.basophilia.v[i] <= s.cornLevel {
			return t + step
		}
	}
	return e0
}

// lastDense returns, walking up the normal from b towards floor, the offset
// just below the first pixel denser than the fine band's threshold (b when
// there is none). A sheet found at a cell's scale reaches past the DEJ by
// about its smoothing, and along the flank of a rete ridge, where the normal
// runs almost parallel to the DEJ, that margin is tens of µm long: the basal
// nuclei lining the ridge are the epidermis' last dense pixels. Above soft
// (at most a quarter of the band back) the walk goes on only while it stays
// in the sheet's margin (epiDepth ≤ sheetMarginUM, and ≤ the cap): where the spinous
// nuclei are sparse deep inside the sheet the last dense pixel may lie high
// in the epidermis, but a normal along a flank never leaves the margin.
func (s *section) lastDense(p, n Point, floor, soft, b float64) float64 {
	const step = 0.5
	if s.featThr <= 0 {
		return b
	}
	// no wider than the cap: where the sheet's edge runs across the normal
	// the depth passes the cap where the walk passes it, and only a flank
	// goes on
	margin := float32(math.Min(s.px(sheetMarginUM, 0), b-soft))
	for t := b; t > floor; t -= step {
		i, in := s.pixelAlong(p, n, t)
		if in && s.feat.v[i] > s.featThr {
			return t + step
		}
		if t <= soft && !(in && s.epiDepth != nil && s.epiDepth[i] <= margin) {
			return b
		}
	}
	return b
}

// steepest returns the offset t in [a, b] along the normal where the
// epidermis feature rises (dir = 1) or falls (dir = −1) fastest.
func (s *section) steepest(p, n Point, a, b, dir float64) float64 {
	const step = 0.5
	best, bestT := math.Inf(-1), (a+b)/2
	for t := a; t <= b; t += step {
		g := dir * (s.featAt(p.X+0.5+(t+1)*n.X, p.Y+0.5+(t+1)*n.Y) - s.featAt(p.X+0.5+(t-1)*n.X, p.Y+0.5+(t-1)*n.Y))
		if g > best {
			best, bestT = g, t
		}
	}
	return bestT
}

// featAt interpolates the smoothed epidermis feature bilinearly at (x, y)
// (pixel centres at +0.5).
func (s *section) featAt(x, y float64) float64 {
	x -= 0.5
	y -= 0.5
	x = math.Max(0, math.Min(float64(s.w-1), x))
	y = math.Max(0, math.Min(float64(s.h-1), y))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, s.w-1), min(y0+1, s.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	v := s.feat.v
	w := s.w
	top := float64(v[y0*w+x0])*(1-fx) + float64(v[y0*w+x1])*fx
	bot := float64(v[y1*w+x0])*(1-fx) + float64(v[y1*w+x1])*fx
	return top*(1-fy) + bot*fy
}

// nearestTissueStart returns, between a and b along the normal, the start
// of the stretch of tissue nearest the surface point (offset 0), for
// hiddenSurface: unstained glass that is not found as glass (a darker
// strip at the image edge beyond the real glass) otherwise is taken for
// the tissue's top, and the epidermis lies too far below it.
func (s *section) nearestTissueStart(p, n Point, a, b float64) float64 {
	const step = 0.5
	best, prev := a, true
	for t := a; t < b; t += step {
		i, in := s.pixelAlong(p, n, t)
		f := in && s.filled[i]
		if f && !prev && math.Abs(t) < math.Abs(best) {
			best = t
		}
		prev = f
	}
	return best
}

// march walks along the normal from p (working px) and records where the
// tissue, the epidermis, the DEJ and the end of the dermis are. Offsets are
// in working px.
func (s *section) march(p, n Point) (Measurement, bool) {
	const step = 0.5
	at := func(t float64) (int, bool) { return s.pixelAlong(p, n, t) }
	var m Measurement
	s0, e0, e1, ok := s.marchEpidermis(p, n)
	if !ok {
		return m, false
	}
	// end of the dermis
	gapG := s.px(30, 4)
	lastTissue := e1
	var end float64
	lowerBound, offImage := false, false
	for t := e1; ; t += step {
		i, in := at(t)
		if !in {
			end, lowerBound, offImage = t, true, true
			break
		}
		if s.fat[i] {
			end = t
			break
		}
		if s.filled[i] {
			lastTissue = t
			if s.epiBig[i] && t-e1 > 4*s.tEst {
				end, lowerBound = t, true // reached epidermis again (folded or curved section)
				break
			}
		} else if t-lastTissue >= gapG {
			end, lowerBound = lastTissue+step, true
			break
		}
	}
	m = Measurement{
		CorneumPx: s.stainedAlong(p, n, s0, e0), EpidermisPx: e1 - e0, DermisPx: end - e1,
		TissueAt: s0, EpidermisAt: e0, DEJAt: e1, DermisEndAt: end, DermisLowerBound: lowerBound,
		offImage: offImage,
	}
	return m, true
}

// bandRun is one surface stretch marched at every working pixel of arc
// length: sample points, normals into the tissue, epidermis top and DEJ
// offsets (NaN where no epidermis was found).
type bandRun struct {
	pts, nrm []Point
	e0, e1   []float64
}

// marchDense follows the normals at every working pixel of arc length along
// one surface curve and records where the epidermis starts and ends.
func (s *section) marchDense(curve []Point, cum []float64, L, dA, sign float64) {
	n := int(L)
	if n < 2 {
		return
	}
	r := bandRun{make([]Point, n), make([]Point, n), make([]float64, n), make([]float64, n)}
	for k := 0; k < n; k++ {
		if k%64 == 0 && s.cancelled() {
			return
		}
		a := float64(k) + 0.5
		p := pointAt(curve, cum, a)
		p0 := pointAt(curve, cum, math.Max(0, a-dA))
		p1 := pointAt(curve, cum, math.Min(L, a+dA))
		tx, ty := p1.X-p0.X, p1.Y-p0.Y
		l := math.Hypot(tx, ty)
		if l == 0 {
			tx, ty, l = 1, 0, 1
		}
		r.pts[k], r.nrm[k] = p, Point{-sign * ty / l, sign * tx / l}
		r.e0[k], r.e1[k] = math.NaN(), math.NaN()
		if _, e0, e1, ok := s.marchEpidermis(p, r.nrm[k]); ok {
			r.e0[k], r.e1[k] = e0, e1
		}
	}
	s.bandRuns = append(s.bandRuns, r)
}

// markBand marks in s.band where the epidermis may lie: along every dense
// normal, from outside the surface down to the deepest DEJ plausible there,
// the 80th percentile of the DEJ depth over ±max(8 epidermal thicknesses,
// 150 µm) of surface plus a fifth of its median (rete ridges), capped at
// 1.6× the median DEJ depth of the whole section. Adnexa opening onto the
// surface (follicles, ducts) are a minority of such a window, and the cap
// keeps a cluster of them from widening the band. It returns the median
// dense epidermal thickness (0 when too few normals found epidermis).
func (s *section) markBand() float64 {
	var all, thick []float32
	for _, r := range s.bandRuns {
		for k, v := range r.e1 {
			if !math.IsNaN(v) {
				all = append(all, float32(v))
				thick = append(thick, float32(v-r.e0[k]))
			}
		}
	}
	if len(all) < 10 {
		return 0
	}
	limMax := 1.6*float64(stats.QuantileFloor(all, 0.5)) + 1.5
	hw := int(math.Max(8*s.tEst, s.px(150, 40)))
	win := make([]float32, 0, 2*hw+1)
	m0 := s.scMax() + 2*s.tEst + 4
	for _, r := range s.bandRuns {
		n := len(r.e1)
		for k := 0; k < n; k++ {
			win = win[:0]
			for j := max(0, k-hw); j <= min(n-1, k+hw); j++ {
				if !math.IsNaN(r.e1[j]) {
					win = append(win, float32(r.e1[j]))
				}
			}
			if len(win) < 3 {
				continue
			}
			med := float64(stats.QuantileFloor(win, 0.5))
			q := float64(stats.QuantileFloor(win, 0.8))
			lim := math.Min(q+math.Max(0.2*med, 1.5), limMax)
			for t := -m0; t <= lim; t += 0.5 {
				x, y := int(math.Floor(r.pts[k].X+0.5+t*r.nrm[k].X)), int(math.Floor(r.pts[k].Y+0.5+t*r.nrm[k].Y))
				if x >= 0 && y >= 0 && x < s.w && y < s.h {
					s.band[y*s.w+x] = true
				}
			}
		}
	}
	return float64(stats.QuantileFloor(thick, 0.5))
}

// plausible drops epidermal thicknesses more than twice or less than 0.4×
// the median: normals that cross the epidermis very obliquely (a kink in
// the surface) or run down a follicle, or graze a fold. Rete ridges stay
// well within that range.
func plausible(ep []float64) []float64 {
	if len(ep) < 5 {
		return ep
	}
	_, _, med, _, _ := describe(ep)
	out := make([]float64, 0, len(ep))
	for _, v := range ep {
		if v <= 2*med && v >= 0.4*med {
			out = append(out, v)
		}
	}
	return out
}

// stainedAlong is the length of stained tissue on the normal between
// offsets a and b: a stratum corneum lifted off the epidermis by a cleft
// is measured without the cleft.
func (s *section) stainedAlong(p, n Point, a, b float64) float64 {
	const step = 0.5
	l := 0.0
	for t := a; t < b; t += step {
		x, y := int(math.Floor(p.X+0.5+t*n.X)), int(math.Floor(p.Y+0.5+t*n.Y))
		if x >= 0 && y >= 0 && x < s.w && y < s.h && s.tissue[y*s.w+x] {
			l += step
		}
	}
	return l
}

// pixelAlong is the index of the working pixel at distance t (px) from p
// along the unit normal n, and false outside the image.
func (s *section) pixelAlong(p, n Point, t float64) (int, bool) {
	x, y := p.X+0.5+t*n.X, p.Y+0.5+t*n.Y
	xi, yi := int(math.Floor(x)), int(math.Floor(y))
	if xi < 0 || yi < 0 || xi >= s.w || yi >= s.h {
		return 0, false
	}
	return yi*s.w + xi, true
}

// bigPieces keeps the components of m whose area is at least frac of the
// largest one: a fold of epidermis, not dark specks along a cut edge.
func bigPieces(m []bool, w, h int, frac float64) []bool {
	lab, area, _ := components(m, w, h)
	big := 0
	for _, a := range area[1:] {
		big = max(big, a)
	}
	out := make([]bool, len(m))
	for i, l := range lab {
		out[i] = l != 0 && float64(area[l]) >= frac*float64(big)
	}
	return out
}
