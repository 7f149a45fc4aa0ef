package cells

import (
	"math"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Mitotic-figure constants. Every measure is a ratio to the same measure
// of the image's typical (median) nucleus, so the rule holds whatever the
// magnification, exposure and stain intensity. Set on physgen dapi fields
// of seed 1 (per-object F1 against their exact truth) with the call rate
// on the DSB2018 fluorescence dev images kept near 2 %.
const (
	mitoticMinNuclei      = 5    // fewer nuclei: no interphase reference, no calls
	mitoticRimPx          = 2    // content: the object and this many px around it
	mitoticPeak           = 1.0  // condensed: net 90th percentile ≥ this × the median nucleus' (a small figure at least as bright as a whole nucleus) ...
	mitoticCompact        = 0.55 // ... and area ≤ this × the median area
	mitoticPlateElong     = 2.2  // or a plate: major/minor axis ≥ this (metaphase side-on) ...
	mitoticPlateArea      = 0.8  // ... smaller than an interphase nucleus ...
	mitoticPlatePeak      = 1.3  // ... and this bright
	mitoticSharp          = 1.2  // and a crisp edge: boundary gradient ÷ net mean ≥ this × the median nucleus'
	mitoticMinContent     = 0.25 // apoptosis guard: content (integrated, with rim) ≥ this × the median: a figure carries the whole genome, a bead a fragment
	mitoticMinArea        = 0.12 // apoptosis guard: beads below this × the median area are never mitotic
	mitoticBeadArea       = 0.15 // bead: area ≤ this × the median area (anaphase halves are ~0.25) ...
	mitoticBeadBright     = 1.5  // ... and net mean ≥ this × the median
	mitoticPyknoticBright = 2.0  // round (elongation < 1.5), area ≤ 0.3 and a mean this bright: a pyknotic nucleus or apoptotic body
	mitoticPyknoticArea   = 0.3
	mitoticClusterRadius  = 3.0 // beads within this × the median nucleus radius ...
	mitoticClusterBeads   = 2   // ... at least this many near an object: part of an apoptotic cell
	mitoticPairRadius     = 2.5 // two mitotic nuclei closer than this × the median radius are one figure (anaphase, telophase)
	mitoticBeadExtent     = 0.7 // a lone candidate spanning fewer blur widths than this is an apoptotic bead
	mitoticFragmentPieces = 2   // a label in separate pieces is the fragments of one apoptotic cell, grouped (groupFragments)
)

// MitoticFeatures are the scale-free measures of one nucleus the mitotic
// call uses, each relative to the image's median nucleus (1 = typical).
type MitoticFeatures struct {
	ID         int
	Bright     float64 // net mean intensity (mean less the background) ÷ median
	Peak       float64 // net 90th-percentile intensity ÷ median (blur dims a small figure's mean more than its peak)
	Area       float64 // area ÷ median area
	DNA        float64 // integrated net intensity ÷ median (≈ DNA content)
	Content    float64 // integrated net intensity with a 2 px rim (the light blur spreads out) ÷ median
	Elongation float64 // major ÷ minor axis of the second moments (1 = disc; not relative)
	Sharp      float64 // mean boundary gradient ÷ net mean, ÷ median
	Texture    float64 // interior SD ÷ net mean, ÷ median
	Bead       bool    // small and bright, apoptotic-body-like
	Cluster    int     // other beads within the cluster radius
	Border     bool    // touches the image border: its size and shape are cut
	Spots      int     // separate bright maxima inside (σ 1 px smoothed, above half its net peak)
	Pieces     int     // separate pieces of the label (fragments of one cell are grouped under one label)
	Extent     float64 // intensity-weighted radius of gyration × the median nucleus' edge steepness (boundary gradient ÷ net mean): how many blur widths the chromatin spans; a sub-resolution bead spans about one
	Stray      int     // bright maxima outside every nucleus (above half its net peak) within the cluster radius: unsegmented beads of an apoptotic cell
	Figure     int     // mitotic figure number (1..), shared by a close pair (anaphase halves, telophase daughters); 0 if not mitotic
	Mitotic    bool
}

// mitoticFigures calls the mitotic figures among the n labelled nuclei of
// lab (w×h, 0 background) from the DNA-stain signal sig (0..255, bright =
// chromatin). It returns the features in label order (index label−1).
//
// A mitotic figure's chromatin is condensed: the replicated DNA in a
// smaller volume, so it is compact, at least as bright per pixel as
// interphase nuclei, usually brighter, with a crisp edge (Rieder &
// Khodjakov, Science 300:91, 2003; the appearance CellCognition
// classifies, Held et al., Nat. Methods 7:747, 2010). Brightness is the
// net 90th percentile (less the median background), not the mean: the
// blur dims a small figure's mean far more than its peak. A nucleus is
// mitotic when, relative to the image's median nucleus,
//
//	peak ≥ 1 and area ≤ 0.55 (condensed), or peak ≥ 1.3,
//	elongation ≥ 2.2 and area ≤ 0.8 (a metaphase plate seen side-on);
//	and sharp (boundary gradient ÷ net mean) ≥ 1.2;
//
// and it is not apoptotic-like: apoptotic bodies are tiny, very bright
// round beads, often in clusters, each holding a fragment of the DNA. So
// these are never mitotic: objects below 0.12 × the median area; with
// less than 0.25 × the median content (integrated net intensity including
// a 2 px rim, which the blur does not change); with at least two beads
// (area ≤ 0.15, bright ≥ 1.5) or any bright spot outside the nuclei (a
// bead too small to be segmented, at least half the object's net peak)
// within 3 median radii; small, round and
// very bright (area ≤ 0.3, mean ≥ 2 × the median) and either round
// (elongation < 1.5: pyknosis) or holding two separate maxima (touching
// beads); and lone spots no wider than the blur (extent < 0.7, see
// MitoticFeatures, with no other candidate within 2.5 median radii — the
// same spot beside another is a telophase daughter). Nor are nuclei cut
// by the image border (their size is not theirs). Internal texture (SD ÷
// net mean) is measured but not used: on the generated fields figures
// were more textured than interphase nuclei, not less. Fields with fewer
// than 5 nuclei have no reference and get no calls.
func mitoticFigures(lab []int32, sig []float32, w, h, n int) []MitoticFeatures {
	if n == 0 || len(lab) != w*h || len(sig) != w*h {
		return nil
	}
	type acc struct {
		a, s, ss, sx, sy, sxx, syy, sxy, g, gn float64
		vx, vy, vrr                            float64 // intensity-weighted moments
		border                                 bool
	}
	st := make([]acc, n+1)
	vals := make([][]float64, n+1)
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
			vals[l] = append(vals[l], v)
			fx, fy := float64(x), float64(y)
			a.a++
			a.s += v
			a.ss += v * v
			a.sx += fx
			a.sy += fy
			a.sxx += fx * fx
			a.syy += fy * fy
			a.vx += v * fx
			a.vy += v * fy
			a.vrr += v * (fx*fx + fy*fy)
			a.sxy += fx * fy
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				a.border = true
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
		bg = float64(stats.HistQuantileFloor(bgHist[:], nbg, 0.5))
	}
	// The blur spreads a small bright figure's light beyond its cut edge;
	// summing a rim back recovers its content.
	content := make([]float64, n+1)
	owner, dist := nearestLabel(lab, w, h, mitoticRimPx)
	for i, l := range owner {
		if l > 0 && int(l) <= n && dist[i] <= mitoticRimPx {
			content[l] += float64(sig[i]) - bg
		}
	}
	spots, stray := brightSpots(lab, sig, w, h, n, bg)
	pieces := labelPieces(lab, n, w, h)
	feat := make([]MitoticFeatures, n)
	var areas, nets, dnas, sharps, texts, peaks, contents []float64
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
		f.Peak = max(1, percentile(vals[l], 0.9)-bg)
		f.Content = max(1, content[l])
		contents = append(contents, f.Content)
		f.Texture = sd / net
		f.Border = a.border
		if wsum := a.s - bg*a.a; wsum > 0 {
			mx, my := (a.vx-bg*a.sx)/wsum, (a.vy-bg*a.sy)/wsum
			f.Extent = math.Sqrt(max(0, (a.vrr-bg*(a.sxx+a.syy))/wsum-mx*mx-my*my))
		}
		f.Spots, f.Pieces = spots[l], pieces[l]
		if a.gn > 0 {
			f.Sharp = a.g / a.gn / net
		}
		areas, nets, dnas = append(areas, f.Area), append(nets, f.Bright), append(dnas, f.DNA)
		sharps, texts, peaks = append(sharps, f.Sharp), append(texts, f.Texture), append(peaks, f.Peak)
	}
	if len(areas) < mitoticMinNuclei {
		for i := range feat {
			feat[i] = MitoticFeatures{ID: i + 1}
		}
		return feat
	}
	mA, mN, mD := median(areas), median(nets), median(dnas)
	mS, mT, mP, mC := max(median(sharps), 1e-9), max(median(texts), 1e-9), median(peaks), median(contents)
	rad := math.Sqrt(mA / math.Pi)
	for i := range feat {
		f := &feat[i]
		if f.Area == 0 {
			continue
		}
		f.Bright /= mN
		f.Peak /= mP
		f.Content /= mC
		f.Area /= mA
		f.DNA /= mD
		f.Sharp /= mS
		f.Texture /= mT
		f.Extent *= mS
		f.Bead = f.Area <= mitoticBeadArea && f.Bright >= mitoticBeadBright
	}
	// Objects among beads: an apoptotic cell's fragments (some of which
	// merge into larger objects, others are too small to be segmented).
	r2 := (mitoticClusterRadius * rad) * (mitoticClusterRadius * rad)
	for i := range feat {
		if feat[i].Area == 0 {
			continue
		}
		topNet := feat[i].Peak * mP // the object's own net 90th percentile
		for _, sp := range stray {
			dx, dy := float64(sp.x)-cx[i], float64(sp.y)-cy[i]
			if dx*dx+dy*dy <= r2 && sp.net >= 0.5*topNet {
				feat[i].Stray++
			}
		}
	}
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
		condensed := f.Peak >= mitoticPeak && f.Area <= mitoticCompact
		plate := f.Peak >= mitoticPlatePeak && f.Elongation >= mitoticPlateElong && f.Area <= mitoticPlateArea
		// Small and very bright: one round pyknotic body, or touching beads
		// (two or more separate maxima).
		pyknotic := f.Bright >= mitoticPyknoticBright && f.Area <= mitoticPyknoticArea && (f.Elongation < 1.5 || f.Spots >= 2)
		apoptotic := f.Area < mitoticMinArea || f.Content < mitoticMinContent || f.Cluster >= mitoticClusterBeads || f.Stray > 0 || pyknotic ||
			f.Pieces >= mitoticFragmentPieces
		f.Mitotic = (condensed || plate) && f.Sharp >= mitoticSharp && !apoptotic && !f.Border
	}
	// A lone spot no wider than the blur is an apoptotic bead; the same
	// spot beside another candidate is a telophase daughter or an
	// anaphase half.
	pair := (mitoticPairRadius * rad) * (mitoticPairRadius * rad)
	lone := make([]bool, len(feat))
	for i := range feat {
		if !feat[i].Mitotic || feat[i].Extent >= mitoticBeadExtent {
			continue
		}
		lone[i] = true
		for j := range feat {
			dx, dy := cx[i]-cx[j], cy[i]-cy[j]
			if j != i && feat[j].Mitotic && dx*dx+dy*dy <= pair {
				lone[i] = false
				break
			}
		}
	}
	for i := range feat {
		feat[i].Mitotic = feat[i].Mitotic && !lone[i]
	}
	numberFigures(feat, cx, cy, mitoticPairRadius*rad)
	return feat
}

