package cells

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"slices"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/analysis/internal/threshold"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// ErrNucleiInput is returned when the nuclei segmenter is handed Mats it
// cannot use (empty, wrong type, sizes that differ).
var ErrNucleiInput = errors.New("cells: invalid input for nuclei segmentation")

// Nuclei segmentation constants. Lengths are in units of the typical
// nucleus radius r estimated per image, so they scale with magnification.
const (
	nucleiBlankContrast      = 8.0  // grey levels between the 0.5th and 99.5th percentile below which a field is blank
	nucleiSmoothSigmaPx      = 1.0  // denoising before thresholding, px
	nucleiBackgroundQuantile = 0.3  // quantile of the signal taken as background level
	nucleiForegroundFrac     = 0.5  // foreground threshold: bg + this × (Otsu − bg)
	nucleiCoreFrac           = 0.2  // core level: Otsu + this × (component's 90th percentile − Otsu)
	nucleiHFrac              = 0.05 // h-maxima depth of core distance-transform peaks, × r
	nucleiEdgeFrac           = 0.4  // nucleus edge: bg + this × (its 95th percentile − bg)
	nucleiMinContrastFrac    = 0.6  // a nucleus must exceed its surroundings' median by this × (Otsu − bg)
	nucleiSplitAreaRatio     = 1.6  // objects above this × the median area are clump candidates
	nucleiSplitMaxSolidity   = 0.93 // ... if less convex than this
	nucleiSplitMaxParts      = 6    // at most this many nuclei per clump
	nucleiNeckDepthFrac      = 0.15 // a neck's concavities lie this × the typical equivalent radius inside the hull ...
	nucleiNeckMinDepthPx     = 1.0  // ... and at least this many px
	nucleiNeckMaxChordFrac   = 0.75 // a neck is no wider than this × the smaller piece's equivalent diameter
	nucleiNeckMinPieceFrac   = 0.4  // each piece of a neck cut holds at least this × the median area
	nucleiPairAreaRatio      = 1.0  // objects above this × the median area (and at most nucleiSplitAreaRatio) ...
	nucleiPairMaxSolidity    = 0.92 // ... less convex than this ...
	nucleiPairDepthFrac      = 0.1  // ... are cut only at a neck whose concavities lie this × the typical equivalent radius inside the hull ...
	nucleiPairMinDepthPx     = 0.5  // ... and at least this many px (a pixel-deep pinch on both sides is a neck: the chord and piece limits judge it) ...
	nucleiPairMinLargerFrac  = 0.7  // ... when the larger piece holds at least this × the median area (not two halves of one creased nucleus)
	nucleiMinAreaFrac        = 0.08 // objects below this × πr² are debris
	nucleiDebrisFrac         = 0.1  // on light backgrounds, objects below this × the area-weighted median area are debris
	nucleiSpeckFrac          = 0.25 // in fluorescence, objects below this × πr² (r: the typical inscribed radius) are specks: debris, or fragments of one cell
	nucleiBodyRatio          = 10.0 // foreground radius above this × the cores' radius: nuclei sit on a bright body (dev set: 1–4 without a body, 49 and 103 with) ...
	nucleiBodyOpenFrac       = 4.0  // ... removed by a top-hat of this × the cores' radius
	nucleiMergeMinNeck       = 0.9  // neighbouring regions merge when their neck is at least this × the smaller inscribed radius ...
	nucleiMergeMinSeam       = 0.6  // ... and the signal on their border reaches this × the dimmer one's peak (above bg) ...
	nucleiMergeMaxSingleFrac = 2.6  // ... or their union is convex and no larger than this × πr² (a fold across one large nucleus)
	nucleiMinAreaPx          = 6.0  // absolute floor for debris, px
	nucleiCrowdedFill        = 0.55 // foreground fraction above which touching nuclei cannot be separated reliably
	nucleiCrowdedSplitFrac   = 0.3  // share of nuclei that came from splitting featureless clumps
	nucleiBlurEdgeFrac       = 1.0  // out of focus: edges wider than this × r ...
	nucleiBlurEdgeMinPx      = 8.0  // ... and wider than this many px
	nucleiMarkerSigmaFrac    = 0.25 // the core distance transform is smoothed by this × r before its h-maxima ...
	nucleiMarkerSigmaMinPx   = 1.0  // ... and by at least this many px
	nucleiSeamSigmaPx        = 1.0  // smoothing of the signal before the seam is read, px (on top of nucleiSmoothSigmaPx)
	nucleiContrastMarginFrac = 1.0  // surroundings for the contrast test: bounding box grown by this × r
	nucleiCrowdedMinCount    = 10   // the split share flags crowding only from this many nuclei
)

