package dermis

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/threshold"
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
	capOD := quantile(all, 0.5)
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
	mH, mL := quantile(hi, 0.5), quantile(lo, 0.5)
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
	app := s.appearanceEpidermis()
	strip := max(3, int(0.03*float64(min(w, h))))
	var side [4]int // top, bottom, left, right
	for i, v := range app {
		if !v {
			continue
		}
		x, y := i%w, i/w
		if y < strip {
			side[0]++
		}
		if y >= h-strip {
			side[1]++
		}
		if x < strip {
			side[2]++
		}
		if x >= w-strip {
			side[3]++
		}
	}
	best := 0
	for k := range side {
		if side[k] > side[best] {
			best = k
		}
	}
	if side[best] == 0 {
		return false
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

// virtualGlassPx is the width of the virtual glass strip, working px.
const virtualGlassPx = 3

// QCNoGlassSurface: no glass in view; the skin surface was placed at the
// image edge along which the epidermis runs, so the stratum corneum may be
// cut.
const QCNoGlassSurface = "surface_at_image_edge"
