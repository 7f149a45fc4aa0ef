package dermis

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/histocount/histocount/analysis/internal/threshold"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Stains understood by Measure.
const (
	StainHE     = models.StainHE
	StainSilver = models.StainSilver
	StainAuto   = "auto"
)

// Layer labels of Result.Labels.
const (
	LabelBackground = 0
	LabelCorneum    = 1
	LabelEpidermis  = 2
	LabelDermis     = 3
	LabelHypodermis = 4
)

// Sentinel errors.
var (
	ErrUnknownStain = errors.New("dermis: unknown stain")
	ErrBadImage     = errors.New("dermis: invalid image")
	// ErrBadOption is returned for a numeric option that is not finite or
	// outside the range a microscope section can have.
	ErrBadOption = errors.New("dermis: invalid option")
	// ErrLabelImage is returned for an input that is a mask or label image
	// (a handful of distinct colours), not a photographed section.
	ErrLabelImage = errors.New("dermis: input looks like a mask or label image, not a stained section")
)

// Bounds of the numeric options. The pixel size, given or read from the
// file, lies in models.MinSectionPixelSizeUM … MaxSectionPixelSizeUM
// (0.01–100 µm; models/bounds.go says why it is narrower than the file
// and flag ranges); the interval is at least one µm (one working pixel,
// see prepare) and at most 10 mm.
const (
	MinIntervalUM = 1
	MaxIntervalUM = 10000
)

// Options tune Measure. Zero values mean "automatic".
type Options struct {
	Stain       string  // "he", "silver" or "auto" (default)
	PixelSizeUM float64 // µm per input pixel; overrides the image calibration when > 0
	// PixelSizeSource says where PixelSizeUM came from, written to results
	// as the calibration source: models.CalibrationSourceFlag (when empty)
	// or CalibrationSourceManifest (the manifest runner).
	PixelSizeSource models.CalibrationSource
	// IntervalUM is the spacing of the perpendicular measurements along the
	// surface (default 50 µm; without calibration it is read as input px).
	IntervalUM float64
	Overlay    bool // render Result.Overlay
	Labels     bool // render Result.Labels
	// ClassicalLayers keeps the classical layer labels where the learned
	// classifier (layers_model.go) would replace them.
	ClassicalLayers bool
}

// Point is a position in input-image pixels.
type Point struct{ X, Y float64 }

// Measurement is one perpendicular measurement, in input pixels.
type Measurement struct {
	Surface     Point // on the fitted surface curve
	Normal      Point // unit vector into the tissue
	CorneumPx   float64
	EpidermisPx float64
	DermisPx    float64 // NaN when not measurable
	// Offsets along the normal from Surface to the tissue surface, the
	// epidermis top, the DEJ and the dermis end.
	TissueAt, EpidermisAt, DEJAt, DermisEndAt float64
	DermisLowerBound                          bool // ended at the tissue edge or image edge, not at fat
	offImage                                  bool // the dermis ran off the image
}

// Result is what Measure found in one section.
type Result struct {
	Section      models.DermisSection
	Measurements []Measurement
	// Boundaries as polylines in input pixels.
	// One polyline per stretch of skin surface (longest first); an
	// interrupted epidermis gives several.
	SurfaceCurves [][]Point // fitted skin surface
	DEJ           [][]Point // epidermis/dermis junction at the measurements
	DermisEnd     [][]Point // dermis/hypodermis (or tissue end) at the measurements
	Regions       [][]Point // outer rings of labelled regions, see RegionClasses
	RegionLabels  []uint8   // label of each ring in Regions
	Overlay       *image.RGBA
	Labels        *image.Gray // LabelBackground … LabelHypodermis, input size
}

// Measure segments the layers of one skin section and measures the
// epidermal and dermal thickness perpendicular to the skin surface.
func Measure(img *imageio.Image, opt Options) (*Result, error) {
	return MeasureContext(context.Background(), img, opt)
}

// validateOptions refuses numeric options that are not finite or outside
// the plausible range (see MinIntervalUM); zero means automatic.
func validateOptions(opt Options) error {
	bad := func(v, lo, hi float64) bool {
		return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (v > 0 && (v < lo || v > hi))
	}
	if bad(opt.PixelSizeUM, models.MinSectionPixelSizeUM, models.MaxSectionPixelSizeUM) {
		return fmt.Errorf("%w: pixel size %g µm (want %g–%g, or 0 for the image's calibration)", ErrBadOption, opt.PixelSizeUM, models.MinSectionPixelSizeUM, float64(models.MaxSectionPixelSizeUM))
	}
	if bad(opt.IntervalUM, MinIntervalUM, MaxIntervalUM) {
		return fmt.Errorf("%w: interval %g (want %g–%g µm, or px when uncalibrated; 0 for 50)", ErrBadOption, opt.IntervalUM, float64(MinIntervalUM), float64(MaxIntervalUM))
	}
	return nil
}

// MeasureContext is Measure that stops with ctx's error when ctx is
// cancelled; the long loops (normals along the surface) check it.
func MeasureContext(ctx context.Context, img *imageio.Image, opt Options) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := validateOptions(opt); err != nil {
		return nil, err
	}
	if img == nil || img.Width <= 0 || img.Height <= 0 || (img.Channels != 1 && img.Channels != 3) ||
		len(img.Pix) != img.Width*img.Height*img.Channels {
		return nil, ErrBadImage
	}
	switch opt.Stain {
	case "", StainAuto, StainHE, StainSilver:
	default:
		return nil, fmt.Errorf("%w %q (want he, silver or auto)", ErrUnknownStain, opt.Stain)
	}
	if img.Width < 32 || img.Height < 32 {
		return nil, fmt.Errorf("%w: %dx%d is too small for a section", ErrBadImage, img.Width, img.Height)
	}
	if labelLike(img) {
		return nil, ErrLabelImage
	}
	cal := img.Calibration
	implausibleCal := cal.Known() && (math.IsNaN(cal.PixelSizeUM) || cal.PixelSizeUM < models.MinSectionPixelSizeUM || cal.PixelSizeUM > models.MaxSectionPixelSizeUM)
	if implausibleCal {
		cal = models.Calibration{} // an absurd file calibration is not believed
	}
	cal = models.GivenCalibration(opt.PixelSizeUM, opt.PixelSizeSource).Or(cal)
	if opt.IntervalUM <= 0 {
		opt.IntervalUM = 50
	}
	s := &section{ctx: ctx, img: img, cal: cal, opt: opt}
	s.res = &Result{}
	sec := &s.res.Section
	sec.Status = models.StatusOK
	sec.Image = img.Info.Path
	sec.Input = img.Info
	sec.Calibration = cal
	sec.QC = append(sec.QC, img.QC...)
	if cal.Known() {
		sec.Unit = models.UnitUM
		sec.IntervalUM = opt.IntervalUM
	} else {
		sec.Unit = models.UnitPx
		sec.QC = append(sec.QC, models.QCNoCalibration)
	}
	if err := s.run(); err != nil {
		return nil, err
	}
	s.meansInPixels()
	return s.res, nil
}

// meansInPixels gives each layer its mean in input pixels beside the mean
// in Unit: the rounded µm mean over the pixel size, so that the px and µm
// figures of a section agree to their three decimals.
func (s *section) meansInPixels() {
	sec := &s.res.Section
	for _, l := range []*models.LayerThickness{&sec.Epidermis, &sec.Dermis} {
		l.MeanPx = l.Mean
		if sec.Unit == models.UnitUM {
			l.MeanPx = models.Round3(l.Mean / sec.Calibration.PixelSizeUM)
		}
	}
}