// segmentNuclei finds nuclei in a fluorescence (DAPI/Hoechst: bright on
// dark) or brightfield/stained (dark on light) image and labels them 1..n
// in scan order, all of class nucleus.
//
// Options.NucleiMethod NucleiUNet segments the nucleus signal with the
// nuclei U-Net (see segmentNucleiLearned), falling back to the classical
// method below when the network cannot be loaded or the image is outside
// what it supports; NucleiClassical uses the classical method; NucleiMixed
// (the default, DefaultNucleiMethod) uses the network on unstained
// brightfield (grey, light background) and the classical method on
// fluorescence and stained sections, where it scored better on held-out
// images.
//
// Classical method ( every length is relative to the typical nucleus
// radius r measured in the image, so it holds across magnifications):
//
//  1. Nucleus signal S (0..255, bright = nucleus): polarity from the grey
//     histogram (median nearer the dark or the light end); brightest
//     channel for fluorescence, 255 − darkest channel on light backgrounds.
//     A field whose 0.5–99.5 % range is below 8 grey levels is blank.
//  2. Levels on S smoothed with σ = 1 px: background bg (30th percentile)
//     and Otsu's threshold; on grey light-background images (unstained
//     cells) three-class Otsu, nuclei being the darkest class and the
//     cytoplasm their background. Foreground: S > bg + ½(Otsu − bg), holes
//     filled.
//  3. Scale: r = median over foreground components of the largest
//     inscribed radius (maximum of the Euclidean distance transform); a
//     clump of touching nuclei still reports one nucleus' radius.
//     Nuclei inside a bright body (an embryo, a large cell): when the
//     foreground's radius exceeds 10 × that of the bright cores (step 4;
//     1–4 on ordinary dev images, 49 and 103 on embryos), the body is
//     removed by a top-hat (signal minus its grey opening by a disc of
//     4 core radii) and steps 2–6 run again on the result.
//  4. Splitting touching nuclei: markers are the h-maxima (h = 0.05 r) of
//     the smoothed distance transform of each component's bright core
//     (above Otsu + 0.2 × (its 90th percentile − Otsu)); a seeded
//     watershed of that relief divides the foreground. Neighbouring
//     regions are merged again when the shape shows no neck (foreground
//     distance transform on their border ≥ 0.9 × the smaller inscribed
//     radius) and the signal no dark seam (its border maximum ≥ 0.6 of the
//     dimmer region's height): texture and lobes split the core, not the
//     nucleus (see mergeShallowNecks). Without a neck, a dark seam does
//     not keep apart two regions whose union is convex (solidity ≥ 0.93)
//     and no larger than 2.6 πr²: a fold or cleft across one nucleus.
//     A nucleus dimmer than its clump's core level gets a core of its own
//     (addDimCores: pixels within 0.7 of the highest signal r/2 around,
//     above bg, in pieces of ≥ 0.1 πr² larger than any core they touch),
//     and two regions of ≥ 0.3 πr² each whose peaks (above bg) differ by
//     more than 1 : 0.65 are not merged: a dim nucleus pressed against a
//     bright one.
//  5. Edges: each nucleus keeps the pixels above bg + 0.4 × (its 95th
//     percentile − bg), so dim and bright nuclei are cut at the same
//     relative height (the half-maximum idea).
//  6. Clean-up: debris below max(6 px, 0.08 πr², calibrated minimum) is
//     dropped, as are objects whose mean exceeds the median of their
//     surroundings by less than 0.6 × (Otsu − bg) (cytoplasm, texture);
//     in fluorescence an object of ≥ 0.3 πr² (a whole nucleus, however
//     dim) needs only 0.35 × (Otsu − bg).
//     On light backgrounds, objects below 0.1 × the area-weighted median
//     area (the typical nucleus of this image) are debris. In fluorescence,
//     objects below 0.25 × πr_i² are specks, r_i being the area-weighted
//     median inscribed radius (clumps not yet split and specks do not move
//     it; nuclei of one field vary about 2× in area over the cell cycle).
//     Specks whose centres lie within 2 r_i of each other are the
//     fragments of one cell (apoptotic bodies, condensed chromosomes) and
//     count once when together they reach that area; lone ones are debris.
//     Objects touching the image border are kept: their visible part says
//     nothing about their size.
//     In fluorescence (grey, dark background; not on a bright body), an
//     object whose own signal holds two bodies of ≥ 0.25 × the median
//     area each, meeting at a level below 0.75 × the dimmer one's peak
//     (above bg), is cut between them (a watershed of the signal from the
//     bodies) when the foreground region it was trimmed from is less
//     convex than solidity 0.92: two nuclei that do not touch, bridged by
//     their blurred edges. A crease across one nucleus sags as deep but
//     leaves its outline convex (splitAtDimBridges).
//     Objects between 1 and 1.6 × the median area and less convex than
//     solidity 0.92 are cut in two only where the outline pinches on both
//     sides (a neck, as below, with concavities ≥ 0.1 × the typical
//     equivalent radius and ≥ 0.5 px deep) and the larger piece holds
//     ≥ 0.7 × the median area: a nucleus pressed against a smaller one is
//     no larger than the largest single nuclei, so only the neck between
//     two bodies tells them apart; an irregular or lobed single nucleus,
//     notched on one side at most, stays whole, and so does one creased
//     across its middle (two halves, each below 0.7 × the median).
//     Objects larger than 1.6 × the median area and less convex than
//     solidity 0.93 are clumps (on a bright body, after the top-hat, the
//     area-weighted median: yolk granules outnumber the nuclei there).
//     Where the outline pinches (a neck: a chord between concavities on
//     both sides, at most 0.75 × the smaller piece's equivalent diameter,
//     pieces ≥ 0.4 × the median area) the clump is cut there and each
//     piece judged again; without a neck it is split by k-means on pixel
//     coordinates into round(area ÷ median area) nuclei: touching nuclei
//     without a neck or dark seam are recognised only by their size.
//     In fluorescence (not on a bright body; median object radius at most
//     12 px, where blur hides the neck of a pair), an object of at least
//     1.2 × the median area that is more elongated (second-moment axes)
//     than 1.8 and than 1.55 × the image's median elongation, with an
//     area of at least 1.6 discs of its inscribed radius, is cut in two
//     across its long axis: two round nuclei pressed end to end without
//     neck or seam (splitElongated).
//
// QC flags: blank (no contrast), crowded (foreground above 55 % of the
// field, or more than 30 % of nuclei came from splitting featureless
// clumps), out_of_focus (median nucleus edge width, height ÷ boundary
// gradient, wider than both r and 8 px — conservative).
//
// References: Otsu, IEEE SMC 9:62 (1979); Vincent & Soille, IEEE PAMI
// 13:583 (1991) for watershed; Vincent, IEEE TIP 2:176 (1993) for
// h-maxima by reconstruction; Caicedo et al., Nat. Methods 16:1247 (2019)
// for the DSB2018 data and the F1@IoU 0.5 measure.
func segmentNuclei(src, gray gocv.Mat, cal models.Calibration, opt Options) (segmentation, error) {
	if gray.Empty() || gray.Type() != gocv.MatTypeCV8UC1 {
		return segmentation{}, fmt.Errorf("%w: grey image must be 8-bit single channel", ErrNucleiInput)
	}
	w, h := gray.Cols(), gray.Rows()
	if src.Empty() || src.Rows() != h || src.Cols() != w ||
		(src.Type() != gocv.MatTypeCV8UC1 && src.Type() != gocv.MatTypeCV8UC3) {
		return segmentation{}, fmt.Errorf("%w: source must be 8-bit grey or BGR of the grey image's size", ErrNucleiInput)
	}
	gb, sb := gray.ToBytes(), src.ToBytes()
	light := lightBackground(gb)
	sig := nucleusSignal(sb, gb, src.Channels(), light)
	// Stained sections are coloured; unstained brightfield cells are grey.
	colour := src.Channels() == 3 && meanSaturation(sb) > 20
	bounds := nucleusAreaBounds(cal, opt)
	var (
		lab     []int32
		n       int
		qc      []string
		learned bool
		err     error
	)
	method := opt.NucleiMethod
	if method == "" {
		method = DefaultNucleiMethod
	}
	switch method {
	case NucleiClassical, NucleiUNet, NucleiMixed:
	default:
		return segmentation{}, fmt.Errorf("%w %q (want %s, %s or %s)", ErrUnknownNucleiMethod, method, NucleiClassical, NucleiUNet, NucleiMixed)
	}
	if method == NucleiUNet || method == NucleiMixed && light && !colour {
		lab, n, qc, learned, err = segmentNucleiLearned(sig, w, h, light, colour, bounds, opt.NucleiModelPath)
		if err != nil {
			return segmentation{}, err
		}
	}
	if !learned {
		lab, n, qc, err = segmentNucleusSignal(sig, w, h, light, colour, bounds)
		if err != nil {
			return segmentation{}, err
		}
	}
	m, err := labelsMat(lab, w, h)
	if err != nil {
		return segmentation{}, err
	}
	classes := make([]string, n)
	for i := range classes {
		classes[i] = models.ClassNucleus
	}
	return segmentation{labels: m, classes: classes, qc: qc, lab: lab, sig: sig, light: light}, nil
}

