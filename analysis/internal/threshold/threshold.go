// Package threshold holds the histogram thresholds shared by the segmenters
// in analysis/: Otsu's two-class split and its three-class extension. Both
// work on float32 samples of any range, binned over [min, max]; nothing
// here calls OpenCV.
//
// Otsu (1979), IEEE Trans. Syst. Man Cybern. 9:62–66: the threshold t
// maximises the between-class variance σ²_B(t) = w_B·w_F·(μ_B − μ_F)²,
// with w the class counts and μ the class means in bin units (256 bins).
// Otsu3 maximises Σ n_k·μ_k² over three classes (64 bins), which is the
// same criterion (Liao, Chen & Chung, J. Inf. Sci. Eng. 17:713–727, 2001).
//
// Degenerate inputs: for no values there is nothing to split and the
// threshold is 0; for constant values it is that value (everything lies
// at or below it, in the lower class).
package threshold

import "math"

// OtsuBins is the number of histogram bins Otsu uses over the data range.
const OtsuBins = 256

// Otsu3Bins is the number of bins Otsu3 searches (its cost is bins²).
const Otsu3Bins = 64

// Otsu returns the threshold maximising the between-class variance of
// vals, at the upper edge of the last background bin; 0 for no values.
func Otsu(vals []float32) float32 {
	if len(vals) == 0 {
		return 0
	}
	lo, hi := rangeOf(vals)
	if hi <= lo {
		return hi
	}
	var hist [OtsuBins]float64
	scale := float32(OtsuBins-1) / (hi - lo)
	for _, v := range vals {
		hist[int((v-lo)*scale)]++
	}
	var total, sumAll float64
	for i, c := range hist {
		total += c
		sumAll += float64(i) * c
	}
	var wB, sumB, best float64
	bestI := 0
	for i, c := range hist {
		wB += c
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * c
		mB, mF := sumB/wB, (sumAll-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, bestI = v, i
		}
	}
	return lo + (float32(bestI)+0.5)/scale
}

// Otsu3 returns the two thresholds t1 ≤ t2 that maximise the
// between-class variance of three classes; 0, 0 for no values.
func Otsu3(vals []float32) (t1, t2 float32) {
	if len(vals) == 0 {
		return 0, 0
	}
	lo, hi := rangeOf(vals)
	if hi <= lo {
		return hi, hi
	}
	const bins = Otsu3Bins
	var p, s [bins + 1]float64 // cumulative counts and first moments
	var hist [bins]float64
	scale := float32(bins-1) / (hi - lo)
	for _, v := range vals {
		hist[int((v-lo)*scale)]++
	}
	for i := 0; i < bins; i++ {
		p[i+1] = p[i] + hist[i]
		s[i+1] = s[i] + float64(i)*hist[i]
	}
	term := func(a, b int) float64 { // class of bins [a, b)
		n := p[b] - p[a]
		if n == 0 {
			return 0
		}
		m := s[b] - s[a]
		return m * m / n
	}
	best, bestI, bestJ := -1.0, 1, bins-1
	for i := 1; i < bins-1; i++ {
		for j := i + 1; j < bins; j++ {
			if v := term(0, i) + term(i, j) + term(j, bins); v > best {
				best, bestI, bestJ = v, i, j
			}
		}
	}
	return lo + (float32(bestI)-0.5)/scale, lo + (float32(bestJ)-0.5)/scale
}

func rangeOf(vals []float32) (lo, hi float32) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}