// section holds the working state of one Measure call. All maps are at
// working resolution (input / f).
type section struct {
	ctx context.Context
	img *imageio.Image
	cal models.Calibration
	opt Options
	res *Result

	f      int     // downsampling factor
	w, h   int     // working size
	umPx   float64 // µm per working pixel (0 uncalibrated)
	od     [3]*plane
	odSum  *plane
	stain  string
	tissue []bool // stained pixels
	filled []bool // tissue with vacuoles and small holes included
	glass  []bool
	vacuol []bool
	// flatVac: H&E adipocytes with a tinted interior (flatAdipocytes),
	// which segmentFat uses only when the vacuoles make no fat
	flatVac []bool
	// mergedVac: adipocytes split out of holes that failed the vacuole
	// test (splitMergedVacuoles), which segmentFat adds to a lobule they
	// border
	mergedVac []bool
	// flat: silver regions above the tissue threshold but as smooth as
	// glass (flatRegions); nil elsewhere
	flat []bool
	// wallThr is a sensitive stain threshold (glass + 4 noise SD) for
	// the thin septa between adipocytes.
	wallThr float32
	feat    *plane // smoothed epidermis feature (haematoxylin or darkness)
	// featThr is the threshold of the fine band on feat (0: none found).
	featThr float32
	epi     []bool
	epiBig  []bool // epidermis pieces of at least a tenth of the largest
	virtual bool   // the surface was laid along the image edge (virtualGlass)
	// Retries when no surface was found otherwise (hiddenSurface):
	// flatHE, H&E glass is also found by its smoothness (flatRegions);
	// deepCorneum, the epidermis may start deeper under the glass (scMax);
	// nearSurface, the tissue along a normal starts nearest the surface
	// point (nearestTissueStart); greyGlass, H&E tissue is told from
	// glass by its colour density (colourDensity), not its OD.
	flatHE, deepCorneum, nearSurface, greyGlass bool
	// sheetUsed: the H&E band was found at a cell's scale (segmentEpidermis)
	sheetUsed bool
	// epiDepth: distance (working px) inside the H&E sheet to its edge,
	// nil otherwise (lastDense)
	epiDepth []float32
	// nuclei: H&E nuclei (nuclearMask), nil otherwise (basalDEJ)
	nuclei []bool
	// basophilia is H/(H+E) smoothed, cornLevel the level between corneum
	// and epidermis on it (0: not used; topByColour)
	basophilia *plane
	cornLevel  float32
	fat        []bool
	labels     []uint8
	tEst       float64 // rough epidermal thickness, working px
	hConc      *plane  // haematoxylin (H&E) or darkness (silver) per pixel
	// surface marks the outline pixels chosen as skin surface; epiLimit is
	// the deepest an epidermis pixel may lie below it (0 = no limit).
	surface  []bool
	epiLimit float64
	// band marks where the epidermis may lie: from the surface to the
	// locally plausible DEJ depth (see markBand).
	band     []bool
	bandRuns []bandRun
	// epiMedian is the median measured epidermal thickness, working px.
	epiMedian float64
	eConc     *plane // eosin (H&E), nil for silver
	// foreign marks pixels whose colour is not a mix of the stains (ink).
	foreign []bool
}

func (s *section) px(um, fallback float64) float64 {
	if s.umPx > 0 {
		return um / s.umPx
	}
	return fallback
}

// cancelled reports whether the caller gave up; long loops poll it.
func (s *section) cancelled() bool { return s.ctx.Err() != nil }

func (s *section) run() error {
	s.prepare()
	sec := &s.res.Section
	s.detectStain()
	if s.cancelled() {
		return s.ctx.Err()
	}
	if !s.segmentTissue() {
		sec.QC = append(sec.QC, models.QCNoTissue)
		sec.Epidermis.Unit, sec.Dermis.Unit = sec.Unit, sec.Unit
		return s.render()
	}
	if s.focusPoor() {
		sec.QC = append(sec.QC, models.QCOutOfFocus)
	}
	s.segmentEpidermis()
	s.segmentFat()
	if s.cancelled() {
		return s.ctx.Err()
	}
	nQC := len(sec.QC)
	s.measureTwice(nQC)
	if s.untrusted() {
		s.hiddenSurface(nQC)
	}
	// No epidermis along any glass: a view cut inside the section. Lay
	// virtual glass along the image edge the epidermal sheet runs on, and
	// start again from the epidermis.
	if len(s.res.Measurements) == 0 && s.virtualGlass() {
		s.virtual = true
		s.restartMeasurement(nQC)
		sec.QC = append(sec.QC, QCNoGlassSurface)
	}
	if s.cancelled() {
		return s.ctx.Err()
	}
	s.flagImplausible()
	s.buildLabels()
	s.learnedLabels()
	s.fibresAndNuclei()
	if s.cancelled() {
		return s.ctx.Err()
	}
	return s.render()
}

// hiddenSurface retries a section on which no surface was found (no
// epidermis within a corneum's thickness of any glass) before the glass is
// taken to lie outside the view (virtualGlass): the glass may be in view
// but tinted, as dense as pale tissue once the brighter adipocyte
// interiors set the zero of OD (H&E: glass found by its smoothness, as on
// silver), or the epidermis found may start deeper under the glass than a
// corneum (a thick basket-weave corneum, pale upper layers: a deeper
// limit). A view tilted so that the surface runs out at one side has glass
// along the rest of it; laying virtual glass along an image edge instead
// measured along the wrong direction (physgen seed 12: dermis −27 %…−100 %).
// A first pass with a normal or two, or with layers out of range, is
// retried too (a sliver of glass at the edge of such a view: physgen seed
// 10 section 015); a retry then replaces it only when it measures more
// normals and is trusted. When no attempt does, the section is as before.
func (s *section) hiddenSurface(nQC int) {
	n0 := len(s.res.Measurements)
	type try struct{ flat, deep, near, grey bool }
	tries := []try{{deep: true}, {near: true}, {deep: true, near: true}}
	if s.eConc != nil {
		tries = []try{{flat: true}, {flat: true, deep: true}, {deep: true}, {near: true}, {flat: true, near: true},
			{grey: true}, {grey: true, deep: true}}
	}
	for _, t := range tries {
		if s.cancelled() {
			return
		}
		s.flatHE, s.deepCorneum, s.nearSurface, s.greyGlass = t.flat, t.deep, t.near, t.grey
		s.segmentTissue()
		s.restartMeasurement(nQC)
		n := len(s.res.Measurements)
		// After a first pass with none, any surface will do (the
		// alternative is a guessed one); after a few normals, only a
		// retry that measures more, plausibly, replaces them.
		if n > n0 && (n0 == 0 || !s.untrusted()) {
			return
		}
	}
	s.flatHE, s.deepCorneum, s.nearSurface, s.greyGlass = false, false, false, false
	s.segmentTissue()
	s.restartMeasurement(nQC)
}

// colourDensity is the OD the segmentation of tissue from glass works on:
// the summed OD, or with greyGlass (H&E only) the summed OD less its grey
// part (three times the least channel OD). Glass and adipocyte interiors
// may be tinted grey, absorbing all colours alike, while a pale eosin
// dermis absorbs green only; once the dermis's red and blue set the zero
// of OD, grey glass has the summed OD of pale dermis and makes no
// histogram peak of its own (physgen seed-6 H&E 004: glass 0.09–0.11,
// dermis 0.12; less the grey part 0.03 against 0.12).
func (s *section) colourDensity() *plane {
	if !s.greyGlass || s.eConc == nil {
		return s.odSum
	}
	p := newPlane(s.w, s.h)
	for i := range p.v {
		r, g, b := s.od[0].v[i], s.od[1].v[i], s.od[2].v[i]
		p.v[i] = r + g + b - 3*min(r, g, b)
	}
	return p
}