// areaBounds are the accepted nucleus areas in px²; 0 means "automatic".
type areaBounds struct{ minPx, maxPx float64 }

// nucleusAreaBounds converts the diameter limits to areas when calibrated
// (defaults 3–40 µm); uncalibrated images rely on the per-image scale.
func nucleusAreaBounds(cal models.Calibration, opt Options) areaBounds {
	if !cal.Known() {
		return areaBounds{}
	}
	minD, maxD := opt.MinDiameterUM, opt.MaxDiameterUM
	if minD <= 0 {
		minD = 3
	}
	if maxD <= 0 {
		maxD = 40
	}
	disc := func(dUM float64) float64 { r := dUM / cal.PixelSizeUM / 2; return math.Pi * r * r }
	return areaBounds{minPx: disc(minD), maxPx: disc(maxD)}
}

// nucleusSignal returns a per-pixel nucleus signal on a 0..255 scale,
// bright where nuclei are; light says the background is light (see
// lightBackground). Bright-on-dark uses the brightest channel (a nuclear
// dye may sit in any one channel); dark-on-light uses the inverted darkest
// channel, the one the nuclear stain absorbs most.
func nucleusSignal(src, gray []byte, channels int, light bool) []float32 {
	out := make([]float32, len(gray))
	for i := range gray {
		var v byte
		switch {
		case channels == 3 && !light:
			v = max(src[3*i], src[3*i+1], src[3*i+2])
		case channels == 3 && light:
			v = 255 - min(src[3*i], src[3*i+1], src[3*i+2])
		case light:
			v = 255 - gray[i]
		default:
			v = gray[i]
		}
		out[i] = float32(v)
	}
	return out
}

