package cells

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvutil"
	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Trypan defaults and QC limits.
const (
	trypanDefaultMinDiameterUM = 5
	trypanDefaultMaxDiameterUM = 40
	// trypanRefDiameterUM is the physical size of the 9-px unit the
	// cell-likeness model was fitted with (fibroblast-sized cells of
	// 12–16 µm are ≈ 20 px on those crops, about 0.7 µm/px).
	trypanRefDiameterUM = 6.3
	// trypanUncalibratedRefRadiusPx is that unit's radius on the crops.
	trypanUncalibratedRefRadiusPx = 4.5
	// trypanMinSide is the smallest image side analysed: below it no cell
	// and its surroundings fit in the field.
	trypanMinSide = 16
	// trypanBlankRange: a field whose 1st–99th percentile grey range is
	// below this many levels carries no cell contrast (black, white, empty).
	trypanBlankRange = 6
	// trypanFocusMin is a conservative variance-of-Laplacian floor for a
	// chamber field: the 500 development crops score 220–5000 (camera
	// noise alone gives ≈ 80·σ²), a field without any sharp edge far less.
	trypanFocusMin = 50
	// trypanCrowdedFraction: above this fraction of the field covered by
	// cells, touching cells can no longer be separated reliably.
	trypanCrowdedFraction = 0.35
	// trypanOccupiedContrast (grey levels) is the departure from the block
	// background that counts as occupied when judging crowding: well above
	// noise and gentle illumination slopes, below any cell's contrast.
	trypanOccupiedContrast = 20
	// A neck between two distance maxima deeper than this (pixels, or
	// fraction of the weaker maximum's radius) separates two cells.
	trypanSaddleMin  = 1.0
	trypanSaddleFrac = 0.2
	// trypanMinCorePx: a bright core smaller than this is a speck, not the
	// refractile centre of a live cell.
	trypanMinCorePx = 3
	// trypanRimDepthFrac: between the cores of two touching live cells
	// the path crosses their dark rims, at least this fraction of full
	// scale below the chamber background.
	trypanRimDepthFrac = 0.1
	// trypanBorderAreaFrac: the visible part of a cell cut by the field
	// edge must cover at least this fraction of the smallest cell.
	trypanBorderAreaFrac = 0.5
	// trypanLiveBrightFrac: a live cell's refractile centre rises above the
	// background by at least this fraction of the headroom to white.
	trypanLiveBrightFrac = 0.25
)

// trypanScale bounds the size of accepted cells, in pixels.
type trypanScale struct {
	minDiamPx, maxDiamPx float64
	// refRadiusPx is the size unit of the cell-likeness model: 4.5 px on
	// the uncalibrated chamber crops it was fitted on (cells ≈ 20 px across),
	// trypanRefDiameterUM/2 when the pixel size is known.
	refRadiusPx float64
	calibrated  bool
	// keepCandidates keeps objects the cell-likeness model rejects (for
	// refitting the model on annotated images).
	keepCandidates bool
	// learned selects the learned candidate classifier
	// (trypan_cellmlp.go); false falls back to the classical rules
	// trypanIsCell and trypanClassify.
	learned bool
	// ensemble is the learned classifier used (trypanEnsemble).
	ensemble []trypanCellMLPWeights
	// minCellDiamPx: smallest equivalent diameter of a whole cell in
	// calibrated fields (trypanIsFieldCell).
	minCellDiamPx float64
	// specDiamPx: below this equivalent diameter a dark object must be
	// flat-topped to be a cell (trypanIsFieldCell).
	specDiamPx float64
	// grid selects trypanFlattenGrid (whole fields, tilted ruling) over
	// the row/column running medians of trypanFlatten.
	grid bool
	// pixelSizeUM is the calibration of calibrated fields (0 otherwise).
	pixelSizeUM float64
	// ringClass relabels whole-field objects holding a live cell's ring
	// as live; ringAdd also adds the ring detector's missed cells and
	// splits clumps. See trypan_ring.go.
	ringClass, ringAdd bool
}

// trypanTypicalInscribed is the median largest inscribed radius of the
// whole cells of a field, in units of refRadiusPx, on the development
// crops (annotated cells: median 2.2, image medians 2.1).
const trypanTypicalInscribed = 2.1

// trypanRescaleFactor: an uncalibrated field whose cells are this many
// times larger (or smaller) than typical is measured again at their scale.
// Well outside the development crops' spread (image medians 0.76–1.44 of
// typical for 98 % of them), so those are analysed at the fixed scale the
// classifier was fitted at; one crop of unusually large cells (1.9) is
// re-measured.
const trypanRescaleFactor = 1.8

// trypanFieldScale returns how many times larger than typical the cells of
// a field are: the median largest inscribed radius of the accepted cells
// not cut by the field edge over the typical one. ok is false when fewer
// than 3 such cells or the factor is within trypanRescaleFactor of 1.
func trypanFieldScale(feats []trypanFeatures, sc trypanScale) (float64, bool) {
	var r []float64
	for _, f := range feats {
		if !f.border {
			r = append(r, f.maxInscribed)
		}
	}
	if len(r) < 3 {
		return 1, false
	}
	sort.Float64s(r)
	f := r[len(r)/2] / (trypanTypicalInscribed * sc.refRadiusPx)
	return f, f > trypanRescaleFactor || f < 1/trypanRescaleFactor
}

// scaled returns the scale of a field whose cells are f times larger.
func (sc trypanScale) scaled(f float64) trypanScale {
	sc.refRadiusPx *= f
	sc.minDiamPx = math.Max(2, sc.minDiamPx*f)
	sc.maxDiamPx = math.Max(4, sc.maxDiamPx*f)
	return sc
}

// trypanScaleFor derives the pixel size bounds from the calibration, or
// conservative pixel bounds when the pixel size is unknown: 9–80 px
// diameter, for chamber fields imaged so that a cell is 15–30 px across.
func trypanScaleFor(cal models.Calibration, opt Options, w, h int) trypanScale {
	if !cal.Known() {
		return trypanScale{minDiamPx: 9, maxDiamPx: 80, refRadiusPx: trypanUncalibratedRefRadiusPx, learned: true, ensemble: trypanEnsemble(opt.TrypanCVFold)}
	}
	lo, hi := opt.MinDiameterUM, opt.MaxDiameterUM
	if lo <= 0 {
		lo = trypanDefaultMinDiameterUM
	}
	if hi <= 0 || hi <= lo {
		hi = math.Max(trypanDefaultMaxDiameterUM, 2*lo)
	}
	if float64(min(w, h))*cal.PixelSizeUM < trypanFieldMinSideUM && opt.MinDiameterUM <= 0 && opt.MaxDiameterUM <= 0 {
		// A crop, not a chamber field: no ruling to remove, and the
		// learned classifier at the scale it was fitted on (re-measured at
		// the cells' own scale when they differ) beats the field rules
		// there. 1000 dev crops at 0.65 µm/px, total WAPE: field rules
		// 19.6 %, learned at the calibrated scale 8.8 %, this 6.8 % (as
		// uncalibrated; all fitted figures). The pixel size still gives
		// the imaged volume.
		return trypanScaleFor(models.Calibration{}, opt, w, h)
	}
	return trypanScale{
		minDiamPx:     math.Max(2, lo/cal.PixelSizeUM),
		maxDiamPx:     math.Max(4, hi/cal.PixelSizeUM),
		refRadiusPx:   math.Max(1, trypanRefDiameterUM/2/cal.PixelSizeUM),
		calibrated:    true,
		learned:       false,
		grid:          true,
		pixelSizeUM:   cal.PixelSizeUM,
		ringClass:     trypanRingClassOn,
		ringAdd:       trypanRingAddOn,
		minCellDiamPx: math.Max(lo, trypanFieldMinCellUM) / cal.PixelSizeUM,
		specDiamPx:    trypanFieldSpecUM / cal.PixelSizeUM,
		ensemble:      trypanEnsemble(opt.TrypanCVFold),
	}
}