// minTrustedNormals is the fewest normals a measurement is trusted on
// without a retry (hiddenSurface): one or two normals are a sliver of
// surface at the edge of a view that hides the rest of it.
const minTrustedNormals = 3

// untrusted reports whether the measurement so far failed: too few normals
// or layers out of a skin's range.
func (s *section) untrusted() bool {
	return len(s.res.Measurements) < minTrustedNormals || s.implausible()
}

// restartMeasurement segments the epidermis and fat again (after the glass
// or the surface rules changed) and measures.
func (s *section) restartMeasurement(nQC int) {
	s.res.Section.QC = s.res.Section.QC[:nQC]
	s.resetMeasurements()
	s.epiMedian, s.epiLimit, s.band, s.surface = 0, 0, nil, nil
	s.segmentEpidermis()
	s.segmentFat()
	s.measureTwice(nQC)
}

// measureTwice measures once to learn the epidermal thickness, drops what
// is too deep or too thick to be epidermis, and measures again; QC flags
// after index nQC are those of the measurement.
func (s *section) measureTwice(nQC int) {
	s.measureThickness()
	if s.epiMedian > 0 {
		s.refineEpidermis()
		s.res.Section.QC = s.res.Section.QC[:nQC]
		s.resetMeasurements()
		s.measureThickness()
	}
}

// resetMeasurements clears what measureThickness wrote.
func (s *section) resetMeasurements() {
	sec := &s.res.Section
	s.res.Measurements, s.res.SurfaceCurves, s.res.DEJ, s.res.DermisEnd = nil, nil, nil, nil
	sec.StratumCorneum, sec.DermisLowerBound = nil, false
	sec.Epidermis, sec.Dermis = models.LayerThickness{Unit: sec.Unit}, models.LayerThickness{Unit: sec.Unit}
}

// prepare downsamples the input by area averaging to at most ~1 µm per
// working pixel and ~1.2 MP, then converts it to optical density.
func (s *section) prepare() {
	W, H := s.img.Width, s.img.Height
	f := 1
	if s.cal.Known() && s.cal.PixelSizeUM < 1 {
		f = int(math.Floor(1/s.cal.PixelSizeUM + 1e-9))
	}
	for (W/f)*(H/f) > 1_200_000 {
		f++
	}
	s.f = f
	w, h := W/f, H/f
	s.w, s.h = w, h
	if s.cal.Known() {
		s.umPx = s.cal.PixelSizeUM * float64(f)
	}
	ch := s.img.Channels
	mean := [3][]float32{make([]float32, w*h), make([]float32, w*h), make([]float32, w*h)}
	inv := 1 / float32(f*f)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var acc [3]float32
			for yy := y * f; yy < y*f+f; yy++ {
				row := s.img.Pix[(yy*W+x*f)*ch:]
				for xx := 0; xx < f; xx++ {
					if ch == 1 {
						g := float32(row[xx])
						acc[0] += g
						acc[1] += g
						acc[2] += g
					} else {
						acc[0] += float32(row[xx*3+2]) // R
						acc[1] += float32(row[xx*3+1])
						acc[2] += float32(row[xx*3])
					}
				}
			}
			for c := 0; c < 3; c++ {
				mean[c][y*w+x] = acc[c] * inv
			}
		}
	}
	flattenVignetting(&mean, w, h)
	flat, flatOK := flattenGradient(&mean, w, h)
	// Glass brightness per channel: a high percentile, so uneven
	// illumination and white balance cancel in the OD.
	s.odSum = newPlane(w, h)
	for c := 0; c < 3; c++ {
		sample := make([]float32, 0, len(mean[c])/7+1)
		for i := 0; i < len(mean[c]); i += 7 {
			sample = append(sample, mean[c][i])
		}
		i0 := float64(stats.QuantileFloor(sample, 0.995))
		// Tears or bubbles can be brighter than the glass; the flat
		// unstained blocks (glass, adipocyte interiors) are the zero of OD.
		if flatOK && flat[c] >= 0.8*i0 && flat[c] < i0 {
			i0 = flat[c]
		}
		if i0 < 120 {
			i0 = 255 // no glass in view
		}
		p := newPlane(w, h)
		for i, v := range mean[c] {
			od := -math.Log10(math.Max(float64(v), 1) / i0)
			if od < 0 {
				od = 0
			}
			p.v[i] = float32(od)
			s.odSum.v[i] += float32(od)
		}
		s.od[c] = p
	}
}

// Ruifrok & Johnston (2001) unit OD vectors (R, G, B).
var (
	vecHaem  = unit([3]float64{0.650, 0.704, 0.286})
	vecEosin = unit([3]float64{0.072, 0.990, 0.105})
)

func unit(v [3]float64) [3]float64 {
	n := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	return [3]float64{v[0] / n, v[1] / n, v[2] / n}
}

// deconvolve returns the stain amounts for the 3×3 system whose columns are
// a, b and their cross product (the residual channel).
func deconvolver(a, b [3]float64) [3][3]float64 {
	c := unit([3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]})
	m := [3][3]float64{{a[0], b[0], c[0]}, {a[1], b[1], c[1]}, {a[2], b[2], c[2]}}
	return inv3(m)
}

func inv3(m [3][3]float64) [3][3]float64 {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	var r [3][3]float64
	r[0][0] = (m[1][1]*m[2][2] - m[1][2]*m[2][1]) / det
	r[0][1] = (m[0][2]*m[2][1] - m[0][1]*m[2][2]) / det
	r[0][2] = (m[0][1]*m[1][2] - m[0][2]*m[1][1]) / det
	r[1][0] = (m[1][2]*m[2][0] - m[1][0]*m[2][2]) / det
	r[1][1] = (m[0][0]*m[2][2] - m[0][2]*m[2][0]) / det
	r[1][2] = (m[0][2]*m[1][0] - m[0][0]*m[1][2]) / det
	r[2][0] = (m[1][0]*m[2][1] - m[1][1]*m[2][0]) / det
	r[2][1] = (m[0][1]*m[2][0] - m[0][0]*m[2][1]) / det
	r[2][2] = (m[0][0]*m[1][1] - m[0][1]*m[1][0]) / det
	return r
}

// detectStain classifies the mean optical density of the stained pixels:
// H&E absorbs green most (eosin and haematoxylin both do); silver's
// yellow-brown ground absorbs blue most.
func (s *section) detectStain() {
	sec := &s.res.Section
	var m [3]float64
	n := 0
	for i, v := range s.odSum.v {
		if v > 0.25 {
			for c := 0; c < 3; c++ {
				m[c] += float64(s.od[c].v[i])
			}
			n++
		}
	}
	det := "unrecognised"
	if n > 0 && s.img.Channels == 3 {
		switch {
		case m[2] > m[1] && m[2] > m[0]:
			det = StainSilver
		case m[1] >= m[0] && m[1] >= m[2]:
			det = StainHE
		}
	}
	sec.StainDetected = det
	use := s.opt.Stain
	if use == "" || use == StainAuto {
		use = det
		if det == "unrecognised" {
			use = StainHE
			sec.QC = append(sec.QC, models.QCStainMismatch)
		}
	} else if det != use {
		sec.QC = append(sec.QC, models.QCStainMismatch)
	}
	s.stain = use
	sec.Stain = use
	w, h := s.w, s.h
	s.hConc = newPlane(w, h)
	if use == StainHE {
		s.eConc = newPlane(w, h)
		vh, ve := s.estimateStains()
		d := deconvolver(vh, ve)
		s.foreign = make([]bool, w*h)
		for i := range s.hConc.v {
			r, g, b := float64(s.od[0].v[i]), float64(s.od[1].v[i]), float64(s.od[2].v[i])
			s.hConc.v[i] = float32(d[0][0]*r + d[0][1]*g + d[0][2]*b)
			s.eConc.v[i] = float32(d[1][0]*r + d[1][1]*g + d[1][2]*b)
			// Colours far from the H–E plane (tissue-marking ink, pigment)
			// are not stain: the residual carries much of their OD.
			res := d[2][0]*r + d[2][1]*g + d[2][2]*b
			if n := math.Sqrt(r*r + g*g + b*b); n > 0.15 && math.Abs(res) > 0.2*n {
				s.foreign[i] = true
			}
		}
		// ink bleeds into the neighbouring pixels, mixed with stain
		s.foreign = morph(s.foreign, w, h, max(1, int(math.Round(s.px(4, 2)))), true)
		sec.FibreMeasure = "eosin_collagen"
	} else {
		copy(s.hConc.v, s.odSum.v)
		sec.FibreMeasure = "argyrophilic"
	}
}