// brightSpots finds the local maxima of sig smoothed with σ = 1 px
// (strict 3×3 maxima, plateaus once) and returns per label those inside
// it that stand above half the label's highest smoothed net value, and
// those on no label (background) at that height, by position.
func brightSpots(lab []int32, sig []float32, w, h, n int, bg float64) (inside []int, stray []spot) {
	out := make([]int, n+1)
	sm, err := gaussianBlur(sig, w, h, 1)
	if err != nil {
		return out, nil
	}
	top := make([]float64, n+1)
	for i, l := range lab {
		if l > 0 && int(l) <= n {
			top[l] = max(top[l], float64(sm[i])-bg)
		}
	}
	// Background maxima lower than half the dimmest nucleus' top matter
	// to no nucleus.
	minStray := math.Inf(1)
	for _, t := range top[1:] {
		if t > 0 {
			minStray = min(minStray, 0.5*t)
		}
	}
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			l := lab[i]
			if l < 0 || int(l) > n || l > 0 && float64(sm[i])-bg < 0.5*top[l] || l == 0 && float64(sm[i])-bg < minStray {
				continue
			}
			v, peak := sm[i], true
			for _, j := range [8]int{i - w - 1, i - w, i - w + 1, i - 1, i + 1, i + w - 1, i + w, i + w + 1} {
				// Earlier neighbours must be lower, later ones not higher:
				// a plateau counts once.
				if j < i && sm[j] >= v || j > i && sm[j] > v {
					peak = false
					break
				}
			}
			switch {
			case peak && l > 0:
				out[l]++
			case peak:
				stray = append(stray, spot{x, y, float64(sm[i]) - bg})
			}
		}
	}
	return out, stray
}

