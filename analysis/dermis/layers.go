package dermis

import (
	"math"
	"slices"
	"sort"

	"github.com/histocount/histocount/analysis/internal/threshold"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// segmentEpidermis finds the dense basophilic (H&E) or dark cellular
// (silver) band along the glass-facing outline of the tissue.
func (s *section) segmentEpidermis() {
	src, m := s.epidermisSource()
	// The fine feature (σ = 2.5 µm) finds the band where the epidermis is
	// darker than the dermis and places the DEJ (see steepest). In H&E the
	// band may differ only by its packed nuclei, its cytoplasm no darker
	// than the dermis: the fine band is then nuclei and gaps, much thinner
	// than the band found at the scale of a cell (epiSheetSigmaUM), where
	// such a sheet is uniformly dense; the latter is used when it is over
	// twice as thick. In silver the dermis' black fibres are as dense as
	// the epidermis at a cell's scale: the sheet is found in the ground
	// between them (minFilter), and only with a known pixel size.
	s.feat = normalisedBlur(src, m, s.px(2.5, 1.2))
	s.epi, s.tEst, s.featThr = s.bandFrom(s.feat, m, bandRule{minContrast: epiMinContrastOD, level: 0.5})
	s.sheetUsed = false
	// close gaps of up to a cell between the nuclei of a sparse upper
	// epidermis, so the march along a normal does not stop in them
	rc := int(math.Round(s.px(epiCloseUM, 0)))
	if s.eConc != nil {
		// The sheet's spinous layers are sparser than its basal row and
		// ridges, which dominate the dense class: the threshold lies
		// nearer the dermis (epiSheetLevel), or only the basal row passes.
		sheet := normalisedBlur(src, m, s.px(epiSheetSigmaUM, 1.2))
		if epi, t, _ := s.bandFrom(sheet, m, bandRule{closeR: rc, minContrast: epiMinContrastOD, level: epiSheetLevel, fillSparse: true, deepDermis: true}); t > 2*s.tEst {
			s.epi, s.tEst, s.sheetUsed = epi, t, true
		}
	} else if s.umPx > 0 {
		// Silver: the keratinocytes' cytoplasm is a continuous tan-grey
		// sheet, the dermis a ground crossed by thin black fibres. The
		// local minimum over a few µm (the ground between fibres and
		// nuclei) keeps the sheet and drops the fibres. The sheet is used
		// whenever it is found: in total OD the dermal fibres under a thick
		// epidermis pass for epidermis too, so the fine band may be as
		// thick as the sheet and both reach deep into the dermis (physgen
		// seed-2 silver 019: +27.6 %).
		sheet := normalisedBlur(s.silverGround(m), m, s.px(epiSheetSigmaUM, 1.2))
		// one channel of three: a third of the contrast
		if epi, t, _ := s.bandFrom(sheet, m, bandRule{closeR: rc, minContrast: epiMinContrastOD / 3, level: 0.5}); t > 0 {
			s.epi, s.tEst, s.sheetUsed = epi, t, true
			s.dropKeratin(m)
		}
	}
}

// dropKeratin removes from the silver sheet what is yellow rather than
// grey: impregnated keratinocytes absorb all channels nearly alike, the
// stratum corneum's keratin (and the dermal ground) mostly blue. A corneum
// may absorb as much red as the keratinocytes (then the red ground counts
// it as epidermis) but it absorbs far more blue, so its share of red in
// the OD is about half the sheet's. Ratios of OD smoothed over about a
// cell, and only where the tissue absorbs enough for a ratio to mean
// anything.
func (s *section) dropKeratin(m []bool) {
	pale, dense := s.silverChannels(m)
	sig := s.px(keratinSigmaUM, 2)
	r, b := normalisedBlur(s.od[pale], m, sig), normalisedBlur(s.od[dense], m, sig)
	grey := make([]float32, len(r.v))
	var vals []float32
	for i, e := range s.epi {
		if b.v[i] > keratinMinOD {
			grey[i] = r.v[i] / b.v[i]
			if e {
				vals = append(vals, grey[i])
			}
		}
	}
	if len(vals) < 50 {
		return
	}
	lim := keratinGreyFrac * stats.QuantileFloor(vals, 0.5)
	for i, e := range s.epi {
		if e && b.v[i] > keratinMinOD && grey[i] < lim {
			s.epi[i] = false
		}
	}
	s.tEst = bandThickness(s.epi, nil, s.w, s.h)
}

// Silver keratin (dropKeratin): smoothing of the OD ratio, least OD of the
// most absorbed channel for a ratio, and the red share (of the sheet's
// median) under which a pixel is keratin, halfway between the corneum's
// (about 0.5) and the sheet's (1).
const (
	keratinSigmaUM  = 5
	keratinMinOD    = 0.05
	keratinGreyFrac = 0.7
)

// minFilter returns the minimum of p over the pixels of m within a square
// of half-width r (separable); pixels with no m in reach keep their value.
func minFilter(p *plane, m []bool, r int) *plane {
	w, h := p.w, p.h
	const none = float32(math.MaxFloat32)
	a := newPlane(w, h)
	for i, v := range p.v {
		a.v[i] = none
		if m[i] {
			a.v[i] = v
		}
	}
	if r >= 1 {
		b := newPlane(w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				mn := none
				for xx := max(0, x-r); xx <= min(w-1, x+r); xx++ {
					mn = min(mn, a.v[y*w+xx])
				}
				b.v[y*w+x] = mn
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				mn := none
				for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
					mn = min(mn, b.v[yy*w+x])
				}
				a.v[y*w+x] = mn
			}
		}
	}
	for i, v := range a.v {
		if v == none {
			a.v[i] = p.v[i]
		}
	}
	return a
}

