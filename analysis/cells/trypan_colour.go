package cells

import (
	"math"
	"sort"

	"github.com/histocount/histocount/analysis/internal/threshold"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Stain colour for trypan-blue fields recorded in colour. Trypan blue
// absorbs red and green far more than blue, so a stained (dead) cell's
// blue-minus-red difference B−R rises above the chamber's. White balance
// shifts B−R of the whole field, so it is measured against the field's own
// background: the median B−R of pixels outside every candidate object.
// Grey fields (B = G = R, like the development crops) carry no such
// information and are left to the grey-level classifier.
const (
	// trypanBlueMin (levels of B−R above the background) calls a cell
	// stained: well above JPEG chroma noise and colour fringes, well
	// below the ≈ 50–100 of a stained cell under an 8-bit camera.
	trypanBlueMin = 15
	// trypanBlueNoiseK: in noisy colour fields the threshold rises to this
	// many robust standard deviations of the background's B−R.
	trypanBlueNoiseK = 4
	// trypanGreyChroma: a field whose 99th percentile |B−R| is at most
	// this many levels is grey.
	trypanGreyChroma = 3
)

// trypanStainBlueness returns, for each object 1..n of labels, the median
// B−R of its pixels minus the background's, and the threshold above which
// that means stained. ok is false for grey fields or unusable input. bgr is
// interleaved 8-bit BGR of w×h pixels; fg marks candidate foreground (kept
// out of the background estimate).
func trypanStainBlueness(bgr []byte, fg []byte, labels []int32, n, w, h int) (blue []float64, thr float64, ok bool) {
	if n == 0 || len(bgr) != 3*w*h || len(labels) != w*h || len(fg) != w*h {
		return nil, 0, false
	}
	var hist [511]int // B−R + 255
	var abs [256]int
	bgN := 0
	for i := 0; i < w*h; i++ {
		d := int(bgr[3*i]) - int(bgr[3*i+2])
		abs[max(d, -d)]++
		if fg[i] == 0 && labels[i] == 0 {
			hist[d+255]++
			bgN++
		}
	}
	if stats.HistQuantileFloor(abs[:], w*h, 0.99) <= trypanGreyChroma || bgN < w*h/10 {
		return nil, 0, false
	}
	med := float64(stats.HistQuantileFloor(hist[:], bgN, 0.5) - 255)
	// Robust spread: median absolute deviation of the background's B−R.
	var dev [511]int
	for v, k := range hist {
		dev[int(math.Abs(float64(v-255)-med))] += k
	}
	sigma := 1.4826 * float64(stats.HistQuantileFloor(dev[:], bgN, 0.5))
	thr = math.Max(trypanBlueMin, trypanBlueNoiseK*sigma)

	vals := make([][]int, n+1)
	for i, l := range labels {
		if l > 0 && int(l) <= n {
			vals[l] = append(vals[l], int(bgr[3*i])-int(bgr[3*i+2]))
		}
	}
	blue = make([]float64, n)
	for l := 1; l <= n; l++ {
		v := vals[l]
		if len(v) == 0 {
			continue
		}
		sort.Ints(v)
		blue[l-1] = float64(v[len(v)/2]) - med
	}
	return blue, thr, true
}

// trypanApplyStain recolours classes from the stain colour of colour
// fields: a cell whose median B−R is above the background's by the
// threshold took up the dye, so it is dead whatever its grey-level look
// (a stained cell can keep a bright refractile spot). The opposite is not
// inferred: a faintly stained ghost may show little colour, and a dark
// filled object without a refractile centre is not a healthy cell either.
func trypanApplyStain(classes []string, blue []float64, thr float64) {
	for i := range classes {
		if i < len(blue) && blue[i] > thr {
			classes[i] = models.ClassDead
		}
	}
}

// trypanApplyFieldStain is trypanApplyStain for whole chamber fields,
// where the grey look of a live cell depends on the focus: below focus its
// centre turns dark inside a bright rim, so the centre-versus-rim rule
// (trypanClassifyField) calls it stained. Its colour does not change with
// focus. A cell whose B−R stays below trypanBlueLiveFrac of the threshold
// took up no dye and is live where the field shows that colour decides:
//
//   - its stained cells show their dye plainly (at least
//     trypanBlueMinStained of them, median B−R at least trypanBlueClearK
//     times the threshold), or
//   - the cells the grey look calls stained are, as a population, no bluer
//     than the chamber (trypanGreyDeadColourless): dark and filled without
//     any dye is a defocused live cell, not a dead one. Not where the
//     objects themselves split into a dye-free and a stained population
//     (below): under a blue cast dye-free objects sit below the chamber,
//     and so can a population that is half stained.
//
// Where neither holds, the objects' own B−R may still fall into a
// dye-free and a stained population (trypanColourPopulations: a noisy
// field's per-pixel threshold hides a stain the object medians show);
// then each object is called by its population. Where the stain is pale
// rather than blue and there is no such split, the grey-dead cells still
// sit above the chamber's B−R and only the stained call is made.
func trypanApplyFieldStain(classes []string, blue []float64, thr float64) {
	var stained []float64
	for i := range classes {
		if i < len(blue) && blue[i] > thr {
			stained = append(stained, blue[i])
		}
	}
	cut, split := trypanColourPopulations(blue)
	// Under a blue cast the dye-free objects sit below the chamber, so
	// grey-dead cells look "colourless" against it even where a stained
	// population stands out from them; the objects' own split decides.
	colourless := trypanGreyDeadColourless(classes, blue) && !split
	// The dye-free reference is the chamber, or where the grey-dead cells
	// match the field's own live cells in colour, those cells: see
	// trypanGreyDeadLikeLive.
	free := 0.0
	if !colourless && !split {
		free, colourless = trypanGreyDeadLikeLive(classes, blue, thr)
	}
	trypanApplyStain(classes, blue, thr)
	plain := len(stained) >= trypanBlueMinStained
	if plain {
		sort.Float64s(stained)
		plain = stained[len(stained)/2] >= trypanBlueClearK*thr
	}
	if !plain && !colourless {
		if split {
			trypanApplyColourCut(classes, blue, cut)
		}
		return
	}
	if plain {
		free = 0
	}
	live := math.Min(thr, free+trypanBlueLiveFrac*thr)
	for i := range classes {
		if i < len(blue) && blue[i] < live {
			classes[i] = models.ClassLive
		}
	}
}

// trypanGreyDeadLikeLive reports whether the objects the grey look calls
// dead are, as a population, no bluer than those it calls live (at least
// trypanGreyDeadMin of each), and returns the live ones' median B−R as the
// field's dye-free colour. A cell without dye need not sit on the
// chamber's B−R: its own body and the blur of its rim tint it alike
// whatever its focus (physgen seed 8 field 34, below focus: live cells
// +6 over the chamber whether the grey look calls them live or dead,
// stained ones +16…+31, threshold 15). Dye only adds blue, so grey-dead
// cells whose median matches the live cells' took none: they are live
// cells the focus darkened. Not when the live cells themselves reach the
// stain threshold: then the grey look has called stained cells live.
func trypanGreyDeadLikeLive(classes []string, blue []float64, thr float64) (free float64, ok bool) {
	var dead, live []float64
	for i, c := range classes {
		if i >= len(blue) {
			break
		}
		if c == models.ClassDead {
			dead = append(dead, blue[i])
		} else {
			live = append(live, blue[i])
		}
	}
	if len(dead) < trypanGreyDeadMin || len(live) < trypanGreyDeadMin {
		return 0, false
	}
	sort.Float64s(dead)
	sort.Float64s(live)
	free = live[len(live)/2]
	if free >= thr || dead[len(dead)/2] > free {
		return 0, false
	}
	return math.Max(0, free), true
}

// trypanGreyDeadColourless reports whether the objects the grey look calls
// dead (at least trypanGreyDeadMin of them) have a median B−R at or below
// the chamber's: none of the blue a stain adds, however pale. A dark object
// without dye only scales the chamber's B−R down, so its B−R stays at or
// below the background's.
func trypanGreyDeadColourless(classes []string, blue []float64) bool {
	var dead []float64
	for i, c := range classes {
		if i < len(blue) && c == models.ClassDead {
			dead = append(dead, blue[i])
		}
	}
	if len(dead) < trypanGreyDeadMin {
		return false
	}
	sort.Float64s(dead)
	return dead[len(dead)/2] <= 0
}

// trypanColourPopulations splits the objects' B−R (relative to the
// chamber) into the field's two colour populations, dye-free and stained,
// by Otsu's threshold, and reports whether they are two: each holds at
// least trypanGreyDeadMin objects, the lower one is centred on the chamber
// (no dye: within trypanBlueLiveFrac·trypanBlueMin of it) or below it
// facing an upper one at or above it (a blue cast), the means lie
// trypanBlueMin apart, and they are separated by Ashman's D ≥
// trypanColourBimodalD. The noise threshold of trypanStainBlueness is
// per pixel; an object's median averages tens of pixels, so in noisy
// colour fields stained objects sit below it while the two populations
// still separate cleanly (physgen seed 2 field 0: dye-free median 2,
// stained 22, threshold 29.7).
func trypanColourPopulations(blue []float64) (cut float64, ok bool) {
	if len(blue) < 2*trypanGreyDeadMin {
		return 0, false
	}
	vals := make([]float32, len(blue))
	for i, b := range blue {
		vals[i] = float32(b)
	}
	cut = float64(threshold.Otsu(vals))
	var lo, hi []float64
	for _, b := range blue {
		if b <= cut {
			lo = append(lo, b)
		} else {
			hi = append(hi, b)
		}
	}
	if len(lo) < trypanGreyDeadMin || len(hi) < trypanGreyDeadMin {
		return 0, false
	}
	mLo, mHi := stats.Mean(lo), stats.Mean(hi)
	sLo, sHi := stats.SD(lo), stats.SD(hi)
	d := math.Sqrt2 * (mHi - mLo) / math.Max(1e-9, math.Sqrt(sLo*sLo+sHi*sHi))
	// The dye-free population sits on the chamber's B−R, or below it where
	// the chamber has a blue cast: a dark object without dye scales the
	// cast down with its brightness (physgen seed 10 field 3: chamber B−R
	// +30, dye-free objects at −15). Only dye lifts an object above the
	// chamber, so a population below it must be faced by one at or above it,
	// else the split is darkness, not stain.
	noDye := trypanBlueLiveFrac * trypanBlueMin
	ok = mLo <= noDye && (mLo >= -noDye || mHi >= 0) && mHi-mLo >= trypanBlueMin && d >= trypanColourBimodalD
	return cut, ok
}

// trypanApplyColourCut calls each object by its colour population: above
// cut it took up the dye (dead), at or below it none (live).
func trypanApplyColourCut(classes []string, blue []float64, cut float64) {
	for i := range classes {
		if i >= len(blue) {
			break
		}
		if blue[i] > cut {
			classes[i] = models.ClassDead
		} else {
			classes[i] = models.ClassLive
		}
	}
}

// trypanColourBimodalD: Ashman's D above 2 is the usual mark of two
// cleanly separated normal populations (Ashman et al. 1994).
const trypanColourBimodalD = 2

// See trypanApplyFieldStain.
const (
	trypanBlueLiveFrac   = 0.4
	trypanBlueMinStained = 5
	trypanBlueClearK     = 1.25
	// trypanGreyDeadMin: fewer grey-dead objects are no population to
	// judge the field's colour by.
	trypanGreyDeadMin = 20
)
