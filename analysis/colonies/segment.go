package colonies

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Segmentation constants, in units of the robust noise σ of the
// background-corrected dish (1.4826·MAD) unless stated.
const (
	kLow             = 4.0  // a pixel belongs to a colony above this contrast
	kPeak            = 8.0  // an object needs a pixel this far above the background
	minLowGL         = 6.0  // floors in grey levels, for very clean images
	minPeakGL        = 14.0 //
	polarityTailK    = 5.0  // the polarity is read from the contrast tails beyond this many σ…
	extremeTailShare = 1e-4 // when the tails contradict the dish's brightness, the side whose this share of dish pixels reaches deeper wins
	tailDominance    = 3.0  // one tail must outweigh the other this many times to decide
	midGreyGL        = 128  // a dish darker than this suggests light colonies, a lighter one dark
	splitRel         = 0.15 // a DT peak is its own colony when it rises ≥ this fraction of its height above the saddle
	splitMinPx       = 1.0  // … and at least this many working pixels
	bandCircularity  = 0.6  // objects in the rim band must be this round…
	bandRoundness    = 0.6  // … and this compact (max DT ÷ equivalent radius)
	maxElongation    = 3.0  // principal-axis ratio above this is a fibre or scratch
	thinRatio        = 0.55 // max DT ÷ equivalent radius below this is a stroke, not a colony (a 3:1 ellipse has 0.58)
	faintStroke      = 1.5  // a piece whose mean contrast is below this many colony thresholds (low) is a smear
)

// Image and background constants.
const (
	minDishPixels    = 400  // working px: a smaller analysed area is too_small
	saturatedShare   = 0.05 // share of dish pixels at 0–1 or 254–255 that flags saturated
	smoothSigmaPx    = 1.0  // Gaussian σ, working px, applied before everything
	bgWindowFrac     = 0.25 // background window ÷ dish radius: large against colonies, small against lighting
	minBgWindowPx    = 15.0 // working px
	excludeFraction  = 0.5  // pixels above this fraction of the colony threshold are left out of the background
	excludeGrowPx    = 2    // … grown by this many working px (their soft edges)
	rimBandFrac      = 0.03 // the polar rim model starts this fraction of the wall radius inside the rim band
	holeAreaFrac     = 0.0005
	minHoleAreaPx    = 4 // holes up to max(minHoleAreaPx, holeAreaFrac × dish area) are filled
	blankRejectShare = 0.01
)

// Confluence: the count is unreliable when colonies cover this much.
const (
	confluentCoverPct   = 45.0 // colony area, % of the dish
	confluentMaskShare  = 0.5  // share of the dish above the colony threshold
	touchingCoverPct    = 20.0 // with this cover…
	touchingColonyShare = 0.6  // … and this share of colonies touching another
)

// segmentation is the outcome of segment, in working pixels for labels.
type segmentation struct {
	polarity   string
	labels     []int32 // working-size label image: colonies 1..n, rejected n+1..
	colonies   []models.Colony
	rejected   []models.Colony
	coveredPct float64
	qc         []string
	estimated  int     // colonies added by the area estimate of merged clusters
	sizeRule   string  // which size rule decided (SizeRule…)
	minAreaPx  float64 // the colony size threshold, input px²
}

// contrastMap is the background-corrected dish of step 2 (doc.go).
type contrastMap struct {
	res       []float32 // signed contrast, colonies positive, grey levels
	od        []float32 // optical density above the background, dark colonies only
	smooth    []float32 // the smoothed dish, grey levels
	low, peak float32   // object and peak thresholds, grey levels
	polarity  string
	radius    float64 // dish radius, working px
	dishPx    int     // analysed pixels
}

// segment separates colonies from the dish background inside roi, in the
// steps of doc.go: background and contrast, objects, strokes, splitting,
// classes, output.
func segment(g *grey8, roi []bool, dish models.Dish, scale float64, cal models.Calibration, opt Options) (*segmentation, error) {
	w, h := g.w, g.h
	seg := &segmentation{labels: make([]int32, w*h)}
	cm, qc, err := contrast(g, roi, dish, scale, opt)
	seg.qc = append(seg.qc, qc...)
	if err != nil {
		return nil, err
	}
	if cm == nil {
		seg.polarity = opt.Polarity
		return seg, nil
	}
	seg.polarity = cm.polarity
	minArea, rule := minColonyAreaWork(opt, cal, scale, cm.radius)
	seg.sizeRule, seg.minAreaPx = rule, minArea/(scale*scale)
	loose := false
	if d := 2 * math.Sqrt(minArea/math.Pi); rule != SizeRuleAuto && d >= looseMinDiameterPx {
		loose = true
		// Colonies this large are resolved into cells with gaps between
		// them: look at the stain density over a sixth of the smallest
		// colony so one colony is one object.
		if err := blurContrast(cm, roi, w, h, d*looseBlurFrac); err != nil {
			return nil, err
		}
	}
	mask, ok := objectMask(cm, roi, w, h)
	if !ok {
		// Nothing anywhere reaches colony contrast: an empty dish.
		seg.qc = append(seg.qc, models.QCBlank)
		return seg, nil
	}
	morph.FillHoles(mask, w, h, max(minHoleAreaPx, int(holeAreaFrac*float64(cm.dishPx))))
	// No colony of the smallest counted size is thinner than this: a
	// piece whose widest point is narrower is a stroke or a fibre.
	minHalfWidth := strokeFraction * math.Sqrt(minArea/math.Pi)
	dt := morph.DistanceToBackground(mask, w, h, morph.BorderIsOpen)
	if openStrokes(mask, dt, w, h, minHalfWidth) {
		dt = morph.DistanceToBackground(mask, w, h, morph.BorderIsOpen)
	}
	// Rows of overlapping domes: dark colonies of a webcam plate (loose
	// stained colonies are one blurred object each).
	lab, n, isDebris, inRow := splitColonies(mask, dt, cm, g, minHalfWidth, cm.polarity == PolarityDark && !loose)
	objs := measure(lab, n, w, h, g.pix, cm.res, dt)
	markRows(objs, lab, inRow)
	inBand := rimBand(dish, scale)
	classify(objs, isDebris, cm.peak, minArea, inBand)
	if loose {
		countSlivers(objs, w, minArea)
	}
	coreContrast(objs, lab, cm.res, dt)
	if g.bgr != nil && cm.polarity == PolarityDark && !loose {
		hue, tol := agarHue(g, roi, cm)
		ringStats(objs, lab, mask, roi, cm.smooth, g.bgr, hue, tol, w, h, ringPx)
		rejectOffAgar(objs)
	}
	if g.bgr != nil && loose {
		stainShift(objs, lab, roi, g, cm)
		rejectOtherStain(objs)
	}
	rejectOnLabel(objs, labelSectors(g, dish, scale), dish, scale, inBand)
	rejectFaint(objs, inBand)
	if rule == SizeRuleAuto && cm.polarity == PolarityDark {
		// A size rule the user gave is the lab's colony definition:
		// nothing below it is counted, satellite or not. Light colonies:
		// light specks beside them are bubbles and glints as often (the
		// synthetic light-on-dark plates went 9.05 → 9.39 %).
		countSatellites(objs, cm.peak, inBand)
		rejectIsolatedSpecks(objs)
	}
	keep, drop := collect(seg, objs, lab, n, scale, cal, opt)
	seg.qc = append(seg.qc, densityFlags(seg, objs, keep, drop, mask, cm.dishPx)...)
	if loose || cm.polarity == PolarityLight {
		// Colonies resolved into cells (crystal violet): a colony's
		// density is its cell count, 50 to thousands, so it counts
		// nothing. Light colonies scatter, and the upper one of an
		// overlap hides the lower: their light does not add. Their
		// area counts, within a factor.
		seg.estimated = areaEstimate(objs, keep)
	} else {
		seg.estimated = densityEstimate(objs, keep, lab, cm.od, hasFlag(seg.qc, models.QCConfluent))
	}
	if seg.estimated > 0 {
		seg.qc = append(seg.qc, models.QCAreaEstimate)
	}
	return seg, nil
}

