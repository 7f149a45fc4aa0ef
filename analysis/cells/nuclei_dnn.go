package cells

import (
	_ "embed"
	"errors" // the nuclei network ships inside the binary
	"fmt"
	"image"
	"math"
	"os"
	"runtime"
	"sync"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/dnn"
	"github.com/histocount/histocount/models"
)

// Nuclei segmenters (Options.NucleiMethod).
const (
	NucleiClassical = "classical"
	NucleiUNet      = "unet"
	// NucleiMixed uses the network on unstained brightfield (grey images
	// with a light background) and the classical method on fluorescence
	// and stained sections.
	NucleiMixed = "mixed"
)

// DefaultNucleiMethod is the segmenter used when Options.NucleiMethod is
// empty: the one that scored best on the held-out DSB2018 images
// (F1@IoU0.5 per modality, held-out quarter, network trained on the other
// three quarters: fluorescence classical 0.891 vs network 0.861; stained
// 0.708 vs 0.615; brightfield 0.242 vs 0.643).
const DefaultNucleiMethod = NucleiMixed

// ErrUnknownNucleiMethod is returned for an Options.NucleiMethod Count
// does not know.
var ErrUnknownNucleiMethod = errors.New("cells: unknown nuclei method")

// nucleiUNetONNX is the nuclei U-Net trained by scripts/train/nuclei_unet.py
// (1 input channel: the normalised nucleus signal; 2 outputs after a
// sigmoid: foreground probability and normalised distance to the edge).
//
//go:embed weights/nuclei_unet.onnx
var nucleiUNetONNX []byte

// Learned nuclei segmentation constants.
const (
	nucleiNetRadiusPx   = 7.0  // typical nucleus radius the network was trained at (TARGET_R in the script), px
	nucleiNetRadiusBias = 1.3  // classical radius r ÷ the truth masks' inscribed radius used in training (measured on the training split)
	nucleiNetMinScale   = 0.25 // images are rescaled by 7 × 1.3 / r, clamped to this range ...
	nucleiNetMaxScale   = 4.0
	nucleiNetMaxPixels  = 2e6  // ... and downscaled further to stay below this many network pixels
	nucleiNetSignalSpan = 8.0  // smallest p0.5–p99.5 span used to normalise the signal, grey levels
	nucleiNetSignalMax  = 2.0  // normalised signal is clipped to 0..this
	nucleiNetForeground = 0.5  // foreground probability threshold
	nucleiNetSeedLevel  = 0.5  // normalised edge distance above which a pixel belongs to a seed
	nucleiNetMinAreaPx  = 12.0 // debris below this area in network pixels (r = 7), px²
)

// nucleiNets caches loaded networks by model path ("" = embedded) for the
// life of the process: loading takes milliseconds, but per image it would
// dominate small images.
var nucleiNets = struct {
	sync.Mutex
	nets map[string]*dnn.Net
	errs map[string]error
}{nets: map[string]*dnn.Net{}, errs: map[string]error{}}

// nucleiNet returns the cached network for path ("" = embedded model).
func nucleiNet(path string) (*dnn.Net, error) {
	nucleiNets.Lock()
	defer nucleiNets.Unlock()
	if n, ok := nucleiNets.nets[path]; ok {
		return n, nil
	}
	if err, ok := nucleiNets.errs[path]; ok {
		return nil, err
	}
	model := nucleiUNetONNX
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			nucleiNets.errs[path] = fmt.Errorf("cells: nuclei model: %w", err)
			return nil, nucleiNets.errs[path]
		}
		model = b
	}
	n, err := dnn.Load(model, 2, runtime.GOMAXPROCS(0))
	if err != nil {
		nucleiNets.errs[path] = fmt.Errorf("cells: nuclei model: %w", err)
		return nil, nucleiNets.errs[path]
	}
	nucleiNets.nets[path] = n
	return n, nil
}

