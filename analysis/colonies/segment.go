package colonies

import (
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/models"
)

// Segmentation constants, in units of the robust noise σ of the
// background-corrected dish (1.4826·MAD) unless stated.
const (
	kLow            = 4.0  // a pixel belongs to a colony above this contrast
	kPeak           = 8.0  // an object needs a pixel this far above the background
	minLowGL        = 6.0  // floors in grey levels, for very clean images
	minPeakGL       = 14.0 //
	splitRel        = 0.15 // a DT peak is its own colony when it rises ≥ this fraction of its height above the saddle
	splitMinPx      = 1.0  // … and at least this many working pixels
	bandCircularity = 0.6  // objects in the rim band must be this round…
	bandRoundness   = 0.6  // … and this compact (max DT ÷ equivalent radius)
	maxElongation   = 3.0  // principal-axis ratio above this is a fibre or scratch
	thinRatio       = 0.55 // max DT ÷ equivalent radius below this is a stroke, not a colony (a 3:1 ellipse has 0.58)
)

// segmentation is the outcome of segment, in working pixels for labels.
type segmentation struct {
	polarity   string
	labels     []int32 // working-size label image: colonies 1..n, rejected n+1..
	colonies   []models.Colony
	rejected   []models.Colony
	coveredPct float64
	qc         []string
	sizeRule   string  // which size rule decided (SizeRule…)
	minAreaPx  float64 // the colony size threshold, input px²
}

