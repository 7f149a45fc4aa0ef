package cells

import (
	"math"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Mitotic-figure constants. Every measure is a ratio to the same measure
// of the image's typical (median) nucleus, so the rule holds whatever the
// magnification, exposure and stain intensity.
const (
	mitoticMinNuclei      = 5    // fewer nuclei: no interphase reference, no calls
	mitoticBright         = 2.0  // net mean intensity ≥ this × the median nucleus' (condensation packs the DNA 2–3 × tighter) ...
	mitoticCompact        = 0.75 // ... and area ≤ this × the median area (condensed) ...
	mitoticPlateElong     = 2.0  // ... or a plate: major/minor axis ≥ this (metaphase side-on)
	mitoticPlateBright    = 1.8  // a plate needs this brightness only ...
	mitoticPlateArea      = 0.9  // ... and is smaller than an interphase nucleus
	mitoticSharp          = 0.8  // boundary gradient ÷ net mean ≥ this × the median nucleus' (crisp edge)
	mitoticTexture        = 1.6  // interior SD ÷ net mean ≤ this × the median nucleus' (smooth, condensed)
	mitoticMinDNA         = 0.7  // apoptosis guard: integrated net intensity ≥ this × the median (a mitosis carries 2–4 C of DNA, a bead a fragment)
	mitoticMinArea        = 0.12 // apoptosis guard: beads below this × the median area are never mitotic
	mitoticBeadArea       = 0.15 // bead: area ≤ this × the median area (anaphase halves are ~0.25) ...
	mitoticBeadBright     = 1.5  // ... and net mean ≥ this × the median
	mitoticPyknoticBright = 4.0  // round (elongation < 1.5), area ≤ 0.25 and this bright: a pyknotic nucleus or apoptotic body
	mitoticClusterRadius  = 3.0  // beads within this × the median nucleus radius of each other form a cluster ...
	mitoticClusterBeads   = 2    // ... an object with at least this many beads near it is part of an apoptotic cell
)

// MitoticFeatures are the scale-free measures of one nucleus the mitotic
// call uses, each relative to the image's median nucleus (1 = typical).
type MitoticFeatures struct {
	ID         int
	Bright     float64 // net mean intensity (mean less the background) ÷ median
	Area       float64 // area ÷ median area
	DNA        float64 // integrated net intensity ÷ median (≈ DNA content)
	Elongation float64 // major ÷ minor axis of the second moments (1 = disc; not relative)
	Sharp      float64 // mean boundary gradient ÷ net mean, ÷ median
	Texture    float64 // interior SD ÷ net mean, ÷ median
	Bead       bool    // small and bright, apoptotic-body-like
	Cluster    int     // other beads within the cluster radius
	Mitotic    bool
}

// mitoticFigures calls the mitotic figures among the n labelled nuclei of
// lab (w×h, 0 background) from the DNA-stain signal sig (0..255, bright =
// chromatin). It returns the features in label order (index label−1).
//
// A mitotic figure's chromatin is condensed: the same (replicated) DNA in
// a smaller volume, so it is much brighter per pixel than interphase
// nuclei, smaller, with a crisp edge and little internal texture relative
// to its brightness (Rieder & Khodjakov, Science 300:91, 2003; the
// appearance used by CellCognition, Held et al., Nat. Methods 7:747,
// 2010). A nucleus is mitotic when, relative to the image's median
// nucleus,
//
//	bright ≥ 2 and area ≤ 0.75 (condensed), or bright ≥ 1.8,
//	elongation ≥ 2 and area ≤ 0.9 (a metaphase plate seen side-on);
//	sharp ≥ 0.8 and texture ≤ 1.6;
//
// and it is not apoptotic-like: apoptotic bodies are tiny, very bright
// round beads, often in clusters, each holding a fragment of the DNA. So
// objects below 0.12 × the median area, or with less than 0.7 × the
// median integrated intensity, or with at least two beads (area ≤ 0.15,
// bright ≥ 1.5) within 3 median radii, or small round extremely bright
// ones (area ≤ 0.25, elongation < 1.5, bright ≥ 4: pyknosis), are never
// mitotic.
// Fields with fewer than 5 nuclei have no reference and get no calls.
func mitoticFigures(lab []int32, sig []float32, w, h, n int) []MitoticFeatures {
	if n == 0 || len(lab) != w*h || len(sig) != w*h {
		return nil
	}
	type acc struct{ a, s, ss, sx, sy, sxx, syy, sxy, g, gn float64 }
	st := make([]acc, n+1)
	var bgHist [256]int
	nbg := 0
	for y := range h {
		for x := range w {
			i := y*w + x
			l := lab[i]
			v := float64(sig[i])
			if l <= 0 || int(l) > n {
				bgHist[min(255, max(0, int(v)))]++
				nbg++
				continue
			}
			a := &st[l]
			fx, fy := float64(x), float64(y)
			a.a++
			a.s += v
			a.ss += v * v
			a.sx += fx
			a.sy += fy
			a.sxx += fx * fx
			a.syy += fy * fy
			a.sxy += fx * fy
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				continue
			}
			if lab[i-1] == l && lab[i+1] == l && lab[i-w] == l && lab[i+w] == l {
				continue
			}
			gx := float64(sig[i+1]-sig[i-1]) / 2
			gy := float64(sig[i+w]-sig[i-w]) / 2
			a.g += math.Hypot(gx, gy)
			a.gn++
		}
	}
	bg := 0.0
	if nbg > 0 {
		bg = histQuantile(&bgHist, nbg, 0.5)
	}
	feat := make([]MitoticFeatures, n)
	var areas, nets, dnas, sharps, texts []float64
	cx := make([]float64, n)
	cy := make([]float64, n)
	for l := 1; l <= n; l++ {
		a := st[l]
		f := &feat[l-1]
		f.ID = l
		if a.a == 0 {
			continue
		}
		mean := a.s / a.a
		net := max(1, mean-bg)
		sd := math.Sqrt(max(0, a.ss/a.a-mean*mean))
		cx[l-1], cy[l-1] = a.sx/a.a, a.sy/a.a
		vxx := a.sxx/a.a - cx[l-1]*cx[l-1]
		vyy := a.syy/a.a - cy[l-1]*cy[l-1]
		vxy := a.sxy/a.a - cx[l-1]*cy[l-1]
		tr, det := vxx+vyy, vxx*vyy-vxy*vxy
		disc := math.Sqrt(max(0, tr*tr/4-det))
		l1, l2 := tr/2+disc, max(tr/2-disc, 1.0/12) // a pixel's own variance floors the minor axis
		f.Elongation = math.Sqrt(l1 / l2)
		f.Bright, f.Area, f.DNA = net, a.a, net*a.a
		f.Texture = sd / net
		if a.gn > 0 {
			f.Sharp = a.g / a.gn / net
		}
		areas, nets, dnas = append(areas, f.Area), append(nets, f.Bright), append(dnas, f.DNA)
		sharps, texts = append(sharps, f.Sharp), append(texts, f.Texture)
	}
	if len(areas) < mitoticMinNuclei {
		for i := range feat {
			feat[i] = MitoticFeatures{ID: i + 1}
		}
		return feat
	}
	mA, mN, mD := median(areas), median(nets), median(dnas)
	mS, mT := max(median(sharps), 1e-9), max(median(texts), 1e-9)
	rad := math.Sqrt(mA / math.Pi)
	for i := range feat {
		f := &feat[i]
		if f.Area == 0 {
			continue
		}
		f.Bright /= mN
		f.Area /= mA
		f.DNA /= mD
		f.Sharp /= mS
		f.Texture /= mT
		f.Bead = f.Area <= mitoticBeadArea && f.Bright >= mitoticBeadBright
	}
	// Objects among beads: an apoptotic cell's fragments (some of which
	// merge into larger objects).
	r2 := (mitoticClusterRadius * rad) * (mitoticClusterRadius * rad)
	for i := range feat {
		for j := range feat {
			if j != i && feat[j].Bead {
				dx, dy := cx[i]-cx[j], cy[i]-cy[j]
				if dx*dx+dy*dy <= r2 {
					feat[i].Cluster++
				}
			}
		}
	}
	for i := range feat {
		f := &feat[i]
		if f.Area == 0 {
			continue
		}
		condensed := f.Bright >= mitoticBright && f.Area <= mitoticCompact
		plate := f.Bright >= mitoticPlateBright && f.Elongation >= mitoticPlateElong && f.Area <= mitoticPlateArea
		crisp := f.Sharp >= mitoticSharp && f.Texture <= mitoticTexture
		pyknotic := f.Bright >= mitoticPyknoticBright && f.Area <= 0.25 && f.Elongation < 1.5
		apoptotic := f.Area < mitoticMinArea || f.DNA < mitoticMinDNA || f.Cluster >= mitoticClusterBeads || pyknotic
		f.Mitotic = (condensed || plate) && crisp && !apoptotic
	}
	return feat
}

// MitoticSummaryOf returns the mitotic index of mitotic out of n nuclei
// in percent with its Wilson 95 % interval; n = 0 leaves it at 0.
func MitoticSummaryOf(mitotic, n int) *models.MitoticSummary {
	s := &models.MitoticSummary{Mitotic: mitotic, Nuclei: n}
	if n > 0 {
		s.IndexPct = models.Round3(100 * float64(mitotic) / float64(n))
		if lo, hi, err := stats.WilsonCI(mitotic, n, 0.95); err == nil {
			s.CILowPct, s.CIHighPct = models.Round3(100*lo), models.Round3(100*hi)
		}
	}
	return s
}