// segmentTrypan finds and classifies the cells of a trypan-blue
// counting-chamber field: live cells (dye-excluding, with a bright
// refractile centre in a dark rim) and dead cells (stained, filled, darker
// than the chamber and without a bright centre). Segmentation and
// classification work on the grey image (the development images are grey,
// and a dead cell's stain shows as darkness there); in colour fields the
// stain's blue then overrides the grey-level call (step 6).
//
// Method, in order:
//
//  1. Flattening (trypanFlatten): running medians along rows, then along
//     columns of the residual, several cell diameters long, remove the
//     illumination and the chamber's grid lines; line crossings, which
//     leave a residue, raise the local threshold.
//  2. Foreground: |flattened| > max(4σ, 8) grey levels, σ the camera noise
//     from neighbour differences; closing joins centre and rim, holes up
//     to the largest cell are filled, an opening removes specks.
//  3. Splitting (trypanSeeds, trypFloodSeeds): one seed per bright core
//     (cores of one cell merged), one per remaining distance-map maximum
//     with a neck to its neighbours; a marker-controlled watershed on the
//     distance map grows them over the foreground. On whole fields a
//     component whose cells touch is seeded again at twice the threshold
//     (trypanDeepSeeds), where their cores stay apart.
//  4. Candidates: size bounds from the calibration (5–40 µm) or 9–80 px.
//     On calibrated whole fields a region over the largest cell, or one
//     the cell test rejects that holds two or more rings, is first cut
//     between the cells it holds, stained discs only where they are not
//     the gaps between touching cells (trypan_clump.go).
//  5. Classes (trypan_cellmlp.go): a small perceptron ensemble on each
//     candidate's shape, contrast, radial grey profile and field-edge
//     contact calls it not-a-cell, live or dead. The classical rules
//     (trypanIsCell, a logistic cell-likeness score; trypanClassify, live
//     when the brightest 2 % rise above the background by
//     trypanLiveBrightFrac of the headroom) remain as the fallback when
//     trypanScale.learned is false.
//  6. Stain colour (trypan_colour.go): in colour fields, a cell whose B−R
//     exceeds the chamber background's by trypanBlueMin is dead.
//
// Calibrated whole fields first drop, where the field's live objects
// mostly show a dark rim, those called live that have neither a dark rim
// nor a ring (trypanDropRimless: a ruling line's pieces, the glow between
// cells), then (trypan_ring.go) call live the objects that
// hold a live cell's ring (centre above a rim that is dark all round),
// and the same detector can add the cells the foreground threshold misses
// or merges (trypanScale.ringClass, ringAdd), and join a cell's halo ring
// or halo crescent to the cell (trypanMergeHalo, trypan_halo.go). Live
// cells above the focal plane, whose bright halo widens or joins their
// regions so that the cell tests drop them, are added at ring peaks with
// a bright centre (trypanFocusCells, trypan_focus.go); an accepted object
// holding several cells is split at its live-centred ring peaks and gives
// a cell-sized part outside them its own label (trypan_merged.go).
//
// Without a pixel size, a field whose cells are more than
// trypanRescaleFactor times larger or smaller than on the development
// crops is analysed again at its own scale (trypanFieldScale).
//
// Labels are numbered in row-major order of rounded centroids, so equal
// input gives an identical label image. QC: QCTooSmall below 16 px a side,
// QCBlank without grey-level range, QCStainMismatch (no cells counted) for
// a fluorescence image (dark background, only bright objects:
// trypan_modality.go), QCOutOfFocus when the variance of the
// Laplacian is below trypanFocusMin, QCCrowded when cells cover more than
// trypanCrowdedFraction of the field.
func segmentTrypan(src, gray gocv.Mat, cal models.Calibration, opt Options) (segmentation, error) {
	if gray.Empty() || gray.Type() != gocv.MatTypeCV8UC1 {
		return segmentation{}, fmt.Errorf("cells: trypan: %w: want 8-bit grey", cvutil.ErrBadImage)
	}
	w, h := gray.Cols(), gray.Rows()
	if w < trypanMinSide || h < trypanMinSide {
		return emptyTrypan(w, h, models.QCTooSmall)
	}
	// A view of gray's pixels (not a copy): gray outlives this call and
	// nothing below keeps g.
	g, err := gray.DataPtrUint8()
	if err != nil || len(g) != w*h {
		return segmentation{}, fmt.Errorf("cells: trypan: %w: grey image not continuous", cvutil.ErrBadImage)
	}
	if trypanGreyRange(g) < trypanBlankRange {
		return emptyTrypan(w, h, models.QCBlank)
	}
	if trypanLooksFluorescent(g, w, h) {
		return emptyTrypan(w, h, models.QCStainMismatch)
	}
	var qc []string
	if cvutil.VarianceOfLaplacian(gray) < trypanFocusMin {
		qc = append(qc, models.QCOutOfFocus)
	}
	sc := trypanScaleFor(cal, opt, w, h)
	core := trypanSegment(g, w, h, sc)
	if f, ok := trypanFieldScale(core.feats, sc); ok && !sc.calibrated {
		// Without a pixel size, cells much larger or smaller than on the
		// chamber crops the classifier was fitted on: measure again at
		// their own scale.
		sc = sc.scaled(f)
		core = trypanSegment(g, w, h, sc)
	}
	// Crowding is judged once, on the segmentation kept.
	core.crowded = trypanIsCrowded(g, core, sc)
	if src.Channels() == 3 && src.Type() == gocv.MatTypeCV8UC3 {
		if pix, err := src.DataPtrUint8(); err == nil && len(pix) == 3*w*h {
			n := len(core.classes)
			trypanMarkSpecks(&core)
			if blue, thr, ok := trypanStainBlueness(pix, core.mask, core.labels, n+len(core.specks), w, h); ok {
				if sc.grid {
					trypanApplyFieldStain(core.classes, blue[:n], thr)
				} else {
					trypanApplyStain(core.classes, blue[:n], thr)
				}
				trypanAdmitStainedSpecks(&core, blue, thr)
				if sc.grid && sc.pixelSizeUM > 0 {
					trypanSplitStainedDiscs(&core, pix, thr, sc)
				}
			} else {
				trypanAdmitStainedSpecks(&core, nil, 0) // no colour: none is kept
			}
		}
	}
	if core.crowded {
		qc = append(qc, models.QCCrowded)
	}
	// Write the labels straight into the Mat's own buffer: no byte copy
	// and no temporary Mat.
	labels := gocv.NewMatWithSize(h, w, gocv.MatTypeCV32S)
	dst, err := labels.DataPtrUint8()
	if err != nil || len(dst) != 4*len(core.labels) {
		labels.Close()
		return segmentation{}, fmt.Errorf("cells: trypan labels: %w: %d bytes for %dx%d", cvutil.ErrBadImage, len(dst), w, h)
	}
	for i, l := range core.labels {
		binary.LittleEndian.PutUint32(dst[4*i:], uint32(l))
	}
	return segmentation{labels: labels, classes: core.classes, qc: qc}, nil
}