// Area estimate of merged loose or light colonies: an object at least
// clusterAreaRatio times the typical single colony and less round than
// areaClusterCircularity holds area ÷ typical colonies. The typical
// colony is the upper-quartile area of the round colonies that touch no
// other (at least minTypical).
const (
	clusterAreaRatio       = 2.5
	areaClusterCircularity = 0.7
	areaClusterThickness   = 1.2 // max distance to the edge ≤ this × the typical colony's radius
)

// areaEstimate returns the colonies to add for merged clusters that
// the watershed could not split: Σ round(area ÷ typical) − 1 over them.
func areaEstimate(objs []object, keep []int) int {
	groups := map[int32]int{}
	for _, i := range keep {
		groups[objs[i].group]++
	}
	var single []float64
	for _, i := range keep {
		o := &objs[i]
		if groups[o.group] == 1 && !o.satellite && o.circularity() >= typicalCircularity {
			single = append(single, o.area)
		}
	}
	if len(single) < minTypical {
		return 0
	}
	sort.Float64s(single)
	// The upper quartile, not the median: colony sizes spread widely (a
	// late colony is small), and a large single colony must not count
	// as several.
	typical := single[len(single)*3/4]
	rTyp := math.Sqrt(typical / math.Pi)
	extra := 0
	for _, i := range keep {
		o := &objs[i]
		if o.area >= clusterAreaRatio*typical && o.circularity() < areaClusterCircularity &&
			float64(o.maxDT) <= areaClusterThickness*rTyp {
			extra += int(math.Round(o.area/typical)) - 1
		}
	}
	return extra
}

// Estimate of merged colonies. Overlapping colonies meet at no neck the
// watershed can use (they overlap by more than a radius), but each still
// absorbs its own light: the optical density summed over a cluster is the
// sum of its colonies'. A cluster is a counted object less round than
// clusterCircularity and no thicker than clusterThickness typical radii
// (a large single colony is thicker); it holds round(Σ OD ÷ typical)
// colonies. The typical colony is the mean Σ OD (and area) of the round
// colonies that touch no other (at least minTypical of them): the mean,
// as colony sizes spread widely and the clusters draw from all of them.
// A row of colonies (colonyRowWidths) is as wide as each of its colonies,
// which are larger than the typical one: its single colony's Σ OD is the
// typical one × (row half-width ÷ typical half-width)².
// On a confluent plate (QCConfluent) colonies have grown into patches
// thicker than any one of them, and a thick ragged object is such a patch
// far more often than a giant colony: there the thickness limit is lifted
// (physgen plates of 900–1265 colonies hid 23–34 colonies in 6–8 such
// patches, each counted as one; their Σ OD ÷ typical came to 27–38).
const (
	clusterCircularity = 0.8
	typicalCircularity = 0.8
	minTypical         = 10
	clusterThickness   = 2.0
	// A disc is as thick as its equivalent radius; two discs overlapping
	// by more than a radius are still round but thinner than their area
	// says (0.8 at centre distance r).
	clusterCompactness = 0.85
)

// densityEstimate returns the colonies to add for merged clusters that the
// watershed could not split: Σ (round(Σ OD ÷ typical) − 1) over them;
// confluent lifts the thickness limit.
func densityEstimate(objs []object, keep []int, lab []int32, od []float32, confluent bool) int {
	sum := make([]float64, len(objs))
	for i, l := range lab {
		if l > 0 {
			sum[l-1] += float64(od[i])
		}
	}
	groups := map[int32]int{}
	for _, i := range keep {
		groups[objs[i].group]++
	}
	var typOD, typArea, typHalfWidth float64
	nTyp := 0
	for _, i := range keep {
		o := &objs[i]
		if groups[o.group] == 1 && !o.satellite && o.circularity() >= typicalCircularity {
			typOD += sum[i]
			typArea += o.area
			typHalfWidth += float64(o.maxDT)
			nTyp++
		}
	}
	if nTyp < minTypical || typOD <= 0 {
		return 0
	}
	typOD /= float64(nTyp)
	typHalfWidth /= float64(nTyp)
	rTyp := math.Sqrt(typArea / float64(nTyp) / math.Pi)
	extra := 0
	for _, i := range keep {
		o := &objs[i]
		merged := o.circularity() < clusterCircularity || float64(o.maxDT)+0.5 < clusterCompactness*math.Sqrt(o.area/math.Pi)
		if merged && (confluent || float64(o.maxDT) <= clusterThickness*rTyp) {
			one := typOD
			if o.row && typHalfWidth > 0 {
				one *= math.Pow(float64(o.maxDT)/typHalfWidth, 2)
			}
			extra += max(0, int(math.Round(sum[i]/one))-1)
		}
	}
	return extra
}

