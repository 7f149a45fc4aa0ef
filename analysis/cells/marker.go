package cells

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sort"

	"github.com/histocount/histocount/analysis/internal/threshold"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Errors of the two-channel (nuclei + proliferation marker) analysis.
var (
	ErrMarkerSize    = errors.New("cells: marker and nuclei images differ in size")
	ErrMarkerChannel = errors.New("cells: marker channel not in the image")
)

// QC flags raised by the marker analysis.
const (
	QCMarkerSaturated   = "marker_saturated"    // > 1 % of nucleus pixels at the marker file's largest value (255 or 65535)
	QCMarkerNoContrast  = "marker_no_contrast"  // marker channel is flat (blank or missing stain)
	QCMarkerFewNegative = "marker_few_negative" // automatic threshold: too few nuclei to model the negatives
)

// Marker analysis constants (lengths in px, intensities in grey levels of
// the 8-bit marker channel).
const (
	markerGapPx         = 2    // annulus starts this far outside the nucleus (PSF blur)
	markerRingFrac      = 0.6  // annulus width = this × median nucleus radius ...
	markerRingMinPx     = 4    // ... at least
	markerRingMinPixels = 15   // fewer annulus pixels: fall back to the field's background
	markerK             = 5.0  // threshold: negatives' median + k × robust SD
	markerMinNegatives  = 8    // fewer nuclei: the negatives cannot be modelled
	markerSatFrac       = 0.01 // saturated when more than this share of nucleus pixels is at the sample type's maximum
	markerNoiseFloor    = 1.0  // robust SD never below 1 grey level (8-bit quantisation) ...
	markerRelFloor      = 0.15 // ... nor below 15 % of the negatives' median (cell-to-cell variation; a few nuclei underestimate it)
)

// markerScoreQuantile: nuclei are classified on the 90th percentile of
// their marker pixels less the annulus background, not on the mean: a
// speckled or nucleolar stain lights a small part of the nucleus, which
// the mean dilutes (generated fields: mean error 1.5 pp with the 90th
// percentile, 4.0 pp with the mean, 5.1 pp with the 75th percentile).
const markerScoreQuantile = 0.9

func quantile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// MarkerOptions tune the marker analysis.
type MarkerOptions struct {
	// Channel picks the marker channel of an RGB marker image, 1 = red,
	// 2 = green, 3 = blue; 0 takes the brightest channel (grey images have
	// one channel anyway).
	Channel int
	// Threshold, when > 0, is a fixed threshold on the nucleus score, the
	// background-corrected 90th percentile of its marker pixels (grey levels
	// 0..255); 0 = automatic per image.
	Threshold float64
}

// MarkerNucleus is the marker measurement of one nucleus.
type MarkerNucleus struct {
	ID         int
	Mean       float64 // background-corrected mean marker intensity, grey levels
	Integrated float64 // background-corrected sum over the nucleus, grey levels × px
	Background float64 // annulus median, grey levels
	Score      float64 // 90th percentile inside less Background: what the threshold applies to
	Positive   bool
}

// MarkerResult is the marker analysis of one field.
type MarkerResult struct {
	Nuclei          []MarkerNucleus // in label order
	Positive, Total int
	Threshold       float64 // on Score, grey levels
	Method          string  // "auto" or "fixed"
	QC              []string
}

// Summary turns r into the stored per-image marker summary (Wilson 95 %).
func (r *MarkerResult) Summary() *models.MarkerSummary {
	return MarkerSummaryOf(r.Positive, r.Total, r.Threshold, r.Method)
}