// lightBackground reports whether the background is lighter than the
// objects: the median grey lies nearer the bright end of the histogram.
func lightBackground(gray []byte) bool {
	var hist [256]int
	for _, v := range gray {
		hist[v]++
	}
	q := func(p float64) float64 { return float64(stats.HistQuantileFloor(hist[:], len(gray), p)) }
	p1, p50, p99 := q(0.01), q(0.5), q(0.99)
	return p50-p1 > p99-p50 && p50 > 64
}

// segmentNucleusSignal segments the nucleus signal sig (w×h, 0..255,
// bright = nucleus) and returns labels 1..n in scan order, n and QC flags.
// light and colour describe the source: a grey image with a light
// background (unstained brightfield) has a third class, cytoplasm, between
// background and nuclei.
func segmentNucleusSignal(sig []float32, w, h int, light, colour bool, bounds areaBounds) ([]int32, int, []string, error) {
	return segmentNucleusSignalPass(sig, w, h, light, colour, bounds, true)
}

// segmentNucleusSignalPass is segmentNucleusSignal; flatten allows one
// more pass on the signal minus its opening when the nuclei sit on a
// bright body (see nucleiBodyRatio). The steps are those of
// segmentNuclei's doc, one function each.
func segmentNucleusSignalPass(sig []float32, w, h int, light, colour bool, bounds areaBounds, flatten bool) ([]int32, int, []string, error) {
	lab := make([]int32, w*h)
	q := signalQuantiles(sig)
	if q(0.995)-q(0.005) < nucleiBlankContrast {
		return lab, 0, []string{models.QCBlank}, nil
	}
	sm, err := gaussianBlur(sig, w, h, nucleiSmoothSigmaPx)
	if err != nil {
		return nil, 0, nil, err
	}
	// Step 2: levels and foreground.
	bg, tOtsu := nucleusLevels(sm, q, light, colour)
	if tOtsu <= bg {
		return lab, 0, []string{models.QCBlank}, nil
	}
	fg, nfg := nucleusForeground(sm, bg, tOtsu, w, h)
	// Step 3: scale.
	// Each mask is labelled and distance-transformed once; the steps
	// below share the results.
	dist := edt(fg, w, h)
	fgCC, nfgCC, fgAreas := components(fg, w, h)
	r := typicalRadius(fgCC, nfgCC, fgAreas, dist)
	core := nucleusCores(fgCC, nfgCC, sm, tOtsu)
	coreCC, ncoreCC, coreAreas := components(core, w, h)
	coreDist := edt(core, w, h)
	if flatten && !light {
		if rc := typicalRadius(coreCC, ncoreCC, coreAreas, coreDist); r > nucleiBodyRatio*rc {
			flat, err := removeBrightBody(sig, w, h, rc)
			if err != nil {
				return nil, 0, nil, err
			}
			return segmentNucleusSignalPass(flat, w, h, light, colour, bounds, false)
		}
	}
	added, err := addDimCores(core, coreCC, coreAreas, fg, sm, bg, r, w, h)
	if err != nil {
		return nil, 0, nil, err
	}
	if added {
		coreDist = edt(core, w, h) // the dim cores split too
	}
	// Step 4: split touching nuclei.
	ws, nm, err := splitTouchingNuclei(fg, dist, coreDist, sm, bg, r, w, h)
	if err != nil {
		return nil, 0, nil, err
	}
	if nm == 0 {
		return lab, 0, nil, nil
	}
	// Step 5: each nucleus' own edge.
	bridges := !light && !colour && flatten // fluorescence: nuclei may be bridged by their blurred edges
	var pre []int32
	if bridges {
		pre = slices.Clone(ws) // the regions before trimming: their outlines are the foreground's
	}
	trimToOwnEdge(ws, nm, sm, bg)
	// Step 6: clean-up.
	minArea := max(nucleiMinAreaPx, nucleiMinAreaFrac*math.Pi*r*r, bounds.minPx)
	n := relabelByArea(ws, lab, nm, minArea)
	wholeArea := math.Inf(1) // on light backgrounds cytoplasm makes nucleus-sized dim objects
	if !light {
		wholeArea = nucleiWholeAreaFrac * math.Pi * r * r
	}
	n = dropLowContrast(lab, n, sm, w, h, int(math.Ceil(nucleiContrastMarginFrac*r)), nucleiMinContrastFrac*(tOtsu-bg),
		wholeArea, nucleiWholeMinContrastFrac*(tOtsu-bg))
	if light {
		n = dropSmallRelative(lab, n, nucleiDebrisFrac)
	} else {
		n = groupFragments(lab, n, w, h, nucleiSpeckFrac)
	}
	if bridges {
		n = splitAtDimBridges(lab, n, w, sm, bg, pre)
	}
	// The body pass (flatten false) keeps yolk granules as small objects.
	n, split := splitOversized(lab, n, w, nucleiSplitAreaRatio, nucleiSplitMaxSolidity, nucleiSplitMaxParts, !flatten)
	if bridges {
		n = splitElongated(lab, n, w)
	}
	return lab, n, nucleiQC(sm, lab, n, split, nfg, bg, r, w, h), nil
}