// segmentTissue separates stained tissue from glass (Otsu on the smoothed
// optical density) and classifies unstained regions: the large ones
// touching the main glass are glass, small enclosed ones are vacuoles
// (adipocytes, vessel lumens, tears).
func (s *section) segmentTissue() bool {
	w, h := s.w, s.h
	sm := &plane{w: w, h: h, v: append([]float32(nil), s.colourDensity().v...)}
	gaussBlur(sm, 1)
	// Otsu splits glass from well-stained tissue, but pale loose dermis sits
	// between: cap the threshold a few noise SDs above the glass level.
	thr := threshold.Otsu(sm.v)
	// glass level: the histogram mode below the Otsu threshold; its noise
	// from the half-width of the peak's dark side.
	const bw = 0.005
	hist := make([]int, int(thr/bw)+2)
	for i := 0; i < len(sm.v); i += 2 {
		if v := sm.v[i]; v <= thr && v >= 0 {
			hist[int(v/bw)]++
		}
	}
	// OD is relative to the glass brightness (prepare), so the glass peak
	// is the lowest-OD peak of the histogram: the first local maximum
	// (5-bin smoothing) at least a fifth as high as the highest, or a pale
	// dermis filling most of the view would be taken for glass.
	hs := make([]float64, len(hist))
	for b := range hist {
		var a float64
		for k := max(0, b-2); k <= min(len(hist)-1, b+2); k++ {
			a += float64(hist[k])
		}
		hs[b] = a
	}
	gmax := 0.0
	for _, v := range hs {
		gmax = math.Max(gmax, v)
	}
	mb := 0
	for b := range hs {
		if hs[b] >= 0.2*gmax && (b == len(hs)-1 || hs[b] >= hs[b+1]) && (b == 0 || hs[b] >= hs[b-1]) {
			mb = b
			break
		}
	}
	g := (float32(mb) + 0.5) * bw
	// Noise of the smoothed OD on glass: differences between pixels 4
	// apart (uncorrelated after the blur) where both lie in the glass
	// peak; the peak's own width is no use when OD is clipped at 0.
	var dev []float32
	lim := g + 3*bw
	for i := 0; i+4 < len(sm.v); i += 3 {
		if a, b := sm.v[i], sm.v[i+4]; a <= lim && b <= lim && i%w+4 < w {
			dev = append(dev, float32(math.Abs(float64(a-b))))
		}
	}
	sd := float32(bw)
	if len(dev) > 50 {
		sd = 1.4826 * stats.QuantileFloor(dev, 0.5) / float32(math.Sqrt2)
	}
	s.wallThr = g + max(0.012, 5*sd)
	thr = min(thr, g+max(0.04, 6*sd))
	thr = max(thr, 0.04)
	s.tissue = make([]bool, w*h)
	n := 0
	for i, v := range sm.v {
		if v > thr {
			s.tissue[i] = true
			n++
		}
	}
	if float64(n) < 0.01*float64(w*h) {
		return false
	}
	// flatVac too: a retry with flat glass must not use the tinted
	// adipocytes of an earlier pass without it (flatAdipocytes)
	s.flat, s.flatVac = nil, nil
	flatGlass := s.eConc == nil || s.flatHE
	if flatGlass {
		s.flat = s.flatRegions(sm, g, sd)
		for i, f := range s.flat {
			if f {
				s.tissue[i] = false
			}
		}
	}
	s.classifyUnstained()
	if !flatGlass {
		s.flatAdipocytes(sm, g, sd)
	}
	s.filled = make([]bool, w*h)
	for i := range s.filled {
		s.filled[i] = !s.glass[i]
	}
	// drop specks of debris
	tl, ta, _ := components(s.filled, w, h)
	big := 0
	for _, a := range ta[1:] {
		big = max(big, a)
	}
	for i, l := range tl {
		if l != 0 && float64(ta[l]) < 0.002*float64(big) {
			s.filled[i] = false
			s.glass[i] = true
		}
	}
	return true
}

// flatRegions marks stained-looking regions as smooth as glass: tinted
// glass, or adipocyte interiors with a lilac ground, can lie above the
// tissue threshold when the fat interiors set the zero level, yet carry no
// fibres or nuclei (local SD at noise level, against ~0.04 in dermis).
// classifyUnstained then sorts them by shape like any unstained region:
// glass if large or running along the edge, vacuoles if round. Cores
// holding a square of flatCoreUM are kept, grown back to the walls over
// pixels no darker than the core's level plus a wall margin. Cores lie
// within flatLevelCaps tissue margins (segmentTissue's cap) of the glass.
func (s *section) flatRegions(sm *plane, g, sd float32) []bool {
	w, h := s.w, s.h
	n := w * h
	r := max(1, int(math.Round(s.px(2, 2))))
	m1 := &plane{w: w, h: h, v: append([]float32(nil), sm.v...)}
	m2 := newPlane(w, h)
	for i, v := range sm.v {
		m2.v[i] = v * v
	}
	boxBlur1(m1, r)
	boxBlur1(m2, r)
	lim := max(flatSDMin, flatSDNoise*sd)
	// only pale regions: a smooth, well-stained area (heavy blur) is
	// still tissue
	top := g + flatLevelCaps*max(0.04, 6*sd)
	flat0 := make([]bool, n)
	for i := range flat0 {
		va := m2.v[i] - m1.v[i]*m1.v[i]
		flat0[i] = s.tissue[i] && va < lim*lim && sm.v[i] < top
	}
	re := max(2, int(math.Round(s.px(flatCoreUM, 4))))
	core := morph(flat0, w, h, re, false)
	if !slices.Contains(core, true) {
		return nil
	}
	// the core's own level, spread to the rim it lost to the erosion and
	// the SD window
	lv, wt := newPlane(w, h), newPlane(w, h)
	for i, c := range core {
		if c {
			lv.v[i], wt.v[i] = sm.v[i], 1
		}
	}
	boxBlur1(lv, re+r+1)
	boxBlur1(wt, re+r+1)
	margin := max(0.012, 5*sd)
	out := make([]bool, n)
	for i := range out {
		if wt.v[i] > 1e-4 && sm.v[i] <= lv.v[i]/wt.v[i]+margin {
			out[i] = true
		}
	}
	return out
}