// silverGround is the silver sheet feature over the pixels m: the optical
// density of the channel the tissue absorbs least (red for a yellow-brown
// impregnation), at its minimum over a few µm (the ground between fibres
// and nuclei). The silver stratum corneum and dermal ground are yellow —
// they absorb blue and little red — while the keratinocytes are grey, so
// in that channel a yellow corneum is no denser than the dermis (total
// OD counted it as epidermis).
func (s *section) silverGround(m []bool) *plane {
	pale, _ := s.silverChannels(m)
	return minFilter(s.od[pale], m, int(math.Round(s.px(epiGroundUM, 0))))
}

// silverChannels are the channels the tissue m absorbs least and most.
func (s *section) silverChannels(m []bool) (pale, dense int) {
	var sum [3]float64
	for i, t := range m {
		if t {
			for c := 0; c < 3; c++ {
				sum[c] += float64(s.od[c].v[i])
			}
		}
	}
	for c := 1; c < 3; c++ {
		if sum[c] < sum[pale] {
			pale = c
		}
		if sum[c] > sum[dense] {
			dense = c
		}
	}
	return pale, dense
}

// epidermisSource is the per-pixel epidermis feature and the pixels it is
// defined on. H&E: the epidermis is both more basophilic and denser than
// the dermis, so the feature is haematoxylin plus half the eosin; silver:
// the darkness.
func (s *section) epidermisSource() (*plane, []bool) {
	w, h := s.w, s.h
	src, m := s.hConc, s.tissue
	if s.eConc != nil {
		src = newPlane(w, h)
		m = make([]bool, w*h)
		for i := range src.v {
			src.v[i] = s.hConc.v[i] + 0.5*s.eConc.v[i]
			m[i] = s.tissue[i] && !s.foreign[i]
		}
	}
	return src, m
}

// epiMinContrastOD is the least difference in summed optical density
// between the medians of the epidermis and the dermis for a band to count.
const epiMinContrastOD = 0.08

// epiSheetLevel places the H&E sheet's threshold between the medians of
// the dermis (0) and of the dense class (1).
const epiSheetLevel = 0.4