// nucleusForeground returns the pixels of sm above bg + ½(tOtsu − bg),
// holes filled, and how many there were before filling. The threshold sits
// below Otsu so that dim nuclei and the soft edges of bright ones are
// kept; each object's own edge is set later relative to its own brightness.
func nucleusForeground(sm []float32, bg, tOtsu float32, w, h int) ([]bool, int) {
	t := bg + nucleiForegroundFrac*(tOtsu-bg)
	fg := make([]bool, len(sm))
	nfg := 0
	for i, v := range sm {
		if v > t {
			fg[i] = true
			nfg++
		}
	}
	fillHoles(fg, w, h)
	return fg, nfg
}

// nucleusCores returns each foreground component's bright core: the pixels
// above a per-component level between Otsu and the component's own 90th
// percentile. Touching nuclei meet where the signal dips, so their cores
// are separate or joined by a narrow neck.
// The components come as components(fg) returns them.
func nucleusCores(cc []int32, ncc int, sm []float32, tOtsu float32) []bool {
	per := make([][]float64, ncc+1)
	for i, l := range cc {
		if l > 0 {
			per[l] = append(per[l], float64(sm[i]))
		}
	}
	coreLevel := make([]float32, ncc+1)
	for l := 1; l <= ncc; l++ {
		coreLevel[l] = tOtsu + nucleiCoreFrac*(float32(percentile(per[l], 0.9))-tOtsu)
	}
	core := make([]bool, len(cc))
	for i, l := range cc {
		core[i] = l > 0 && sm[i] > coreLevel[l]
	}
	return core
}