// flatAdipocytes finds H&E adipocytes whose interiors are tinted (a
// grey-lilac ground above the tissue threshold, so classifyUnstained saw
// no hole): the flat regions of flatRegions, sorted by shape a second time,
// keep the round compartments they form as flatVac. Only these are
// kept; the glass stays as the first pass found it, since on H&E a flat
// region taken for glass let the epidermal band lock onto a fold (physgen
// seed-9 H&E 012).
func (s *section) flatAdipocytes(sm *plane, g, sd float32) {
	flat := s.flatRegions(sm, g, sd)
	if flat == nil {
		return
	}
	tissue0, glass0, vac0, merged0 := s.tissue, s.glass, s.vacuol, s.mergedVac
	s.tissue = append([]bool(nil), tissue0...)
	for i, f := range flat {
		if f {
			s.tissue[i] = false
		}
	}
	s.flat = flat
	s.classifyUnstained()
	vac1 := s.vacuol
	s.flat, s.tissue, s.glass, s.vacuol, s.mergedVac = nil, tissue0, glass0, vac0, merged0
	// only segmentFat reads them; the tissue mask, which the epidermis is
	// found on, stays as it was
	s.flatVac = make([]bool, len(vac1))
	for i, v := range vac1 {
		s.flatVac[i] = v && flat[i] && !glass0[i] && !vac0[i]
	}
	// Adipocytes are 40–120 µm across; the flat specks that the pale
	// clefts of an H&E dermis leave between its fibres are 10–25 µm
	// (physgen seed-11 H&E 000/004 made fat of them): compartments under
	// 30 µm (equivalent diameter) are dropped.
	rMin := s.px(flatVacMinUM/2, 6)
	lab, area, _ := components(s.flatVac, s.w, s.h)
	for i, l := range lab {
		if l != 0 && float64(area[l]) < math.Pi*rMin*rMin {
			s.flatVac[i] = false
		}
	}
}

// Flat-region constants (see flatRegions): local OD SD below
// max(flatSDMin, flatSDNoise × glass noise SD) in cores holding a square
// of half-width flatCoreUM.
const (
	// flatVacMinUM: least equivalent diameter of a tinted H&E adipocyte
	flatVacMinUM = 30
	flatSDMin    = 0.004
	flatSDNoise  = 4
	flatCoreUM   = 5
	// tinted glass and lilac fat lie a little above the threshold
	flatLevelCaps = 8
)

// focusPoor flags sections whose tissue lacks fine detail: the mean
// absolute Laplacian of the optical density, relative to its mean, is low.
// classifyUnstained splits the unstained pixels into glass and vacuoles.
//
// Glass is where a disc of radius glassRadiusUM fits without touching any
// stained pixel (a morphological opening of the unstained mask), in
// regions larger than a vacuole. Pale dermis whose ground is nearly glass
// coloured still has nuclei or fibres every few tens of µm, so such a disc
// does not fit there and it stays tissue.
//
// Vacuoles are the unstained regions left, once gaps of up to ~2 µm in
// thin walls are closed, that are round: the largest inscribed disc has a
// radius of at least vacRoundness × the region's equivalent radius √(A/π).
// Adipocytes (polygons with thin septa) pass; the irregular spaces between
// fibres and nuclei of loose dermis do not.
func (s *section) classifyUnstained() {
	w, h := s.w, s.h
	n := w * h
	rg := s.px(glassRadiusUM, math.Max(6, 0.02*float64(min(w, h))))
	// Faint fibres and septa count: any pixel a few noise SDs above the
	// glass on a lightly smoothed image (see wallThr), in pieces larger
	// than noise specks.
	walls := &plane{w: w, h: h, v: append([]float32(nil), s.colourDensity().v...)}
	gaussBlur(walls, 0.7)
	wall := make([]bool, n)
	for i, v := range walls.v {
		wall[i] = (s.tissue[i] || v > s.wallThr) && (s.flat == nil || !s.flat[i])
	}
	if s.greyGlass && s.eConc != nil {
		s.addSepta(wall)
	}
	wl, wa, _ := components(wall, w, h)
	minSpeck := math.Max(6, s.px(3, 2)*s.px(3, 2))
	for i, l := range wl {
		if l != 0 && float64(wa[l]) < minSpeck && !s.tissue[i] {
			wall[i] = false
		}
	}
	// The discs may be centred up to rg outside the image (the glass goes
	// on beyond the edge), so a strip of glass thinner than a disc along
	// the image edge is still glass.
	pad := int(math.Ceil(rg)) + 1
	pw, ph := w+2*pad, h+2*pad
	wallP := make([]bool, pw*ph)
	for y := 0; y < h; y++ {
		copy(wallP[(y+pad)*pw+pad:(y+pad)*pw+pad+w], wall[y*w:(y+1)*w])
	}
	distStained := chamferDist(wallP, pw, ph)
	core := make([]bool, pw*ph)
	for i, d := range distStained {
		core[i] = float64(d) > rg
	}
	distCore := chamferDist(core, pw, ph)
	open := make([]bool, n)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			open[i] = !wall[i] && float64(distCore[(y+pad)*pw+x+pad]) <= rg+0.5
		}
	}
	lab, area, border := components(open, w, h)
	// Vacuoles are at most ~250 µm across; uncalibrated, at most 2 % of
	// the image. A thin strip of glass along the image edge can be smaller
	// than that: open regions touching the edge that hold four glass discs
	// are glass too (an adipocyte cut by the edge holds less).
	maxVac := 0.02 * float64(n)
	if s.umPx > 0 {
		maxVac = math.Min(maxVac*4, math.Pi*125*125/(s.umPx*s.umPx))
	}
	// ... and more than three times the largest enclosed one (adipocytes
	// cut by the edge are no larger than whole ones)
	minEdgeGlass := 4 * math.Pi * rg * rg
	for l := 1; l < len(area); l++ {
		if !border[l] && float64(area[l]) <= maxVac {
			minEdgeGlass = math.Max(minEdgeGlass, 3*float64(area[l]))
		}
	}
	// An open region that runs along the image edge, unbroken, for more
	// than a vacuole's diameter is a strip of glass however small its
	// area (a thin strip over a tilted section beside large adipocytes):
	// adipocytes cut by the edge meet it between septa. Silver only for
	// now: on H&E and PAS the glass this finds let the epidermal band
	// lock onto a fold (physgen seed-9 H&E 012 +21 → −69 %, randomised
	// pas_rand05 +11 → +31 %), which the virtual glass had hidden.
	run := edgeRuns(lab, len(area), w, h)
	maxVacD := 2 * math.Sqrt(maxVac/math.Pi)
	if s.eConc != nil {
		maxVacD = math.Inf(1)
	}
	s.glass = make([]bool, n)
	for i, l := range lab {
		if l != 0 && (float64(area[l]) > maxVac || (border[l] && (float64(area[l]) > minEdgeGlass || float64(run[l]) > maxVacD))) {
			s.glass[i] = true
		}
	}
	// unstained pixels right at the glass edge (within the closing) are glass
	nearGlass := chamferDist(s.glass, w, h)
	// A strip of glass along the image edge that is a little darker than
	// the rest (the illumination falls off at the edge) holds no disc; in an
	// unstained region touching both the glass and the image edge, pixels
	// within a disc radius of both are glass.
	unst := make([]bool, n)
	for i := range unst {
		unst[i] = !s.tissue[i] && !s.glass[i]
	}
	ul, ua, ub := components(unst, w, h)
	touch := make([]bool, len(ua))
	for i, l := range ul {
		if l != 0 && nearGlass[i] <= 1.5 {
			touch[l] = true
		}
	}
	for i, l := range ul {
		x, y := i%w, i/w
		edge := float64(min(x, y, w-1-x, h-1-y))
		if l != 0 && touch[l] && ub[l] && float64(nearGlass[i]) <= rg && edge <= rg {
			s.glass[i] = true
		}
	}
	nearGlass = chamferDist(s.glass, w, h)
	cr := max(1, int(math.Round(s.px(1.5, 1))))
	closed := morph(morph(wall, w, h, cr, true), w, h, cr, false)
	hole := make([]bool, n)
	for i := range hole {
		if s.tissue[i] || s.glass[i] {
			continue
		}
		if nearGlass[i] <= float32(cr)+1 && !closed[i] {
			s.glass[i] = true
			continue
		}
		hole[i] = !closed[i]
	}
	s.vacuol = make([]bool, n)
	minVac := s.px(15, 2) // smaller gaps are texture, not vacuoles
	hl, ha, _ := components(hole, w, h)
	inner := insideDist(hole, w, h)
	maxIn := make([]float32, len(ha))
	for i, l := range hl {
		if l != 0 {
			maxIn[l] = max(maxIn[l], inner[i])
		}
	}
	for i, l := range hl {
		if l == 0 {
			continue
		}
		a := float64(ha[l])
		if a < minVac*minVac || a > maxVac {
			continue
		}
		if roundHole(float64(maxIn[l]), a) {
			s.vacuol[i] = true
		}
	}
	s.splitMergedVacuoles(hl, ha, inner, maxIn, maxVac)
	// holes that are not vacuoles (spaces in loose dermis) are tissue too
}