// emptyTrypan is a segmentation without objects.
func emptyTrypan(w, h int, qc ...string) (segmentation, error) {
	if w <= 0 || h <= 0 {
		return segmentation{}, fmt.Errorf("cells: trypan: %w: %dx%d", cvutil.ErrBadImage, w, h)
	}
	// NewMatWithSize leaves the data uninitialised; the scalar form zeroes it.
	return segmentation{labels: gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0, 0, 0, 0), h, w, gocv.MatTypeCV32S), qc: qc}, nil
}

// trypanGreyRange is the 1st–99th percentile range of the grey levels.
func trypanGreyRange(g []byte) int {
	var hist [256]int
	for _, v := range g {
		hist[v]++
	}
	lo, hi := stats.HistQuantileFloor(hist[:], len(g), 0.01), stats.HistQuantileFloor(hist[:], len(g), 0.99)
	return hi - lo
}

// trypanResult is the plain-Go outcome of trypanAnalyse.
type trypanResult struct {
	w, h    int
	flat    []int16 // background- and grid-flattened grey, 0 = background level
	sigma   float64 // camera noise, grey levels
	mask    []byte  // cell foreground
	labels  []int32 // 0 background, 1..n cells in row-major centroid order
	classes []string
	feats   []trypanFeatures
	crowded bool
	// specks are regions of calibrated whole fields rejected only as
	// debris specks by their grey look; the colour step admits those that
	// took up the dye (trypan_speck.go).
	specks []trypanSpeck
}

// trypanFeatures describe one segmented object for classification.
type trypanFeatures struct {
	area         int
	cx, cy       float64
	bright       float64 // high percentile of flat inside the object, grey levels above background
	headroom     float64 // 255 − local background: how bright a centre could get
	dark         float64 // low percentile of flat (negative: darker than background)
	meanFlat     float64 // mean of flat inside the object
	brightFrac   float64 // fraction of pixels above half the headroom
	maxInscribed float64 // radius of the largest inscribed disc, pixels
	std          float64 // standard deviation of flat inside the object
	darkFrac     float64 // fraction of pixels darker than the background by the foreground threshold
	elongation   float64 // √(λ1/λ2) of the second moments, 1 for a disc
	border       bool    // touches the field edge
	// farBorder: touches the bottom or right edge (the chamber rule leaves
	// such cells to the next field).
	farBorder bool
	// inner and ring are the mean flattened grey within 0.45 of the
	// equivalent radius of the centroid and between 0.6 and 1.0 of it:
	// a live cell's centre and its refractile rim.
	inner, ring float64
	// centreLift is how much lighter the centre (within
	// trypanLiftCentreZone of the equivalent radius) is than the darker of
	// the two annuli out to trypanLiftAnnulusZone; annulusDepth is how far
	// that annulus lies below the chamber (≥ 0). See trypanCentreLift.
	centreLift, annulusDepth float64
}

// trypanAnalyse is the whole segmentation on a plain grey buffer,
// crowding included.
func trypanAnalyse(g []byte, w, h int, sc trypanScale) trypanResult {
	res := trypanSegment(g, w, h, sc)
	res.crowded = trypanIsCrowded(g, res, sc)
	return res
}

// trypanIsCrowded reports whether cells cover more than
// trypanCrowdedFraction of the field, by the segmentation res or by the
// block-mode estimate trypanOccupied.
func trypanIsCrowded(g []byte, res trypanResult, sc trypanScale) bool {
	w, h := res.w, res.h
	covered := 0
	for _, l := range res.labels {
		if l != 0 {
			covered++
		}
	}
	return float64(covered) > trypanCrowdedFraction*float64(w*h) ||
		trypanOccupied(g, w, h, math.Max(trypanForegroundThreshold(res.sigma), trypanOccupiedContrast), trypanLineWindow(w, h, sc)) > trypanCrowdedFraction
}

// trypanForegroundThreshold is the departure from the flattened
// background (grey levels) that counts as foreground, for camera noise
// sigma.
func trypanForegroundThreshold(sigma float64) float64 {
	return float64(int16(math.Max(4*sigma, 8)))
}

// trypanSegment is trypanAnalyse without the crowding verdict, which
// segmentTrypan judges only on the scale it keeps.
func trypanSegment(g []byte, w, h int, sc trypanScale) trypanResult {
	res := trypanResult{w: w, h: h}
	flatten := trypanFlatten
	if sc.grid {
		flatten = trypanFlattenGrid
	}
	flat, bgBuf, crossBuf := flatten(g, w, h, sc)
	// bg and cross are needed only within this call: back to the pool.
	defer trypPutInt16(bgBuf)
	defer trypPutInt16(crossBuf)
	bg, cross := *bgBuf, *crossBuf
	res.flat = flat
	if sc.grid {
		res.sigma = trypanFieldNoise(g, w, h)
	} else {
		res.sigma = trypanNoise(g, w, h)
	}

	// Foreground: clearly darker or brighter than the flattened background,
	// and than what is left of a grid-line crossing.
	thr := int16(trypanForegroundThreshold(res.sigma))
	mask := make([]byte, w*h)
	for i, v := range flat {
		t := max(thr, cross[i])
		if v > t || v < -t {
			mask[i] = 1
		}
	}
	// Join a live cell's bright centre to its dark rim, fill it, and shave
	// off single-pixel noise and thin line remnants. Radii scale with the
	// cell size (2 and 1.5 px for cells ≈ 20 px across).
	unit := sc.refRadiusPx / trypanUncalibratedRefRadiusPx
	mask = trypCloseDisc(mask, w, h, math.Max(1, 2*unit))
	maxArea := int(math.Pi * sc.maxDiamPx * sc.maxDiamPx / 4)
	morph.FillHoles(mask, w, h, maxArea)
	mask = trypOpenDisc(mask, w, h, math.Max(1, 1.5*unit))
	res.mask = mask

	dist := morph.DistanceToBackground(mask, w, h, morph.BorderIsBackground)
	lab, n := morph.LabelComponents(mask, w, h)
	seeds := trypanSeeds(dist, lab, n, flat, bg, w, h, sc)
	if sc.grid {
		seeds = trypanDeepSeeds(seeds, lab, n, flat, bg, cross, thr, w, h, sc)
	}
	trypFloodSeeds(seeds, mask, dist, w, h)

	// One whole-field ring scan serves the clump split, the ring
	// supplement and the focus cells: the peaks depend on the flattened
	// field only, which none of them changes.
	var peaks []trypanRingPeak
	if sc.grid && sc.pixelSizeUM > 0 {
		peaks = trypanRingPeaks(flat, w, h, trypanRingRadii(sc.pixelSizeUM), trypanRingK*float64(thr), nil)
		trypanSplitClumps(seeds, flat, bg, cross, dist, peaks, float64(thr), w, h, sc)
	}

	res.labels, res.classes, res.feats, res.specks = trypanFinish(seeds, flat, bg, dist, float64(thr), w, h, sc)
	if sc.grid && sc.pixelSizeUM > 0 {
		trypanDropRimless(&res, peaks, float64(thr))
		if sc.ringClass || sc.ringAdd {
			trypanRingSupplement(&res, cross, peaks, float64(thr), sc.ringAdd)
		}
		trypanFocusCells(&res, cross, bg, dist, peaks, sc, float64(thr))
	}
	if sc.grid {
		trypanMergeHalo(&res, sc.maxDiamPx)
	}
	if sc.grid && sc.pixelSizeUM > 0 {
		trypanSplitStainedClumps(&res, cross, dist, peaks, sc, float64(thr))
	}
	return res
}

