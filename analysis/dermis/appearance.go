package dermis

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/threshold"
	"github.com/histocount/histocount/stats"
)

// Appearance-based layers, for views where the position from the glass
// does not work: tiles cut from inside a section (no glass or surface in
// view), a thick basket-weave stratum corneum between glass and epidermis,
// tangential cuts.
//
// The epidermis is a sheet of packed cells: at the scale of a few cells
// almost every pixel is stained and the mean optical density is high. The
// dermis is fibres, scattered nuclei and pale gaps. So the local mean of
// the summed OD over the section (σ = appSigmaUM) splits in two classes
// (Otsu); the dense class, opened by a few cells' radius (clusters of
// dermal nuclei and vessels fall away) and kept where it forms large
// sheets, is epidermis. Stratum corneum is the loose tissue between that
// sheet and the glass.
const (
	appSigmaUM   = 6  // smoothing scale of the density feature
	appOpenUM    = 8  // opening radius that removes nuclear clusters
	appMinAreaUM = 60 // minimal sheet: a square of this side
)

// appearanceEpidermis returns the dense-sheet mask described above.
func (s *section) appearanceEpidermis() []bool {
	w, h := s.w, s.h
	n := w * h
	out := make([]bool, n)
	sig := s.px(appSigmaUM, math.Max(3, 0.015*float64(min(w, h))))
	// Dark nuclei and fibres would lift the loose dermis' mean: cap the
	// OD at the section's median, so the feature measures how much of the
	// area is stained at all.
	var all []float32
	for i := 0; i < n; i += 3 {
		if s.filled[i] {
			all = append(all, s.odSum.v[i])
		}
	}
	capOD := stats.QuantileFloor(all, 0.5)
	ind := newPlane(w, h)
	for i, v := range s.odSum.v {
		ind.v[i] = min(v, capOD)
	}
	dens := normalisedBlur(ind, s.filled, sig)
	var vals []float32
	for i := 0; i < n; i += 2 {
		if s.filled[i] {
			vals = append(vals, dens.v[i])
		}
	}
	if len(vals) < 100 {
		return out
	}
	t := threshold.Otsu(vals)
	var hi, lo []float32
	for _, v := range vals {
		if v > t {
			hi = append(hi, v)
		} else {
			lo = append(lo, v)
		}
	}
	if len(hi) == 0 || len(lo) == 0 {
		return out
	}
	// two classes that differ clearly, or no sheet at all
	mH, mL := stats.QuantileFloor(hi, 0.5), stats.QuantileFloor(lo, 0.5)
	if mH < 1.15*mL {
		return out
	}
	for i, v := range dens.v {
		out[i] = s.filled[i] && v > t
	}
	r := max(1, int(math.Round(s.px(appOpenUM, math.Max(3, 0.03*float64(min(w, h)))))))
	out = morph(morph(out, w, h, r, false), w, h, r, true)
	for i := range out {
		out[i] = out[i] && s.filled[i]
	}
	minA := s.px(appMinAreaUM, 0.08*float64(min(w, h)))
	minA *= minA
	lab, area, _ := components(out, w, h)
	for i, l := range lab {
		if l != 0 && float64(area[l]) < minA {
			out[i] = false
		}
	}
	// fill holes smaller than the minimal sheet (pale cells, clefts)
	not := make([]bool, n)
	for i, v := range out {
		not[i] = !v
	}
	hl, ha, hb := components(not, w, h)
	for i, l := range hl {
		if l != 0 && !hb[l] && float64(ha[l]) < minA && s.filled[i] {
			out[i] = true
		}
	}
	return out
}

// virtualGlass (true when laid) handles a view with no glass, cut inside the
// section: the side of the image along which the dense epidermal sheet
// runs is taken as the skin surface's side, and a strip of virtual glass
// (virtualGlassPx wide) is laid along it, so the surface, the normals and
// the epidermis search work as with real glass. The stratum corneum cut by
// the image edge is then partly missed; the epidermis and dermis are not.
func (s *section) virtualGlass() bool {
	w, h := s.w, s.h
	best, edgeLevel, level := s.epidermalEdge()
	if best < 0 {
		return false
	}
	// A strip at the edge much paler than the dermis is glass (or a cut
	// corneum), not skin to be measured.
	if edgeLevel < 0.7*level {
		s.clearPaleEdge(best, (edgeLevel+level)/2)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var on bool
			switch best {
			case 0:
				on = y < virtualGlassPx
			case 1:
				on = y >= h-virtualGlassPx
			case 2:
				on = x < virtualGlassPx
			case 3:
				on = x >= w-virtualGlassPx
			}
			if on {
				i := y*w + x
				s.glass[i], s.filled[i], s.tissue[i], s.vacuol[i] = true, false, false, false
			}
		}
	}
	return true
}