// bandRule says how bandFrom thresholds: closeR, the closing radius (px;
// 0: none); minContrast, the least difference between the medians of the
// dense class and the rest; level, where between those medians (0 the
// rest's, 1 the dense class') the threshold lies; fillSparse, whether
// holes up to the band's thickness are filled.
type bandRule struct {
	closeR             int
	minContrast, level float32
	// fillSparse: fill holes up to the band's thickness (H&E sheet: where
	// the spinous nuclei are sparse, see bandFrom)
	fillSparse bool
	// deepDermis: the dermis level is also taken from the tissue one to
	// two band widths from the glass (see deepLevel)
	deepDermis bool
}

// deepLevel is the median of feat over the tissue m one to two band
// widths (band, working px) from the glass, where the dermis surely lies
// (+Inf when it holds fewer than a quarter of nBand pixels). Where the
// rete ridges reach deep, the tissue near the glass is mostly epidermis:
// Otsu there splits the epidermis itself (sparse spinous layers against
// nuclear clusters and ridges) and the lower class, taken for dermis, is
// the spinous layers; the sheet then kept only the clusters (an epidermis
// of 20 µm against 150).
func (s *section) deepLevel(feat *plane, m []bool, distGlass []float32, band float64, nBand int) float32 {
	var deep []float32
	for i, v := range feat.v {
		if d := float64(distGlass[i]); m[i] && d > band && d <= 2*band {
			deep = append(deep, v)
		}
	}
	if 4*len(deep) < nBand {
		return float32(math.Inf(1))
	}
	return stats.QuantileFloor(deep, 0.5)
}

// bandFrom thresholds the smoothed epidermis feature feat (over the mask
// m) near the glass as rule says, and returns the band with its rough
// thickness (working px) and the threshold (0: no band).
func (s *section) bandFrom(feat *plane, m []bool, rule bandRule) ([]bool, float64, float32) {
	w, h := s.w, s.h
	epi := make([]bool, w*h)
	distGlass := chamferDist(s.glass, w, h)
	band := s.px(250, 0.1*float64(min(w, h)))
	var vals []float32
	for i, v := range feat.v {
		if m[i] && float64(distGlass[i]) <= band {
			vals = append(vals, v)
		}
	}
	if len(vals) < 50 {
		return epi, 0, 0
	}
	t0 := threshold.Otsu(vals)
	var hi, lo []float32
	for _, v := range vals {
		if v > t0 {
			hi = append(hi, v)
		} else {
			lo = append(lo, v)
		}
	}
	mE, mD := stats.QuantileFloor(hi, 0.5), stats.QuantileFloor(lo, 0.5)
	if rule.deepDermis {
		mD = min(mD, s.deepLevel(feat, m, distGlass, band, len(vals)))
	}
	if mE-mD < rule.minContrast {
		return epi, 0, 0 // no band denser than the dermis
	}
	thr := mD + rule.level*(mE-mD)
	for i, v := range feat.v {
		epi[i] = v > thr && s.filled[i] && float64(distGlass[i]) <= band && (s.foreign == nil || !s.foreign[i])
	}
	// The epidermis touches the surface: keep components that come within a
	// stratum corneum thickness of the glass.
	scMax := s.scMax()
	lab, area, _ := components(epi, w, h)
	near := make([]bool, len(area))
	for i, l := range lab {
		if l != 0 && float64(distGlass[i]) <= scMax {
			near[l] = true
		}
	}
	minArea := s.px(20, 3)
	minArea *= minArea
	for i, l := range lab {
		if l != 0 && (!near[l] || float64(area[l]) < minArea) {
			epi[i] = false
		}
	}
	if rule.closeR >= 1 {
		cl := morph(morph(epi, w, h, rule.closeR, true), w, h, rule.closeR, false)
		for i := range epi {
			epi[i] = cl[i] && s.filled[i]
		}
	}
	// Fill small gaps (pale cells, clefts) inside the band. An H&E sheet,
	// found by its nuclei at a cell's scale, also has holes where its
	// spinous nuclei are sparse (a stretch of cytoplasm as pale as the
	// dermis): enclosed by the sheet, they are epidermis up to a band's
	// thickness across; a normal would otherwise end its epidermis in them.
	// Such a stretch is stained throughout; a hole with an empty lumen is a
	// vessel in a papilla the sheet wraps round, and stays dermis. (The
	// silver sheet is found in the cytoplasm's ground, not by nuclei.)
	smallHole := 4 * s.px(epiGapUM, 2) * s.px(epiGapUM, 2)
	maxHole := smallHole
	if rule.fillSparse {
		t := bandThickness(epi, nil, w, h)
		maxHole = math.Max(maxHole, t*t)
	}
	notEpi := make([]bool, w*h)
	for i, e := range epi {
		notEpi[i] = !e
	}
	hl, ha, hb := components(notEpi, w, h)
	empty := make([]bool, len(ha)) // holes with glass or an unstained lumen
	for i, l := range hl {
		if l != 0 && (s.glass[i] || !s.tissue[i]) {
			empty[l] = true
		}
	}
	for i, l := range hl {
		if l == 0 || hb[l] {
			continue
		}
		if a := float64(ha[l]); (a < smallHole && !s.glass[i]) || (a < maxHole && !empty[l]) {
			epi[i] = true
		}
	}
	// rough thickness, from the edges before filling
	tEst := bandThickness(epi, notEpi, w, h)
	// Dermal nuclei just under the DEJ pass the threshold and hang on the
	// band as bumps that deepen the DEJ; an opening of about a nucleus
	// radius (at most a sixth of the band) removes them. Below 2 px the
	// nuclei are not resolved and the opening would only eat the band.
	if r := int(math.Round(math.Min(s.px(5, 1), tEst/6))); r >= 2 {
		opened := morph(morph(epi, w, h, r, false), w, h, r, true)
		for i := range epi {
			epi[i] = epi[i] && opened[i]
		}
	}
	return epi, tEst, thr
}