// trypanFlatten removes the illumination background and the chamber grid:
// a running median along each row (window several cell diameters long)
// follows the background and any horizontal grid line, which is long in
// that direction, while a cell, short in it, leaves the median untouched.
// A running median along each column of the residual then removes vertical
// grid lines. Returns the residual (grey levels, 0 = background), the
// background level per pixel and the grid-crossing strength: where a
// horizontal and a vertical line cross, the residual keeps a small blob of
// about the weaker line's contrast, which must not become a "cell".
// bg and cross are pooled scratch (trypScratchInt16): the caller hands
// them back with trypPutInt16 once done.
func trypanFlatten(g []byte, w, h int, sc trypanScale) (flat []int16, bg, cross *[]int16) {
	half := trypanLineWindow(w, h, sc) / 2
	var hist [512]int32
	// vals, rowMed, colMed and rowBg are temporaries, each fully written
	// before it is read: pooled scratch.
	valsBuf, rowMedBuf, colMedBuf := trypScratchInt16(w*h), trypScratchInt16(w*h), trypScratchInt16(w*h)
	defer trypPutInt16(valsBuf)
	defer trypPutInt16(rowMedBuf)
	defer trypPutInt16(colMedBuf)
	vals, rowMed, colMed := *valsBuf, *rowMedBuf, *colMedBuf
	for i, v := range g {
		vals[i] = int16(v)
	}
	for y := 0; y < h; y++ {
		trypRunningMedian(vals, y*w, 1, w, half, rowMed, &hist)
	}
	flat = make([]int16, w*h)
	for i := range vals {
		flat[i] = vals[i] - rowMed[i] + 256
	}
	for x := 0; x < w; x++ {
		trypRunningMedian(flat, x, w, h, half, colMed, &hist)
	}
	// Smooth background along columns: rowMed minus it is the horizontal
	// grid line profile. vals is no longer needed and holds it.
	rowBg := vals
	for x := 0; x < w; x++ {
		trypRunningMedian(rowMed, x, w, h, half, rowBg, &hist)
	}
	bg, cross = trypScratchInt16(w*h), trypScratchInt16(w*h)
	bgv, crossv := *bg, *cross
	for i := range flat {
		flat[i] -= colMed[i]
		bgv[i] = rowMed[i] + colMed[i] - 256
		hl, vl := rowMed[i]-rowBg[i], colMed[i]-256
		crossv[i] = min(max(hl, -hl), max(vl, -vl))
	}
	return flat, bg, cross
}

// trypanOccupied estimates the fraction of the field covered by cells,
// independently of the row/column medians (which follow the cells
// themselves once they fill more than half of a row): the background of
// each block of about 64 px is the mode of its grey levels, which stays at
// the background level until most of the block is covered, because cell
// pixels spread over many levels while background pixels cluster within
// the noise. Pixels departing from it by more than thr are occupied, except
// runs at least minRun long along a row or column: grid lines.
func trypanOccupied(g []byte, w, h int, thr float64, minRun int) float64 {
	const block = 64
	// One byte a pixel carries both verdicts: occBit (departs from the
	// block mode) and lineBit (part of a grid-line run).
	const occBit, lineBit = 1, 2
	occ := make([]byte, w*h)
	for by := 0; by < h; by += block {
		for bx := 0; bx < w; bx += block {
			x1, y1 := min(bx+block, w), min(by+block, h)
			var hist [256]int
			for y := by; y < y1; y++ {
				for x := bx; x < x1; x++ {
					hist[g[y*w+x]]++
				}
			}
			mode, best := 0, -1
			for v := range hist {
				s := 0
				for k := max(0, v-2); k <= min(255, v+2); k++ {
					s += hist[k]
				}
				if s > best {
					mode, best = v, s
				}
			}
			for y := by; y < y1; y++ {
				for x := bx; x < x1; x++ {
					if math.Abs(float64(int(g[y*w+x])-mode)) > thr {
						occ[y*w+x] = occBit
					}
				}
			}
		}
	}
	markRuns := func(start, step, count int) {
		run := 0
		for k := 0; k <= count; k++ {
			if k < count && occ[start+k*step]&occBit != 0 {
				run++
				continue
			}
			if run >= minRun {
				for j := k - run; j < k; j++ {
					occ[start+j*step] |= lineBit
				}
			}
			run = 0
		}
	}
	for y := 0; y < h; y++ {
		markRuns(y*w, 1, w)
	}
	for x := 0; x < w; x++ {
		markRuns(x, w, h)
	}
	n := 0
	for _, v := range occ {
		if v == occBit {
			n++
		}
	}
	return float64(n) / float64(w*h)
}

// trypanLineWindow is the length (pixels) of the running medians that
// follow grid lines: long against a cell, so a cell never fills half of it
// in sparse fields.
func trypanLineWindow(w, h int, sc trypanScale) int {
	win := int(0.4 * float64(min(w, h)))
	if sc.calibrated {
		win = max(win, int(4*sc.maxDiamPx))
	}
	return max(win, 31)
}

// trypanNoise is the camera noise, in grey levels: the robust standard
// deviation (1.4826·median absolute value) of differences between
// horizontal neighbours, divided by √2. Edges of cells and grid lines are
// outliers to the median, so crowded fields do not inflate it. Floored at
// one grey level.
func trypanNoise(g []byte, w, h int) float64 {
	var hist [256]int
	n := 0
	for y := 0; y < h; y++ {
		row := g[y*w : (y+1)*w]
		for x := 1; x < w; x++ {
			d := int(row[x]) - int(row[x-1])
			hist[max(d, -d)]++
			n++
		}
	}
	return math.Max(1, 1.4826*float64(stats.HistQuantileFloor(hist[:], n, 0.5))/math.Sqrt2)
}

// trypanFieldNoise is trypanNoise for whole fields, which can be crowded
// with sharp-edged cells wall to wall: there even the median neighbour
// difference lies on cell edges (a physgen field of 2500 cells: 8.4 grey
// levels against 3.7 in its empty gaps). The robust noise of each
// trypanNoiseBlock² tile is measured alone, and the field's noise is a
// low quantile of the tiles': the chamber shows between the cells.
func trypanFieldNoise(g []byte, w, h int) float64 {
	const b = trypanNoiseBlock
	if w < 2*b || h < 2*b {
		return trypanNoise(g, w, h)
	}
	var sig []int
	var hist [256]int
	for by := 0; by+b <= h; by += b {
		for bx := 0; bx+b <= w; bx += b {
			clear(hist[:])
			for y := by; y < by+b; y++ {
				row := g[y*w+bx : y*w+bx+b]
				for x := 1; x < b; x++ {
					d := int(row[x]) - int(row[x-1])
					hist[max(d, -d)]++
				}
			}
			sig = append(sig, stats.HistQuantileFloor(hist[:], b*(b-1), 0.5))
		}
	}
	return math.Max(1, 1.4826*float64(stats.QuantileFloor(sig, trypanNoiseQuantile))/math.Sqrt2)
}