// spot is a local maximum at (x, y), height net above the background.
type spot struct {
	x, y int
	net  float64
}

// numberFigures numbers the mitotic figures of feat: each mitotic nucleus
// is one, except that two mitotic nuclei which are each other's nearest
// mitotic neighbour within d px (anaphase halves, telophase daughters)
// share one.
func numberFigures(feat []MitoticFeatures, cx, cy []float64, d float64) {
	nearest := make([]int, len(feat))
	for i := range feat {
		nearest[i] = -1
		if !feat[i].Mitotic {
			continue
		}
		best := d * d
		for j := range feat {
			if j == i || !feat[j].Mitotic {
				continue
			}
			if q := (cx[i]-cx[j])*(cx[i]-cx[j]) + (cy[i]-cy[j])*(cy[i]-cy[j]); q <= best {
				best, nearest[i] = q, j
			}
		}
	}
	fig := 0
	for i := range feat {
		if !feat[i].Mitotic || feat[i].Figure != 0 {
			continue
		}
		fig++
		feat[i].Figure = fig
		if j := nearest[i]; j >= 0 && nearest[j] == i {
			feat[j].Figure = fig
		}
	}
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

// labelPieces returns how many separate pieces (8-connected, among all
// labelled pixels) each label 1..n of lab (w×h) has pixels in.
func labelPieces(lab []int32, n, w, h int) []int {
	fg := make([]bool, len(lab))
	for i, l := range lab {
		fg[i] = l > 0
	}
	cc, _, _ := components(fg, w, h)
	return distinctPerKey(lab, cc, n)
}

// distinctPerKey counts, for each key 1..n of keys, the distinct non-zero
// values vals takes on its pixels (keys outside 1..n are ignored): the
// pieces of each label, the seeds of each component. Almost every key
// meets one value: its first is kept per key, and only pixels with
// another go through the map.
func distinctPerKey(keys, vals []int32, n int) []int {
	first := make([]int32, n+1)
	seen := map[[2]int32]bool{}
	count := make([]int, n+1)
	for i, k := range keys {
		v := vals[i]
		if k <= 0 || int(k) > n || v == 0 || v == first[k] {
			continue
		}
		if first[k] == 0 {
			first[k] = v
			count[k]++
			continue
		}
		if p := [2]int32{k, v}; !seen[p] {
			seen[p] = true
			count[k]++
		}
	}
	return count
}