// MarkerSummaryOf returns the positive percentage of pos out of n nuclei
// with its Wilson 95 % interval; n = 0 leaves the percentages at 0.
func MarkerSummaryOf(pos, n int, threshold float64, method string) *models.MarkerSummary {
	s := &models.MarkerSummary{Positive: pos, Nuclei: n, Threshold: models.Round3(threshold), ThresholdMethod: method}
	if n > 0 {
		s.PositivePct = models.Round3(100 * float64(pos) / float64(n))
		if lo, hi, err := stats.WilsonCI(pos, n, 0.95); err == nil {
			s.CILowPct, s.CIHighPct = models.Round3(100*lo), models.Round3(100*hi)
		}
	}
	return s
}

// MarkerPlane extracts the marker channel of img as one byte per pixel.
// channel 1..3 = red, green, blue of an RGB image; 0 = the brightest
// channel per pixel.
func MarkerPlane(img *imageio.Image, channel int) ([]byte, error) {
	if img == nil || img.Width <= 0 || img.Height <= 0 || len(img.Pix) != img.Width*img.Height*img.Channels {
		return nil, fmt.Errorf("%w: empty or inconsistent marker image", ErrMarkerChannel)
	}
	n := img.Width * img.Height
	if img.Channels == 1 {
		if channel > 1 {
			return nil, fmt.Errorf("%w: channel %d asked of a single-channel image", ErrMarkerChannel, channel)
		}
		return img.Pix, nil
	}
	if img.Channels != 3 || channel < 0 || channel > 3 {
		return nil, fmt.Errorf("%w: channel %d of a %d-channel image (want 1 red, 2 green, 3 blue)", ErrMarkerChannel, channel, img.Channels)
	}
	out := make([]byte, n)
	for i := range n {
		p := img.Pix[3*i : 3*i+3] // BGR
		if channel == 0 {
			out[i] = max(p[0], p[1], p[2])
		} else {
			out[i] = p[3-channel]
		}
	}
	return out, nil
}

// WithoutChannel returns img with RGB channel 1..3 set to zero, so nuclei
// are segmented from the other channels of a merged DAPI + marker image.
func WithoutChannel(img *imageio.Image, channel int) *imageio.Image {
	if img == nil || img.Channels != 3 || channel < 1 || channel > 3 {
		return img
	}
	c := *img
	c.Pix = append([]byte(nil), img.Pix...)
	for i := 3 - channel; i < len(c.Pix); i += 3 {
		c.Pix[i] = 0
	}
	return &c
}

// CountTwoChannel segments the nuclei of nuclei (as Count with the
// fluorescence stain) and measures the proliferation marker of marker in
// each of them. The objects carry their marker values; the overlay, when
// asked, outlines positive nuclei in magenta and negative ones in cyan.
func CountTwoChannel(nuclei, marker *imageio.Image, opt Options, mopt MarkerOptions) (*Result, *MarkerResult, error) {
	if nuclei == nil || marker == nil {
		return nil, nil, fmt.Errorf("%w: missing image", ErrMarkerChannel)
	}
	if nuclei.Width != marker.Width || nuclei.Height != marker.Height {
		return nil, nil, fmt.Errorf("%w: nuclei %dx%d, marker %dx%d", ErrMarkerSize, nuclei.Width, nuclei.Height, marker.Width, marker.Height)
	}
	plane, err := MarkerPlane(marker, mopt.Channel)
	if err != nil {
		return nil, nil, err
	}
	wantLabels := opt.Labels
	opt.Labels = true
	opt.Stain = StainFluorescence
	res, err := Count(nuclei, opt)
	if err != nil {
		return nil, nil, err
	}
	lab := res.Labels
	if !wantLabels {
		res.Labels = nil
	}
	mr := measureMarker(lab, plane, markerAtTypeMax(marker, mopt.Channel), mopt.Threshold)
	byID := make(map[int]MarkerNucleus, len(mr.Nuclei))
	for _, m := range mr.Nuclei {
		byID[m.ID] = m
	}
	for i := range res.Objects {
		if m, ok := byID[res.Objects[i].ID]; ok {
			res.Objects[i].Marker = &models.CellMarker{Mean: models.Round3(m.Mean), Integrated: models.Round3(m.Integrated),
				Background: models.Round3(m.Background), Score: models.Round3(m.Score), Positive: m.Positive}
		}
	}
	res.QC = append(res.QC, mr.QC...)
	if res.Overlay != nil {
		paintMarkerOutlines(res.Overlay, lab, mr)
	}
	return res, mr, nil
}