// contrast is step 2: smooth, subtract the background (median, or the
// envelope when colonies may cover half the dish, then a box mean over
// dish pixels without colonies and a polar model of the rim band), pick
// the polarity and set the thresholds from the noise σ. A nil map means
// the analysed area is too small (flagged).
func contrast(g *grey8, roi []bool, dish models.Dish, scale float64, opt Options) (*contrastMap, []string, error) {
	w, h := g.w, g.h
	var qc []string
	vals := make([]byte, 0, len(roi))
	clipped := 0
	for i, in := range roi {
		if in {
			v := g.pix[i]
			vals = append(vals, v)
			if v >= 254 || v <= 1 {
				clipped++
			}
		}
	}
	if len(vals) < minDishPixels {
		return nil, []string{models.QCTooSmall}, nil
	}
	if float64(clipped) > saturatedShare*float64(len(vals)) {
		qc = append(qc, models.QCSaturated)
	}
	level := medianBytes(vals)

	smooth, err := gaussian(g, smoothSigmaPx)
	if err != nil {
		return nil, qc, err
	}
	radius := float64(min(w, h)) / 2
	if dish.Found && dish.Shape == "circle" {
		radius = dish.RadiusPx * scale
	} else if n := len(vals); n > 0 {
		radius = math.Sqrt(float64(n) / math.Pi)
	}
	win := math.Max(minBgWindowPx, bgWindowFrac*radius)
	bg1, err := medianBackground(smooth, roi, level, win, w, h)
	if err != nil {
		return nil, qc, err
	}
	diff := make([]float32, w*h)
	for i := range diff {
		if roi[i] {
			diff[i] = smooth[i] - bg1[i]
		}
	}
	sigma := robustSigma(diff, roi)

	pol := opt.Polarity
	known := pol != "" && pol != PolarityAuto
	if !known {
		var contested bool
		pol, contested = choosePolarity(diff, roi, sigma, level)
		if contested {
			qc = append(qc, models.QCPolarityContested)
		}
	}
	sign := float32(1)
	if pol == PolarityDark {
		sign = -1
	}
	low := contrastFloor(kLow, sigma, minLowGL)
	peak := contrastFloor(kPeak, sigma, minPeakGL)
	crowded := known || coverage(diff, roi, sign, low) > envelopeCoverage
	var envBg, envDiff []float32
	var envSigma float64
	if !crowded {
		// Pale colonies crowding the dish pull the median onto themselves,
		// which hides them from the test above (a physgen plate of 1265
		// colonies counted 233, unflagged): ask the envelope as well. Its
		// σ comes from the background peak's far side, so colonies do not
		// inflate it.
		envBg, envDiff, envSigma = envelopeContrast(smooth, roi, sign, win, w, h, sigma)
		crowded = coverage(envDiff, roi, sign, contrastFloor(kLow, envSigma, minLowGL)) > envelopeCoverage
	}
	if crowded {
		// Colonies may cover half the dish or more: the median would
		// sit on them. Take the envelope.
		if envBg == nil {
			envBg, envDiff, envSigma = envelopeContrast(smooth, roi, sign, win, w, h, sigma)
		}
		bg1, diff, sigma = envBg, envDiff, envSigma
		low = contrastFloor(kLow, sigma, minLowGL)
		peak = contrastFloor(kPeak, sigma, minPeakGL)
	}

	// Second pass: the background from dish pixels only, so large or
	// crowded colonies do not lift it.
	excl := make([]bool, w*h)
	for i := range diff {
		excl[i] = roi[i] && sign*diff[i] > excludeFraction*low
	}
	excl = dilate(excl, w, h, excludeGrowPx)
	bg := maskedBackground(smooth, roi, excl, bg1, w, h, win)
	if dish.Found && dish.Shape == "circle" && dish.InnerRadiusPx > 0 {
		// The meniscus and wall change within a few pixels radially but
		// little around the dish: model them in polar bins.
		cx, cy := dish.CXPx*scale, dish.CYPx*scale
		r1 := dish.RadiusPx * scale
		r0 := dish.InnerRadiusPx*scale - rimBandFrac*dish.RimRadiusPx*scale
		polarBackground(smooth, roi, bg, w, h, cx, cy, r0, r1)
	}
	res := make([]float32, w*h)
	for i := range res {
		if roi[i] {
			res[i] = sign * (smooth[i] - bg[i])
		}
	}
	// Dark colonies absorb light in proportion to their thickness, and
	// overlapping ones add: −ln(I/bg) is what a stack of them sums.
	od := make([]float32, w*h)
	for i := range od {
		if sign < 0 && roi[i] && res[i] > 0 && bg[i] > 0 {
			od[i] = float32(-math.Log(math.Max(float64(smooth[i])/float64(bg[i]), 1.0/256)))
		}
	}
	return &contrastMap{res: res, od: od, smooth: smooth, low: low, peak: peak, polarity: pol, radius: radius, dishPx: len(vals)}, qc, nil
}

// envelopeContrast is the background as the envelope of the smoothed dish
// on the side away from the colonies, re-centred on the background's peak
// (the envelope sits a little beyond it), the contrast against it, and σ
// from the peak's far side (sigma0 when that cannot be measured).
func envelopeContrast(smooth []float32, roi []bool, sign float32, win float64, w, h int, sigma0 float64) (bg, diff []float32, sigma float64) {
	bg = envelopeBackground(smooth, roi, sign, win, w, h)
	diff = make([]float32, w*h)
	for i := range diff {
		if roi[i] {
			diff[i] = smooth[i] - bg[i]
		}
	}
	mode, s := backgroundMode(diff, roi, sign)
	for i := range bg {
		bg[i] += sign * float32(mode)
		if roi[i] {
			diff[i] -= sign * float32(mode)
		}
	}
	sigma = sigma0
	if s > 0 {
		sigma = s
	}
	return bg, diff, sigma
}

// contrastFloor is k·σ, but never below floor grey levels.
func contrastFloor(k, sigma, floor float64) float32 { return float32(math.Max(k*sigma, floor)) }

// objectMask is step 3: the dish pixels above the colony threshold, and
// whether any pixel reaches the peak threshold at all.
func objectMask(cm *contrastMap, roi []bool, w, h int) ([]bool, bool) {
	mask := make([]bool, w*h)
	found := false
	for i, v := range cm.res {
		if roi[i] && v > cm.low {
			mask[i] = true
		}
		if roi[i] && v > cm.peak {
			found = true
		}
	}
	return mask, found
}

// splitColonies is steps 4 and 5. The watershed of the distance transform
// alone keeps strokes (writing, scratches, agar folds, the meniscus) whole
// enough to see that they are thin; they are set aside as debris. The rest
// is split by the persistence watershed of DT·contrast. Returns labels
// 1..n, which labels are debris and which pixels lie in a row of
// colonies (rows: dark colonies that are not loose).
func splitColonies(mask []bool, dt []float32, cm *contrastMap, g *grey8, minHalfWidth float64, rows bool) ([]int32, int, []bool, []bool) {
	w, h := g.w, g.h
	shape, ns := splitTouching(mask, dt, w, h, splitMinPx, splitRel)
	pieces := measure(shape, ns, w, h, g.pix, cm.res, dt)
	rowFrom, rowTo := math.Inf(1), math.Inf(1)
	if rows {
		rowFrom, rowTo = colonyRowWidths(pieces, cm.peak, minHalfWidth)
	}
	core := coreShares(shape, dt, pieces)
	thin := make([]bool, ns+1)
	row := make([]bool, ns+1)
	for _, p := range pieces {
		long := float64(p.maxDT)+0.5 < thinRatio*math.Sqrt(p.area/math.Pi) || p.elongation() > maxElongation
		row[p.label] = long && float64(p.maxDT) >= rowFrom && float64(p.maxDT) <= rowTo && core[p.label] >= rowCoreShare
		thin[p.label] = p.area > 0 && (long && !row[p.label] ||
			p.meanRes() < faintStroke*float64(cm.low) || float64(p.maxDT) < minHalfWidth)
	}
	strokeComponents(pieces, thin)
	colonyMask := make([]bool, w*h)
	for i, l := range shape {
		colonyMask[i] = l > 0 && !thin[l]
	}
	lab, n := splitTouching(colonyMask, markerFunction(dt, cm.res, colonyMask), w, h, splitMinPx, splitRel)
	debrisOf := map[int32]int32{}
	for i, l := range shape {
		if l > 0 && thin[l] {
			id, ok := debrisOf[l]
			if !ok {
				n++
				id = int32(n)
				debrisOf[l] = id
			}
			lab[i] = id
		}
	}
	isDebris := make([]bool, n+1)
	for _, id := range debrisOf {
		isDebris[id] = true
	}
	inRow := make([]bool, w*h)
	for i, l := range shape {
		inRow[i] = l > 0 && row[l] && !thin[l]
	}
	return lab, n, isDebris, inRow
}

