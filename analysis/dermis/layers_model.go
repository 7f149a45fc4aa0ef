package dermis

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// The learned layer classifier: a per-pixel MLP on layerFeatures, applied
// twice (auto-context, Tu & Bai 2010): the second stage sees the first
// stage's class probabilities smoothed at several scales, so a pixel's
// label can follow its neighbourhood (keratin lies between glass and
// epidermis, the epidermis is a sheet). Trained by
// cmd/histocount-trainlayers on the skin-pas tiles (PAS, pathologists'
// masks); see internal/eval/dermis_layers.go for its leave-one-slide-out
// figures. It replaces the classical labels only where it knows the
// stain and scale (layerModelUsable); elsewhere, and when the model file
// is absent or stale, the classical labels stand.

// Classes of the learned model, in output order.
const (
	layerClsBackground = iota
	layerClsKeratin
	layerClsEpidermis
	layerClsDermis
	layerClasses
)

// LayerIgnore marks a truth pixel that does not train or score (the
// pathologists' junction band).
const LayerIgnore = 255

// layerContextSigmas are the smoothing scales (working px) of the
// previous stage's probabilities fed to the next stage.
var layerContextSigmas = []float64{4, 16, 48}

// layerContextStride is the grid step at which the stages feeding
// context are evaluated, px.
const layerContextStride = 2

// layerLabelSmooth smooths the final probabilities before the arg max,
// so that single pixels do not flip class, px.
const layerLabelSmooth = 2

// LayerModel is the learned layer classifier, as stored in
// weights/layers_mlp.json.
type LayerModel struct {
	Version  int         `json:"version"`
	Features []string    `json:"features"`
	Stages   []*layerMLP `json:"stages"`
	// Gate: the model is used on a section whose stain colour (see
	// stainChroma: red share, blue share, their difference) lies within
	// MaxZ training SDs of the training tiles' mean on every axis.
	ChromaMean [layerChromaAxes]float64 `json:"chroma_mean"`
	ChromaSD   [layerChromaAxes]float64 `json:"chroma_sd"`
	MaxZ       [layerChromaAxes]float64 `json:"max_z"`
	Recipe     string                   `json:"recipe"`
}

const layerModelVersion = 2

// layerChromaAxes: red share, blue share and red minus blue share of the
// tissue's optical density.
const layerChromaAxes = 3

// ErrLayerModel is returned for a layer model file that is empty, of
// another version or built on other features.
var ErrLayerModel = errors.New("dermis: layer model unusable")

//go:embed weights/layers_mlp.json
var layerModelJSON []byte

var defaultLayerModel = sync.OnceValue(func() *LayerModel {
	m, err := ParseLayerModel(layerModelJSON)
	if err != nil {
		return nil // absent or stale: the classical labels stand
	}
	return m
})

// DefaultLayerModel returns the embedded model, or nil when there is none.
func DefaultLayerModel() *LayerModel { return defaultLayerModel() }

// ParseLayerModel decodes and checks a model file.
func ParseLayerModel(b []byte) (*LayerModel, error) {
	var m LayerModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLayerModel, err)
	}
	if m.Version != layerModelVersion || !slices.Equal(m.Features, layerFeatureNames) || len(m.Stages) == 0 {
		return nil, fmt.Errorf("%w: version %d, %d features, %d stages", ErrLayerModel, m.Version, len(m.Features), len(m.Stages))
	}
	for k, st := range m.Stages {
		nIn := len(layerFeatureNames)
		if k > 0 {
			nIn += layerClasses * len(layerContextSigmas)
		}
		if len(st.Mean) != nIn || len(st.SD) != nIn || len(st.W1) == 0 || len(st.B1) != len(st.W1) ||
			len(st.W2) != layerClasses || len(st.B2) != layerClasses {
			return nil, fmt.Errorf("%w: stage %d has the wrong shape", ErrLayerModel, k)
		}
		for _, r := range st.W1 {
			if len(r) != nIn {
				return nil, fmt.Errorf("%w: stage %d has the wrong shape", ErrLayerModel, k)
			}
		}
		for _, r := range st.W2 {
			if len(r) != len(st.W1) {
				return nil, fmt.Errorf("%w: stage %d has the wrong shape", ErrLayerModel, k)
			}
		}
	}
	return &m, nil
}

