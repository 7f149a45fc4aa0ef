package dermis

import (
	"math"

	"github.com/histocount/histocount/stats"
)

// Per-pixel features of the learned layer classifier (layers_model.go).
//
// All come from the glass-normalised optical density planes of prepare,
// at working resolution, and describe what a pathologist looks at: the
// colour of the pixel, how densely the neighbourhood is stained and
// how much it varies (packed cells against fibres and gaps) at several
// scales, the density of nuclei (dark, haematoxylin-rich pixels), and how
// close glass is (the stratum corneum lies next to it). Scales are in
// working pixels: the model is used only at the pixel size it was trained
// at (see layerModelUsable).

// layerFeatureNames lists the features in the order of the feature vector;
// the model file records it so that a stale model is refused.
var layerFeatureNames = []string{
	"od_sum_s1", "chroma_r_s1", "chroma_b_s1",
	"od_sum_s3", "od_sum_s8", "od_sum_s20", "od_sum_s48",
	"od_sd_s3", "od_sd_s8", "od_sd_s20",
	"nuclei_s4", "nuclei_s12", "nuclei_s30",
	"od_r_s4", "od_r_s12", "od_r_s30",
	"chroma_r_s12", "chroma_b_s12",
	"glass_s8", "glass_s24", "glass_s64",
	"glass_dist",
	"od_rel_s8", "chroma_r_rel_s8",
	"coherence_s4",
}

// Thresholds of the indicator maps, in summed OD of the three channels.
const (
	layerGlassOD   = 0.15 // below: unstained (glass, lumen, cleft)
	layerNucleusOD = 1.0  // above: a nucleus or dense keratohyalin
	layerGlassArea = 400  // unstained regions smaller than this (px) are gaps, not glass
	layerDistCap   = 200  // glass distance saturates here, px
)

// layerFeatures returns the n×F feature matrix (row-major, n = w·h).
func (s *section) layerFeatures() []float32 {
	w, h := s.w, s.h
	n := w * h
	nf := len(layerFeatureNames)
	out := make([]float32, n*nf)
	col := 0
	put := func(v []float32) {
		for i, x := range v {
			out[i*nf+col] = x
		}
		col++
	}
	blur := func(src []float32, sigma float64) []float32 {
		p := &plane{w: w, h: h, v: append([]float32(nil), src...)}
		gaussBlur(p, sigma)
		return p.v
	}
	sum1 := blur(s.odSum.v, 1)
	r1, b1 := blur(s.od[0].v, 1), blur(s.od[2].v, 1)
	chroma := func(r, sum []float32) []float32 {
		c := make([]float32, n)
		for i := range c {
			c[i] = r[i] / (sum[i] + 0.05)
		}
		return c
	}
	put(sum1)
	put(chroma(r1, sum1))
	put(chroma(b1, sum1))
	for _, sg := range []float64{3, 8, 20, 48} {
		put(blur(s.odSum.v, sg))
	}
	sq := make([]float32, n)
	for i, v := range s.odSum.v {
		sq[i] = v * v
	}
	for _, sg := range []float64{3, 8, 20} {
		m, m2 := blur(s.odSum.v, sg), blur(sq, sg)
		sd := make([]float32, n)
		for i := range sd {
			sd[i] = float32(math.Sqrt(math.Max(0, float64(m2[i]-m[i]*m[i]))))
		}
		put(sd)
	}
	nuc := make([]float32, n)
	glass := make([]bool, n)
	for i, v := range sum1 {
		if v > layerNucleusOD {
			nuc[i] = 1
		}
		glass[i] = v < layerGlassOD
	}
	for _, sg := range []float64{4, 12, 30} {
		put(blur(nuc, sg))
	}
	for _, sg := range []float64{4, 12, 30} {
		put(blur(s.od[0].v, sg))
	}
	sum12 := blur(s.odSum.v, 12)
	put(chroma(blur(s.od[0].v, 12), sum12))
	put(chroma(blur(s.od[2].v, 12), sum12))
	// glass: the large unstained regions only
	lab, area, _ := components(glass, w, h)
	g := make([]float32, n)
	big := make([]bool, n)
	for i, l := range lab {
		if l != 0 && area[l] >= layerGlassArea {
			g[i] = 1
			big[i] = true
		}
	}
	for _, sg := range []float64{8, 24, 64} {
		put(blur(g, sg))
	}
	dist := chamferDist(big, w, h)
	dv := make([]float32, n)
	for i, d := range dist {
		dv[i] = float32(math.Log1p(math.Min(float64(d), layerDistCap)) / math.Log1p(layerDistCap))
	}
	put(dv)
	// relative to the section's own median stain, so that a paler or
	// darker slide looks like the training slides
	var tis, tisR []float32
	for i := 0; i < n; i += 3 {
		if sum1[i] > 2*layerGlassOD {
			tis = append(tis, sum1[i])
			tisR = append(tisR, r1[i]/(sum1[i]+0.05))
		}
	}
	medOD, medR := float32(0.5), float32(0.3)
	if len(tis) > 100 {
		medOD, medR = stats.QuantileFloor(tis, 0.5), stats.QuantileFloor(tisR, 0.5)
	}
	sum8 := blur(s.odSum.v, 8)
	rel := make([]float32, n)
	for i, v := range sum8 {
		rel[i] = v / (medOD + 0.05)
	}
	put(rel)
	cr8 := chroma(blur(s.od[0].v, 8), sum8)
	for i := range cr8 {
		cr8[i] -= medR
	}
	put(cr8)
	put(coherence(sum1, w, h, 4))
	if col != nf {
		panic("dermis: layer feature count mismatch") // programming error, caught by the tests
	}
	return out
}

// coherence is the structure-tensor anisotropy ((λ1−λ2)/(λ1+λ2)) at scale
// sigma: high in the parallel lamellae of basket-weave keratin and in
// fibre bundles, low in the cobblestone of the epidermis.
func coherence(v []float32, w, h int, sigma float64) []float32 {
	n := w * h
	xx, yy, xy := make([]float32, n), make([]float32, n), make([]float32, n)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			gx := v[y*w+min(x+1, w-1)] - v[y*w+max(x-1, 0)]
			gy := v[min(y+1, h-1)*w+x] - v[max(y-1, 0)*w+x]
			xx[i], yy[i], xy[i] = gx*gx, gy*gy, gx*gy
		}
	}
	for _, a := range [][]float32{xx, yy, xy} {
		p := &plane{w: w, h: h, v: a}
		gaussBlur(p, sigma)
	}
	out := make([]float32, n)
	for i := range out {
		a, b, c := float64(xx[i]), float64(yy[i]), float64(xy[i])
		tr := a + b
		if tr > 1e-6 {
			out[i] = float32(math.Sqrt((a-b)*(a-b)+4*c*c) / tr)
		}
	}
	return out
}