// markRows sets row on the objects most of whose pixels lie in a row of
// colonies (colonyRowWidths).
func markRows(objs []object, lab []int32, inRow []bool) {
	n := make([]float64, len(objs))
	for i, l := range lab {
		if l > 0 && inRow[i] {
			n[l-1]++
		}
	}
	for i := range objs {
		objs[i].row = n[i] > objs[i].area/2
	}
}

// A row of overlapping colonies is long and thin for its area, like a
// stroke, but as wide as one of its colonies, and the colonies that
// overlap are the larger ones (a colony's chance to touch another grows
// with its size): on the seed-1 plates every stroke was at most 1.2 times,
// every row at least 1.26 times as wide as the typical colony. Pen
// strokes, fibres and scratches are narrower, smears and droplet patches
// wider. A long piece from rowMinWidth to rowMaxWidth times the typical
// colony's half-width is kept for the second watershed; the typical
// half-width is the median largest distance to the edge of the round,
// isolated pieces. Colonies overlap in rows only where they crowd:
// a plate needs rowMinColonies round isolated colonies before a thick long
// piece is taken for a row (on a sparse plate it is a fibre or a smear).
// A row is as wide all along: at least rowCoreShare of its area lies at
// half its largest distance to the edge or deeper (a long capsule 0.5, a
// disc 0.25), where a stroke crossing a colony or a blot of ink is fat at
// one spot only.
const (
	rowMinColonies = 100
	rowMinWidth    = 1.25
	rowMaxWidth    = 2.0
	rowCoreShare   = 0.3
)

// coreShares is, per label of lab, the share of its pixels whose distance
// to the edge is at least half the label's largest.
func coreShares(lab []int32, dt []float32, pieces []object) []float64 {
	share := make([]float64, len(pieces)+1)
	for i, l := range lab {
		if l > 0 && dt[i] >= pieces[l-1].maxDT/2 {
			share[l]++
		}
	}
	for _, p := range pieces {
		if p.area > 0 {
			share[p.label] /= p.area
		}
	}
	return share
}

// colonyRowWidths is the range of half-widths, working px, in which a long
// piece is a row of colonies rather than a stroke; empty (+Inf) when the
// plate has too few round isolated colonies to say.
func colonyRowWidths(pieces []object, peak float32, minHalfWidth float64) (from, to float64) {
	groups := map[int32]int{}
	for _, p := range pieces {
		groups[p.group]++
	}
	var hw []float64
	for _, p := range pieces {
		if p.area > 0 && groups[p.group] == 1 && p.maxRes >= peak && p.circularity() >= typicalCircularity &&
			float64(p.maxDT) >= minHalfWidth {
			hw = append(hw, float64(p.maxDT))
		}
	}
	if len(hw) < rowMinColonies {
		return math.Inf(1), math.Inf(1)
	}
	typ := stats.QuantileFloor(hw, 0.5)
	return rowMinWidth * typ, rowMaxWidth * typ
}

// rimBand reports whether an object lies in the rim band (beyond the
// inner edge of the rim); always false without a detected circular dish.
func rimBand(dish models.Dish, scale float64) func(o *object) bool {
	return func(o *object) bool {
		if !dish.Found || dish.Shape != "circle" || dish.InnerRadiusPx <= 0 {
			return false
		}
		return math.Hypot((o.cx+0.5)/scale-dish.CXPx, (o.cy+0.5)/scale-dish.CYPx) > dish.InnerRadiusPx
	}
}

// classify is step 6 by shape and size: below the peak contrast nothing;
// strokes and, in the rim band, objects that are not round are debris;
// below the colony size abortive; the rest counted (rejectFaint then
// looks at contrast).
func classify(objs []object, isDebris []bool, peak float32, minArea float64, inBand func(*object) bool) {
	for i := range objs {
		o := &objs[i]
		if o.area == 0 {
			continue
		}
		switch {
		case o.maxRes < peak:
			o.class = ""
		case isDebris[o.label]:
			o.class = models.ColonyDebris
		case inBand(o) && (o.circularity() < bandCircularity || float64(o.maxDT) < bandRoundness*math.Sqrt(o.area/math.Pi)):
			// Reflections and meniscus fragments in the rim band.
			o.class = models.ColonyDebris
		case o.area < minArea:
			o.class = models.ColonyAbortive
		default:
			o.class = models.ColonyCounted
		}
	}
}

// A stained colony is one disc of cells. The deepest point of a piece
// (largest distance to the mask's edge) is the centre of the colony it
// holds and that distance its radius. A small colony overlapped by larger
// ones keeps only a sliver round its centre, below the size rule (physgen
// dish: colonies 30–36 px across overlapped by ones of 49–63 px kept
// 220–294 px² of their 700–1000). When no deeper piece's disc covers its
// deepest point it is a colony of its own, as large as its disc
// (countSlivers); when it is the deepest piece of its group, it is the
// core of one colony whose uneven stain the watershed cut into a core and
// flanks (physgen: a 72 px colony, core 312 px², flanks counted). The
// flanks are left alone: joining pieces whose deepest point lies in the
// inner half of a deeper piece's disc fixed them on physgen but merged
// real colonies on the crowded synthetic violet dishes (plate 11:
// 132 → 121 of 142).

// deepestPieces returns the counted or abortive pieces of every touching
// group, deepest first.
func deepestPieces(objs []object) [][]int {
	byGroup := map[int32][]int{}
	for i := range objs {
		o := &objs[i]
		if o.area > 0 && (o.class == models.ColonyCounted || o.class == models.ColonyAbortive) {
			byGroup[o.group] = append(byGroup[o.group], i)
		}
	}
	var groups [][]int
	for _, m := range byGroup {
		if len(m) < 2 {
			continue
		}
		sort.Slice(m, func(a, b int) bool {
			if objs[m[a]].maxDT != objs[m[b]].maxDT {
				return objs[m[a]].maxDT > objs[m[b]].maxDT
			}
			return m[a] < m[b]
		})
		groups = append(groups, m)
	}
	return groups
}

// countSlivers counts the abortive pieces of touching stained colonies
// that are not the deepest of their group, whose deepest point no deeper
// piece's disc covers and whose disc is at least the colony size.
func countSlivers(objs []object, w int, minArea float64) {
	for _, m := range deepestPieces(objs) {
		for k, a := range m {
			o := &objs[a]
			if o.class != models.ColonyAbortive || math.Pi*float64(o.maxDT)*float64(o.maxDT) < minArea ||
				objs[m[0]].maxDT <= o.maxDT {
				// Only larger colonies take a colony's flanks: the
				// deepest piece of a group that is small is the core
				// of a colony cut up by its uneven stain.
				continue
			}
			covered := false
			for _, b := range m[:k] {
				if objs[b].maxDT > o.maxDT && pixelDist(o.deepAt, objs[b].deepAt, w) < float64(objs[b].maxDT) {
					covered = true
					break
				}
			}
			if !covered {
				o.class = models.ColonyCounted
			}
		}
	}
}

func pixelDist(a, b, w int) float64 {
	return math.Hypot(float64(a%w-b%w), float64(a/w-b/w))
}