// MeasureMarker measures the marker plane (one byte per pixel, the label
// image's size) in each labelled nucleus and classifies it on its score,
// the 90th percentile of its marker pixels less the median of a local
// annulus (from 2 px outside the nucleus, 0.6 × the median nucleus radius
// wide, at least 4 px, pixels of other nuclei excluded; the field's
// annulus median when fewer than 15 pixels remain). threshold > 0 fixes
// the threshold; otherwise it is automatic (autoMarkerThreshold).
func MeasureMarker(lab *image.Gray16, plane []byte, threshold float64) *MarkerResult {
	return measureMarker(lab, plane, nil, threshold)
}

// markerAtTypeMax marks the marker pixels that were at their file's
// largest value (imageio.Image.AtTypeMax) in the channel MarkerPlane
// reads; with channel 0 (brightest) any channel at its maximum counts.
// A 16-bit marker is stretched to 8 bits with its top 0.1 % at 255: only
// the raw value tells a saturated camera pixel from the stretch's.
func markerAtTypeMax(img *imageio.Image, channel int) []bool {
	n := img.Width * img.Height
	out := make([]bool, n)
	for i := range n {
		switch {
		case img.Channels == 1:
			out[i] = img.AtTypeMax(i)
		case channel == 0:
			out[i] = img.AtTypeMax(3*i) || img.AtTypeMax(3*i+1) || img.AtTypeMax(3*i+2)
		default:
			out[i] = img.AtTypeMax(3*i + 3 - channel) // BGR
		}
	}
	return out
}

// measureMarker is MeasureMarker; sat (nil: plane at 255) marks the
// saturated marker pixels counted for QCMarkerSaturated.
func measureMarker(lab *image.Gray16, plane []byte, sat []bool, threshold float64) *MarkerResult {
	res := &MarkerResult{Method: "auto"}
	if threshold > 0 {
		res.Method = "fixed"
	}
	if lab == nil {
		return res
	}
	w, h := lab.Rect.Dx(), lab.Rect.Dy()
	if w*h == 0 || len(plane) != w*h {
		return res
	}
	labels := make([]int32, w*h)
	nMax := int32(0)
	for i := range labels {
		v := int32(lab.Pix[2*i])<<8 | int32(lab.Pix[2*i+1])
		labels[i] = v
		nMax = max(nMax, v)
	}
	if nMax == 0 {
		return res
	}
	n := int(nMax)
	area := make([]float64, n+1)
	sum := make([]float64, n+1)
	pix := make([][]float64, n+1)
	nSat, nucPix := 0, 0
	for i, l := range labels {
		if l > 0 {
			v := float64(plane[i])
			area[l]++
			sum[l] += v
			pix[l] = append(pix[l], v)
			nucPix++
			if sat == nil && plane[i] == 255 || sat != nil && sat[i] {
				nSat++
			}
		}
	}
	radii := []float64{}
	for l := 1; l <= n; l++ {
		if area[l] > 0 {
			radii = append(radii, math.Sqrt(area[l]/math.Pi))
		}
	}
	ring := max(markerRingMinPx, int(math.Round(markerRingFrac*median(radii))))
	owner, dist := nearestLabel(labels, w, h, markerGapPx+ring)
	rings := make([][]float64, n+1)
	var field []float64
	for i, l := range owner {
		if labels[i] != 0 || l == 0 || dist[i] <= markerGapPx {
			continue
		}
		rings[l] = append(rings[l], float64(plane[i]))
		field = append(field, float64(plane[i]))
	}
	fieldBg := median(field)
	if len(field) == 0 {
		fieldBg = quantileBytes(plane, 0.3)
	}
	if quantileBytes(plane, 0.995)-quantileBytes(plane, 0.005) < nucleiBlankContrast {
		res.QC = append(res.QC, QCMarkerNoContrast)
	}
	if nucPix > 0 && float64(nSat) > markerSatFrac*float64(nucPix) {
		res.QC = append(res.QC, QCMarkerSaturated)
	}
	score := make([]float64, 0, n)
	for l := 1; l <= n; l++ {
		if area[l] == 0 {
			continue
		}
		bg := fieldBg
		if len(rings[l]) >= markerRingMinPixels {
			bg = median(rings[l])
		}
		m := sum[l]/area[l] - bg
		sc := quantile(pix[l], markerScoreQuantile) - bg
		res.Nuclei = append(res.Nuclei, MarkerNucleus{ID: l, Mean: m, Integrated: m * area[l], Background: bg, Score: sc})
		score = append(score, sc)
	}
	if threshold <= 0 {
		var few bool
		threshold, few = autoMarkerThreshold(score)
		if few {
			res.QC = append(res.QC, QCMarkerFewNegative)
		}
	}
	res.Threshold = threshold
	for i := range res.Nuclei {
		res.Nuclei[i].Positive = res.Nuclei[i].Score > threshold
		if res.Nuclei[i].Positive {
			res.Positive++
		}
	}
	res.Total = len(res.Nuclei)
	return res
}