// trypanNoiseBlock (pixels) and trypanNoiseQuantile: see trypanFieldNoise.
const (
	trypanNoiseBlock    = 16
	trypanNoiseQuantile = 0.2
)

// trypanSeeds places one seed per cell, in two steps:
//
//  1. trypanCoreSeeds: live cells first — each bright refractile core is
//     a seed, and cores of one clump are merged unless they lie well apart
//     with a neck of the distance map or dark rims between them (one cell
//     can show several bright specks);
//  2. trypanDistanceSeeds: the centres of inscribed discs (local maxima of
//     the distance map) seed the remaining cells; a maximum is dropped
//     when a core lies inside its inscribed disc (that cell is seeded
//     already) or when the straight path to a stronger maximum never dips
//     by the saddle depth — no neck, so the same cell (a cheap
//     approximation of h-maxima on these small fields).
func trypanSeeds(dist []float32, lab []int32, n int, flat, bg []int16, w, h int, sc trypanScale) []int32 {
	seeds := make([]int32, w*h)
	next, corePix := trypanCoreSeeds(seeds, dist, lab, flat, bg, w, h, sc)
	trypanDistanceSeeds(seeds, next, corePix, dist, lab, n, w, h, sc)
	return seeds
}

// Seeding constants (trypanSeeds).
const (
	// trypanCoreMergeRefRadii: bright cores closer than this many
	// refRadiusPx are one cell's specks, whatever lies between them.
	trypanCoreMergeRefRadii = 1.5
	// trypanSeedMinRadiusFrac: a distance maximum below this fraction of
	// the smallest cell's radius is a thin rim or neck, not a cell centre.
	trypanSeedMinRadiusFrac = 0.6
	// trypanSeedCompMaxFrac: nor is one below this fraction of its
	// component's largest inscribed radius.
	trypanSeedCompMaxFrac = 0.3
)

// trypanCore is one connected bright core: its pixels and the one with
// the largest distance to the background.
type trypanCore struct {
	pix  []int
	best int
}

// trypanBrightCores labels the pixels of the foreground components lab
// that rise above the background by trypanLiveBrightFrac of the headroom
// to white. cores[1..] are the components; scratch (w·h, any content) is
// used for the labels and left dirty.
func trypanBrightCores(scratch []int32, dist []float32, lab []int32, flat, bg []int16, w, h int) []trypanCore {
	core := make([]byte, w*h)
	for i, v := range flat {
		if lab[i] != 0 && trypanBrightCorePx(v, bg[i]) {
			core[i] = 1
		}
	}
	nc := morph.LabelComponentsInto(scratch, core, w, h)
	cores := make([]trypanCore, nc+1)
	for i, l := range scratch {
		if l == 0 {
			continue
		}
		c := &cores[l]
		if len(c.pix) == 0 || dist[i] > dist[c.best] {
			c.best = i
		}
		c.pix = append(c.pix, i)
	}
	return cores
}

// trypanBrightCorePx reports whether a pixel of flattened value v over
// background bg rises above it by trypanLiveBrightFrac of the headroom to
// white: part of a live cell's refractile centre.
func trypanBrightCorePx(v, bg int16) bool {
	return float64(v) > trypanLiveBrightFrac*float64(255-bg)
}

// trypanMergeCores groups the cores of one cell: two cores of the same
// component stay apart only when at least trypanCoreMergeRefRadii apart
// and separated by a neck of the distance map or by dark rims. Returns the
// union-find root of each core (cores below trypanMinCorePx are left
// alone).
func trypanMergeCores(cores []trypanCore, dist []float32, lab []int32, flat []int16, w int, sc trypanScale) func(int) int {
	nc := len(cores) - 1
	parent := newForest[int](nc)
	find := parent.find
	mergeDist := trypanCoreMergeRefRadii * sc.refRadiusPx
	rimDepth := trypanRimDepthFrac * 255
	// Cores by component, so large fields stay linear in the cell count.
	coresOf := map[int32][]int{}
	for a := 1; a <= nc; a++ {
		if len(cores[a].pix) >= trypanMinCorePx {
			l := lab[cores[a].best]
			coresOf[l] = append(coresOf[l], a)
		}
	}
	for a := 1; a <= nc; a++ {
		if len(cores[a].pix) < trypanMinCorePx {
			continue
		}
		for _, b := range coresOf[lab[cores[a].best]] {
			if b <= a {
				continue
			}
			pa, pb := cores[a].best, cores[b].best
			ax, ay, bx, by := float64(pa%w), float64(pa/w), float64(pb%w), float64(pb/w)
			ends := math.Min(float64(dist[pa]), float64(dist[pb]))
			neck := ends-minOnSegment(dist, w, ax, ay, bx, by) >= math.Max(trypanSaddleMin, trypanSaddleFrac*ends)
			// Two live cells that touch show their dark rims between the
			// cores, darker than the chamber background.
			rims := minOnSegmentInt16(flat, w, ax, ay, bx, by) < -rimDepth
			if math.Hypot(bx-ax, by-ay) < mergeDist || !(neck || rims) {
				parent[find(b)] = find(a)
			}
		}
	}
	return find
}

// trypanCoreSeeds is step 1 of trypanSeeds: it writes one seed label per
// group of merged bright cores into seeds (w·h, used as scratch first and
// cleared) and returns the last label used and the best pixel of each
// core, by foreground component.
func trypanCoreSeeds(seeds []int32, dist []float32, lab []int32, flat, bg []int16, w, h int, sc trypanScale) (int32, map[int32][]int) {
	// The core labels are needed only to gather the cores: seeds holds
	// them meanwhile and is cleared before the first seed is placed.
	cores := trypanBrightCores(seeds, dist, lab, flat, bg, w, h)
	clear(seeds)
	find := trypanMergeCores(cores, dist, lab, flat, w, sc)
	next := int32(0)
	groupSeed := map[int]int32{}
	corePix := map[int32][]int{}
	for a := 1; a < len(cores); a++ {
		if len(cores[a].pix) < trypanMinCorePx {
			continue
		}
		r := find(a)
		l, ok := groupSeed[r]
		if !ok {
			next++
			l = next
			groupSeed[r] = l
		}
		for _, p := range cores[a].pix {
			seeds[p] = l
		}
		corePix[lab[cores[a].best]] = append(corePix[lab[cores[a].best]], cores[a].best)
	}
	return next, corePix
}

// trypanDistMax is a local maximum of the distance map: pixel and value.
type trypanDistMax struct {
	p int
	d float32
}

// trypanDistanceMaxima lists the 8-neighbour local maxima of the distance
// map inside the foreground that are deep enough to be a cell centre
// (trypanSeedMinRadiusFrac, trypanSeedCompMaxFrac), strongest first.
func trypanDistanceMaxima(dist []float32, lab []int32, n, w, h int, sc trypanScale) []trypanDistMax {
	compMax := make([]float32, n+1)
	for i, l := range lab {
		if l != 0 && dist[i] > compMax[l] {
			compMax[l] = dist[i]
		}
	}
	minR := float32(sc.minDiamPx / 2 * trypanSeedMinRadiusFrac)
	var cands []trypanDistMax
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := y*w + x
			d := dist[p]
			if lab[p] == 0 || d < minR || d < trypanSeedCompMaxFrac*compMax[lab[p]] {
				continue
			}
			isMax := true
			for dy := -1; dy <= 1 && isMax; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h || (dx == 0 && dy == 0) {
						continue
					}
					if dist[yy*w+xx] > d {
						isMax = false
						break
					}
				}
			}
			if isMax {
				cands = append(cands, trypanDistMax{p, d})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].d > cands[j].d })
	return cands
}