// removeBrightBody returns sig minus its grey opening by a disc of
// nucleiBodyOpenFrac core radii rc (a top-hat, clipped at 0): nuclei inside
// a bright body (embryo, large cell) make the foreground the body, whose
// "radius" dwarfs that of the bright cores.
func removeBrightBody(sig []float32, w, h int, rc float64) ([]float32, error) {
	bgMap, err := openingBackground(sig, w, h, nucleiBodyOpenFrac*rc)
	if err != nil {
		return nil, err
	}
	flat := make([]float32, len(sig))
	for i := range sig {
		flat[i] = max(0, sig[i]-bgMap[i])
	}
	return flat, nil
}

// splitTouchingNuclei divides the foreground fg into one region per
// nucleus and returns the regions (labels 1..n, renumbered) and n.
// Markers are the h-maxima (h = nucleiHFrac·r) of the cores' distance
// transform coreDist smoothed by σ = r/4 (at least 1 px); a seeded
// watershed of that relief divides fg. Texture and lobes give a core
// several peaks, so neighbouring regions are merged again unless a neck
// (on the foreground distance transform dist) or a dark seam (on sm
// smoothed by 1 px) separates them (mergeShallowNecks).
func splitTouchingNuclei(fg []bool, dist, coreDist, sm []float32, bg float32, r float64, w, h int) ([]int32, int, error) {
	surf, err := gaussianBlur(coreDist, w, h, max(nucleiMarkerSigmaMinPx, nucleiMarkerSigmaFrac*r))
	if err != nil {
		return nil, 0, err
	}
	for i := range surf {
		if !fg[i] {
			surf[i] = 0
		}
	}
	markers, nm := hMaximaMarkers(surf, fg, w, h, float32(nucleiHFrac*r))
	if nm == 0 {
		return nil, 0, nil
	}
	relief := make([]float32, len(surf))
	for i, v := range surf {
		relief[i] = -v
	}
	ws := watershed(relief, markers, fg, w, h)
	seamSig, err := gaussianBlur(sm, w, h, nucleiSeamSigmaPx)
	if err != nil {
		return nil, 0, err
	}
	disc := math.Pi * r * r
	nm = mergeShallowNecks(ws, nm, dist, seamSig, bg, w, h, neckMerge{
		minNeck: nucleiMergeMinNeck, minSeam: nucleiMergeMinSeam,
		maxSingleArea: nucleiMergeMaxSingleFrac * disc, minSingleSolidity: nucleiSplitMaxSolidity,
		minWholeArea: nucleiWholeAreaFrac * disc, maxDimRatio: nucleiMergeMaxDimRatio,
	})
	return ws, nm, nil
}

// trimToOwnEdge clears the pixels of each region of ws (labels 1..n) below
// bg + nucleiEdgeFrac × (its 95th percentile of sm − bg): dim and bright
// nuclei get edges at the same relative level (the half-maximum idea).
func trimToOwnEdge(ws []int32, n int, sm []float32, bg float32) {
	per := make([][]float64, n+1)
	for i, l := range ws {
		if l > 0 {
			per[l] = append(per[l], float64(sm[i]))
		}
	}
	cut := make([]float32, n+1)
	for l := 1; l <= n; l++ {
		cut[l] = bg + nucleiEdgeFrac*(float32(percentile(per[l], 0.95))-bg)
	}
	for i, l := range ws {
		if l > 0 && sm[i] < cut[l] {
			ws[i] = 0
		}
	}
}

// nucleiQC returns the out_of_focus and crowded flags of a segmentation
// (see segmentNuclei): lab holds n nuclei of which split came from
// splitting featureless clumps; nfg is the foreground pixel count.
func nucleiQC(sm []float32, lab []int32, n, split, nfg int, bg float32, r float64, w, h int) []string {
	var qc []string
	if ew := edgeWidthPx(sm, lab, n, w, h, bg); ew > nucleiBlurEdgeFrac*r && ew > nucleiBlurEdgeMinPx {
		qc = append(qc, models.QCOutOfFocus)
	}
	if float64(nfg)/float64(w*h) > nucleiCrowdedFill || n >= nucleiCrowdedMinCount && float64(split) > nucleiCrowdedSplitFrac*float64(n) {
		qc = append(qc, models.QCCrowded)
	}
	return qc
}

