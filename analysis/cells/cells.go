package cells

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvutil"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// Stains understood by Count.
const (
	StainTrypan       = "trypan"
	StainFluorescence = "fluorescence"
)

// ErrUnknownStain is returned for a stain Count does not know.
var ErrUnknownStain = errors.New("cells: unknown stain")

// Options tune Count. Zero values mean "automatic".
type Options struct {
	Stain       string  // StainTrypan or StainFluorescence
	PixelSizeUM float64 // µm per pixel; overrides the image's own calibration when > 0
	// PixelSizeSource says where PixelSizeUM came from, written to results
	// as the calibration source: models.CalibrationSourceFlag (when empty)
	// or CalibrationSourceManifest (the manifest runner).
	PixelSizeSource models.CalibrationSource
	Overlay         bool // render Result.Overlay
	Labels          bool // render Result.Labels
	// MinDiameterUM / MaxDiameterUM bound accepted objects when calibrated
	// (defaults: trypan 5–40 µm; nuclei 3–40 µm). Without calibration the
	// segmenters use their own pixel heuristics.
	MinDiameterUM float64
	MaxDiameterUM float64
	// NucleiMethod picks the fluorescence nuclei segmenter:
	// NucleiClassical (threshold and watershed), NucleiUNet (the embedded
	// network, classical fallback) or "" for the default, DefaultNucleiMethod.
	NucleiMethod string
	// NucleiModelPath, when set, replaces the embedded nuclei network with
	// this ONNX file (to evaluate a retrained model).
	NucleiModelPath string
	// TrypanCVFold, for cross-validation only: k in 1..5 classifies trypan
	// candidates with the classifier fitted without the development images
	// of fold k−1 (CRC32 of the truth.csv name mod 5); 0 the shipped one.
	TrypanCVFold int
}

// Result is what Count found in one image.
type Result struct {
	Live, Dead  int
	Objects     []models.CellObject
	QC          []string
	Calibration models.Calibration
	Overlay     *image.RGBA   // nil unless Options.Overlay
	Labels      *image.Gray16 // nil unless Options.Labels
	// Mitotic is the mitotic index from the DNA stain (fluorescent nuclei
	// on a dark background only, else nil); MitoticFeatures the measures
	// behind each nucleus' call, in label order.
	Mitotic         *models.MitoticSummary
	MitoticFeatures []MitoticFeatures
}

// Viability returns 100·live/(live+dead) in percent, 0 for no cells.
func Viability(live, dead int) float64 {
	if live+dead == 0 {
		return 0
	}
	return 100 * float64(live) / float64(live+dead)
}

// segmentation is what a stain-specific segmenter hands back: a CV_32S
// label image (0 background, 1..n objects, owned by the caller of the
// segmenter) and the class of each label (index label-1). lab, when set,
// holds the same labels as a slice, and the nuclei segmenter also hands
// over its nucleus signal and polarity (see segmentNuclei), so that the
// measurements and the mitotic call need not derive them again.
type segmentation struct {
	labels  gocv.Mat
	classes []string
	qc      []string
	lab     []int32
	sig     []float32
	light   bool
}