// trypanDistanceSeeds is step 2 of trypanSeeds: a seed, numbered after
// next, at each distance maximum outside the seeded cores' inscribed
// discs with a neck to every stronger maximum kept in its component.
func trypanDistanceSeeds(seeds []int32, next int32, corePix map[int32][]int, dist []float32, lab []int32, n, w, h int, sc trypanScale) {
	kept := map[int32][]trypanDistMax{} // by component
	for _, c := range trypanDistanceMaxima(dist, lab, n, w, h, sc) {
		if seeds[c.p] != 0 {
			continue
		}
		l := lab[c.p]
		cx, cy := float64(c.p%w), float64(c.p/w)
		ok := true
		for _, q := range corePix[l] {
			if math.Hypot(float64(q%w)-cx, float64(q/w)-cy) < float64(c.d) {
				ok = false
				break
			}
		}
		depth := math.Max(trypanSaddleMin, trypanSaddleFrac*float64(c.d))
		for _, k := range kept[l] {
			if !ok {
				break
			}
			if float64(c.d)-minOnSegment(dist, w, cx, cy, float64(k.p%w), float64(k.p/w)) < depth {
				ok = false
			}
		}
		if ok {
			kept[l] = append(kept[l], c)
			next++
			seeds[c.p] = next
		}
	}
}

// minOnSegmentInt16 is minOnSegment for an int16 image.
func minOnSegmentInt16(f []int16, w int, ax, ay, bx, by float64) float64 {
	steps := int(math.Ceil(math.Hypot(bx-ax, by-ay)))
	low := math.Inf(1)
	for s := 0; s <= steps; s++ {
		t := float64(s) / float64(max(steps, 1))
		x, y := int(math.Round(ax+t*(bx-ax))), int(math.Round(ay+t*(by-ay)))
		low = math.Min(low, float64(f[y*w+x]))
	}
	return low
}

// minOnSegment is the lowest value of f on the straight segment between
// two pixels (ends included).
func minOnSegment(f []float32, w int, ax, ay, bx, by float64) float64 {
	steps := int(math.Ceil(math.Hypot(bx-ax, by-ay)))
	low := math.Min(float64(f[int(ay)*w+int(ax)]), float64(f[int(by)*w+int(bx)]))
	for s := 1; s < steps; s++ {
		t := float64(s) / float64(steps)
		x, y := int(math.Round(ax+t*(bx-ax))), int(math.Round(ay+t*(by-ay)))
		low = math.Min(low, float64(f[y*w+x]))
	}
	return low
}

// trypanFinish measures the flooded regions and keeps the cells, in steps:
//
//  1. trypanRegionPixels buckets the pixels of each region;
//  2. trypanMeasure computes each region's features (regions below
//     trypanBorderAreaFrac of the smallest cell are skipped unmeasured);
//  3. trypanAccept drops those outside the size bounds or not cell-like
//     (trypanIsCell, trypanIsFieldCell or the learned classifier) and
//     classifies the rest;
//  4. trypanRenumber numbers them 1..n in row-major order of their
//     centroids.
func trypanFinish(reg []int32, flat, bg []int16, dist []float32, fgThr float64, w, h int, sc trypanScale) ([]int32, []string, []trypanFeatures, []trypanSpeck) {
	start, order := trypanRegionPixels(reg)
	maxL := int32(len(start) - 2)
	minArea := math.Pi * sc.minDiamPx * sc.minDiamPx / 4
	patch := make([]float32, trypanPatchLen)
	vec := make([]float64, trypanCellVectorLen)
	var objs []trypanObject
	var specks []trypanSpeck
	vals := make([]int, 0, 256)
	for l := int32(1); l <= maxL; l++ {
		ps := order[start[l]:start[l+1]]
		if float64(len(ps)) < minArea*trypanBorderAreaFrac {
			continue
		}
		f := trypanMeasure(ps, flat, bg, dist, fgThr, w, h, &vals)
		if class, ok := trypanAccept(f, l, reg, flat, fgThr, w, h, sc, patch, vec); ok {
			objs = append(objs, trypanObject{f: f, old: l, class: class})
		} else if trypanSpeckCandidate(f, sc, fgThr) {
			specks = append(specks, trypanSpeck{pix: append([]int32(nil), ps...), f: f})
		}
	}
	labels, classes, feats := trypanRenumber(objs, reg, maxL)
	return labels, classes, feats, specks
}

// trypanObject is a kept region: its features, flood label and class.
type trypanObject struct {
	f     trypanFeatures
	old   int32
	class string
}

// trypanRegionPixels lists the pixels of each region of reg in raster
// order, bucketed by a counting sort into one buffer: region l owns
// order[start[l]:start[l+1]], for l = 1..len(start)−2.
func trypanRegionPixels(reg []int32) (start, order []int32) {
	maxL := int32(0)
	for _, l := range reg {
		maxL = max(maxL, l)
	}
	start = make([]int32, maxL+2)
	for _, l := range reg {
		if l != 0 {
			start[l+1]++
		}
	}
	for l := int32(1); l <= maxL; l++ {
		start[l+1] += start[l]
	}
	order = make([]int32, start[maxL+1])
	fill := append([]int32(nil), start[:maxL+1]...)
	for i, l := range reg {
		if l != 0 {
			order[fill[l]] = int32(i)
			fill[l]++
		}
	}
	return start, order
}

// Radial zones and extremes of trypanMeasure.
const (
	// trypanInnerZone: a live cell's centre, within this fraction of the
	// equivalent radius of the centroid.
	trypanInnerZone = 0.45
	// trypanRingZoneLo–Hi: its refractile rim, between these fractions.
	trypanRingZoneLo, trypanRingZoneHi = 0.6, 1.0
	// trypanExtremeDiv: bright and dark are the values 1/trypanExtremeDiv
	// (2 %) in from either end of the sorted grey levels, so single noisy
	// pixels do not decide.
	trypanExtremeDiv = 50
	// trypanBrightHeadroomFrac: brightFrac counts pixels above this
	// fraction of the headroom to white.
	trypanBrightHeadroomFrac = 0.5
	// trypanDegenerateElongation stands for a line one pixel wide (second
	// moment across it zero).
	trypanDegenerateElongation = 100
)