// splitMergedVacuoles finds adipocytes among the holes that failed the
// vacuole test: neighbours whose septum broke (blur, a faint wall) merge
// into one hole too large or not round, often with a dermal cleft along
// the lobule's top (physgen seed-13 H&E 008: the top row of a lobule, 26000
// px, inscribed radius 36 of equivalent 91), and the fat then began a row
// lower. Eroded by a fraction of its inscribed radius such a hole falls
// apart into round cores at the cells' centres, while the thin necks and
// clefts vanish; the pixels within the erosion depth of a round core are
// mergedVac. Holes without an adipocyte-sized inscribed disc are left.
// The pale patches of an H&E dermis split the same way, so these are
// only candidates: segmentFat keeps those that border a lobule.
func (s *section) splitMergedVacuoles(hl []int32, ha []int, inner, maxIn []float32, maxVac float64) {
	w, h := s.w, s.h
	rMin := s.px(mergedVacMinUM, 8)
	minVac := s.px(15, 2)
	rE := make([]float32, len(ha))
	found := false
	for l := 1; l < len(ha); l++ {
		a := float64(ha[l])
		rejected := a > maxVac || (a >= minVac*minVac && !roundHole(float64(maxIn[l]), a))
		if rejected && float64(maxIn[l]) >= rMin {
			rE[l] = max(float32(s.px(6, 3)), mergedVacErode*maxIn[l])
			found = true
		}
	}
	s.mergedVac = nil
	if !found {
		return
	}
	// cores must be clear: the flat regions taken out of the tissue
	// (flatRegions) are tinted, pale dermal patches among them (physgen
	// seed-13 H&E 020), and tinted adipocytes have their own rule
	// (flatAdipocytes)
	core := make([]bool, w*h)
	for i, l := range hl {
		core[i] = l != 0 && rE[l] > 0 && !s.vacuol[i] && inner[i] > rE[l] && (s.flat == nil || !s.flat[i])
	}
	cl, ca, _ := components(core, w, h)
	cIn := make([]float32, len(ca))
	for i, l := range cl {
		if l != 0 {
			cIn[l] = max(cIn[l], inner[i]-rE[hl[i]])
		}
	}
	keep := make([]bool, w*h)
	for i, l := range cl {
		if l != 0 && ca[l] >= 4 && roundHole(float64(cIn[l]), float64(ca[l])) {
			keep[i] = true
		}
	}
	d := chamferDist(keep, w, h)
	s.mergedVac = make([]bool, w*h)
	for i, l := range hl {
		if l != 0 && rE[l] > 0 && d[i] <= rE[l]+1 {
			s.mergedVac[i] = true
		}
	}
}

// roundHole: a hole of area px² whose largest inscribed radius is inR
// is round enough for one adipocyte (a disc's inscribed radius is
// √(area/π)).
func roundHole(inR, area float64) bool {
	return inR >= vacRoundness*math.Sqrt(area/math.Pi)
}

const (
	// mergedVacMinUM: least inscribed radius of a hole that may hold
	// merged adipocytes (physgen and real adipocytes are 40–150 µm
	// across); mergedVacErode: erosion depth ÷ that radius
	mergedVacMinUM = 15
	mergedVacErode = 0.35
	// mergedVacBorderUM: how near the fat a split adipocyte must come
	// (a septum and the fat mask's smoothing)
	mergedVacBorderUM = 6
)

// addSepta marks as walls the thin lines that stand out of their
// surroundings on the summed OD. Adipocyte septa of a greyish H&E can fade
// into the grey-glass level on the colour density (greyGlass), and a
// lobule without walls would be one large clear region, taken for glass
// (physgen seed-9 H&E 012); glass itself is featureless and gains none.
func (s *section) addSepta(wall []bool) {
	w, h := s.w, s.h
	fine := &plane{w: w, h: h, v: append([]float32(nil), s.odSum.v...)}
	gaussBlur(fine, 0.7)
	bg := &plane{w: w, h: h, v: append([]float32(nil), fine.v...)}
	boxBlur1(bg, max(2, int(math.Round(s.px(septumBgUM, 4)))))
	for i, v := range fine.v {
		if v-bg.v[i] > septumContrast {
			wall[i] = true
		}
	}
}

const (
	// septumBgUM: half-width of the surroundings a septum is compared
	// with; septumContrast: how much denser (summed OD) than them it is
	// (a few glass noise SDs of physgen and real H&E)
	septumBgUM     = 5
	septumContrast = 0.02
)

// edgeRuns returns, per label, its longest unbroken run of pixels along
// any of the four image edges (px).
func edgeRuns(lab []int32, nl, w, h int) []int {
	out := make([]int, nl)
	scan := func(n int, at func(k int) int32) {
		cur, l0 := 0, int32(0)
		for k := range n {
			l := at(k)
			if l != 0 && l == l0 {
				cur++
			} else {
				cur = 1
			}
			l0 = l
			if l != 0 {
				out[l] = max(out[l], cur)
			}
		}
	}
	scan(w, func(k int) int32 { return lab[k] })
	scan(w, func(k int) int32 { return lab[(h-1)*w+k] })
	scan(h, func(k int) int32 { return lab[k*w] })
	scan(h, func(k int) int32 { return lab[k*w+w-1] })
	return out
}

// Glass and vacuole shape constants (see classifyUnstained).
const (
	glassRadiusUM = 30  // a glass region holds a disc of this radius
	vacRoundness  = 0.5 // inscribed radius ÷ equivalent radius of a vacuole
)

func (s *section) focusPoor() bool {
	w, h := s.w, s.h
	var lap, od float64
	n := 0
	for y := 1; y < h-1; y += 2 {
		for x := 1; x < w-1; x += 2 {
			i := y*w + x
			if !s.tissue[i] {
				continue
			}
			v := s.odSum.v
			lap += math.Abs(float64(4*v[i] - v[i-1] - v[i+1] - v[i-w] - v[i+w]))
			od += float64(v[i])
			n++
		}
	}
	if n < 100 || od == 0 {
		return false
	}
	return lap/od < 0.05
}

