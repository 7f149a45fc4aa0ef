package cells

import "github.com/histocount/histocount/stats"

// Modality check: a trypan-blue counting chamber is brightfield — a bright
// chamber background with cells and ruling darker (rims, stain, lines) and
// brighter (refractile centres) than it. A fluorescence image is the
// opposite: a dark background with only brighter objects. Counting a
// fluorescence image as trypan finds "dead" cells in every nucleus, so
// segmentTrypan refuses it with QCStainMismatch instead.
const (
	// trypanFluoMaxBackground: the background (median grey) of a
	// fluorescence image is dark, below this level.
	trypanFluoMaxBackground = 80
	// trypanFluoMinSignal: its bright objects rise at least this far above
	// the background (99.5th percentile), grey levels.
	trypanFluoMinSignal = 25
	// trypanFluoAsymmetry: and they rise this many times further above it
	// than anything falls below it (0.5th percentile): nothing in a
	// fluorescence field is darker than the background but noise.
	trypanFluoAsymmetry = 3
	// trypanFluoMinBackgroundFrac: and at least this fraction of the field
	// is that one background level (within camera noise): a crowded
	// chamber whose most common grey is the cells' dark rims is not
	// fluorescence.
	trypanFluoMinBackgroundFrac = 0.5
)

// trypanLooksFluorescent reports whether a grey field has the dark
// background and purely bright objects of fluorescence.
func trypanLooksFluorescent(g []byte, w, h int) bool {
	if len(g) == 0 || len(g) != w*h {
		return false
	}
	var hist [256]int
	for _, v := range g {
		hist[v]++
	}
	lo := stats.HistQuantileFloor(hist[:], len(g), 0.005)
	med := stats.HistQuantileFloor(hist[:], len(g), 0.5)
	hi := stats.HistQuantileFloor(hist[:], len(g), 0.995)
	up, down := hi-med, med-lo
	if !(med < trypanFluoMaxBackground && up >= trypanFluoMinSignal && up > trypanFluoAsymmetry*down) {
		return false
	}
	tol := int(3*trypanNoise(g, w, h)) + 4
	n := 0
	for v := max(0, med-tol); v <= min(255, med+tol); v++ {
		n += hist[v]
	}
	return float64(n) >= trypanFluoMinBackgroundFrac*float64(len(g))
}