// Count segments, classifies and measures the cells of one decoded image.
func Count(img *imageio.Image, opt Options) (*Result, error) {
	if img == nil {
		return nil, cvutil.ErrBadImage
	}
	cal := models.GivenCalibration(opt.PixelSizeUM, opt.PixelSizeSource).Or(img.Calibration)
	src, err := cvutil.ToMat(img)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	gray, err := cvutil.Gray(src)
	if err != nil {
		return nil, err
	}
	defer gray.Close()

	var seg segmentation
	switch opt.Stain {
	case StainTrypan:
		seg, err = segmentTrypan(src, gray, cal, opt)
	case StainFluorescence:
		seg, err = segmentNuclei(src, gray, cal, opt)
	default:
		return nil, fmt.Errorf("%w %q (want %s or %s)", ErrUnknownStain, opt.Stain, StainTrypan, StainFluorescence)
	}
	if err != nil {
		return nil, err
	}
	defer seg.labels.Close()

	res := &Result{Calibration: cal, QC: append(append([]string{}, img.QC...), seg.qc...)}
	if !cal.Known() {
		res.QC = append(res.QC, models.QCNoCalibration)
	}
	if seg.lab == nil {
		if seg.lab, err = cvutil.Int32s(seg.labels); err != nil {
			return nil, err
		}
	}
	objs, err := cvutil.MeasureInt32s(seg.lab, gray)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if o.Label-1 >= len(seg.classes) {
			return nil, fmt.Errorf("cells: label %d has no class", o.Label)
		}
		class := seg.classes[o.Label-1]
		co := models.CellObject{
			ID: o.Label, Class: class,
			CentroidXPx: models.Round3(o.CentroidX), CentroidYPx: models.Round3(o.CentroidY),
			AreaPx: o.AreaPx, EquivDiameterPx: models.Round3(o.EquivDiameter()),
			MeanIntensity: models.Round3(o.MeanIntensity), Circularity: models.Round3(o.Circularity),
		}
		if cal.Known() {
			co.AreaUM2 = models.Round3(o.AreaPx * cal.PixelSizeUM * cal.PixelSizeUM)
			co.EquivDiameterUM = models.Round3(o.EquivDiameter() * cal.PixelSizeUM)
		}
		switch class {
		case models.ClassDead:
			res.Dead++
		default: // live cells and nuclei both count as live
			res.Live++
		}
		res.Objects = append(res.Objects, co)
	}
	if len(res.Objects) == 0 {
		res.QC = append(res.QC, models.QCNoObjects)
	}
	if opt.Stain == StainFluorescence {
		if err := res.callMitotic(seg, gray.Cols(), gray.Rows()); err != nil {
			return nil, err
		}
	}
	if opt.Labels {
		if res.Labels, err = cvutil.Int32sToGray16(seg.lab, gray.Cols(), gray.Rows()); err != nil {
			return nil, err
		}
	}
	if opt.Overlay {
		if res.Overlay, err = drawOverlay(src, seg.labels, res.Objects); err != nil {
			return nil, err
		}
		paintMitotic(res.Overlay, seg.labels, res.MitoticFeatures)
	}
	return res, nil
}

// callMitotic flags the mitotic figures among the nuclei of a dark-field
// fluorescence image (mitoticFigures) and sets the mitotic index, figures
// ÷ nuclei; on a light background (stained or brightfield nuclei) it does
// nothing. seg is segmentNuclei's: its labels and nucleus signal (w×h).
func (res *Result) callMitotic(seg segmentation, w, h int) error {
	if seg.light {
		return nil
	}
	if len(seg.lab) != w*h || len(seg.sig) != w*h {
		return fmt.Errorf("cells: %d labels and %d signal values for %d×%d", len(seg.lab), len(seg.sig), w, h)
	}
	n := 0
	for _, l := range seg.lab {
		n = max(n, int(l))
	}
	res.MitoticFeatures = mitoticFigures(seg.lab, seg.sig, w, h, n)
	figures := map[int]bool{}
	for i := range res.Objects {
		id := res.Objects[i].ID
		m := id >= 1 && id <= len(res.MitoticFeatures) && res.MitoticFeatures[id-1].Mitotic
		res.Objects[i].Mitotic = &m
		if m {
			figures[res.MitoticFeatures[id-1].Figure] = true
		}
	}
	// The index counts figures (cells in mitosis): a telophase pair is two
	// nuclei but one figure.
	res.Mitotic = MitoticSummaryOf(len(figures), len(res.Objects))
	return nil
}

// mitoticColour outlines mitotic nuclei on the overlay.
var mitoticColour = [3]uint8{255, 40, 40}

// paintMitotic repaints the boundary pixels (a 4-neighbour of another
// label) of the mitotic nuclei in mitoticColour.
func paintMitotic(ov *image.RGBA, labels gocv.Mat, feat []MitoticFeatures) {
	some := false
	for _, f := range feat {
		some = some || f.Mitotic
	}
	w, h := labels.Cols(), labels.Rows()
	lb := labels.ToBytes()
	if !some || ov == nil || ov.Rect.Dx() != w || ov.Rect.Dy() != h || len(lb) != 4*w*h {
		return
	}
	at := func(x, y int) int32 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return -1
		}
		return int32(binary.LittleEndian.Uint32(lb[4*(y*w+x):]))
	}
	for y := range h {
		for x := range w {
			l := at(x, y)
			if l <= 0 || int(l) > len(feat) || !feat[l-1].Mitotic {
				continue
			}
			if at(x-1, y) == l && at(x+1, y) == l && at(x, y-1) == l && at(x, y+1) == l {
				continue
			}
			o := ov.PixOffset(x+ov.Rect.Min.X, y+ov.Rect.Min.Y)
			ov.Pix[o], ov.Pix[o+1], ov.Pix[o+2], ov.Pix[o+3] = mitoticColour[0], mitoticColour[1], mitoticColour[2], 255
		}
	}
}