// trypanMeasure computes the features of the region with pixels ps (raster
// order). vals is scratch for the sorted grey levels.
func trypanMeasure(ps []int32, flat, bg []int16, dist []float32, fgThr float64, w, h int, vals *[]int) trypanFeatures {
	f := trypanFeatures{area: len(ps)}
	var sx, sy, sb, sf float64
	*vals = (*vals)[:0]
	for _, p := range ps {
		p := int(p)
		sx += float64(p % w)
		sy += float64(p / w)
		sb += float64(bg[p])
		sf += float64(flat[p])
		*vals = append(*vals, int(flat[p]))
		f.maxInscribed = math.Max(f.maxInscribed, float64(dist[p]))
		if x, y := p%w, p/w; x == 0 || y == 0 || x == w-1 || y == h-1 {
			f.border = true
			if x == w-1 || y == h-1 {
				f.farBorder = true
			}
		}
	}
	v := *vals
	sort.Ints(v)
	n := float64(len(ps))
	f.cx, f.cy = sx/n, sy/n
	f.inner, f.ring = trypanRadialZones(ps, flat, w, f.cx, f.cy)
	f.centreLift, f.annulusDepth = trypanCentreLift(ps, flat, w, f.cx, f.cy)
	f.headroom = 255 - sb/n
	f.meanFlat = sf / n
	var ss float64
	for _, x := range v {
		ss += (float64(x) - f.meanFlat) * (float64(x) - f.meanFlat)
	}
	f.std = math.Sqrt(ss / n)
	f.elongation, f.darkFrac = trypanShape(ps, flat, fgThr, w, f.cx, f.cy)
	f.bright = float64(v[len(v)-1-len(v)/trypanExtremeDiv])
	f.dark = float64(v[len(v)/trypanExtremeDiv])
	nb := 0
	for _, x := range v {
		if float64(x) > trypanBrightHeadroomFrac*f.headroom {
			nb++
		}
	}
	f.brightFrac = float64(nb) / n
	return f
}

// trypanRadialZones is the mean of flat in the inner zone and in the ring
// zone of a region centred on (cx, cy), radii relative to its equivalent
// radius (0 for an empty zone).
func trypanRadialZones(ps []int32, flat []int16, w int, cx, cy float64) (inner, ring float64) {
	req := math.Sqrt(float64(len(ps)) / math.Pi)
	var si, sr float64
	var ni, nr int
	for _, p := range ps {
		p := int(p)
		d := math.Hypot(float64(p%w)-cx, float64(p/w)-cy) / req
		switch {
		case d < trypanInnerZone:
			si += float64(flat[p])
			ni++
		case d >= trypanRingZoneLo && d <= trypanRingZoneHi:
			sr += float64(flat[p])
			nr++
		}
	}
	if ni > 0 {
		inner = si / float64(ni)
	}
	if nr > 0 {
		ring = sr / float64(nr)
	}
	return inner, ring
}

// trypanCentreLift is the mean of flat within trypanLiftCentreZone of
// the equivalent radius of (cx, cy) minus the mean of the darker of the
// annuli out to 2 and 3 times that, and that annulus' depth below the
// chamber (0 when it is not darker). A stained cell absorbs most where it
// is thickest, so its centre is its darkest part; a live cell is a phase
// object whose dark refractile rim, blurred inwards below focus, leaves
// the centre lighter than the annulus around it.
func trypanCentreLift(ps []int32, flat []int16, w int, cx, cy float64) (lift, depth float64) {
	req := math.Sqrt(float64(len(ps)) / math.Pi)
	var s [3]float64
	var n [3]int
	for _, p := range ps {
		p := int(p)
		z := int(math.Hypot(float64(p%w)-cx, float64(p/w)-cy) / req / trypanLiftCentreZone)
		if z < len(s) {
			s[z] += float64(flat[p])
			n[z]++
		}
	}
	if n[0] == 0 || n[1] == 0 || n[2] == 0 {
		return 0, 0
	}
	annulus := math.Min(s[1]/float64(n[1]), s[2]/float64(n[2]))
	return s[0]/float64(n[0]) - annulus, math.Max(0, -annulus)
}

// trypanShape is the elongation √(λ1/λ2) of the second moments about
// (cx, cy) and the fraction of pixels darker than −fgThr.
func trypanShape(ps []int32, flat []int16, fgThr float64, w int, cx, cy float64) (elongation, darkFrac float64) {
	var sxx, syy, sxy float64
	nd := 0
	for _, p := range ps {
		p := int(p)
		dx, dy := float64(p%w)-cx, float64(p/w)-cy
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
		if float64(flat[p]) < -fgThr {
			nd++
		}
	}
	n := float64(len(ps))
	darkFrac = float64(nd) / n
	tr, det := (sxx+syy)/n, (sxx*syy-sxy*sxy)/(n*n)
	disc := math.Sqrt(math.Max(0, tr*tr/4-det))
	if l2 := tr/2 - disc; l2 > 1e-9 {
		return math.Sqrt((tr/2 + disc) / l2), darkFrac
	}
	return trypanDegenerateElongation, darkFrac
}

// trypanAccept decides whether the measured region l is a counted cell
// and its class: size bounds, the chamber edge rule on whole fields, then
// the cell test of the path in use (kept candidates, learned ensemble,
// field rules or the classical logistic rule).
func trypanAccept(f trypanFeatures, l int32, reg []int32, flat []int16, fgThr float64, w, h int, sc trypanScale, patch []float32, vec []float64) (string, bool) {
	if !trypanInSizeBounds(f, sc) {
		return "", false
	}
	class := trypanClassify(f)
	if sc.grid {
		class = trypanClassifyField(f, fgThr)
	}
	switch {
	case sc.grid && f.farBorder:
		// Chamber rule: cells cut by the bottom or right edge belong
		// to the next field.
		return "", false
	case sc.keepCandidates:
	case sc.learned:
		trypanPatch(flat, reg, w, h, l, f.cx, f.cy, sc, patch)
		trypanCellVector(f, patch, w, h, sc, vec)
		if class = trypanLearnedClass(trypanEnsembleProbs(sc.ensemble, vec)); class == "" {
			return "", false
		}
	case sc.grid:
		if !trypanIsFieldCell(f, sc, fgThr) {
			return "", false
		}
	case !trypanIsCell(f, sc):
		return "", false
	}
	return class, true
}

// trypanInSizeBounds reports whether a region is within the user's size
// bounds: its largest inscribed disc and, unless cut by the image edge, its
// area at least the smallest cell's, its area at most the largest's.
func trypanInSizeBounds(f trypanFeatures, sc trypanScale) bool {
	minArea := math.Pi * sc.minDiamPx * sc.minDiamPx / 4
	maxArea := math.Pi * sc.maxDiamPx * sc.maxDiamPx / 4
	return f.maxInscribed >= sc.minDiamPx/2 && (f.border || float64(f.area) >= minArea) && float64(f.area) <= maxArea
}

// trypanRenumber writes the kept objects as labels 1..n in row-major order
// of their centroids, rounded to whole pixels so that tiny numeric
// differences cannot reorder labels.
func trypanRenumber(objs []trypanObject, reg []int32, maxL int32) ([]int32, []string, []trypanFeatures) {
	sort.SliceStable(objs, func(i, j int) bool {
		yi, yj := math.Round(objs[i].f.cy), math.Round(objs[j].f.cy)
		if yi != yj {
			return yi < yj
		}
		return math.Round(objs[i].f.cx) < math.Round(objs[j].f.cx)
	})
	newOf := make([]int32, maxL+1)
	classes := make([]string, len(objs))
	feats := make([]trypanFeatures, len(objs))
	for i, o := range objs {
		newOf[o.old] = int32(i + 1)
		feats[i] = o.f
		classes[i] = o.class
	}
	out := make([]int32, len(reg))
	for i, l := range reg {
		out[i] = newOf[l]
	}
	return out, classes, feats
}