// bandThickness is the rough thickness (px) of the band epi: for a band of
// thickness t, the mean distance of its pixels to its edge is t/4. The
// distances run to the pixels of edges (nil: those outside epi).
func bandThickness(epi, edges []bool, w, h int) float64 {
	var inner []float32
	if edges == nil {
		inner = insideDist(epi, w, h)
	} else {
		inner = chamferDist(edges, w, h)
	}
	var sum float64
	n := 0
	for i, e := range epi {
		if e {
			sum += float64(inner[i])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return 4 * sum / float64(n)
}

// Scales of the epidermal sheet (see segmentEpidermis): about one cell.
const (
	// epiGapUM: gaps inside the band up to about twice this across (pale
	// cells, clefts) are filled.
	epiGapUM        = 12
	epiSheetSigmaUM = 10
	// sheetMarginUM: how far the H&E sheet reaches past the DEJ (its
	// smoothing, widened by the closing); seen 10–20 µm on physgen seed 1
	sheetMarginUM = 2 * epiSheetSigmaUM
	epiCloseUM    = 8
	// topCorneumDepthUM: the outermost tissue, the corneum's colour
	// reference; topColourContrast: the least difference in H/(H+E)
	// between it and the keratinocytes' cytoplasm for topByColour to act;
	// minLevelSamples: pixels needed for either level
	topCorneumDepthUM = 4
	topColourContrast = 0.05
	minLevelSamples   = 200
	// epiGroundUM is the half-width of the silver ground's minimum filter:
	// wider than a fibre, narrower than the gaps between nuclei.
	epiGroundUM = 2
)

// scMax is the thickest stratum corneum accepted between glass and
// epidermis, in working px.
func (s *section) scMax() float64 {
	if s.deepCorneum {
		return s.px(deepCorneumUM, math.Max(6, 0.04*float64(min(s.w, s.h))))
	}
	return s.px(60, math.Max(3, 0.02*float64(min(s.w, s.h))))
}

// deepCorneumUM is scMax when no surface was found within the usual 60 µm
// (hiddenSurface): a thick corneum over pale upper epidermal layers.
const deepCorneumUM = 120

// segmentFat marks the hypodermis: tissue where vacuoles (unstained holes
// enclosed by tissue) cover most of the area at the scale of one adipocyte.
// The H&E adipocytes with a tinted interior (flatVac) are added only when
// the clear ones make no fat: the pale clefts of an H&E dermis leave flat
// specks among the fibres too, which near a lobule found without them
// would only move its top up (physgen seed-5 H&E 004 and 020 −0.6 → −1.8,
// −0.5 → −2.3 % with them).
func (s *section) segmentFat() {
	s.fat = s.fatFrom(s.vacuol)
	if s.flatVac != nil && !slices.Contains(s.fat, true) {
		vac := append([]bool(nil), s.vacuol...)
		for i, v := range s.flatVac {
			vac[i] = vac[i] || v
		}
		s.fat = s.fatFrom(vac)
	}
	s.addMergedAdipocytes()
}

// addMergedAdipocytes adds to the fat the adipocytes split out of merged
// holes (mergedVac) that border it: a lobule's cells sit together, so a
// row whose septa broke lies along the lobule, while the dermis's pale
// patches, which split into round pieces too, lie apart from it.
func (s *section) addMergedAdipocytes() {
	if s.mergedVac == nil || !slices.Contains(s.fat, true) {
		return
	}
	w, h := s.w, s.h
	d := chamferDist(s.fat, w, h)
	lab, area, _ := components(s.mergedVac, w, h)
	near := make([]bool, len(area))
	lim := float32(math.Max(2, s.px(mergedVacBorderUM, 3)))
	for i, l := range lab {
		if l != 0 && d[i] <= lim {
			near[l] = true
		}
	}
	for i, l := range lab {
		if l != 0 && near[l] {
			s.fat[i] = true
		}
	}
}

// fatFrom is segmentFat on the vacuole mask vac.
func (s *section) fatFrom(vac []bool) []bool {
	w, h := s.w, s.h
	fat := make([]bool, w*h)
	lab, area, _ := components(vac, w, h)
	if len(area) < 4 {
		return fat
	}
	// area-weighted median vacuole diameter
	as := make([]int, 0, len(area))
	total := 0
	for _, a := range area[1:] {
		as = append(as, a)
		total += a
	}
	sort.Ints(as)
	acc, med := 0, 0
	for _, a := range as {
		acc += a
		if acc >= total/2 {
			med = a
			break
		}
	}
	_ = lab
	dv := 2 * math.Sqrt(float64(med)/math.Pi)
	sigma := math.Max(dv/2, s.px(10, 2))
	ind := newPlane(w, h)
	for i, v := range vac {
		if v {
			ind.v[i] = 1
		}
	}
	frac := normalisedBlur(ind, s.filled, sigma)
	var hiVals []float32
	for i, v := range frac.v {
		if s.filled[i] && v > 0.5 {
			hiVals = append(hiVals, v)
		}
	}
	if float64(len(hiVals)) < 3*float64(med) {
		return fat
	}
	level := stats.QuantileFloor(hiVals, 0.5)
	thr := float32(math.Max(0.3, float64(level)/2))
	cand := make([]bool, w*h)
	for i, v := range frac.v {
		cand[i] = s.filled[i] && v > thr
	}
	cl, ca, _ := components(cand, w, h)
	core := make([]int, len(ca))
	for i, l := range cl {
		if l != 0 && frac.v[i] > 0.6 {
			core[l]++
		}
	}
	// Vacuolated tissue touching the epidermis (basket-weave corneum,
	// loose papillary dermis, vacuolated keratinocytes) or lying along it
	// is not fat: a piece is fat only if none of it lies within a basal
	// cell (5 µm) of the epidermis and most of its core, and a fat-sized
	// part of it, lies more than half an epidermis away. A lobule that
	// merely comes near a stray piece of epidermis at one end (a fold
	// taken for epidermis at an edge-cut section) stays fat.
	distEpi := chamferDist(s.epi, w, h)
	touchD := math.Max(2, s.px(5, 2))
	far := make([]int, len(ca))
	touch := make([]bool, len(ca))
	for i, l := range cl {
		if l == 0 {
			continue
		}
		d := float64(distEpi[i])
		if d < touchD {
			touch[l] = true
		}
		if frac.v[i] > 0.6 && d >= math.Max(2, s.tEst/2) {
			far[l]++
		}
	}
	for i, l := range cl {
		if l != 0 && !touch[l] && float64(core[l]) >= 2*float64(med) && float64(far[l]) >= 2*float64(med) && 2*far[l] >= core[l] {
			fat[i] = true
		}
	}
	return fat
}

// refineEpidermis keeps only interfollicular epidermis, once a first
// round of measurements has given its median thickness.
func (s *section) refineEpidermis() {
	w, h := s.w, s.h
	anyBand := false
	for _, b := range s.band {
		if b {
			anyBand = true
			break
		}
	}
	if anyBand {
		band := morph(s.band, w, h, 1, true) // close gaps between normals
		for i, e := range s.epi {
			if e && !band[i] {
				s.epi[i] = false
			}
		}
	} else if s.epiLimit > 0 && s.surface != nil {
		distSurf := chamferDist(s.surface, w, h)
		for i, e := range s.epi {
			if e && float64(distSurf[i]) > s.epiLimit {
				s.epi[i] = false
			}
		}
	}
	if s.epiMedian > 0 {
		// Structures much thicker than the epidermis (hair follicles,
		// sebaceous glands, tangential cuts) are removed by an opening:
		// pixels within r of a point lying deeper than r inside the mask.
		r := float32(0.8 * s.epiMedian)
		inner := insideDist(s.epi, w, h)
		core := make([]bool, w*h)
		anyCore := false
		for i, d := range inner {
			if s.epi[i] && d > r {
				core[i] = true
				anyCore = true
			}
		}
		if anyCore {
			dc := chamferDist(core, w, h)
			for i, d := range dc {
				if d <= r+1 {
					s.epi[i] = false
				}
			}
		}
	}
	// What the opening leaves of an adnexal island (its rim) no longer
	// reaches the skin surface: keep only pieces that do.
	if s.surface != nil {
		distSurf := chamferDist(s.surface, w, h)
		lab, area, _ := components(s.epi, w, h)
		near := make([]bool, len(area))
		lim := float32(s.scMax() + 2)
		for i, l := range lab {
			if l != 0 && distSurf[i] <= lim {
				near[l] = true
			}
		}
		for i, l := range lab {
			if l != 0 && !near[l] {
				s.epi[i] = false
			}
		}
	}
}

// buildLabels assigns every working pixel a layer.
func (s *section) buildLabels() {
	w, h := s.w, s.h
	s.labels = make([]uint8, w*h)
	epi := s.epi
	scLim := float32(math.Min(s.scMax(), 0.8*s.tEst+2))
	// When the position from the glass found no measurable epidermis (no
	// surface in view, a thick corneum in the way) but the tissue holds a
	// dense cellular sheet, label by appearance.
	// Or when the position found only a sliver (< 2 % of the tissue)
	// beside a sheet that is many times larger but not most of the
	// tissue (a sheet covering most of a section with a surface is dense
	// dermis, not epidermis).
	nEpi, nFill := float64(count(s.epi)), float64(count(s.filled))
	// A surface laid at the image edge (virtualGlass) is a guess: the
	// appearance sheet labels such a view whenever it is the larger.
	posFailed := s.res.Section.Epidermis.N < 3 || nEpi < 0.005*nFill || s.virtual
	app := s.appearanceEpidermis()
	nApp := float64(count(app))
	if (posFailed && nApp > 2*nEpi) || (nEpi < 0.02*nFill && nApp > 3*nEpi && nApp < 0.6*nFill) {
		epi = app
		inner := insideDist(app, w, h)
		var sum float64
		for i, v := range app {
			if v {
				sum += float64(inner[i])
			}
		}
		// a band of thickness t has mean inner distance t/4; the
		// cornified layer is at most about the epidermis thick
		tApp := 4 * sum / float64(count(app))
		scLim = float32(math.Max(float64(scLim), 0.8*tApp))
	}
	distGlass := chamferDist(s.glass, w, h)
	distEpi := chamferDist(epi, w, h)
	for i := range s.labels {
		switch {
		case !s.filled[i]:
			s.labels[i] = LabelBackground
		case s.fat[i]:
			s.labels[i] = LabelHypodermis
		case epi[i]:
			s.labels[i] = LabelEpidermis
		case distGlass[i]+distEpi[i] <= scLim && distGlass[i] < distEpi[i]+scLim:
			s.labels[i] = LabelCorneum
		default:
			s.labels[i] = LabelDermis
		}
	}
	var n [5]int
	tot := 0
	for _, l := range s.labels {
		n[l]++
		if l != 0 {
			tot++
		}
	}
	if tot > 0 {
		t := float64(tot)
		s.res.Section.LayerFractions = models.LayerFractions{
			Corneum: round4(float64(n[1]) / t), Epidermis: round4(float64(n[2]) / t),
			Dermis: round4(float64(n[3]) / t), Hypodermis: round4(float64(n[4]) / t),
		}
	}
	s.res.Section.HypodermisPresent = n[4] > 0
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// fibresAndNuclei measures the dermal fibre area fraction and counts the
// dermal nuclei.
func (s *section) fibresAndNuclei() {
	sec := &s.res.Section
	w, h := s.w, s.h
	var dermVals []float32
	nDerm := 0
	for i, l := range s.labels {
		if l == LabelDermis {
			nDerm++
			if s.tissue[i] {
				dermVals = append(dermVals, s.hConc.v[i])
			}
		}
	}
	if nDerm == 0 {
		return
	}
	fib := 0
	dark := make([]bool, w*h)
	if s.stain == StainHE {
		for i, l := range s.labels {
			if l == LabelDermis && s.tissue[i] && s.eConc.v[i] > s.hConc.v[i] {
				fib++
			}
		}
		tn := float32(0.25)
		if len(dermVals) > 50 {
			tn = max(tn, threshold.Otsu(append([]float32(nil), dermVals...)))
		}
		for i, l := range s.labels {
			dark[i] = l == LabelDermis && s.hConc.v[i] > tn
		}
	} else {
		med := stats.QuantileFloor(append([]float32(nil), dermVals...), 0.5)
		t := max(threshold.Otsu(append([]float32(nil), dermVals...)), 1.5*med)
		for i, l := range s.labels {
			if l == LabelDermis && s.odSum.v[i] > t {
				fib++
				dark[i] = true
			}
		}
	}
	sec.FibreAreaPct = models.Round3(100 * float64(fib) / float64(nDerm))
	// Nuclei: compact dark blobs of nuclear size.
	lo, hi := s.px(2, 1.2), s.px(8, 8)
	minA, maxA := math.Pi*lo*lo, 1.5*math.Pi*hi*hi
	lab, area, _ := components(dark, w, h)
	type box struct{ x0, y0, x1, y1 int }
	bb := make([]box, len(area))
	for i := range bb {
		bb[i] = box{w, h, -1, -1}
	}
	for i, l := range lab {
		if l == 0 {
			continue
		}
		x, y := i%w, i/w
		b := &bb[l]
		b.x0, b.y0, b.x1, b.y1 = min(b.x0, x), min(b.y0, y), max(b.x1, x), max(b.y1, y)
	}
	count := 0
	for l := 1; l < len(area); l++ {
		a := float64(area[l])
		if a < minA || a > maxA {
			continue
		}
		bw, bh := float64(bb[l].x1-bb[l].x0+1), float64(bb[l].y1-bb[l].y0+1)
		if a/(bw*bh) < 0.45 || math.Max(bw, bh)/math.Min(bw, bh) > 3.5 {
			continue // fibres, not nuclei
		}
		count++
	}
	sec.DermalNuclei = count
	if s.umPx > 0 {
		mm2 := float64(nDerm) * s.umPx * s.umPx / 1e6
		sec.DermalAreaMM2 = round4(mm2)
		sec.NucleiPerMM2 = models.Round3(float64(count) / mm2)
	}
}

func count(m []bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}