// estimateStains adapts the haematoxylin and counterstain OD vectors to the
// slide (Macenko et al. 2009): the stained pixels' OD spans a plane, whose
// two principal axes are found from the 3×3 OD scatter matrix; the stain
// vectors are the directions at the 1st and 99th percentile of the angle
// within that plane. The bluer-absorbing one (larger red OD share) is
// haematoxylin. Each is kept only within 30° of its Ruifrok & Johnston
// reference, so eosin, phloxine or PAS magenta all work and a slide with
// only one stain falls back to the references. Slides already on the
// reference H–E plane (median residual < 8 % of the OD) keep the
// references.
//
// M. Macenko et al., "A method for normalizing histology slides for
// quantitative analysis", IEEE ISBI 2009, 1107–1110.
func (s *section) estimateStains() ([3]float64, [3]float64) {
	var sc [3][3]float64
	var od [][3]float64
	for i := 0; i < len(s.odSum.v); i += 3 {
		v := [3]float64{float64(s.od[0].v[i]), float64(s.od[1].v[i]), float64(s.od[2].v[i])}
		if t := v[0] + v[1] + v[2]; t < 0.25 || t > 4 {
			continue
		}
		od = append(od, v)
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				sc[a][b] += v[a] * v[b]
			}
		}
	}
	if len(od) < 500 {
		return vecHaem, vecEosin
	}
	// Slides whose OD lies on the reference H–E plane keep the reference
	// vectors: the percentiles would only chase outliers such as
	// tissue-marking ink.
	ref := deconvolver(vecHaem, vecEosin)
	rel := make([]float32, 0, len(od))
	for _, v := range od {
		res := ref[2][0]*v[0] + ref[2][1]*v[1] + ref[2][2]*v[2]
		rel = append(rel, float32(math.Abs(res)/math.Sqrt(dot3(v, v))))
	}
	if stats.QuantileFloor(rel, 0.5) < 0.08 {
		return vecHaem, vecEosin
	}
	e1, e2, ok := topEigen(sc)
	if !ok {
		return vecHaem, vecEosin
	}
	ang := make([]float32, len(od))
	for k, v := range od {
		ang[k] = float32(math.Atan2(dot3(v, e2), dot3(v, e1)))
	}
	lo, hi := float64(stats.QuantileFloor(ang, 0.01)), float64(stats.QuantileFloor(ang, 0.99))
	va := unit([3]float64{math.Cos(lo)*e1[0] + math.Sin(lo)*e2[0], math.Cos(lo)*e1[1] + math.Sin(lo)*e2[1], math.Cos(lo)*e1[2] + math.Sin(lo)*e2[2]})
	vb := unit([3]float64{math.Cos(hi)*e1[0] + math.Sin(hi)*e2[0], math.Cos(hi)*e1[1] + math.Sin(hi)*e2[1], math.Cos(hi)*e1[2] + math.Sin(hi)*e2[2]})
	if va[0]/va[1] < vb[0]/vb[1] {
		va, vb = vb, va
	}
	cos30 := math.Cos(30 * math.Pi / 180)
	vh, ve := vecHaem, vecEosin
	if dot3(va, vecHaem) > cos30 {
		vh = va
	}
	if dot3(vb, vecEosin) > cos30 {
		ve = vb
	}
	if dot3(vh, ve) > math.Cos(10*math.Pi/180) {
		return vecHaem, vecEosin // too close to separate
	}
	return vh, ve
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// topEigen returns the eigenvectors of the two largest eigenvalues of the
// symmetric matrix m (power iteration with deflation), each oriented to a
// positive component sum.
func topEigen(m [3][3]float64) ([3]float64, [3]float64, bool) {
	power := func(m [3][3]float64) ([3]float64, float64) {
		v := unit([3]float64{1, 1.1, 0.9})
		lam := 0.0
		for it := 0; it < 200; it++ {
			var u [3]float64
			for a := 0; a < 3; a++ {
				u[a] = m[a][0]*v[0] + m[a][1]*v[1] + m[a][2]*v[2]
			}
			n := math.Sqrt(dot3(u, u))
			if n == 0 {
				return v, 0
			}
			for a := range u {
				u[a] /= n
			}
			v, lam = u, n
		}
		return v, lam
	}
	v1, l1 := power(m)
	if l1 <= 0 {
		return v1, v1, false
	}
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			m[a][b] -= l1 * v1[a] * v1[b]
		}
	}
	v2, l2 := power(m)
	if l2 <= 1e-9*l1 {
		return v1, v2, false
	}
	if v1[0]+v1[1]+v1[2] < 0 {
		v1 = [3]float64{-v1[0], -v1[1], -v1[2]}
	}
	if v2[0]+v2[1]+v2[2] < 0 {
		v2 = [3]float64{-v2[0], -v2[1], -v2[2]}
	}
	return v1, v2, true
}

// flattenVignetting divides out a radial fall-off of the illumination
// (vignetting), I(ρ) = I0·exp(k·ρ) with ρ the squared distance from the
// image centre over the squared half-diagonal. k is fitted by least squares
// to the log brightness of glass blocks: blocks of the working image whose
// brightness is flat (coefficient of variation < 3 %) and that are no more
// than 5 % darker than the fit (iterated, so flat pale tissue drops out).
// Nothing changes unless at least 6 glass blocks spanning a range of radii
// give a fall-off of more than 3 % in the corners.
func flattenVignetting(mean *[3][]float32, w, h int) {
	bs := max(8, min(w, h)/20)
	cx, cy := float64(w)/2, float64(h)/2
	r2 := cx*cx + cy*cy
	type block struct{ rho, logB float64 }
	var bl []block
	for by := 0; by+bs <= h; by += bs {
		for bx := 0; bx+bs <= w; bx += bs {
			var sum, sq float64
			for y := by; y < by+bs; y++ {
				for x := bx; x < bx+bs; x++ {
					i := y*w + x
					b := float64(mean[0][i] + mean[1][i] + mean[2][i])
					sum += b
					sq += b * b
				}
			}
			n := float64(bs * bs)
			m := sum / n
			sd := math.Sqrt(math.Max(0, sq/n-m*m))
			if m < 3*60 || sd > 0.03*m {
				continue // tissue, or too dark to be glass
			}
			dx, dy := float64(bx)+float64(bs)/2-cx, float64(by)+float64(bs)/2-cy
			bl = append(bl, block{(dx*dx + dy*dy) / r2, math.Log(m)})
		}
	}
	var a, k float64
	use := make([]bool, len(bl))
	for i := range use {
		use[i] = true
	}
	for it := 0; it < 4; it++ {
		var n, sx, sy, sxx, sxy, lo, hi float64
		lo, hi = 1, 0
		for i, b := range bl {
			if !use[i] {
				continue
			}
			n++
			sx += b.rho
			sy += b.logB
			sxx += b.rho * b.rho
			sxy += b.rho * b.logB
			lo, hi = math.Min(lo, b.rho), math.Max(hi, b.rho)
		}
		if n < 6 || hi-lo < 0.15 {
			return
		}
		den := n*sxx - sx*sx
		if den <= 0 {
			return
		}
		k = (n*sxy - sx*sy) / den
		a = (sy - k*sx) / n
		for i, b := range bl {
			use[i] = b.logB > a+k*b.rho-math.Log(1/0.95)
		}
	}
	if k > -0.03 || k < -1.5 {
		return // no vignetting worth correcting, or an implausible fit
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			g := float32(math.Exp(-k * (dx*dx + dy*dy) / r2))
			i := y*w + x
			mean[0][i] *= g
			mean[1][i] *= g
			mean[2][i] *= g
		}
	}
}