// nucleusLevels returns the background level bg and the Otsu split tOtsu
// between background and nuclei of the smoothed signal sm (q: quantiles of
// the raw signal).
//
// Most of a field is background, so its level is a low quantile.
// Unstained brightfield cells have grey cytoplasm between white background
// and dark nuclei: there the upper of three Otsu classes is the nucleus and
// the middle class is its background.
func nucleusLevels(sm []float32, q func(float64) float64, light, colour bool) (bg, tOtsu float32) {
	tOtsu = threshold.Otsu(sm)
	bg = float32(q(nucleiBackgroundQuantile))
	if light && !colour {
		t1, t2 := threshold.Otsu3(sm)
		tOtsu = t2
		var sum, cnt float64
		for _, v := range sm {
			if v > t1 && v <= t2 {
				sum += float64(v)
				cnt++
			}
		}
		if cnt > 0 {
			bg = float32(sum / cnt)
		}
	}
	return bg, tOtsu
}

// signalQuantiles returns a quantile function (p in 0..1) of a 0..255
// signal, from its 256-bin histogram (no sorting of megapixel slices).
func signalQuantiles(sig []float32) func(p float64) float64 {
	var hist [256]int
	for _, v := range sig {
		hist[min(255, max(0, int(v)))]++
	}
	return func(p float64) float64 { return float64(stats.HistQuantileFloor(hist[:], len(sig), p)) }
}

// relabelByArea copies the objects of ws with at least minArea pixels into
// out, renumbered 1..n in scan order of their first pixel, and returns n.
func relabelByArea(ws, out []int32, nLabels int, minArea float64) int {
	area := make([]int, nLabels+1)
	for _, l := range ws {
		if l > 0 {
			area[l]++
		}
	}
	newID := make([]int32, nLabels+1)
	n := int32(0)
	for i, l := range ws {
		if l <= 0 || float64(area[l]) < minArea {
			out[i] = 0
			continue
		}
		if newID[l] == 0 {
			n++
			newID[l] = n
		}
		out[i] = newID[l]
	}
	return int(n)
}

// typicalRadius is the median over foreground components of their largest
// inscribed radius (distance-transform maximum): a clump of touching
// nuclei still has one nucleus' radius, so clumps barely bias it. The
// components (labels cc 1..n, areas) are components' of the foreground
// whose distance transform is dist.
func typicalRadius(cc []int32, n int, areas []int, dist []float32) float64 {
	peak := make([]float64, n+1)
	for i, l := range cc {
		if l > 0 {
			peak[l] = max(peak[l], float64(dist[i]))
		}
	}
	var radii []float64
	for l := 1; l <= n; l++ {
		if areas[l] >= 5 {
			radii = append(radii, peak[l])
		}
	}
	if len(radii) == 0 {
		return 2
	}
	return max(2, percentile(radii, 0.5))
}

// fillHoles sets background regions of fg that do not touch the border.
func fillHoles(fg []bool, w, h int) { morph.FillHoles(fg, w, h, w*h) }

// edgeWidthPx estimates how many pixels the edges of nuclei take to rise
// from background bg to the nucleus' own level: for each object, its
// height (95th percentile − bg) divided by the mean gradient magnitude of
// sm along its boundary; the median over objects. In focus it is a pixel
// or two whatever the magnification; defocus widens it towards the
// nucleus radius.
func edgeWidthPx(sm []float32, lab []int32, n, w, h int, bg float32) float64 {
	if n == 0 {
		return 0
	}
	gsum := make([]float64, n+1)
	gcnt := make([]float64, n+1)
	vals := make([][]float64, n+1)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			l := lab[i]
			if l <= 0 {
				continue
			}
			vals[l] = append(vals[l], float64(sm[i]))
			if lab[i-1] == l && lab[i+1] == l && lab[i-w] == l && lab[i+w] == l {
				continue
			}
			gx := float64(sm[i+1]-sm[i-1]) / 2
			gy := float64(sm[i+w]-sm[i-w]) / 2
			gsum[l] += math.Hypot(gx, gy)
			gcnt[l]++
		}
	}
	var widths []float64
	for l := 1; l <= n; l++ {
		if gcnt[l] == 0 || gsum[l] == 0 || len(vals[l]) == 0 {
			continue
		}
		widths = append(widths, (percentile(vals[l], 0.95)-float64(bg))/(gsum[l]/gcnt[l]))
	}
	return percentile(widths, 0.5)
}

// gaussianBlur smooths a float image with OpenCV's Gaussian filter.
func gaussianBlur(f []float32, w, h int, sigma float64) ([]float32, error) {
	return applyFloat32(f, w, h, func(in gocv.Mat, out *gocv.Mat) {
		gocv.GaussianBlur(in, out, image.Point{}, sigma, sigma, gocv.BorderReflect101)
	})
}