// autoMarkerThreshold models the negative nuclei robustly and returns the
// threshold on the scores. Starting from all nuclei it repeats: threshold
// = median + k × SD of the current negatives, the SD taken from the lower
// side only (1.4826 × median distance below the median), which positives
// cannot inflate; negatives = scores at or below it; until the set is
// stable. With up to ~45 % positives the median stays inside the
// negatives; a field without positives ends where it started: nothing
// beyond k SDs.
//
// Guard for a majority of positives: the median then lies among the
// positives and the model calls most of them negative. Otsu's split of
// the log scores (scores below 1 grey level taken as 1) finds a dim and a
// bright class; if the bright class' mean is at least 3 × the dim one's,
// the dim class holds at least 10 % of the nuclei (and 5), and the
// threshold lies above the bright class' median, the model is refitted on
// the dim class. A single population does not split 3-fold (the negatives'
// spread is far narrower), so fields of 0–45 % positives are unaffected.
// few reports too few nuclei for the model.
func autoMarkerThreshold(score []float64) (t float64, few bool) {
	if len(score) == 0 {
		return 0, false
	}
	negative := make([]bool, len(score))
	for i := range negative {
		negative[i] = true
	}
	t, _, _ = fitNegatives(score, negative)
	logs := make([]float32, len(score))
	for i, v := range score {
		logs[i] = float32(math.Log(max(1, v)))
	}
	cut := float64(threshold.Otsu(logs))
	var dim, bright []float64
	for i, v := range score {
		if float64(logs[i]) <= cut {
			dim = append(dim, max(1, v))
		} else {
			bright = append(bright, max(1, v))
		}
	}
	if len(dim) >= 5 && float64(len(dim)) >= 0.1*float64(len(score)) && len(bright) > 0 &&
		mean(bright) >= 3*mean(dim) && t > median(bright) {
		for i := range score {
			negative[i] = float64(logs[i]) <= cut
		}
		t, _, _ = fitNegatives(score, negative)
	}
	return t, len(score) < markerMinNegatives
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// fitNegatives iterates the robust negative model from the initial set
// negative (modified) and returns the threshold, median and SD.
func fitNegatives(score []float64, negative []bool) (t, med, sd float64) {
	t = math.Inf(1)
	for range 30 {
		var neg []float64
		for i, v := range score {
			if negative[i] {
				neg = append(neg, v)
			}
		}
		if len(neg) == 0 {
			break
		}
		med = median(neg)
		var below []float64
		for _, v := range neg {
			if v <= med {
				below = append(below, med-v)
			}
		}
		sd = max(markerNoiseFloor, markerRelFloor*math.Abs(med), 1.4826*median(below))
		nt := med + markerK*sd
		changed := false
		for i, v := range score {
			if nb := v <= nt; nb != negative[i] {
				negative[i], changed = nb, true
			}
		}
		t = nt
		if !changed {
			break
		}
	}
	return t, med, sd
}

// nearestLabel assigns every background pixel within maxDist (chessboard
// distance, grown one ring at a time) to its nearest labelled object.
func nearestLabel(labels []int32, w, h, maxDist int) (owner []int32, dist []int) {
	owner = append([]int32(nil), labels...)
	dist = make([]int, w*h)
	front := labelledEdge(labels, w, h)
	var next []int
	for d := 1; d <= maxDist && len(front) > 0; d++ {
		next = next[:0]
		for _, i := range front {
			x, y := i%w, i/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					j := ny*w + nx
					if owner[j] == 0 {
						owner[j] = owner[i]
						dist[j] = d
						next = append(next, j)
					}
				}
			}
		}
		front, next = next, front
	}
	return owner, dist
}