// collect renumbers the objects (colonies 1..n in reading order, rejected
// after them), converts them to input pixels and fills seg; it returns
// the indices of the kept and the dropped objects.
func collect(seg *segmentation, objs []object, lab []int32, n int, scale float64, cal models.Calibration, opt Options) (keep, drop []int) {
	for i := range objs {
		switch objs[i].class {
		case models.ColonyCounted:
			keep = append(keep, i)
		case "":
		default:
			drop = append(drop, i)
		}
	}
	order := func(ix []int) {
		sort.Slice(ix, func(a, b int) bool {
			oa, ob := objs[ix[a]], objs[ix[b]]
			if math.Abs(oa.cy-ob.cy) > 1e-9 {
				return oa.cy < ob.cy
			}
			return oa.cx < ob.cx
		})
	}
	order(keep)
	order(drop)
	newID := make([]int32, n+1)
	inv := 1 / scale
	mk := func(o *object, id int) models.Colony {
		areaIn := o.area * inv * inv
		c := models.Colony{
			ID: id, Class: o.class,
			CentroidXPx: models.Round3((o.cx + 0.5) * inv), CentroidYPx: models.Round3((o.cy + 0.5) * inv),
			AreaPx: models.Round3(areaIn), EquivDiameterPx: models.Round3(2 * math.Sqrt(areaIn/math.Pi)),
			Circularity:   models.Round3(o.circularity()),
			MeanIntensity: models.Round3(o.meanGrey()), StainContrast: models.Round3(o.meanRes()),
		}
		if cal.Known() {
			c.AreaUM2 = models.Round3(areaIn * cal.PixelSizeUM * cal.PixelSizeUM)
			c.EquivDiameterUM = models.Round3(c.EquivDiameterPx * cal.PixelSizeUM)
			if opt.CellAreaUM2 > 0 {
				c.EstimatedCells = models.Round3(c.AreaUM2 / opt.CellAreaUM2)
			}
		}
		if c.EstimatedCells == 0 && opt.CellAreaPx > 0 {
			c.EstimatedCells = models.Round3(areaIn / opt.CellAreaPx)
		}
		return c
	}
	for k, i := range keep {
		newID[objs[i].label] = int32(k + 1)
		seg.colonies = append(seg.colonies, mk(&objs[i], k+1))
	}
	for k, i := range drop {
		id := len(keep) + k + 1
		newID[objs[i].label] = int32(id)
		seg.rejected = append(seg.rejected, mk(&objs[i], id))
	}
	for i, l := range lab {
		if l > 0 {
			seg.labels[i] = newID[l]
		}
	}
	return keep, drop
}

// densityFlags sets the covered area and returns blank (nothing counted
// and hardly anything rejected) and confluent (cover, mask share, or many
// touching colonies at a high cover).
func densityFlags(seg *segmentation, objs []object, keep, drop []int, mask []bool, dishPx int) []string {
	covered := 0.0
	groups := map[int32]int{}
	for _, i := range keep {
		covered += objs[i].area
		groups[objs[i].group]++
	}
	seg.coveredPct = 100 * covered / float64(dishPx)
	touching := 0
	for _, c := range groups {
		if c > 1 {
			touching += c
		}
	}
	maskPx := 0
	for _, m := range mask {
		if m {
			maskPx++
		}
	}
	rejectedPx := 0.0
	for _, i := range drop {
		rejectedPx += objs[i].area
	}
	var qc []string
	if len(keep) == 0 && rejectedPx < blankRejectShare*float64(dishPx) {
		qc = append(qc, models.QCBlank)
	}
	if seg.coveredPct > confluentCoverPct || float64(maskPx) > confluentMaskShare*float64(dishPx) ||
		(seg.coveredPct > touchingCoverPct && len(keep) > 0 && float64(touching) > touchingColonyShare*float64(len(keep))) {
		qc = append(qc, models.QCConfluent)
	}
	return qc
}

// faintFraction: an object whose core contrast is below this fraction of
// the typical colony's is not a colony. Colonies of one plate share their
// pigment and thickness, so their cores stand out alike; lid vents,
// reflections, condensation and agar smears are a fraction as strong.
const faintFraction = 1.0 / 3

// coreContrast sets coreRes of every object: the mean contrast over its
// inner half (distance to the edge ≥ half its maximum), which the blurred
// outline does not dilute, so small and large colonies compare fairly.
func coreContrast(objs []object, lab []int32, res, dt []float32) {
	n := make([]float64, len(objs))
	for i, l := range lab {
		if l > 0 && dt[i] >= objs[l-1].maxDT/2 {
			objs[l-1].coreRes += float64(res[i])
			n[l-1]++
		}
	}
	for i := range objs {
		if n[i] > 0 {
			objs[i].coreRes /= n[i]
		}
	}
}

// rejectFaint reclassifies as debris the counted objects whose core
// contrast is below faintFraction of the median core contrast of the
// counted colonies off the rim band (all counted colonies when fewer
// than 5 lie off it): the rim band holds most of the faint look-alikes
// and must not set the reference.
func rejectFaint(objs []object, inBand func(*object) bool) {
	var ref, all []float64
	for i := range objs {
		o := &objs[i]
		if o.class != models.ColonyCounted {
			continue
		}
		all = append(all, o.coreRes)
		if !inBand(o) {
			ref = append(ref, o.coreRes)
		}
	}
	if len(ref) < 5 {
		ref = all
	}
	if len(ref) < 3 {
		return // too few colonies to say what is typical
	}
	sort.Float64s(ref)
	thr := faintFraction * ref[len(ref)/2]
	for i := range objs {
		if o := &objs[i]; o.class == models.ColonyCounted && o.coreRes < thr {
			o.class, o.faint = models.ColonyDebris, true
		}
	}
}

// Satellite colonies grow in a ring around a large colony, feeding on
// what it releases or shielded by it (an antibiotic-degrading parent):
// 3–6 px specks on a webcam plate, below the automatic size floor, and,
// their peak blurred over several times their area, a fraction as dark as
// the plate's colonies, so the floor and rejectFaint take them for dirt.
// A round object that either rule set aside counts as a satellite when
// its centre lies within satelliteReach radii of the centre of a counted
// colony at least satelliteParentRatio times its radius: debris is no
// likelier there than anywhere, the satellites are nowhere else.
const (
	satelliteReach       = 2.5 // parent radii from its centre (1.5 beyond its edge)
	satelliteParentRatio = 3.0 // parent radius ÷ satellite radius, at least
	satelliteCircularity = 0.8
	// Only a speck well above the peak threshold (1.5 × its 8 σ) is
	// taken on its position: specks and droplet edges that barely reach
	// it are as common beside a colony as anywhere.
	satellitePeak = 1.5
)

// countSatellites counts the abortive and faint round objects off the rim
// band that lie next to a much larger counted colony.
func countSatellites(objs []object, peak float32, inBand func(*object) bool) {
	minArea := math.Pi / 4 * autoMinDiameterWork * autoMinDiameterWork
	parents := countedIndices(objs)
	for i := range objs {
		o := &objs[i]
		if !(o.class == models.ColonyAbortive || o.faint) || o.area < minArea || o.maxRes < satellitePeak*peak ||
			o.circularity() < satelliteCircularity || inBand(o) {
			continue
		}
		if hasParent(objs, parents, o, satelliteParentRatio) {
			o.class, o.satellite = models.ColonyCounted, true
		}
	}
}

