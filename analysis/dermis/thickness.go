package dermis

import (
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/models"
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
	var out [][]image.Point
	for _, sp := range spans {
		if sp.l < minLen || float64(sp.l) < minFrac*float64(spans[0].l) {
			break
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
		sec.IntervalPx = round3(s.opt.IntervalUM / s.cal.PixelSizeUM)
	} else {
		sec.IntervalPx = s.opt.IntervalUM
	}
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
	any := false
	for i, p := range c {
		onBorder := p.X <= 1 || p.Y <= 1 || p.X >= w-2 || p.Y >= h-2
		ok[i] = !onBorder && float64(distEpi[p.Y*w+p.X]) <= scMax+1.5
		any = any || ok[i]
	}
	if !any || s.tEst <= 0 {
		sec.QC = append(sec.QC, models.QCNoEpidermis, models.QCSectionPartial)
		return
	}
	hw := int(math.Max(3, 2*s.tEst))
	runs := surfaceRuns(c, ok, int(math.Max(10, s.px(100, 10))), 0.2, max(2*hw, int(s.px(200, 0))))
	s.surface = make([]bool, w*h)
	var ep, de, deFull, sc []float64
	lower := 0
	var totalL float64
	for _, run := range runs {
		for _, p := range run {
			s.surface[p.Y*w+p.X] = true
		}
		totalL += s.measureRun(run, hw, &ep, &de, &deFull, &sc, &lower)
	}
	sec.SurfaceLength = round3(s.toUnit(totalL))
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
		}
	}
	sec.Epidermis = s.stats(ep)
	// Normals that ran off the image or out of the tissue before reaching
	// fat only give lower bounds; when most reached the hypodermis, use
	// those alone.
	if len(deFull) >= 3 && 2*len(deFull) > len(de) {
		sec.Dermis = s.stats(deFull)
	} else {
		sec.Dermis = s.stats(de)
	}
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
	if len(de) > 0 && lower*2 >= len(de) {
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
func (s *section) measureRun(run []image.Point, hw int, ep, de, deFull, sc *[]float64, lower *int) float64 {
	fin := float64(s.f)
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
	s.res.SurfaceCurves = append(s.res.SurfaceCurves, sc0)
	if len(samples) == 0 {
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
	trim := s.tEst
	var dej, end []Point
	for k, p := range samples {
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
			*de = append(*de, m.DermisPx)
			if m.DermisLowerBound {
				*lower++
			} else {
				*deFull = append(*deFull, m.DermisPx)
			}
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
	return models.LayerThickness{Unit: u, Mean: round3(mean), SD: round3(sd), Median: round3(med), Min: round3(lo), Max: round3(hi), N: len(v)}
}

// march walks along the normal from p (working px) and records where the
// tissue, the epidermis, the DEJ and the end of the dermis are. Offsets are
// in working px.
func (s *section) march(p, n Point) (Measurement, bool) {
	w, h := s.w, s.h
	const step = 0.5
	at := func(t float64) (int, bool) {
		x, y := p.X+0.5+t*n.X, p.Y+0.5+t*n.Y
		xi, yi := int(math.Floor(x)), int(math.Floor(y))
		if xi < 0 || yi < 0 || xi >= w || yi >= h {
			return 0, false
		}
		return yi*w + xi, true
	}
	scMax := s.scMax()
	m0 := scMax + 2*s.tEst + 4
	var m Measurement
	// tissue surface
	t := -m0
	found := false
	for ; t < m0; t += step {
		if i, in := at(t); in && s.filled[i] {
			found = true
			break
		}
	}
	if !found {
		return m, false
	}
	s0 := t
	// top of the epidermis
	found = false
	for ; t < s0+scMax+step; t += step {
		i, in := at(t)
		if !in {
			return m, false
		}
		if s.epi[i] {
			found = true
			break
		}
	}
	if !found {
		return m, false
	}
	e0 := t
	// DEJ: first sustained run of non-epidermis
	gap := math.Max(2, 0.15*s.tEst)
	lastEpi := t
	for ; ; t += step {
		i, in := at(t)
		if !in {
			return m, false // the epidermis runs off the image
		}
		if s.epi[i] {
			lastEpi = t
		} else if t-lastEpi >= gap {
			break
		}
		if t-e0 > 20*s.tEst+20 {
			return m, false
		}
	}
	e1 := lastEpi + step
	// end of the dermis
	gapG := s.px(30, 4)
	lastTissue := e1
	var end float64
	lowerBound := false
	for t = e1; ; t += step {
		i, in := at(t)
		if !in {
			end, lowerBound = t, true
			break
		}
		if s.fat[i] {
			end = t
			break
		}
		if s.filled[i] {
			lastTissue = t
			if s.epi[i] && t-e1 > 4*s.tEst {
				end, lowerBound = t, true // reached epidermis again (folded or curved section)
				break
			}
		} else if t-lastTissue >= gapG {
			end, lowerBound = lastTissue+step, true
			break
		}
	}
	m = Measurement{
		CorneumPx: e0 - s0, EpidermisPx: e1 - e0, DermisPx: end - e1,
		TissueAt: s0, EpidermisAt: e0, DEJAt: e1, DermisEndAt: end, DermisLowerBound: lowerBound,
	}
	return m, true
}