// epidermalEdge returns the image edge (0 top, 1 bottom, 2 left, 3 right)
// along which the epidermis runs, or −1. Along each edge it takes the
// mean epidermis feature of the tissue in strips parallel to the edge (the
// profile with depth); the epidermis is a sheet denser than the dermis
// under it, within its thickness (plus a cut corneum) of the edge. The
// edge whose profile peaks highest near it above the level deeper down
// wins. A dense sheet that covers most of the view (dense dermis) has no
// such contrast at any edge, whatever its absolute density or stain.
//
// It also returns, for that edge, the palest level between the edge and
// the peak (edgeLevel) and the dermal level below.
func (s *section) epidermalEdge() (edge int, edgeLevel, dermisLevel float64) {
	w, h := s.w, s.h
	src, m := s.edgeSource()
	bin := s.px(edgeBinUM, math.Max(2, 0.01*float64(min(w, h))))
	nb := int(math.Ceil(s.px(edgeDeepUM, 40*bin) / bin))
	nearB := int(math.Ceil(s.px(edgeNearUM, 15*bin) / bin))
	sum := make([][4]float64, nb)
	nT := make([][4]int, nb)
	nAll := make([][4]int, nb)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := [4]int{y, h - 1 - y, x, w - 1 - x}
			i := y*w + x
			for k, dk := range d {
				j := int(float64(dk) / bin)
				if j >= nb {
					continue
				}
				nAll[j][k]++
				if m[i] {
					sum[j][k] += float64(src.v[i])
					nT[j][k]++
				}
			}
		}
	}
	best, bestC, bestE, bestL := -1, 0.0, 0.0, 0.0
	for k := range 4 {
		peak, peakJ := math.Inf(-1), 0
		mean := make([]float64, nb)
		for j := range nb {
			mean[j] = math.NaN()
			if 2*nT[j][k] >= nAll[j][k] && nT[j][k] > 0 {
				mean[j] = sum[j][k] / float64(nT[j][k])
			}
		}
		for j := 0; j < min(nearB, nb); j++ {
			if mean[j] > peak {
				peak, peakJ = mean[j], j
			}
		}
		var deep []float32
		for j := min(nearB, nb); j < nb; j++ {
			if !math.IsNaN(mean[j]) {
				deep = append(deep, float32(mean[j]))
			}
		}
		// tissue must continue below the sheet
		if math.IsInf(peak, -1) || len(deep) < (nb-nearB)/2 {
			continue
		}
		lvl := float64(stats.QuantileFloor(deep, 0.5))
		if c := peak - lvl; c > bestC {
			pale := peak
			for j := 0; j <= peakJ; j++ {
				if !math.IsNaN(mean[j]) {
					pale = math.Min(pale, mean[j])
				}
			}
			best, bestC, bestE, bestL = k, c, pale, lvl
		}
	}
	return best, bestE, bestL
}

// edgeSource is the epidermis feature of epidermalEdge: for silver the
// ground between the fibres (see segmentEpidermis).
func (s *section) edgeSource() (*plane, []bool) {
	src, m := s.epidermisSource()
	if s.eConc == nil && s.umPx > 0 {
		src = minFilter(src, m, int(math.Round(s.px(epiGroundUM, 0))))
	}
	return src, m
}

// clearPaleEdge marks as glass, along every line perpendicular to the
// image edge (as epidermalEdge), what lies between the edge and the first
// tissue at least thr dense (within edgeNearUM): glass the zero of optical
// density missed (it is darker than the adipocyte interiors that set it)
// and counted as tissue. The epidermis search then starts at the tissue.
func (s *section) clearPaleEdge(edge int, thr float64) {
	w, h := s.w, s.h
	src, m := s.edgeSource()
	f := normalisedBlur(src, m, s.px(2.5, 1.2))
	lim := int(s.px(edgeNearUM, 0.2*float64(min(w, h))))
	n, depth := w, h // lines along the edge, and their length
	if edge >= 2 {
		n, depth = h, w
	}
	for a := 0; a < n; a++ {
		for d := 0; d < min(lim, depth); d++ {
			var x, y int
			switch edge {
			case 0:
				x, y = a, d
			case 1:
				x, y = a, h-1-d
			case 2:
				x, y = d, a
			default:
				x, y = w-1-d, a
			}
			i := y*w + x
			if m[i] && float64(f.v[i]) >= thr {
				break
			}
			s.glass[i], s.filled[i], s.tissue[i], s.vacuol[i] = true, false, false, false
		}
	}
}

// Profile of epidermalEdge: strips of edgeBinUM; the epidermis peak is
// looked for within edgeNearUM of the edge, the dermal level beyond it down
// to edgeDeepUM.
const (
	edgeBinUM  = 10
	edgeNearUM = 200
	edgeDeepUM = 500
)

// virtualGlassPx is the width of the virtual glass strip, working px.
const virtualGlassPx = 3

// QCNoGlassSurface: no glass in view; the skin surface was placed at the
// image edge along which the epidermis runs, so the stratum corneum may be
// cut.
const QCNoGlassSurface = "surface_at_image_edge"
