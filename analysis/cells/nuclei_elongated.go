package cells

import (
	"math"
	"slices"
)

// Constants for two nuclei pressed end to end into one oval object
// (splitElongated).
const (
	nucleiElongMinAreaFrac   = 1.2  // an object of at least this × the median area ...
	nucleiElongMinAspect     = 1.8  // ... at least this elongated (major ÷ minor axis of its second moments) ...
	nucleiElongAspectOverMed = 1.55 // ... and this × the image's median elongation ...
	nucleiElongMinDiscRatio  = 1.6  // ... whose area is at least this × the disc of its inscribed radius ...
	nucleiElongMinPieceFrac  = 0.4  // ... is cut in two across its long axis, when each half holds this × the median area
	nucleiElongMinObjects    = 10   // the image's typical shape is judged from at least this many objects
	nucleiElongMaxRadiusPx   = 12.0 // only where the median object's equivalent radius is at most this many px
)

// splitElongated cuts in two, across its long axis (k-means on pixel
// coordinates, seeded along that axis), every object of lab (labels 1..n,
// image width w) that is larger than nucleiElongMinAreaFrac × the median
// object area, more elongated than nucleiElongMinAspect and than
// nucleiElongAspectOverMed × the median elongation of the image's
// objects, and whose area exceeds nucleiElongMinDiscRatio × π·ρ², ρ being
// its largest inscribed radius. Returns the new count (labels renumbered in
// scan order).
//
// Two round nuclei pressed together with no neck on the outline and no
// dark seam between them (the chromatin of both reaches the contact) are
// one oval about twice as long as wide: its area is that of two discs of
// its inscribed radius, more than one convex nucleus of that width holds.
// A single nucleus is about as long as the image's typical nucleus is
// (physgen Kc167 fields: median elongation 1.2–1.3, 90th percentile
// 1.4–1.7); an image of spindle-shaped nuclei raises the bar with its own
// median. A crease or a lobe leaves the outline as round as it was, so
// neither makes an object elongated. The ratio to the median is bounded by
// real single outlines: at 1.45 the DSB2018 shapes of
// TestNucleiTrueShapesSplit lose 8 more singles to a cut (13 extra
// pieces in 1001, above its 1 % ceiling); at 1.55, with the radius bound
// below, 3 (8; pairs left whole 186 → 145 of 443).
//
// Only nuclei a few pixels across (median equivalent radius up to
// nucleiElongMaxRadiusPx): there the blur (1–2 px) fills the notches where
// two nuclei press together, so a pair shows no neck; larger nuclei show
// it, the neck rules cut them (clumpSplit), and an elongated outline
// without a neck is one elongated nucleus. DSB2018 (all 370): on images
// whose median true nucleus exceeds 540 px (radius 13) the cut lost a true
// nucleus in 10 of 12 images it changed (−8 TP), below that it gained +15.
func splitElongated(lab []int32, n, w int) int {
	if n < nucleiElongMinObjects {
		return n
	}
	pix := labelPixels(lab, n)
	areas := make([]int, 0, n)
	for l := 1; l <= n; l++ {
		if len(pix[l]) > 0 {
			areas = append(areas, len(pix[l]))
		}
	}
	if len(areas) < nucleiElongMinObjects {
		return n
	}
	slices.Sort(areas)
	typ := float64(areas[len(areas)/2])
	if math.Sqrt(typ/math.Pi) > nucleiElongMaxRadiusPx {
		return n
	}
	aspects := make([]float64, 0, n)
	aspect := make([]float64, n+1)
	for l := 1; l <= n; l++ {
		if len(pix[l]) >= 5 {
			aspect[l] = pixelAspect(pix[l], w)
			aspects = append(aspects, aspect[l])
		}
	}
	if len(aspects) < nucleiElongMinObjects {
		return n
	}
	minAspect := max(nucleiElongMinAspect, nucleiElongAspectOverMed*percentile(aspects, 0.5))
	next := int32(n)
	for l := 1; l <= n; l++ {
		p := pix[l]
		a := float64(len(p))
		if a < nucleiElongMinAreaFrac*typ || aspect[l] < minAspect {
			continue
		}
		g := newObjectGrid(p, w)
		rho := float64(slices.Max(edt(g.mask, g.w, g.h)))
		if a < nucleiElongMinDiscRatio*math.Pi*rho*rho {
			continue
		}
		assign := kmeansPixels(p, w, 2)
		var k1 int
		for _, c := range assign {
			k1 += c
		}
		if float64(min(k1, len(p)-k1)) < nucleiElongMinPieceFrac*typ {
			continue
		}
		next++
		for j, i := range p {
			if assign[j] == 1 {
				lab[i] = next
			}
		}
	}
	if int(next) == n {
		return n
	}
	out := make([]int32, len(lab))
	m := relabelByArea(lab, out, int(next), 1)
	copy(lab, out)
	return m
}

// pixelAspect is the ratio of the major to the minor axis of the ellipse
// with the second moments of the pixels pix (row-major indices, width w).
func pixelAspect(pix []int32, w int) float64 {
	n := float64(len(pix))
	_, _, sxx, sxy, syy := pixelMoments(pix, w)
	// A pixel is a unit square: each adds 1/12 to both variances, so a
	// one-pixel-wide line is not infinitely elongated.
	sxx, sxy, syy = sxx/n+1.0/12, sxy/n, syy/n+1.0/12
	half, d := (sxx+syy)/2, math.Sqrt((sxx-syy)*(sxx-syy)/4+sxy*sxy)
	return math.Sqrt((half + d) / (half - d))
}