// labelledEdge returns, in raster order, the labelled pixels of labels
// (w×h) with an unlabelled 8-neighbour: the only ones from which
// nearestLabel's first ring can grow. Interior pixels are most of a
// nucleus and would only be visited to find every neighbour taken.
func labelledEdge(labels []int32, w, h int) []int {
	var edge []int
	for y := range h {
		row := labels[y*w : (y+1)*w]
		for x, l := range row {
			if l == 0 {
				continue
			}
			open := false
			for ny := max(0, y-1); ny <= min(h-1, y+1) && !open; ny++ {
				for nx := max(0, x-1); nx <= min(w-1, x+1); nx++ {
					if labels[ny*w+nx] == 0 {
						open = true
						break
					}
				}
			}
			if open {
				edge = append(edge, y*w+x)
			}
		}
	}
	return edge
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func quantileBytes(b []byte, p float64) float64 {
	var hist [256]int
	for _, v := range b {
		hist[v]++
	}
	return float64(stats.HistQuantileFloor(hist[:], len(b), p))
}

// Overlay colours of the marker classes.
var (
	markerPositiveColour = [3]uint8{255, 0, 255}
	markerNegativeColour = [3]uint8{0, 230, 255}
)

// paintMarkerOutlines repaints each nucleus' boundary (label pixels with a
// 4-neighbour of another label) in its marker class colour.
func paintMarkerOutlines(ov *image.RGBA, lab *image.Gray16, mr *MarkerResult) {
	if ov == nil || lab == nil || ov.Rect.Dx() != lab.Rect.Dx() || ov.Rect.Dy() != lab.Rect.Dy() {
		return
	}
	pos := map[int32]bool{}
	for _, m := range mr.Nuclei {
		pos[int32(m.ID)] = m.Positive
	}
	w, h := lab.Rect.Dx(), lab.Rect.Dy()
	at := func(x, y int) int32 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return -1
		}
		i := 2 * (y*w + x)
		return int32(lab.Pix[i])<<8 | int32(lab.Pix[i+1])
	}
	for y := range h {
		for x := range w {
			l := at(x, y)
			if l <= 0 {
				continue
			}
			if at(x-1, y) == l && at(x+1, y) == l && at(x, y-1) == l && at(x, y+1) == l {
				continue
			}
			c := markerNegativeColour
			if pos[l] {
				c = markerPositiveColour
			}
			o := ov.PixOffset(x+ov.Rect.Min.X, y+ov.Rect.Min.Y)
			ov.Pix[o], ov.Pix[o+1], ov.Pix[o+2], ov.Pix[o+3] = c[0], c[1], c[2], 255
		}
	}
}
