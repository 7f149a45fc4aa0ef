package colonies

import (
	"errors"
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvutil"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// Polarities accepted by Options.Polarity.
const (
	PolarityAuto  = "auto"
	PolarityDark  = models.PolarityDark
	PolarityLight = models.PolarityLight
)

// Sentinel errors.
var (
	ErrPolarity = errors.New("colonies: unknown polarity")
	ErrROI      = errors.New("colonies: invalid ROI")
	ErrOptions  = errors.New("colonies: invalid options")
)

// ROI overrides dish detection: either a circle (CX, CY, R in input pixels)
// or a mask of the input's size (non-zero = analyse).
type ROI struct {
	CX, CY, R float64
	Mask      *image.Gray
}

// Options tune Count. Zero values mean "automatic".
type Options struct {
	Polarity    string  // "auto" (default), "dark" (crystal violet) or "light" (agar)
	PixelSizeUM float64 // µm per pixel; overrides the image's own calibration when > 0
	// PixelSizeSource says where PixelSizeUM came from, written to results
	// as the calibration source: models.CalibrationSourceFlag (when empty)
	// or CalibrationSourceManifest (the manifest runner).
	PixelSizeSource models.CalibrationSource
	// The colony size threshold (a colony is ≥ 50 cells) is taken from the
	// first of these that is set: MinColonyAreaPx; MinColonyAreaUM2 and
	// MinColonyDiameterUM (need a pixel size); MinCells × CellAreaUM2 (need
	// a pixel size). Without any, objects below an automatic floor (0.5 % of
	// the dish diameter, at least 3 working pixels) are rejected as debris.
	MinColonyDiameterUM float64
	MinColonyAreaUM2    float64
	MinColonyAreaPx     float64
	MinCells            int     // cells a cluster needs to be a colony, usually 50
	CellAreaUM2         float64 // projected area of one cell in the colony, µm²
	// CellAreaPx is the projected area of one cell in input px²: with
	// MinCells it gives the ≥ 50-cell rule without a pixel size.
	CellAreaPx float64
	ROI        *ROI // nil = detect the dish
	Overlay    bool // render Result.Overlay
	Labels     bool // render Result.Labels
}

// Result is what Count found in one dish.
type Result struct {
	Colonies       []models.Colony // counted colonies, ids 1..n
	Rejected       []models.Colony // abortive clusters and debris, ids n+1..
	CoveredAreaPct float64         // colony area ÷ analysed area × 100
	// SizeRule says which colony size threshold decided (SizeRule…) and
	// MinColonyAreaPx what it was, input px².
	SizeRule        string
	MinColonyAreaPx float64
	// EstimatedColonies is the count added for confluent areas that hold
	// more colonies than could be separated: summed optical density ÷ the
	// typical single colony's, − 1, per such area (QC
	// count_estimated_from_area).
	EstimatedColonies int
	Dish              models.Dish
	Polarity          string
	QC                []string
	Calibration       models.Calibration
	Overlay           *image.RGBA   // nil unless Options.Overlay
	Labels            *image.Gray16 // nil unless Options.Labels; colonies then rejected objects
}

// workSide is the longer side analysed: colonies of plate photographs stay
// ≥ 10 px across at this size, and it keeps a 2448² plate well under a
// second.
const workSide = 1280

// minWorkSide is the shortest working side analysed, px: below it no dish
// and no background window fit, and the image is flagged too_small.
const minWorkSide = 16

// workScale is working ÷ input pixels for a w×h input.
func workScale(w, h int) float64 {
	return math.Min(1, float64(workSide)/float64(max(w, h, 1)))
}

// checkBuffer rejects images whose buffer does not match their header.
func checkBuffer(img *imageio.Image) error {
	if img.Channels != 1 && img.Channels != 3 {
		return fmt.Errorf("%w: %d channels", cvutil.ErrBadImage, img.Channels)
	}
	if img.Width <= 0 || img.Height <= 0 || len(img.Pix) != img.Width*img.Height*img.Channels {
		return fmt.Errorf("%w: %d bytes for %dx%dx%d", cvutil.ErrBadImage, len(img.Pix), img.Width, img.Height, img.Channels)
	}
	return nil
}

// Count finds the dish, segments the colonies inside it, splits touching
// colonies and rejects clusters below the colony size threshold.
func Count(img *imageio.Image, opt Options) (*Result, error) {
	if img == nil {
		return nil, cvutil.ErrBadImage
	}
	switch opt.Polarity {
	case "", PolarityAuto, PolarityDark, PolarityLight:
	default:
		return nil, fmt.Errorf("%w %q (want auto, dark or light)", ErrPolarity, opt.Polarity)
	}
	if opt.PixelSizeUM < 0 || opt.MinColonyAreaPx < 0 || opt.MinColonyAreaUM2 < 0 || opt.MinColonyDiameterUM < 0 || opt.MinCells < 0 || opt.CellAreaUM2 < 0 || opt.CellAreaPx < 0 ||
		math.IsNaN(opt.PixelSizeUM+opt.MinColonyAreaPx+opt.MinColonyAreaUM2+opt.MinColonyDiameterUM+opt.CellAreaUM2+opt.CellAreaPx) ||
		math.IsInf(opt.PixelSizeUM+opt.MinColonyAreaPx+opt.MinColonyAreaUM2+opt.MinColonyDiameterUM+opt.CellAreaUM2+opt.CellAreaPx, 0) {
		return nil, fmt.Errorf("%w: sizes must be ≥ 0", ErrOptions)
	}
	cal := models.GivenCalibration(opt.PixelSizeUM, opt.PixelSizeSource).Or(img.Calibration)
	if opt.ROI != nil {
		if err := validateROI(opt.ROI, img.Width, img.Height); err != nil {
			return nil, err
		}
	}
	if err := checkBuffer(img); err != nil {
		return nil, err
	}
	res := &Result{Calibration: cal, QC: append([]string{}, img.QC...)}
	if !cal.Known() {
		res.QC = append(res.QC, models.QCNoCalibration)
	}
	if ws := workScale(img.Width, img.Height); float64(min(img.Width, img.Height))*ws < minWorkSide {
		// A strip or a thumbnail: no dish fits, and OpenCV would be
		// asked for an empty image (resize throws on a zero size).
		res.Polarity = opt.Polarity
		if res.Polarity == "" || res.Polarity == PolarityAuto {
			res.Polarity = PolarityDark
		}
		res.Dish = models.Dish{Found: false, Shape: "image", Source: "auto"}
		res.QC = append(res.QC, models.QCTooSmall, models.QCDishNotFound)
		return res, nil
	}
	colour, work, err := workingImages(img)
	if err != nil {
		return nil, err
	}
	defer colour.Close()
	defer work.Close()
	scale := float64(work.Cols()) / float64(img.Width)
	g := &grey8{w: work.Cols(), h: work.Rows(), pix: work.ToBytes()}
	if colour.Channels() == 3 {
		g.bgr = colour.ToBytes()
	}

	var roi []bool
	if opt.ROI != nil {
		res.Dish, roi = roiFromOption(opt.ROI, g.w, g.h, scale)
	} else {
		var ok bool
		res.Dish, roi, ok, err = findDish(work, scale)
		if err != nil {
			return nil, err
		}
		if !ok {
			res.QC = append(res.QC, models.QCDishNotFound)
		}
	}

	if (opt.Polarity == "" || opt.Polarity == PolarityAuto) && colour.Channels() == 3 {
		if v, err := violetFraction(colour, g.pix, roi, g.w, g.h); err == nil && v > violetShare {
			opt.Polarity = PolarityDark
			if v > 0.5 {
				// More stained dish than clear dish: colonies have merged.
				res.QC = append(res.QC, models.QCConfluent)
			}
		}
	}
	seg, err := segment(g, roi, res.Dish, scale, cal, opt)
	if err != nil {
		return nil, err
	}
	res.Polarity = seg.polarity
	res.QC = append(res.QC, seg.qc...)
	res.Colonies, res.Rejected = seg.colonies, seg.rejected
	res.CoveredAreaPct = models.Round3(seg.coveredPct)
	res.SizeRule, res.MinColonyAreaPx = seg.sizeRule, models.Round3(seg.minAreaPx)
	res.EstimatedColonies = seg.estimated
	if len(res.Colonies) == 0 && !hasFlag(res.QC, models.QCBlank) {
		res.QC = append(res.QC, models.QCNoObjects)
	}
	if opt.Labels || opt.Overlay {
		if opt.Labels {
			res.Labels = upscaleLabels(seg.labels, g.w, g.h, img.Width, img.Height)
		}
		if opt.Overlay {
			if res.Overlay, err = drawOverlay(img, seg.labels, g.w, g.h, res); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func validateROI(r *ROI, w, h int) error {
	if r.Mask != nil {
		b := r.Mask.Bounds()
		if b.Dx() != w || b.Dy() != h {
			return fmt.Errorf("%w: mask is %dx%d, image %dx%d", ErrROI, b.Dx(), b.Dy(), w, h)
		}
		return nil
	}
	if !(r.R > 0) || math.IsNaN(r.CX) || math.IsNaN(r.CY) || math.IsInf(r.R, 0) {
		return fmt.Errorf("%w: circle needs a radius > 0", ErrROI)
	}
	if r.CX+r.R < 0 || r.CY+r.R < 0 || r.CX-r.R > float64(w) || r.CY-r.R > float64(h) {
		return fmt.Errorf("%w: circle lies outside the %dx%d image", ErrROI, w, h)
	}
	return nil
}

// roiFromOption rasterises the user's ROI at the working scale.
func roiFromOption(r *ROI, w, h int, scale float64) (models.Dish, []bool) {
	roi := make([]bool, w*h)
	d := models.Dish{Found: true, Source: "roi"}
	n := 0
	if r.Mask != nil {
		b := r.Mask.Bounds()
		for y := 0; y < h; y++ {
			sy := b.Min.Y + min(b.Dy()-1, int((float64(y)+0.5)/scale))
			for x := 0; x < w; x++ {
				sx := b.Min.X + min(b.Dx()-1, int((float64(x)+0.5)/scale))
				if r.Mask.Pix[r.Mask.PixOffset(sx, sy)] != 0 {
					roi[y*w+x] = true
					n++
				}
			}
		}
		d.Shape = "mask"
	} else {
		n = fillCircle(roi, w, h, r.CX*scale, r.CY*scale, r.R*scale)
		d.Shape, d.CXPx, d.CYPx, d.RadiusPx, d.RimRadiusPx = "circle", r.CX, r.CY, r.R, r.R
	}
	d.AreaPx = models.Round3(float64(n) / (scale * scale))
	return d, roi
}

// fillCircle sets the pixels whose centres lie inside the circle and
// returns how many there are.
func fillCircle(roi []bool, w, h int, cx, cy, r float64) int {
	n := 0
	for y := max(0, int(cy-r)-1); y < min(h, int(cy+r)+2); y++ {
		dy := float64(y) + 0.5 - cy
		for x := max(0, int(cx-r)-1); x < min(w, int(cx+r)+2); x++ {
			dx := float64(x) + 0.5 - cx
			if dx*dx+dy*dy <= r*r {
				roi[y*w+x] = true
				n++
			}
		}
	}
	return n
}

func hasFlag(qc []string, f string) bool {
	for _, q := range qc {
		if q == f {
			return true
		}
	}
	return false
}

// grey8 is an 8-bit grey image held in Go memory.
type grey8 struct {
	w, h int
	pix  []byte
	bgr  []byte // the same at the working size in colour, nil for grey images
}

// workingImages returns the input shrunk (area average) so its longer side
// is at most workSide, as it is (colour, BGR or grey) and as 8-bit grey.
// The input is shrunk once, in colour, straight from its Go buffer: a
// full-size copy and grey conversion would cost more than the counting.
func workingImages(img *imageio.Image) (colour, grey gocv.Mat, err error) {
	var mt gocv.MatType
	switch img.Channels {
	case 1:
		mt = gocv.MatTypeCV8UC1
	case 3:
		mt = gocv.MatTypeCV8UC3
	default:
		return colour, grey, fmt.Errorf("%w: %d channels", cvutil.ErrBadImage, img.Channels)
	}
	if img.Width <= 0 || img.Height <= 0 || len(img.Pix) != img.Width*img.Height*img.Channels {
		return colour, grey, fmt.Errorf("%w: %d bytes for %dx%dx%d", cvutil.ErrBadImage, len(img.Pix), img.Width, img.Height, img.Channels)
	}
	view, err := gocv.NewMatFromBytes(img.Height, img.Width, mt, img.Pix)
	if err != nil {
		return colour, grey, fmt.Errorf("colonies: wrap image: %w", err)
	}
	defer view.Close()
	scale := workScale(img.Width, img.Height)
	colour = gocv.NewMat()
	if scale < 1 {
		w := max(1, int(math.Round(float64(img.Width)*scale)))
		h := max(1, int(math.Round(float64(img.Height)*scale)))
		gocv.Resize(view, &colour, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	} else {
		view.CopyTo(&colour)
	}
	grey = gocv.NewMat()
	if img.Channels == 3 {
		gocv.CvtColor(colour, &grey, gocv.ColorBGRToGray)
	} else {
		colour.CopyTo(&grey)
	}
	return colour, grey, nil
}

// violetShare is the fraction of the dish that, stained violet, settles
// the polarity as crystal violet (dark colonies) whatever the grey levels
// say: a confluent violet dish is darker than its few gaps.
const violetShare = 0.02

// violetMinGL is how far (B+R)/2 exceeds G, grey levels, in a pixel
// stained with crystal violet: the dye absorbs green most, as agar
// (yellow-green) and cream colonies do not.
const violetMinGL = 30

// violetFraction is the fraction of dish pixels whose colour is violet
// ((B+R)/2 − G > violetMinGL) and that are no lighter than the dish's
// median grey: a stain absorbs, so pink or purple colonies lighter than
// their agar are not crystal violet.
func violetFraction(small gocv.Mat, grey []byte, roi []bool, w, h int) (float64, error) {
	b := small.ToBytes()
	if len(b) != w*h*3 || len(grey) != w*h {
		return 0, fmt.Errorf("colonies: working colour image has %d bytes, want %d", len(b), w*h*3)
	}
	var hist [256]int
	n := 0
	for i, in := range roi {
		if in {
			hist[grey[i]]++
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	level, acc := 0, 0
	for v, c := range hist {
		acc += c
		if 2*acc >= n {
			level = v
			break
		}
	}
	v := 0
	for i, in := range roi {
		if !in || int(grey[i]) > level {
			continue
		}
		bl, gr, rd := float64(b[3*i]), float64(b[3*i+1]), float64(b[3*i+2])
		if (bl+rd)/2-gr > violetMinGL {
			v++
		}
	}
	return float64(v) / float64(n), nil
}

// Count is the colony count of the dish: the colonies found, plus the
// colonies estimated in confluent areas (Result.EstimatedColonies).
func (r *Result) Count() int { return len(r.Colonies) + r.EstimatedColonies }