// Marshal encodes the model for weights/layers_mlp.json.
func (m *LayerModel) Marshal() ([]byte, error) { return json.Marshal(m) }

// LayerFeatureMap holds the features of one image at working resolution.
type LayerFeatureMap struct {
	W, H int
	X    []float32 // W·H rows of len(layerFeatureNames)
	// Chroma is the stain colour of the tissue (see stainChroma).
	Chroma [layerChromaAxes]float64
	// Scale is the working downsampling factor (1 = input pixels).
	Scale int
}

// LayerFeatures computes the learned classifier's features of img, at
// the working resolution Measure uses.
func LayerFeatures(img *imageio.Image) (*LayerFeatureMap, error) {
	if img == nil || img.Width < 32 || img.Height < 32 || (img.Channels != 1 && img.Channels != 3) ||
		len(img.Pix) != img.Width*img.Height*img.Channels {
		return nil, ErrBadImage
	}
	s := &section{img: img, cal: img.Calibration}
	s.prepare()
	return s.layerFeatureMap(), nil
}

func (s *section) layerFeatureMap() *LayerFeatureMap {
	return &LayerFeatureMap{W: s.w, H: s.h, X: s.layerFeatures(), Chroma: s.stainChroma(), Scale: s.f}
}

// stainChroma is the tissue's mean share of the red and of the blue OD in
// the summed OD (stained pixels only), and their difference: silver
// absorbs blue most; PAS's magenta with a haematoxylin counterstain
// absorbs more red than blue (difference 0.16–0.25 on skin-pas), H&E's
// eosin and haematoxylin about as much of both (0.03–0.10 on the H&E
// sample and the generator's sections).
func (s *section) stainChroma() [layerChromaAxes]float64 {
	var r, b, t float64
	for i, v := range s.odSum.v {
		if v > 2*layerGlassOD {
			r += float64(s.od[0].v[i])
			b += float64(s.od[2].v[i])
			t += float64(v)
		}
	}
	if t == 0 {
		return [layerChromaAxes]float64{}
	}
	return [layerChromaAxes]float64{r / t, b / t, (r - b) / t}
}

// Probabilities returns the class probability planes (background,
// keratin, epidermis, dermis) of fm, smoothed by layerLabelSmooth.
func (m *LayerModel) Probabilities(fm *LayerFeatureMap) [][]float32 {
	return m.probabilities(fm, true, false)
}

// probabilities evaluates the stages; forContext: the result only feeds
// another stage's context, so even the last stage runs on the coarse grid.
func (m *LayerModel) probabilities(fm *LayerFeatureMap, smooth, forContext bool) [][]float32 {
	n := fm.W * fm.H
	nf := len(layerFeatureNames)
	var prev [][]float32
	for k, st := range m.Stages {
		var ctx [][]float32
		if k > 0 {
			ctx = contextPlanes(prev, fm.W, fm.H)
		}
		nIn := len(st.Mean)
		cur := make([][]float32, layerClasses)
		for c := range cur {
			cur[c] = make([]float32, n)
		}
		x := make([]float32, nIn)
		hid := make([]float32, len(st.W1))
		p := make([]float32, layerClasses)
		// Stages that only feed the next one's context (smoothed at
		// σ ≥ 4 px) are evaluated on a 2 px grid and filled in.
		stride := 1
		if k < len(m.Stages)-1 || forContext {
			stride = layerContextStride
		}
		for y := 0; y < fm.H; y += stride {
			for x0 := 0; x0 < fm.W; x0 += stride {
				i := y*fm.W + x0
				copy(x, fm.X[i*nf:(i+1)*nf])
				for j, c := range ctx {
					x[nf+j] = c[i]
				}
				st.probs(x, hid, p)
				for yy := y; yy < min(y+stride, fm.H); yy++ {
					for xx := x0; xx < min(x0+stride, fm.W); xx++ {
						for c := range cur {
							cur[c][yy*fm.W+xx] = p[c]
						}
					}
				}
			}
		}
		prev = cur
	}
	if smooth {
		for _, pl := range prev {
			gaussBlur(&plane{w: fm.W, h: fm.H, v: pl}, layerLabelSmooth)
		}
	}
	return prev
}