// trypanCellWeights weigh how cell-like a candidate object is: a logistic
// model on size (in units of sc.refRadiusPx) and on contrast relative to
// the local background; trypanIsCell keeps objects with a positive score. Debris, grid-line remnants and
// out-of-focus ghosts are small, low-contrast or lack a dark rim. Weights
// were fitted by logistic regression on the objects of the 500
// brightfield-viability development images (candidate objects matched to
// annotated cells vs unmatched), 5-fold cross-validated by image: 93 %
// object accuracy against 73 % for keeping every candidate.
var trypanCellWeights = struct {
	bias, radius, logArea, dark, bright, mean, brightFrac, std, border,
	darkFrac, logElongation, peakToPeak float64
}{
	bias: -6.5376, radius: 0.7436, logArea: 1.7051, dark: 0.2202, bright: 1.6829,
	mean: -0.4251, brightFrac: -0.0905, std: 0.5634, border: -0.8893,
	darkFrac: 4.9859, logElongation: -2.6177, peakToPeak: -0.1146,
}

// trypanIsCell reports whether a candidate object counts as a cell.
func trypanIsCell(f trypanFeatures, sc trypanScale) bool {
	w := trypanCellWeights
	r0 := sc.refRadiusPx
	border := 0.0
	if f.border {
		border = 1
	}
	head := math.Max(20, f.headroom)
	s := w.bias +
		w.radius*f.maxInscribed/r0 +
		w.logArea*math.Log(float64(f.area)/(math.Pi*r0*r0)) +
		w.dark*f.dark/50 +
		w.bright*f.bright/head +
		w.mean*f.meanFlat/20 +
		w.brightFrac*f.brightFrac*10 +
		w.std*f.std/20 +
		w.border*border +
		w.darkFrac*f.darkFrac +
		w.logElongation*math.Log(math.Max(1, f.elongation)) +
		w.peakToPeak*(f.bright-f.dark)/head
	return s > 0
}

// trypanIsFieldCell is the cell test of calibrated whole fields, on what
// a cell looks like rather than on weights fitted to one set of crops:
//
//   - size: an equivalent diameter of at least trypanFieldMinCellUM
//     (cells are 8–25 µm; debris 1–6 µm) unless cut by the field edge;
//   - contrast: its centre or its rim (means, not extremes, so noise does
//     not lift a faint ghost) departs from the chamber by
//     trypanFieldContrast times the foreground threshold (faint ghosts,
//     out-of-focus debris and line remnants are weaker);
//   - shape: elongation below trypanFieldMaxElongation (line fragments,
//     scratches; a cell is at most slightly elliptical).
func trypanIsFieldCell(f trypanFeatures, sc trypanScale, fgThr float64) bool {
	return trypanFieldCellLook(f, sc, fgThr) && !trypanIsSpeck(f, sc)
}

// trypanFieldCellLook is trypanIsFieldCell without the speck test: size,
// contrast and shape.
func trypanFieldCellLook(f trypanFeatures, sc trypanScale, fgThr float64) bool {
	if f.maxInscribed < sc.minDiamPx/3 {
		return false
	}
	if !f.border && float64(f.area) < math.Pi*sc.minCellDiamPx*sc.minCellDiamPx/4 {
		return false
	}
	// A live cell's signature is also its bright centre against its dark
	// rim, whichever side of the chamber grey each lies on.
	contrast := math.Max(math.Abs(f.inner), math.Abs(f.ring))
	if !f.border {
		contrast = math.Max(contrast, f.inner-f.ring)
	}
	if contrast < trypanFieldContrast*fgThr {
		return false
	}
	return f.elongation < trypanFieldMaxElongation
}

// trypanIsSpeck reports whether an object is small, darkest in the middle
// and fading outwards: a blurred speck of debris by its grey look. A
// stained cell is a filled disc, nearly as dark at 0.6–1.0 of its radius
// as at its centre, but a small one blurred below focus fades like a
// speck; in colour fields its dye tells them apart (trypan_speck.go).
func trypanIsSpeck(f trypanFeatures, sc trypanScale) bool {
	return !f.border && 4*float64(f.area) < math.Pi*sc.specDiamPx*sc.specDiamPx && f.inner < 0 && f.ring > trypanFieldFlatTop*f.inner
}

// trypanFieldMinSideUM: a calibrated image whose shorter side spans less
// than this is a crop of a field, not a whole chamber field (a Neubauer
// medium square is 250 µm; whole fields at ×10 span 1–2 mm).
const trypanFieldMinSideUM = 250

// Bounds of trypanIsFieldCell.
const (
	trypanFieldMinCellUM     = 7
	trypanFieldContrast      = 1.5
	trypanFieldMaxElongation = 2.2
	// Objects below trypanFieldSpecUM across must be flat-topped (rim
	// mean at least trypanFieldFlatTop of the centre's departure) when
	// dark: debris is 1–6 µm and grows to 8–11 µm once blurred and
	// closed, the smallest cells are 8 µm.
	trypanFieldSpecUM  = 12
	trypanFieldFlatTop = 0.7
)

// trypanClassifyField calls a cell of a whole field live when its centre
// is not clearly darker than the chamber: an intact membrane excludes the
// dye, so the centre stays at or above the background (bright when in
// focus, near background when not) inside a dark refractile rim, while a
// stained cell is dark throughout. "Clearly" is a fraction
// trypanLiveCentreFrac of the rim's depth below the background, so that a
// pale stained cell (centre as dark as its rim) stays dead and a dim live
// centre (near background, rim much darker) stays live. Well below focus
// with a wide dark rim, a live cell is a dark disc throughout, yet its
// centre stays lighter than the annulus around it (trypanDefocusedLive),
// which a stained cell's never is. fgThr is the foreground threshold.
func trypanClassifyField(f trypanFeatures, fgThr float64) string {
	depth := math.Max(0, -math.Min(f.ring, f.inner))
	if f.inner > -trypanLiveCentreFrac*depth || f.bright > trypanLiveBrightFrac*f.headroom || trypanDefocusedLive(f, fgThr) {
		return models.ClassLive
	}
	return models.ClassDead
}

// trypanLiveCentreFrac: see trypanClassifyField.
const trypanLiveCentreFrac = 0.3

// trypanDefocusedLive reports whether a dark round object has a live
// cell's lighter centre (trypanCentreLift): lighter than its darker
// annulus by trypanLiftDepthFrac of that annulus' depth and by
// trypanLiftMinK foreground thresholds (noise in a small centre). Cells
// cut by the field edge (centroid off their centre) and elongated objects
// (two merged cells, whose centroid falls in the lighter gap between
// them) are left to the other rules. Physgen grey fields below focus, seeds
// 1–8: single dead cells lift 0.15 of their depth or less (90th
// percentile), single live ones 0.3–1.9 (median); seed-8 field 1 (focus
// −0.73): live centre −40, annulus −84, dead −84 and −82.
func trypanDefocusedLive(f trypanFeatures, fgThr float64) bool {
	return !f.border && f.elongation <= trypanLiftMaxElongation &&
		f.centreLift >= trypanLiftMinK*fgThr && f.centreLift >= trypanLiftDepthFrac*f.annulusDepth
}

// Bounds of trypanCentreLift and trypanDefocusedLive.
const (
	trypanLiftCentreZone    = 0.2
	trypanLiftDepthFrac     = 0.3
	trypanLiftMinK          = 2
	trypanLiftMaxElongation = 1.5
)

// trypanClassify calls a cell live when it has a bright refractile centre:
// intact membranes exclude the dye and focus light; dead cells take up the
// stain and stay darker than the background throughout.
func trypanClassify(f trypanFeatures) string {
	if f.bright > trypanLiveBrightFrac*f.headroom {
		return models.ClassLive
	}
	return models.ClassDead
}