// countedIndices lists the objects counted as colonies, the parents a
// satellite or a speck is judged against (taken before either rule
// reclassifies anything).
func countedIndices(objs []object) []int {
	var out []int
	for i := range objs {
		if objs[i].class == models.ColonyCounted {
			out = append(out, i)
		}
	}
	return out
}

// hasParent reports whether one of the parents (indices into objs) has
// at least ratio times o's radius and lies within satelliteReach of its
// own radius from o.
func hasParent(objs []object, parents []int, o *object, ratio float64) bool {
	r := math.Sqrt(o.area / math.Pi)
	for _, j := range parents {
		p := &objs[j]
		rp := math.Sqrt(p.area / math.Pi)
		if rp >= ratio*r && math.Hypot(o.cx-p.cx, o.cy-p.cy) <= satelliteReach*rp {
			return true
		}
	}
	return false
}

// Specks. The colonies of a plate were plated together and grew for the
// same time, so they share a size within a factor; far smaller objects are
// satellites, which lie beside a parent, or dust and debris specks, which
// lie anywhere. The plate's size is the upper quartile of its counted
// colonies, as satellites, specks and late colonies pull the median down
// (areaEstimate's typical colony likewise). Physgen seeds 1–8, plates of
// ≤ 150 colonies: of 69 counted objects under 10 px that matched no
// colony, 37 were below a tenth of that area and beside no colony twice
// their radius, against 3 real colonies that were not satellites.
const (
	speckAreaFrac     = 0.1 // area ÷ the upper-quartile counted colony's, below which an object needs a parent
	speckParentRatio  = 2.0 // a parent's radius is at least this many times the speck's
	minSpeckReference = 3   // counted colonies needed to say what the plate's size is
)

// rejectIsolatedSpecks reclassifies as debris the counted objects far
// smaller than the plate's colonies that lie within
// satelliteReach radii of no counted colony speckParentRatio times their
// radius: they are not satellites, and no colony of the plate is that
// small.
func rejectIsolatedSpecks(objs []object) {
	var d []float64
	for i := range objs {
		if o := &objs[i]; o.class == models.ColonyCounted && !o.satellite {
			d = append(d, o.area)
		}
	}
	if len(d) < minSpeckReference {
		return
	}
	maxArea := speckAreaFrac * stats.QuantileFloor(d, 0.75)
	parents := countedIndices(objs)
	var specks []int
	for _, i := range parents {
		if o := &objs[i]; o.area < maxArea && !hasParent(objs, parents, o, speckParentRatio) {
			specks = append(specks, i)
		}
	}
	for _, i := range specks {
		objs[i].class = models.ColonyDebris
	}
}

// Objects that do not lie on agar: writing on a paper label that reaches
// over the dish, marker ink on the lid's edge. Colonies grow on the agar,
// so what surrounds them is agar, whose hue is one over the dish however
// the lighting varies: (R+G)/2 − B over the grey level (yellowness, 0 for
// white paper, about 0.1–0.5 for agar). A pixel whose hue differs from
// the agar's median by more than offAgarHue (or offAgarSigmas robust σ of
// the agar's own hue, on dark or noisy agar) is not agar; an object most
// of whose ring of ringPx px is not agar lies on something else and is
// debris (a colony the label half covers still has agar around most of
// it). Dark colonies only: light colonies' soft pale edges change the
// hue of their ring, and a label is no light colony's look-alike.
const (
	ringPx        = 3
	offAgarHue    = 0.045
	offAgarShare  = 0.5
	offAgarSigmas = 3.0
)

// hueRatio is the yellowness of a BGR pixel over its grey level.
func hueRatio(b, g, r, grey float64) float64 { return ((r+g)/2 - b) / math.Max(1, grey) }

// agarHue is the median yellowness ratio of the dish pixels that are
// background (contrast within half the colony threshold), and how far a
// pixel's ratio may stray from it and still be agar.
func agarHue(g *grey8, roi []bool, cm *contrastMap) (hue, tol float64) {
	var v []float64
	for i, in := range roi {
		if in && math.Abs(float64(cm.res[i])) < float64(cm.low)/2 {
			v = append(v, hueRatio(float64(g.bgr[3*i]), float64(g.bgr[3*i+1]), float64(g.bgr[3*i+2]), float64(g.pix[i])))
		}
	}
	if len(v) == 0 {
		return math.NaN(), 0
	}
	hue = stats.NthSmallest(v, len(v)/2)
	dev := v // the ratios are not needed again
	for i, x := range v {
		dev[i] = math.Abs(x - hue)
	}
	return hue, math.Max(offAgarHue, offAgarSigmas*1.4826*stats.NthSmallest(dev, len(dev)/2))
}

// rejectOffAgar reclassifies as debris the counted objects whose
// surroundings are mostly not of the agar's hue (ringStats must have run).
func rejectOffAgar(objs []object) {
	for i := range objs {
		o := &objs[i]
		if o.class == models.ColonyCounted && o.ringN > 0 && o.ringOff > offAgarShare*o.ringN {
			o.class = models.ColonyDebris
		}
	}
}

// Marker writing on a stained dish. One dye stains every colony of the
// dish, and by Beer–Lambert its absorbance per channel is the dye's
// spectrum times the amount: the shift of the log chromaticity
// (ln R/G, ln B/G) from the clear dish's points the same way for every
// colony whatever its density (crystal violet absorbs green most: both
// rise). Its length per unit of grey optical density does not: grey mixes
// the channels, so its OD grows slower than the chromaticity shift where
// the dye is sparse (physgen dishes: colonies of 70–140 cells in a wide
// disc shift 1.3–1.8 × the median colony per OD, within 0.5° of its
// direction). Marker ink absorbs otherwise (blue absorbs red: ln R/G
// falls; black absorbs all alike: no shift). A counted object is debris
// when its shift per OD lies further than maxStainDeviation × the median
// colony's from that colony's, or, beyond it along the dye's line, from
// the line (physgen's blue ink lies 34° off the line at 0.8 × the
// colony's length, black ink at 0.1–0.2 ×).
const (
	maxStainDeviation = 0.5
	minStainPerOD     = 0.1  // below this the dye has no hue to go by
	minStainOD        = 0.02 // objects fainter than this are not judged
	minStainReference = 3    // counted objects needed to read the dye from them when none is round
)