// contextPlanes smooths each probability plane at layerContextSigmas:
// class-major, then scale.
func contextPlanes(prob [][]float32, w, h int) [][]float32 {
	var out [][]float32
	for _, pl := range prob {
		for _, sg := range layerContextSigmas {
			p := &plane{w: w, h: h, v: append([]float32(nil), pl...)}
			gaussBlur(p, sg)
			out = append(out, p.v)
		}
	}
	return out
}

// Labels returns one LabelBackground…LabelDermis per working pixel: the
// most probable class.
func (m *LayerModel) Labels(fm *LayerFeatureMap) []uint8 {
	prob := m.Probabilities(fm)
	out := make([]uint8, fm.W*fm.H)
	toLabel := [layerClasses]uint8{LabelBackground, LabelCorneum, LabelEpidermis, LabelDermis}
	for i := range out {
		best := 0
		for c := 1; c < layerClasses; c++ {
			if prob[c][i] > prob[best][i] {
				best = c
			}
		}
		out[i] = toLabel[best]
	}
	return out
}

// Knows reports whether a section of this stain colour lies within the
// training tiles' range (MaxZ SDs on each chroma axis).
func (m *LayerModel) Knows(chroma [layerChromaAxes]float64) bool {
	for k := range chroma {
		if m.ChromaSD[k] <= 0 || math.Abs(chroma[k]-m.ChromaMean[k]) > m.MaxZ[k]*m.ChromaSD[k] {
			return false
		}
	}
	return true
}

// Usable reports whether the model may label the image fm was computed
// from: it was trained on uncalibrated 512² PAS tiles analysed at input
// resolution, so it is used on images analysed at input resolution
// (scale 1) whose stain colour it knows.
func (m *LayerModel) Usable(fm *LayerFeatureMap) bool {
	return m != nil && fm.Scale == 1 && m.Knows(fm.Chroma)
}

// layerModelUsable is Usable for the section, never on silver and not
// when the caller asked for the classical labels.
func (s *section) layerModelUsable(m *LayerModel) bool {
	return m != nil && !s.opt.ClassicalLayers && s.f == 1 && s.stain != StainSilver && m.Knows(s.stainChroma())
}

// learnedLabels replaces the classical layer labels by the learned
// model's where it is usable; the classical fat (hypodermis) is kept, as
// the training masks have no fat class.
func (s *section) learnedLabels() {
	m := DefaultLayerModel()
	if !s.layerModelUsable(m) {
		return
	}
	lab := m.Labels(s.layerFeatureMap())
	for i, l := range lab {
		if s.labels[i] == LabelHypodermis && l != LabelBackground {
			continue
		}
		s.labels[i] = l
	}
	s.res.Section.LayerFractions = layerFractions(s.labels)
	s.res.Section.HypodermisPresent = s.res.Section.LayerFractions.Hypodermis > 0
	s.res.Section.QC = append(s.res.Section.QC, QCLearnedLayers)
}

// QCLearnedLayers: the layer labels (and the fractions, fibre and nuclei
// figures drawn from them) come from the learned classifier; the
// thickness measurements do not.
const QCLearnedLayers = "layers_learned"

// layerFractions is the share of each layer in the labelled tissue.
func layerFractions(labels []uint8) models.LayerFractions {
	var n [5]int
	tot := 0
	for _, l := range labels {
		n[l]++
		if l != LabelBackground {
			tot++
		}
	}
	if tot == 0 {
		return models.LayerFractions{}
	}
	t := float64(tot)
	return models.LayerFractions{
		Corneum: round4(float64(n[1]) / t), Epidermis: round4(float64(n[2]) / t),
		Dermis: round4(float64(n[3]) / t), Hypodermis: round4(float64(n[4]) / t),
	}
}