// segment separates colonies from the dish background inside roi.
func segment(g *plane, roi []bool, dish models.Dish, scale float64, cal models.Calibration, opt Options) (*segmentation, error) {
	w, h := g.w, g.h
	seg := &segmentation{labels: make([]int32, w*h)}
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
	if len(vals) < 400 {
		seg.qc = append(seg.qc, models.QCTooSmall)
		seg.polarity = opt.Polarity
		return seg, nil
	}
	if float64(clipped) > 0.05*float64(len(vals)) {
		seg.qc = append(seg.qc, models.QCSaturated)
	}
	level := medianBytes(vals)

	smooth, err := gaussian(g, 1.0)
	if err != nil {
		return nil, err
	}
	// Background window: a quarter of the dish radius, large against
	// colonies, small against illumination gradients.
	radius := float64(min(w, h)) / 2
	if dish.Found && dish.Shape == "circle" {
		radius = dish.RadiusPx * scale
	} else if n := len(vals); n > 0 {
		radius = math.Sqrt(float64(n) / math.Pi)
	}
	win := math.Max(15, 0.25*radius)
	bg1, err := medianBackground(smooth, roi, level, win, w, h)
	if err != nil {
		return nil, err
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
		pol = choosePolarity(diff, roi, sigma, level)
	}
	seg.polarity = pol
	sign := float32(1)
	if pol == PolarityDark {
		sign = -1
	}
	low := float32(math.Max(kLow*sigma, minLowGL))
	peak := float32(math.Max(kPeak*sigma, minPeakGL))
	if known || coverage(diff, roi, sign, low) > envelopeCoverage {
		// Colonies may cover half the dish or more: the median would
		// sit on them. The polarity is known, so take the envelope.
		bg1 = envelopeBackground(smooth, roi, sign, win, w, h)
		for i := range diff {
			if roi[i] {
				diff[i] = smooth[i] - bg1[i]
			}
		}
		// The envelope sits a little beyond the background: re-centre on
		// the background peak and take σ from its far side.
		mode, s := backgroundMode(diff, roi, sign)
		for i := range bg1 {
			bg1[i] += sign * float32(mode)
			if roi[i] {
				diff[i] -= sign * float32(mode)
			}
		}
		if s > 0 {
			sigma = s
		}
		low = float32(math.Max(kLow*sigma, minLowGL))
		peak = float32(math.Max(kPeak*sigma, minPeakGL))
	}

	// Second pass: the background from dish pixels only, so large or
	// crowded colonies do not lift it.
	excl := make([]bool, w*h)
	for i := range diff {
		excl[i] = roi[i] && sign*diff[i] > low/2
	}
	excl = dilate(excl, w, h, 2)
	bg := maskedBackground(smooth, roi, excl, bg1, w, h, win)
	if dish.Found && dish.Shape == "circle" && dish.InnerRadiusPx > 0 {
		// The meniscus and wall change within a few pixels radially but
		// little around the dish: model them in polar bins.
		cx, cy := dish.CXPx*scale, dish.CYPx*scale
		r1 := dish.RadiusPx * scale
		r0 := dish.InnerRadiusPx*scale - 0.03*dish.RimRadiusPx*scale
		polarBackground(smooth, roi, bg, w, h, cx, cy, r0, r1)
	}
	res := make([]float32, w*h)
	for i := range res {
		if roi[i] {
			res[i] = sign * (smooth[i] - bg[i])
		}
	}

	mask := make([]bool, w*h)
	any := false
	for i, v := range res {
		if roi[i] && v > low {
			mask[i] = true
		}
		if roi[i] && v > peak {
			any = true
		}
	}
	if !any {
		// Nothing anywhere reaches colony contrast: an empty dish.
		seg.qc = append(seg.qc, models.QCBlank)
		return seg, nil
	}
	morph.FillHoles(mask, w, h, max(4, int(0.0005*float64(len(vals)))))
	minArea, rule := minColonyAreaWork(opt, cal, scale, radius)
	seg.sizeRule, seg.minAreaPx = rule, minArea/(scale*scale)
	// No colony of the smallest counted size is thinner than this: a
	// piece whose widest point is narrower is a stroke or a fibre.
	minHalfWidth := strokeFraction * math.Sqrt(minArea/math.Pi)
	dt := morph.DistanceToBackground(mask, w, h, morph.BorderIsOpen)
	if openStrokes(mask, dt, w, h, minHalfWidth) {
		dt = morph.DistanceToBackground(mask, w, h, morph.BorderIsOpen)
	}
	// Shape pieces first: the watershed of the distance transform alone
	// keeps strokes (writing, scratches, agar folds, the meniscus) whole
	// enough to see that they are thin; they are set aside as debris.
	shape, ns := splitTouching(mask, dt, w, h, splitMinPx, splitRel)
	pieces := measure(shape, ns, w, h, g.pix, res, dt)
	thin := make([]bool, ns+1)
	colonyMask := make([]bool, w*h)
	for _, p := range pieces {
		thin[p.label] = p.area > 0 && (float64(p.maxDT)+0.5 < thinRatio*math.Sqrt(p.area/math.Pi) ||
			p.elongation() > maxElongation || p.meanRes() < 1.5*float64(low) || float64(p.maxDT) < minHalfWidth)
	}
	strokeComponents(pieces, thin)
	for i, l := range shape {
		colonyMask[i] = l > 0 && !thin[l]
	}
	lab, n := splitTouching(colonyMask, markerFunction(dt, res, colonyMask), w, h, splitMinPx, splitRel)
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
	objs := measure(lab, n, w, h, g.pix, res, dt)
	isDebris := make([]bool, n+1)
	for _, id := range debrisOf {
		isDebris[id] = true
	}

	inBand := func(o *object) bool {
		if !dish.Found || dish.Shape != "circle" || dish.InnerRadiusPx <= 0 {
			return false
		}
		return math.Hypot((o.cx+0.5)/scale-dish.CXPx, (o.cy+0.5)/scale-dish.CYPx) > dish.InnerRadiusPx
	}
	coreContrast(objs, lab, res, dt)
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
	rejectFaint(objs, inBand)
	covered := 0.0
	var keep, drop []int
	groups := map[int32]int{}
	for i := range objs {
		o := &objs[i]
		switch o.class {
		case models.ColonyCounted:
			keep = append(keep, i)
			covered += o.area
			groups[o.group]++
		case "":
		default:
			drop = append(drop, i)
		}
	}
	// Renumber: colonies 1..n in reading order, rejected after them.
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
			CentroidXPx: round3((o.cx + 0.5) * inv), CentroidYPx: round3((o.cy + 0.5) * inv),
			AreaPx: round3(areaIn), EquivDiameterPx: round3(2 * math.Sqrt(areaIn/math.Pi)),
			Circularity:   round3(o.circularity()),
			MeanIntensity: round3(o.meanGrey()), StainContrast: round3(o.meanRes()),
		}
		if cal.Known() {
			c.AreaUM2 = round3(areaIn * cal.PixelSizeUM * cal.PixelSizeUM)
			c.EquivDiameterUM = round3(c.EquivDiameterPx * cal.PixelSizeUM)
			if opt.CellAreaUM2 > 0 {
				c.EstimatedCells = round3(c.AreaUM2 / opt.CellAreaUM2)
			}
		}
		if c.EstimatedCells == 0 && opt.CellAreaPx > 0 {
			c.EstimatedCells = round3(areaIn / opt.CellAreaPx)
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
	seg.coveredPct = 100 * covered / float64(len(vals))
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
	if len(keep) == 0 && rejectedPx < 0.01*float64(len(vals)) {
		seg.qc = append(seg.qc, models.QCBlank)
	}
	if seg.coveredPct > 45 || float64(maskPx) > 0.5*float64(len(vals)) || (seg.coveredPct > 20 && len(keep) > 0 && float64(touching) > 0.6*float64(len(keep))) {
		seg.qc = append(seg.qc, models.QCConfluent)
	}
	return seg, nil
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
			o.class = models.ColonyDebris
		}
	}
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
// light colonies (agar) and a light dish dark ones (crystal violet).
func choosePolarity(diff []float32, roi []bool, sigma float64, level float64) string {
	t := float32(math.Max(5*sigma, minLowGL))
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
	case pos > 3*neg:
		return PolarityLight
	case neg > 3*pos:
		return PolarityDark
	case level < 128:
		return PolarityLight
	}
	return PolarityDark
}

// gaussian returns g blurred with σ = s pixels, as float32.
func gaussian(g *plane, s float64) ([]float32, error) {
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
	notCore := make([]bool, len(mask))
	for i, m := range mask {
		notCore[i] = !m || float64(dt[i]) < rad
	}
	toCore := morph.DistanceToBackground(notCore, w, h, morph.BorderIsOpen)
	changed := false
	for i, m := range mask {
		if m && notCore[i] && float64(toCore[i]) > rad+0.5 {
			mask[i] = false
			changed = true
		}
	}
	return changed
}