// stainShift sets stainRG and stainBG of every object: its mean ln(R/G)
// and ln(B/G) over its pixels above the colony threshold, less the median
// of the dish pixels outside every object, divided by its mean optical
// density there (0 when that is below minStainOD).
func stainShift(objs []object, lab []int32, roi []bool, g *grey8, cm *contrastMap) {
	n := make([]float64, len(objs))
	od := make([]float64, len(objs))
	var bgRG, bgBG []float64
	for i, l := range lab {
		b := math.Max(1, float64(g.bgr[3*i]))
		gr := math.Max(1, float64(g.bgr[3*i+1]))
		r := math.Max(1, float64(g.bgr[3*i+2]))
		switch {
		case l > 0 && cm.res[i] > cm.low:
			objs[l-1].stainRG += math.Log(r / gr)
			objs[l-1].stainBG += math.Log(b / gr)
			od[l-1] += float64(cm.od[i])
			n[l-1]++
		case l == 0 && roi[i]:
			bgRG = append(bgRG, math.Log(r/gr))
			bgBG = append(bgBG, math.Log(b/gr))
		}
	}
	if len(bgRG) == 0 {
		return
	}
	mRG, mBG := stats.NthSmallest(bgRG, len(bgRG)/2), stats.NthSmallest(bgBG, len(bgBG)/2)
	for i := range objs {
		o := &objs[i]
		if n[i] == 0 || od[i]/n[i] < minStainOD {
			o.stainRG, o.stainBG = 0, 0
			continue
		}
		k := od[i] / n[i]
		o.stainRG = (o.stainRG/n[i] - mRG) / k
		o.stainBG = (o.stainBG/n[i] - mBG) / k
	}
}

// rejectOtherStain reclassifies as debris the counted objects whose stain
// shift per OD is far from the dye's (dyeShift).
func rejectOtherStain(objs []object) {
	refRG, refBG, ok := dyeShift(objs)
	if !ok {
		return
	}
	ref := math.Hypot(refRG, refBG)
	if ref < minStainPerOD {
		return
	}
	for i := range objs {
		o := &objs[i]
		if o.class != models.ColonyCounted || (o.stainRG == 0 && o.stainBG == 0) {
			continue
		}
		dev := math.Hypot(o.stainRG-refRG, o.stainBG-refBG)
		if along := (o.stainRG*refRG + o.stainBG*refBG) / ref; along > ref {
			// Beyond the median colony on the dye's line: only the
			// distance from the line counts.
			dev = math.Abs(o.stainRG*refBG-o.stainBG*refRG) / ref
		}
		if dev > maxStainDeviation*ref {
			o.class = models.ColonyDebris
		}
	}
}

// dyeShift is the stain shift per OD of the dish's dye: the median over
// the round stained objects, colonies and abortive clusters alike (cells
// take the dye whatever their number, and marker writing, the look-alike
// that takes most of a near-empty dish, is made of strokes: physgen seed 8
// dish_001, one colony and two pieces of blue writing, counted the writing
// and rejected the colony by the median of the three), else over the
// counted objects (at least 3). ok is false when neither says.
func dyeShift(objs []object) (rg, bg float64, ok bool) {
	var rgs, bgs, roundRG, roundBG []float64
	for i := range objs {
		o := &objs[i]
		if o.stainRG == 0 && o.stainBG == 0 {
			continue
		}
		if o.class == models.ColonyCounted {
			rgs = append(rgs, o.stainRG)
			bgs = append(bgs, o.stainBG)
		}
		if (o.class == models.ColonyCounted || o.class == models.ColonyAbortive) && o.circularity() >= typicalCircularity {
			roundRG = append(roundRG, o.stainRG)
			roundBG = append(roundBG, o.stainBG)
		}
	}
	if len(roundRG) > 0 {
		rgs, bgs = roundRG, roundBG
	} else if len(rgs) < minStainReference {
		return 0, 0, false
	}
	sort.Float64s(rgs)
	sort.Float64s(bgs)
	return rgs[len(rgs)/2], bgs[len(bgs)/2], true
}

// markerFunction weights the distance transform by the relative contrast,
// f = DT·max(0, res/C) with C the 90th percentile of the contrast inside
// colonies: touching colonies meet at a narrow neck and a dip in stain,
// so both deepen the saddle between them.
func markerFunction(dt, res []float32, mask []bool) []float32 {
	var hist [1024]int
	n := 0
	for i, m := range mask {
		if m {
			hist[max(0, min(1023, int(res[i]*4)))]++
			n++
		}
	}
	c := float32(1)
	acc := 0
	for i, k := range hist {
		acc += k
		if float64(acc) >= 0.9*float64(n) {
			c = float32(i+1) / 4
			break
		}
	}
	f := make([]float32, len(dt))
	for i, m := range mask {
		if m {
			f[i] = dt[i] * max(0, res[i]/c)
		}
	}
	return f
}

// Size rules: which colony size threshold decided (Result.SizeRule).
const (
	SizeRuleAreaPx     = "area_px"       // Options.MinColonyAreaPx
	SizeRuleAreaUM2    = "area_um2"      // MinColonyAreaUM2 with the pixel size
	SizeRuleDiameterUM = "diameter_um"   // MinColonyDiameterUM with the pixel size
	SizeRuleCellsUM2   = "cells_um2"     // MinCells × CellAreaUM2 with the pixel size
	SizeRuleCellsPx    = "cells_px"      // MinCells × CellAreaPx, no calibration needed
	SizeRuleAuto       = "dish_fraction" // no rule given: autoMinDiameterFrac of the dish diameter
)

// autoMinDiameterFrac: without a size rule, objects narrower than this
// fraction of the dish diameter (0.45 mm on a 90 mm dish) are specks.
const autoMinDiameterFrac = 0.005

// autoMinDiameterWork is the floor of that automatic diameter, working px:
// below 3 px nothing is told from noise.
const autoMinDiameterWork = 3.0

// minColonyAreaWork is the colony size threshold in working pixels² and
// the rule that set it.
func minColonyAreaWork(opt Options, cal models.Calibration, scale, dishRadiusWork float64) (float64, string) {
	px2 := scale * scale // working px² per input px²
	switch {
	case opt.MinColonyAreaPx > 0:
		return opt.MinColonyAreaPx * px2, SizeRuleAreaPx
	case cal.Known() && opt.MinColonyAreaUM2 > 0:
		return opt.MinColonyAreaUM2 / (cal.PixelSizeUM * cal.PixelSizeUM) * px2, SizeRuleAreaUM2
	case cal.Known() && opt.MinColonyDiameterUM > 0:
		d := opt.MinColonyDiameterUM / cal.PixelSizeUM * scale
		return math.Pi / 4 * d * d, SizeRuleDiameterUM
	case cal.Known() && opt.MinCells > 0 && opt.CellAreaUM2 > 0:
		return float64(opt.MinCells) * opt.CellAreaUM2 / (cal.PixelSizeUM * cal.PixelSizeUM) * px2, SizeRuleCellsUM2
	case opt.MinCells > 0 && opt.CellAreaPx > 0:
		return float64(opt.MinCells) * opt.CellAreaPx * px2, SizeRuleCellsPx
	}
	d := math.Max(autoMinDiameterWork, autoMinDiameterFrac*2*dishRadiusWork)
	return math.Pi / 4 * d * d, SizeRuleAuto
}