// segmentNucleiLearned segments the nucleus signal sig (w×h, 0..255,
// bright = nucleus; see nucleusSignal) with the nuclei U-Net and returns
// labels 1..n in scan order, n and QC flags. ok is false when the image is
// outside what the network supports (its scale could not be estimated or
// the rescaled image is too large) or the model cannot be loaded: the
// caller then uses the classical path.
//
// Method:
//
//  1. Scale: the typical nucleus radius r of the classical foreground (see
//     segmentNucleusSignal, steps 1–3); the image is resized by 7 × 1.3/r
//     (clamped to ¼..4, and to at most 2 Mpx) so nuclei have the radius the
//     network was trained at, whatever the magnification. The classical
//     foreground is cut low and so overestimates the inscribed radius of
//     the truth masks the network was trained on; 1.3 undoes that bias
//     (1.25–1.5 score alike on the training split).
//  2. Input: x = clip((S − p0.5) / max(p99.5 − p0.5, 8), 0, 2), percentiles
//     of the signal S over the image.
//  3. The network predicts the foreground probability and the distance to
//     the nucleus edge divided by the nucleus' own maximum (1 at centres);
//     both maps are resized back to the image.
//  4. Seeds: connected regions where the normalised distance exceeds ½
//     inside the foreground (> ½); a marker watershed of the negated
//     distance divides the foreground among them; foreground without a
//     seed becomes its own nucleus. Objects below 12 network px² (or the
//     calibrated minimum) are debris.
//
// References: Ronneberger et al., MICCAI 2015 (U-Net); Caicedo et al.,
// Nat. Methods 16:1247 (2019) (DSB2018, the training data).
func segmentNucleiLearned(sig []float32, w, h int, light, colour bool, bounds areaBounds, modelPath string) (lab []int32, n int, qc []string, ok bool, err error) {
	q := signalQuantiles(sig)
	lo, hi := q(0.005), q(0.995)
	if hi-lo < nucleiBlankContrast {
		return nil, 0, nil, false, nil // the classical path reports blank fields
	}
	sm, err := gaussianBlur(sig, w, h, nucleiSmoothSigmaPx)
	if err != nil {
		return nil, 0, nil, false, err
	}
	bg, tOtsu := nucleusLevels(sm, q, light, colour)
	if tOtsu <= bg {
		return nil, 0, nil, false, nil
	}
	t := bg + nucleiForegroundFrac*(tOtsu-bg)
	fgc := make([]bool, len(sm))
	for i, v := range sm {
		fgc[i] = v > t
	}
	fillHoles(fgc, w, h)
	fgcCC, nfgc, fgcAreas := components(fgc, w, h)
	r := typicalRadius(fgcCC, nfgc, fgcAreas, edt(fgc, w, h))
	s := min(nucleiNetMaxScale, max(nucleiNetMinScale, nucleiNetRadiusPx*nucleiNetRadiusBias/r))
	// Time and memory grow with the network's pixels: a large field of
	// tiny nuclei is upscaled less, at some cost in accuracy.
	s = min(s, math.Sqrt(nucleiNetMaxPixels/(float64(w)*float64(h))))
	nw, nh := max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s)))
	net, err := nucleiNet(modelPath)
	if err != nil {
		if modelPath != "" {
			return nil, 0, nil, false, err // an explicit model must load
		}
		return nil, 0, nil, false, nil
	}

	span := max(float32(hi-lo), nucleiNetSignalSpan)
	x := make([]float32, len(sig))
	for i, v := range sig {
		x[i] = min(nucleiNetSignalMax, max(0, (v-float32(lo))/span))
	}
	xs, err := resizeFloat(x, w, h, nw, nh)
	if err != nil {
		return nil, 0, nil, false, err
	}
	maps, err := net.Predict(xs, nw, nh)
	if err != nil {
		return nil, 0, nil, false, fmt.Errorf("cells: nuclei network: %w", err)
	}
	pf, err := resizeFloat(maps[0], nw, nh, w, h)
	if err != nil {
		return nil, 0, nil, false, err
	}
	pd, err := resizeFloat(maps[1], nw, nh, w, h)
	if err != nil {
		return nil, 0, nil, false, err
	}
	lab, n = nucleiFromMaps(pf, pd, w, h, max(nucleiMinAreaPx, nucleiNetMinAreaPx/(s*s), bounds.minPx))
	if light {
		n = dropSmallRelative(lab, n, nucleiDebrisFrac)
	}

	nfg := 0
	for _, v := range pf {
		if v > nucleiNetForeground {
			nfg++
		}
	}
	if ew := edgeWidthPx(sm, lab, n, w, h, bg); ew > nucleiBlurEdgeFrac*r && ew > nucleiBlurEdgeMinPx {
		qc = append(qc, models.QCOutOfFocus)
	}
	if float64(nfg)/float64(w*h) > nucleiCrowdedFill {
		qc = append(qc, models.QCCrowded)
	}
	return lab, n, qc, true, nil
}

// nucleiFromMaps turns the network's foreground probability pf and
// normalised edge distance pd (w×h each) into nuclei labelled 1..n in scan
// order: seeded watershed of −pd inside the foreground, seedless
// foreground components kept as nuclei, objects below minArea px dropped.
func nucleiFromMaps(pf, pd []float32, w, h int, minArea float64) ([]int32, int) {
	fg := make([]bool, len(pf))
	seed := make([]bool, len(pf))
	relief := make([]float32, len(pf))
	for i := range pf {
		fg[i] = pf[i] > nucleiNetForeground
		seed[i] = fg[i] && pd[i] > nucleiNetSeedLevel
		relief[i] = -pd[i]
	}
	markers, nm, _ := components(seed, w, h)
	ws := watershed(relief, markers, fg, w, h)
	rest := make([]bool, len(fg))
	for i := range fg {
		rest[i] = fg[i] && ws[i] == 0
	}
	extra, ne, _ := components(rest, w, h)
	for i, l := range extra {
		if l > 0 {
			ws[i] = int32(nm) + l
		}
	}
	lab := make([]int32, len(fg))
	n := relabelByArea(ws, lab, nm+ne, minArea)
	return lab, n
}

// resizeFloat resamples a w×h float image to nw×nh bilinearly (OpenCV's
// half-pixel convention, as PyTorch's interpolate with align_corners=False
// used in training).
func resizeFloat(f []float32, w, h, nw, nh int) ([]float32, error) {
	if w == nw && h == nh {
		return append([]float32(nil), f...), nil
	}
	if len(f) != w*h || w <= 0 || h <= 0 || nw <= 0 || nh <= 0 {
		return nil, fmt.Errorf("%w: resize %d values %d×%d to %d×%d", ErrNucleiInput, len(f), w, h, nw, nh)
	}
	q, err := applyFloat32(f, w, h, func(in gocv.Mat, out *gocv.Mat) {
		gocv.Resize(in, out, image.Point{X: nw, Y: nh}, 0, 0, gocv.InterpolationLinear)
	})
	if err != nil {
		return nil, err
	}
	if len(q) != nw*nh {
		return nil, fmt.Errorf("%w: resize gave %d values, want %d", ErrNucleiInput, len(q), nw*nh)
	}
	return q, nil
}
