package dermis

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/threshold"
)

// The H&E basal layer is a row of dense, dark, palisading nuclei with
// little cytoplasm; the papillary dermis below it has scattered nuclei in
// a fibrous ground. Where that ground is nearly as dark as the epidermis
// (dense or lilac papillary dermis, a fold darkening both layers) a
// threshold on darkness at a cell's scale (the sheet) cannot tell them
// apart, but the share of nuclei can: the basal row covers most of a
// strip along the surface, the dermis a few per cent. basalDEJ places the
// DEJ at the bottom of that row.
const (
	// basalGroundUM: half-width of the minimum filter that gives the
	// ground under the nuclei (wider than a nucleus is thick)
	basalGroundUM = 5
	// basalStripUM: half-length of the strip along the surface over which
	// nuclear cover is averaged (a few basal nuclei)
	basalStripUM = 8
	// basalRowUM: depth over which the row above the DEJ is averaged (a
	// basal nucleus' length); basalBelowUM: depth of dermis below it
	basalRowUM   = 6
	basalBelowUM = 20
	// basalSearchUM: how far below the sheet's DEJ a row is looked for
	// (the sheet may hold only the upper epidermis)
	basalSearchUM = 100
	// basalMinStep: least drop in nuclear cover (share of the strip) from
	// the row to the dermis; basalMinRatio: least row/dermis cover ratio
	basalMinStep  = 0.2
	basalMinRatio = 2
	// basalMaxBelow: most nuclear cover of the dermis under the row (a
	// sparse stretch of spinous layers is no emptier than this)
	basalMaxBelow = 0.1
)

// nuclearMask marks H&E nuclei: haematoxylin above its local ground (the
// minimum over ±basalGroundUM) by more than Otsu's split of that excess
// over the sheet (nuclei against cytoplasm). Taking the ground off makes
// the mask the same in a lilac or darkened (folded) dermis as in a pale
// one. Nil when there is no sheet.
func (s *section) nuclearMask() []bool {
	if s.hConc == nil || s.epi == nil {
		return nil
	}
	ground := minFilter(s.hConc, s.tissue, int(math.Round(s.px(basalGroundUM, 3))))
	excess := newPlane(s.w, s.h)
	var vals []float32
	for i, t := range s.tissue {
		if t {
			excess.v[i] = s.hConc.v[i] - ground.v[i]
			if s.epi[i] {
				vals = append(vals, excess.v[i])
			}
		}
	}
	if len(vals) < minLevelSamples {
		return nil
	}
	thr := threshold.Otsu(vals)
	out := make([]bool, len(excess.v))
	for i, v := range excess.v {
		out[i] = s.tissue[i] && v > thr
	}
	return out
}

// nuclearCover is the share of nuclei over the tissue of the strip across
// the normal n at offset t from p (±half px along the surface), and false
// when less than half of the strip is tissue.
func (s *section) nuclearCover(p, n Point, t, half float64) (float64, bool) {
	x0, y0 := p.X+0.5+t*n.X, p.Y+0.5+t*n.Y
	var nuc, in int
	for u := -half; u <= half; u++ {
		x, y := int(math.Floor(x0-u*n.Y)), int(math.Floor(y0+u*n.X))
		if x < 0 || y < 0 || x >= s.w || y >= s.h || !s.filled[y*s.w+x] {
			continue
		}
		in++
		if s.nuclei[y*s.w+x] {
			nuc++
		}
	}
	total := int(2*half) + 1
	if 2*in < total {
		return 0, false
	}
	return float64(nuc) / float64(in), true
}

// basalDEJ returns the offset along the normal where the nuclear cover
// falls most from a basal row (basalRowUM above) to the dermis
// (basalBelowUM below), between halfway down the sheet's epidermis
// (e0…e1; the sparse, flattened nuclei under the corneum may look like a
// row over nothing) and basalSearchUM below its DEJ e1; e1 when no such
// fall is clear.
func (s *section) basalDEJ(p, n Point, e0, e1 float64) float64 {
	if s.nuclei == nil {
		return e1
	}
	const step = 0.5
	half := math.Max(2, s.px(basalStripUM, 4))
	above := math.Max(2, s.px(basalRowUM, 3))
	below := math.Max(3, s.px(basalBelowUM, 6))
	end := e1 + s.px(basalSearchUM, 0)
	start := (e0 + e1) / 2
	var prof []float64
	for t := start; t <= end+below; t += step {
		c, ok := s.nuclearCover(p, n, t, half)
		if !ok {
			break
		}
		prof = append(prof, c)
	}
	ka, kb := int(above/step), int(below/step)
	if len(prof) < ka+kb+1 {
		return e1
	}
	cum := make([]float64, len(prof)+1)
	for i, v := range prof {
		cum[i+1] = cum[i] + v
	}
	// the strongest fall: a cluster of dermal nuclei over emptier dermis
	// falls less than the basal row over the dermis
	best, bestT := 0.0, e1
	for k := ka; k+kb <= len(prof); k++ {
		up := (cum[k] - cum[k-ka]) / float64(ka)
		down := (cum[k+kb] - cum[k]) / float64(kb)
		if d := up - down; d > best && d >= basalMinStep && up >= basalMinRatio*down && down <= basalMaxBelow {
			best, bestT = d, start+float64(k)*step
		}
	}
	return bestT
}