// applyFloat32 runs op on f as a w×h CV_32F Mat and returns op's output
// as a new slice. The input Mat is a view of f and the output Mat a view
// of the slice returned, so nothing is copied when op's output has the
// input's size (OpenCV writes into a destination of the right size and
// type); any other output is copied out of the Mat OpenCV allocated. The
// Mats live only inside this call.
func applyFloat32(f []float32, w, h int, op func(in gocv.Mat, out *gocv.Mat)) ([]float32, error) {
	if len(f) != w*h || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: %d values for a %d×%d image", ErrNucleiInput, len(f), w, h)
	}
	res := make([]float32, w*h)
	// The Mats keep pointers to Go memory after NewMatFromBytes returns; cgo
	// allows that only for pinned memory (and pinning keeps f alive until op
	// has read it).
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&f[0])
	pin.Pin(&res[0])
	in, err := float32View(f, w, h)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := float32View(res, w, h)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	op(in, &out)
	q, err := out.DataPtrFloat32()
	if err != nil {
		return nil, err
	}
	if len(q) == len(res) && &q[0] == &res[0] {
		return res, nil
	}
	return append([]float32(nil), q...), nil
}

// float32View returns a w×h CV_32F Mat over f's memory (no copy); f must
// be pinned and outlive it.
func float32View(f []float32, w, h int) (gocv.Mat, error) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV32F, b)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("%w: %d×%d float view: %v", ErrNucleiInput, w, h, err)
	}
	return m, nil
}

// labelsMat returns a new CV_32S Mat holding lab.
func labelsMat(lab []int32, w, h int) (gocv.Mat, error) {
	if len(lab) != w*h || w <= 0 || h <= 0 {
		return gocv.Mat{}, fmt.Errorf("%w: %d labels for a %d×%d image", ErrNucleiInput, len(lab), w, h)
	}
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV32S)
	p, err := m.DataPtrUint8()
	if err != nil || len(p) != 4*len(lab) {
		m.Close()
		return gocv.Mat{}, fmt.Errorf("cells: label image: %d bytes for %d labels (%v)", len(p), len(lab), err)
	}
	for i, v := range lab {
		binary.LittleEndian.PutUint32(p[4*i:], uint32(v))
	}
	return m, nil
}

// meanSaturation is the mean of max−min over the BGR channels (0..255):
// near 0 for grey images, tens for stained sections.
func meanSaturation(bgr []byte) float64 {
	var s float64
	for i := 0; i+2 < len(bgr); i += 3 {
		b, g, r := bgr[i], bgr[i+1], bgr[i+2]
		s += float64(max(b, g, r) - min(b, g, r))
	}
	return s / float64(max(1, len(bgr)/3))
}

// openingBackground returns the grey opening of f (w×h) by a disc of
// radiusPx: the background under objects narrower than the disc. It is
// computed on a copy shrunk by block minima so the disc is ~5 px wide in
// it, then enlarged back bilinearly: a smooth background needs no full
// resolution, and the cost stays flat whatever the radius. The block
// minimum makes the result a little lower than the exact opening.
func openingBackground(f []float32, w, h int, radiusPx float64) ([]float32, error) {
	fct := max(1, int(radiusPx/5))
	sw, sh := max(1, w/fct), max(1, h/fct)
	small, err := applyFloat32(f, w, h, func(in gocv.Mat, out *gocv.Mat) {
		// Shrink by block minima (erode, then sample): an average would fill
		// the gaps between packed nuclei and lift the background.
		block := gocv.GetStructuringElement(gocv.MorphRect, image.Point{X: fct, Y: fct})
		defer block.Close()
		eroded := gocv.NewMat()
		defer eroded.Close()
		gocv.Erode(in, &eroded, block)
		gocv.Resize(eroded, out, image.Point{X: sw, Y: sh}, 0, 0, gocv.InterpolationNearestNeighbor)
	})
	if err != nil {
		return nil, err
	}
	if len(small) != sw*sh {
		return nil, fmt.Errorf("%w: shrink gave %d values, want %d", ErrNucleiInput, len(small), sw*sh)
	}
	k := max(1, int(math.Round(radiusPx/float64(fct))))
	opened, err := applyFloat32(small, sw, sh, func(in gocv.Mat, out *gocv.Mat) {
		kernel := gocv.GetStructuringElement(gocv.MorphEllipse, image.Point{X: 2*k + 1, Y: 2*k + 1})
		defer kernel.Close()
		gocv.MorphologyEx(in, out, gocv.MorphOpen, kernel)
	})
	if err != nil {
		return nil, err
	}
	return resizeFloat(opened, sw, sh, w, h)
}
