package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/models"
)

// A stained colony of radius 30 overlapped by one of radius 12 whose
// piece is a sliver of radius 6 round its centre (the rest went to the
// large colony's piece): two colonies. A piece of radius 5 cut out of the
// large colony at half its radius from the centre lies under its disc and
// an isolated cluster of radius 5 is small, and the core (radius 5) of a
// colony of radius 20 whose flanks were counted is the deepest piece of
// its group, the colony itself: all three stay abortive.
func TestCountSliversCountsOvershadowedColonies(t *testing.T) {
	const w, h = 160, 100
	big, small := [2]float64{50, 50}, [2]float64{86, 50}
	inner, cluster := [2]float64{50, 35}, [2]float64{140, 20}
	lone := [2]float64{130, 70}
	mask := make([]bool, w*h)
	lab := make([]int32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			d := func(c [2]float64) float64 { return math.Hypot(fx-c[0], fy-c[1]) }
			i := y*w + x
			switch {
			case d(small) <= 6:
				lab[i] = 2 // the small colony's sliver
			case d(inner) <= 5:
				lab[i] = 3
			case d(big) <= 30 || d(small) <= 12:
				lab[i] = 1
			case d(cluster) <= 5:
				lab[i] = 4
			case d(lone) <= 5:
				lab[i] = 5 // the core
			case d(lone) <= 20:
				lab[i] = 6 // its flanks
			}
			mask[i] = lab[i] > 0
		}
	}
	dt := morph.DistanceToBackground(mask, w, h, morph.BorderIsOpen)
	res := make([]float32, w*h)
	for i := range res {
		res[i] = 1
	}
	minArea := math.Pi * 10 * 10
	objs := measure(lab, 6, w, h, make([]byte, w*h), res, dt)
	classify(objs, make([]bool, 7), 0, minArea, func(*object) bool { return false })
	want := []string{models.ColonyCounted, models.ColonyAbortive, models.ColonyAbortive, models.ColonyAbortive,
		models.ColonyAbortive, models.ColonyCounted}
	for i, c := range want {
		if objs[i].class != c {
			t.Fatalf("set-up: piece %d is %q, want %q by area", i+1, objs[i].class, c)
		}
	}
	countSlivers(objs, w, minArea)
	want[1] = models.ColonyCounted
	for i, c := range want {
		if objs[i].class != c {
			t.Errorf("piece %d (area %.0f, deepest %.1f) is %q, want %q", i+1, objs[i].area, objs[i].maxDT, objs[i].class, c)
		}
	}
}