// flattenGradient divides out a smooth illumination gradient across the
// view (uneven lamp, vignetting the radial model misses): log I is fitted
// by a quadratic in x and y to the log brightness of flat bright blocks
// (glass and the empty interiors of adipocytes: coefficient of variation
// < 3 %), iterated so that blocks more than 5 % off the fit (pale tissue,
// tears brighter than the glass) drop out. It returns the per-channel
// brightness of those blocks after the correction, the zero of optical
// density, and whether at least 12 blocks gave it. The gradient is applied
// only when it changes the brightness by 2–40 % across the view.
func flattenGradient(mean *[3][]float32, w, h int) ([3]float64, bool) {
	var lvl [3]float64
	bs := max(6, min(w, h)/40)
	type block struct {
		v    [6]float64 // 1, x, y, x², y², xy (x, y in −½…½)
		logB float64
		ch   [3]float64
	}
	var bl []block
	for by := 0; by+bs <= h; by += bs {
		for bx := 0; bx+bs <= w; bx += bs {
			var sum, sq float64
			var cs [3]float64
			for y := by; y < by+bs; y++ {
				for x := bx; x < bx+bs; x++ {
					i := y*w + x
					b := float64(mean[0][i] + mean[1][i] + mean[2][i])
					sum += b
					sq += b * b
					for c := 0; c < 3; c++ {
						cs[c] += float64(mean[c][i])
					}
				}
			}
			n := float64(bs * bs)
			m := sum / n
			sd := math.Sqrt(math.Max(0, sq/n-m*m))
			if m < 3*120 || sd > 0.03*m {
				continue
			}
			x := (float64(bx)+float64(bs)/2)/float64(w) - 0.5
			y := (float64(by)+float64(bs)/2)/float64(h) - 0.5
			bl = append(bl, block{[6]float64{1, x, y, x * x, y * y, x * y}, math.Log(m), [3]float64{cs[0] / n, cs[1] / n, cs[2] / n}})
		}
	}
	if len(bl) < 12 {
		return lvl, false
	}
	ls := make([]float32, len(bl))
	for i, b := range bl {
		ls[i] = float32(b.logB)
	}
	var coef [6]float64
	coef[0] = brightestMode(ls)
	fit := func(v [6]float64) float64 {
		f := 0.0
		for k := 1; k < 6; k++ {
			f += coef[k] * v[k]
		}
		return f
	}
	use := make([]bool, len(bl))
	tol := math.Log(1 / 0.95)
	for it := 0; it < 6; it++ {
		var ata [6][7]float64
		nUse := 0
		for i, b := range bl {
			use[i] = math.Abs(b.logB-coef[0]-fit(b.v)) <= tol
			if !use[i] {
				continue
			}
			nUse++
			for r := 0; r < 6; r++ {
				for c := 0; c < 6; c++ {
					ata[r][c] += b.v[r] * b.v[c]
				}
				ata[r][6] += b.v[r] * b.logB
			}
		}
		if nUse < 12 {
			return lvl, false
		}
		// a ridge keeps the terms the blocks do not constrain near zero
		for k := 1; k < 6; k++ {
			ata[k][k] += 1e-3 * float64(nUse)
		}
		sol, ok := solve6(ata)
		if !ok {
			return lvl, false
		}
		coef = sol
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, y := range []float64{-0.5, 0, 0.5} {
		for _, x := range []float64{-0.5, 0, 0.5} {
			f := fit([6]float64{1, x, y, x * x, y * y, x * y})
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
	}
	apply := hi-lo > 0.02 && hi-lo < 0.4
	if apply {
		for y := 0; y < h; y++ {
			yy := (float64(y)+0.5)/float64(h) - 0.5
			for x := 0; x < w; x++ {
				xx := (float64(x)+0.5)/float64(w) - 0.5
				g := float32(math.Exp(-fit([6]float64{1, xx, yy, xx * xx, yy * yy, xx * yy})))
				i := y*w + x
				mean[0][i] *= g
				mean[1][i] *= g
				mean[2][i] *= g
			}
		}
	}
	for c := 0; c < 3; c++ {
		var v []float32
		for i, b := range bl {
			if !use[i] {
				continue
			}
			g := 1.0
			if apply {
				g = math.Exp(-fit(b.v))
			}
			v = append(v, float32(b.ch[c]*g))
		}
		lvl[c] = float64(stats.QuantileFloor(v, 0.5))
	}
	return lvl, true
}

// brightestMode is the brightest peak of the histogram of block log
// brightness (2 % bins, 3-bin smoothing) at least a fifth as high as the
// highest: the glass and adipocyte interiors, not the flat pale tissue
// below them nor a few bright tears above.
func brightestMode(ls []float32) float64 {
	const bw = 0.02
	lo, hi := ls[0], ls[0]
	for _, v := range ls {
		lo, hi = min(lo, v), max(hi, v)
	}
	nb := int(float64(hi-lo)/bw) + 1
	hist := make([]float64, nb)
	for _, v := range ls {
		hist[int(float64(v-lo)/bw)]++
	}
	hs := make([]float64, nb)
	top := 0.0
	for b := range hist {
		for k := max(0, b-1); k <= min(nb-1, b+1); k++ {
			hs[b] += hist[k]
		}
		top = math.Max(top, hs[b])
	}
	for b := nb - 1; b >= 0; b-- {
		if hs[b] >= 0.2*top && (b == nb-1 || hs[b] >= hs[b+1]) && (b == 0 || hs[b] >= hs[b-1]) {
			return float64(lo) + (float64(b)+0.5)*bw
		}
	}
	return float64(stats.QuantileFloor(ls, 0.5))
}

// solve6 solves the 6×6 system in the augmented matrix a by Gaussian
// elimination with partial pivoting.
func solve6(a [6][7]float64) ([6]float64, bool) {
	var x [6]float64
	for c := 0; c < 6; c++ {
		p := c
		for r := c + 1; r < 6; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return x, false
		}
		a[c], a[p] = a[p], a[c]
		for r := c + 1; r < 6; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < 7; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	for r := 5; r >= 0; r-- {
		v := a[r][6]
		for k := r + 1; k < 6; k++ {
			v -= a[r][k] * x[k]
		}
		x[r] = v / a[r][r]
	}
	return x, true
}

// maxLabelColours is the most distinct colours a mask or label image has;
// a photographed (or rendered) section has thousands, from noise alone.
const maxLabelColours = 16

// labelLike reports whether img has between 2 and maxLabelColours distinct
// colours: a layer mask or label image given by mistake. A single colour
// is a blank slide, reported as no_tissue.
func labelLike(img *imageio.Image) bool {
	ch := img.Channels
	n := img.Width * img.Height
	step := max(1, n/200_000)
	seen := make(map[uint32]struct{}, maxLabelColours+1)
	for i := 0; i < n; i += step {
		var k uint32
		for c := 0; c < ch; c++ {
			k = k<<8 | uint32(img.Pix[i*ch+c])
		}
		seen[k] = struct{}{}
		if len(seen) > maxLabelColours {
			return false
		}
	}
	return len(seen) >= 2
}

// Plausible thickness ranges of human skin, µm. The living epidermis
// (corneum excluded) is a basal row plus a few spinous layers of 7–10 µm
// cells; even on the eyelid or in atrophic aged skin it keeps about
// 30 µm, so under minEpidermisUM (fewer than about three cell layers) the
// band was barely found, not measured (rodent epidermis, 10–20 µm, is
// flagged too).
const (
	minDermisUM    = 100
	minEpidermisUM = 20
	maxEpidermisUM = 400
	maxLayerUM     = 5000
)

// flagImplausible adds QC "implausible" when a measured thickness is one
// no skin section has, so it is never taken as a clean number.
func (s *section) flagImplausible() {
	if s.implausible() {
		s.res.Section.QC = append(s.res.Section.QC, models.QCImplausible)
	}
}

// implausible reports whether the layers measured are out of the range a
// skin section can have (flagImplausible).
func (s *section) implausible() bool {
	sec := &s.res.Section
	e, d := sec.Epidermis, sec.Dermis
	if e.N > 0 && d.N > 0 && d.Mean < e.Mean && !sec.DermisLowerBound {
		return true // dermis thinner than the epidermis above it
	}
	if sec.Unit == models.UnitUM {
		if d.N > 0 && d.Mean < minDermisUM {
			return true
		}
		if e.N > 0 && (e.Mean < minEpidermisUM || e.Mean > maxEpidermisUM) {
			return true
		}
		if d.Mean > maxLayerUM || e.Mean > maxLayerUM {
			return true
		}
	}
	return false
}
