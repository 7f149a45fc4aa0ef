package dermis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// LayerTrainingTile is one image's features with its truth: a class per
// working pixel (0 background, 1 keratin, 2 epidermis, 3 dermis, or
// LayerIgnore).
type LayerTrainingTile struct {
	Features *LayerFeatureMap
	Truth    []uint8
}

// LayerTrainConfig is the training recipe; DefaultLayerTrainConfig is the
// one the committed model was trained with.
type LayerTrainConfig struct {
	Seed         uint64
	PerClass     int // pixels sampled per class and tile (fewer if the tile has fewer)
	Hidden       int
	Epochs       int
	Context      bool // add the auto-context stage
	ContextFolds int  // tile folds giving the first stage's out-of-fold probabilities
	// MaxZ is the stain gate's width in training SDs per chroma axis
	// (red, blue, red − blue share): the last is the narrow one that
	// keeps H&E out (2.5: the generator's H&E sections reach a difference of
	// 0.13 once the glass level is taken from flat empty patches; skin-pas
	// tiles lie at 0.16–0.25).
	MaxZ [layerChromaAxes]float64
}

// DefaultLayerTrainConfig is the committed recipe.
func DefaultLayerTrainConfig() LayerTrainConfig {
	return LayerTrainConfig{Seed: 1, PerClass: 600, Hidden: 24, Epochs: 10, Context: true, ContextFolds: 3, MaxZ: [layerChromaAxes]float64{4, 4, 2.5}}
}

// ErrNoTrainingData is returned when the tiles hold no labelled pixel.
var ErrNoTrainingData = errors.New("dermis: no labelled pixels to train on")

// TrainLayerModel fits the learned layer classifier to tiles. The result
// depends only on tiles and cfg (seeded; single-threaded).
func TrainLayerModel(tiles []LayerTrainingTile, cfg LayerTrainConfig) (*LayerModel, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1a7e5))
	nf := len(layerFeatureNames)
	// class-balanced pixel sample per tile, fixed for all stages
	picks := make([][]int, len(tiles))
	total := 0
	for t, tl := range tiles {
		if tl.Features == nil || len(tl.Truth) != tl.Features.W*tl.Features.H || len(tl.Features.X) != len(tl.Truth)*nf {
			return nil, fmt.Errorf("%w: tile %d has features and truth of different sizes", ErrBadImage, t)
		}
		var byCls [layerClasses][]int
		for i, c := range tl.Truth {
			if c < layerClasses {
				byCls[c] = append(byCls[c], i)
			}
		}
		for _, idx := range byCls {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			picks[t] = append(picks[t], idx[:min(len(idx), cfg.PerClass)]...)
		}
		total += len(picks[t])
	}
	if total == 0 {
		return nil, ErrNoTrainingData
	}
	mcfg := mlpConfig{Hidden: cfg.Hidden, Epochs: cfg.Epochs, Batch: 128, LR: 3e-3, L2: 1e-4}
	sample := func(sel []int, ctx [][][]float32) ([][]float32, []uint8) {
		var x [][]float32
		var y []uint8
		for _, t := range sel {
			tl := tiles[t]
			for _, i := range picks[t] {
				row := append([]float32(nil), tl.Features.X[i*nf:(i+1)*nf]...)
				if ctx != nil {
					for _, c := range ctx[t] {
						row = append(row, c[i])
					}
				}
				x = append(x, row)
				y = append(y, tl.Truth[i])
			}
		}
		return x, y
	}
	all := make([]int, len(tiles))
	for i := range all {
		all[i] = i
	}
	m := &LayerModel{Version: layerModelVersion, Features: layerFeatureNames, MaxZ: cfg.MaxZ,
		Recipe: fmt.Sprintf("histocount-trainlayers seed %d per-class %d hidden %d epochs %d context %v folds %d",
			cfg.Seed, cfg.PerClass, cfg.Hidden, cfg.Epochs, cfg.Context, cfg.ContextFolds)}
	x, y := sample(all, nil)
	m.Stages = append(m.Stages, trainMLP(x, y, nf, layerClasses, mcfg, rng))
	if cfg.Context {
		// The next stage must learn from probabilities like those it will
		// see on new images, not from the previous stages' fit to their
		// own training pixels: out-of-fold predictions by tile.
		ctx := make([][][]float32, len(tiles))
		folds := max(2, cfg.ContextFolds)
		for f := 0; f < folds; f++ {
			var in, out []int
			for t := range tiles {
				if t%folds == f {
					out = append(out, t)
				} else {
					in = append(in, t)
				}
			}
			if len(out) == 0 {
				continue
			}
			sub := &LayerModel{}
			xi, yi := sample(in, nil)
			sub.Stages = append(sub.Stages, trainMLP(xi, yi, nf, layerClasses, mcfg, rng))
			for _, t := range out {
				ctx[t] = contextPlanes(sub.probabilities(tiles[t].Features, false, true), tiles[t].Features.W, tiles[t].Features.H)
			}
		}
		x, y := sample(all, ctx)
		m.Stages = append(m.Stages, trainMLP(x, y, nf+layerClasses*len(layerContextSigmas), layerClasses, mcfg, rng))
	}
	// stain gate from the training tiles
	var s, s2 [layerChromaAxes]float64
	for _, tl := range tiles {
		for k := range s {
			s[k] += tl.Features.Chroma[k]
			s2[k] += tl.Features.Chroma[k] * tl.Features.Chroma[k]
		}
	}
	nt := float64(len(tiles))
	for k := range s {
		mu := s[k] / nt
		m.ChromaMean[k] = mu
		m.ChromaSD[k] = math.Sqrt(math.Max(s2[k]/nt-mu*mu, 1e-8))
	}
	return m, nil
}