// choosePolarity picks the side on which the background-corrected dish has
// the heavier tail beyond 5σ; when neither dominates, a dark dish means
// light colonies (agar) and a light dish dark ones (crystal violet). A
// heavier tail that contradicts the dish (light colonies on a light dish,
// dark on a dark one) is trusted only if that side also reaches the
// deeper contrast: colonies are opaque, while condensation droplets,
// reflections and labels are pale and can outweigh a few colonies by area
// alone (physgen seed 5 agar_014: 157 droplets read as light colonies, 1
// of 9 colonies counted). contested says the deeper tail decided.
func choosePolarity(diff []float32, roi []bool, sigma float64, level float64) (pol string, contested bool) {
	prior := PolarityDark
	if level < midGreyGL {
		prior = PolarityLight
	}
	pol = heavierTail(diff, roi, float32(math.Max(polarityTailK*sigma, minLowGL)))
	switch pol {
	case "":
		return prior, false
	case prior:
		return pol, false
	}
	return deeperTail(diff, roi), true
}

// deeperTail is the polarity whose contrast reaches further: the side
// whose extremeTailShare-th most contrasted dish pixel lies deeper.
func deeperTail(diff []float32, roi []bool) string {
	const bins = 256 // grey levels of contrast
	var pos, neg [bins]int
	n := 0
	for i, v := range diff {
		if !roi[i] {
			continue
		}
		n++
		a := min(int(math.Abs(float64(v))), bins-1)
		if v > 0 {
			pos[a]++
		} else {
			neg[a]++
		}
	}
	k := int(extremeTailShare * float64(n))
	if tailReach(pos[:], k) > tailReach(neg[:], k) {
		return PolarityLight
	}
	return PolarityDark
}

// tailReach is the highest bin at which hist, summed from the top, holds
// more than k counts (0 when it never does).
func tailReach(hist []int, k int) int {
	acc := 0
	for b := len(hist) - 1; b > 0; b-- {
		acc += hist[b]
		if acc > k {
			return b
		}
	}
	return 0
}

// heavierTail is the polarity whose tail beyond ±t holds over
// tailDominance times the other's mass (Σ excess contrast), or "" when
// neither does.
func heavierTail(diff []float32, roi []bool, t float32) string {
	var pos, neg float64
	for i, v := range diff {
		if !roi[i] {
			continue
		}
		if v > t {
			pos += float64(v - t)
		} else if v < -t {
			neg += float64(-v - t)
		}
	}
	switch {
	case pos > tailDominance*neg:
		return PolarityLight
	case neg > tailDominance*pos:
		return PolarityDark
	}
	return ""
}

// gaussian returns g blurred with σ = s pixels, as float32.
func gaussian(g *grey8, s float64) ([]float32, error) {
	m, err := gocv.NewMatFromBytes(g.h, g.w, gocv.MatTypeCV8UC1, g.pix)
	if err != nil {
		return nil, fmt.Errorf("colonies: wrap grey: %w", err)
	}
	defer m.Close()
	f := gocv.NewMat()
	defer f.Close()
	m.ConvertTo(&f, gocv.MatTypeCV32F)
	out := gocv.NewMat()
	defer out.Close()
	gocv.GaussianBlur(f, &out, image.Pt(0, 0), s, s, gocv.BorderReflect)
	return matFloats(out)
}

func matFloats(m gocv.Mat) ([]float32, error) {
	if m.Type() != gocv.MatTypeCV32F {
		return nil, fmt.Errorf("colonies: want CV_32F, got %v", m.Type())
	}
	v, err := m.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("colonies: read floats: %w", err)
	}
	return append([]float32(nil), v...), nil
}

// envelopeCoverage is the share of the dish above colony contrast beyond
// which the median background is replaced by the envelope: at half the
// median is the colonies' level, and a median is biased well before.
const envelopeCoverage = 0.3

// coverage is the share of roi pixels whose signed contrast exceeds low.
func coverage(diff []float32, roi []bool, sign, low float32) float64 {
	n, k := 0, 0
	for i, in := range roi {
		if in {
			n++
			if sign*diff[i] > low {
				k++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// strokeFraction: a piece whose largest distance to its edge is below this
// fraction of the smallest colony's radius is a stroke, not a colony.
const strokeFraction = 0.6

// strokeShare: when thin pieces make up this share of a connected object,
// the whole object is a stroke (writing, a fibre, a scratch): the round
// pieces at its crossings and bends are set aside with it.
const strokeShare = 2.0 / 3

// strokeComponents marks every piece of a mostly-thin connected object
// as thin.
func strokeComponents(pieces []object, thin []bool) {
	total := map[int32]float64{}
	thinArea := map[int32]float64{}
	for _, p := range pieces {
		total[p.group] += p.area
		if thin[p.label] {
			thinArea[p.group] += p.area
		}
	}
	for _, p := range pieces {
		if t := total[p.group]; t > 0 && thinArea[p.group] >= strokeShare*t {
			thin[p.label] = true
		}
	}
}

// openStrokes removes from mask the parts narrower than 2·rad px (a
// morphological opening by a disc: pixels farther than rad from every
// pixel at least rad inside the mask): fibres, writing and hairs that
// touch a colony no longer join it. Reports whether anything changed.
func openStrokes(mask []bool, dt []float32, w, h int, rad float64) bool {
	if rad < 1 {
		return false
	}
	// Offsets of the disc of radius rad + 0.5, nearest first so most
	// pixels stop at the first core pixel they meet.
	reach := rad + 0.5
	k := int(math.Ceil(reach))
	type off struct {
		dx, dy int
		d2     float64
	}
	var offs []off
	for dy := -k; dy <= k; dy++ {
		for dx := -k; dx <= k; dx++ {
			if d2 := float64(dx*dx + dy*dy); d2 <= reach*reach {
				offs = append(offs, off{dx, dy, d2})
			}
		}
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i].d2 < offs[j].d2 })
	core := func(i int) bool { return mask[i] && float64(dt[i]) >= rad }
	var drop []int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if !mask[i] || core(i) {
				continue
			}
			near := false
			for _, o := range offs {
				xx, yy := x+o.dx, y+o.dy
				if xx >= 0 && yy >= 0 && xx < w && yy < h && core(yy*w+xx) {
					near = true
					break
				}
			}
			if !near {
				drop = append(drop, i)
			}
		}
	}
	for _, i := range drop {
		mask[i] = false
	}
	return len(drop) > 0
}

// Loose colonies: with a size rule whose smallest colony is at least
// looseMinDiameterPx working px across, the contrast is blurred with
// σ = looseBlurFrac × that diameter before objects are found.
const (
	looseMinDiameterPx = 12.0
	looseBlurFrac      = 1.0 / 6
)

// blurContrast replaces cm.res by its Gaussian blur of σ px over the dish
// (outside the dish stays 0).
func blurContrast(cm *contrastMap, roi []bool, w, h int, sigma float64) error {
	if w < 2 || h < 2 || !(sigma > 0) || len(cm.res) != w*h {
		return nil
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV32F, float32Bytes(cm.res))
	if err != nil {
		return fmt.Errorf("colonies: wrap contrast: %w", err)
	}
	defer m.Close()
	out := gocv.NewMat()
	defer out.Close()
	gocv.GaussianBlur(m, &out, image.Pt(0, 0), sigma, sigma, gocv.BorderReflect)
	v, err := matFloats(out)
	if err != nil {
		return err
	}
	for i := range v {
		if !roi[i] {
			v[i] = 0
		}
	}
	cm.res = v
	return nil
}

// float32Bytes is v in the machine's byte order, as OpenCV reads CV_32F.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.NativeEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}
