package cells

import (
	"math"

	"github.com/histocount/histocount/models"
)

// The candidate classifier of the trypan segmenter: one-hidden-layer
// perceptrons (an ensemble of five fitted from different seeds, their
// probabilities averaged) on trypanCellVectorLen descriptors of each
// candidate object call it not-a-cell, live or dead. Their weights
// (trypan_cellmlp_weights.go) are written by scripts/train/trypan_cellmlp.py from the candidates of the
// 1000 brightfield-viability development crops matched to the annotators'
// boxes. 5-fold cross-validated by image (internal/eval, or
// scripts/train/trypan_cellmlp.py cv), it counts with a total WAPE of
// 8.44 % and a viability MAE of 5.25 percentage points; on the images it
// was fitted on, 6.84 %, so expect the former on new images. Where that
// error lies (out-of-fold calls, 2026-12-01): with every call on a
// candidate cut by the field edge right the WAPE would be 4.9 %, with
// every call on the others right 5.7 %, with all right 1.9 % (annotated
// cells with no candidate of their own: clumps, faint ghosts). The
// annotators counted cut cells inconsistently: a third of the cut
// candidates reaching 9–12 px into the crop at its top or left edge carry
// a box.
//
// Descriptors, sizes in units of r0 = sc.refRadiusPx, grey levels relative
// to the flattened chamber background:
//
//	0–9   the object's shape and contrast (trypanFeatures): largest
//	      inscribed radius, log area, dark and bright percentiles, mean,
//	      bright fraction, spread, field-edge contact, dark fraction,
//	      log elongation — the inputs of the classical trypanIsCell;
//	10–17 mean grey of the patch (trypan_patch.go) in rings 2 patch
//	      pixels wide around the centroid: rim and refractile centre of a
//	      live cell, the filled disc of a dead one, neighbours;
//	18–19 darkest and brightest grey of the object within the patch;
//	20    fraction of the patch inside the field: how much of a cell cut
//	      by the field edge is visible;
//	21–24 field-edge side: whether the object touches the top or left
//	      edge, or the bottom or right one, and its centroid's distance to
//	      each pair (clipped at 3 r0). The annotators of the development
//	      images count cells cut by the top and left edges far more often
//	      than those cut by the bottom and right ones (56–60 % against
//	      38–42 % of such candidates), the chamber-counting convention that
//	      a cell on a boundary is counted on two sides only; these
//	      descriptors let the classifier follow it.
const trypanCellVectorLen = 25

// trypanCellVector computes the descriptors of one candidate object from
// its features and its patch (trypanPatch, same object) in a w×h field.
func trypanCellVector(f trypanFeatures, patch []float32, w, h int, sc trypanScale, out []float64) {
	r0 := sc.refRadiusPx
	head := math.Max(20, f.headroom)
	border := 0.0
	if f.border {
		border = 1
	}
	out[0] = f.maxInscribed / r0
	out[1] = math.Log(math.Max(1, float64(f.area)) / (math.Pi * r0 * r0))
	out[2] = f.dark / 50
	out[3] = f.bright / head
	out[4] = f.meanFlat / 20
	out[5] = f.brightFrac * 10
	out[6] = f.std / 20
	out[7] = border
	out[8] = f.darkFrac
	out[9] = math.Log(math.Max(1, f.elongation))

	const n = trypanPatchSide
	plane := n * n
	var ringSum, ringN [8]float64
	lo, hi := 9.0, -9.0
	inside := 0.0
	c := float64(n-1) / 2
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			k := i*n + j
			v := float64(patch[k])
			if r := int(math.Hypot(float64(i)-c, float64(j)-c) / 2); r < 8 {
				ringSum[r] += v
				ringN[r]++
			}
			if patch[2*plane+k] > 0.5 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			inside += float64(patch[plane+k])
		}
	}
	for r := range ringSum {
		out[10+r] = ringSum[r] / ringN[r]
	}
	out[18], out[19] = lo, hi
	out[20] = inside / float64(plane)

	dtl := math.Min(f.cx, f.cy) / r0
	dbr := math.Min(float64(w-1)-f.cx, float64(h-1)-f.cy) / r0
	out[21], out[22] = 0, 0
	if f.border {
		if dtl < dbr {
			out[21] = 1
		} else {
			out[22] = 1
		}
	}
	out[23], out[24] = math.Min(dtl, 3), math.Min(dbr, 3)
}

// trypanCellProbs returns the classifier's probabilities (none, live,
// dead) for a descriptor vector: the mean over the ensemble's members.
func trypanCellProbs(v []float64) [3]float64 { return trypanEnsembleProbs(trypanCellMLPs, v) }

// trypanEnsembleProbs is trypanCellProbs for a given ensemble.
func trypanEnsembleProbs(ens []trypanCellMLPWeights, v []float64) [3]float64 {
	var acc [3]float64
	for i := range ens {
		p := ens[i].probs(v)
		for k := range acc {
			acc[k] += p[k] / float64(len(ens))
		}
	}
	return acc
}

// trypanEnsemble is the classifier Options ask for: the one fitted on all
// development images, or for cross-validation (Options.TrypanCVFold = k+1)
// the one fitted without fold k.
func trypanEnsemble(fold int) []trypanCellMLPWeights {
	if fold >= 1 && fold <= len(trypanCellMLPFolds) {
		return trypanCellMLPFolds[fold-1]
	}
	return trypanCellMLPs
}

// probs runs one member of the ensemble.
func (m *trypanCellMLPWeights) probs(v []float64) [3]float64 {
	var hidden [trypanCellHidden]float64
	for o := range hidden {
		s := m.b1[o]
		for i := 0; i < trypanCellVectorLen; i++ {
			s += m.w1[o][i] * (v[i] - m.mean[i]) / m.scale[i]
		}
		hidden[o] = math.Max(0, s)
	}
	var l [3]float64
	for o := range l {
		s := m.b2[o]
		for i, hv := range hidden {
			s += m.w2[o][i] * hv
		}
		l[o] = s
	}
	mx := math.Max(l[0], math.Max(l[1], l[2]))
	var z float64
	for i := range l {
		l[i] = math.Exp(l[i] - mx)
		z += l[i]
	}
	for i := range l {
		l[i] /= z
	}
	return l
}

// trypanCellMLPWeights is the layout of the generated weights: inputs are
// standardised ((v − mean)/scale), then w1, ReLU, w2, softmax.
type trypanCellMLPWeights struct {
	mean, scale [trypanCellVectorLen]float64
	w1          [trypanCellHidden][trypanCellVectorLen]float64
	b1          [trypanCellHidden]float64
	w2          [3][trypanCellHidden]float64
	b2          [3]float64
}

// trypanLearnedClass returns the most probable class of a candidate: ""
// (not a cell), models.ClassLive or models.ClassDead.
func trypanLearnedClass(pr [3]float64) string {
	switch {
	case pr[0] >= pr[1] && pr[0] >= pr[2]:
		return ""
	case pr[1] >= pr[2]:
		return models.ClassLive
	}
	return models.ClassDead
}
