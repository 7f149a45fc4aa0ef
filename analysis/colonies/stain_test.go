package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// inkDish draws a clear dish with crystal-violet colonies (green absorbed
// most) and round blots of blue marker ink (red absorbed most) and of black
// ink (all alike) of colony size: only their colour tells them apart.
func inkDish() (*imageio.Image, int) {
	clear := [3]float64{225, 220, 222}   // B, G, R
	violet := [3]float64{0.35, 0.8, 0.4} // absorbed share per channel
	blue := [3]float64{0.2, 0.6, 0.85}
	black := [3]float64{0.6, 0.6, 0.6}
	colonies := [][2]float64{{240, 240}, {300, 170}, {170, 320}, {330, 330}, {250, 110}, {370, 240}, {200, 390}, {130, 200}}
	ink := [][2]float64{{110, 300}, {150, 380}, {330, 100}}
	blackInk := [][2]float64{{400, 160}, {300, 400}}
	absorb := func(fx, fy float64, c *[3]float64, at [][2]float64, rad float64, share [3]float64) {
		for _, p := range at {
			a := softDisc(fx, fy, p, rad, 1.5)
			for k := range c {
				c[k] *= 1 - a*share[k]
			}
		}
	}
	img := testDish(480, 220, [3]float64{60, 60, 60}, clear, func(fx, fy float64, in bool, c *[3]float64) {
		if in {
			absorb(fx, fy, c, colonies, 16, violet)
			absorb(fx, fy, c, ink, 13, blue)
			absorb(fx, fy, c, blackInk, 13, black)
		}
	})
	return img, len(colonies)
}

func TestCountIgnoresMarkerInk(t *testing.T) {
	img, want := inkDish()
	res, err := Count(img, Options{MinColonyAreaPx: math.Pi / 4 * 20 * 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(); got != want {
		t.Errorf("count %d, want %d: ink blots counted as violet colonies, or colonies lost", got, want)
	}
}

// writingDish draws a near-empty crystal-violet dish: one colony, three
// round abortive clusters of the same dye, and two words of blue marker
// writing, strokes that the stain blur turns into ragged blobs of colony
// size (physgen seed 8 dish_001: the writing counted, the colony lost).
func writingDish() (*imageio.Image, int) {
	clear := [3]float64{225, 220, 222}   // B, G, R
	violet := [3]float64{0.35, 0.8, 0.4} // absorbed share per channel
	blue := [3]float64{0.2, 0.6, 0.85}
	colony := [][2]float64{{200, 300}}
	abortive := [][2]float64{{300, 180}, {150, 200}, {320, 320}}
	// Zigzag strokes, 6 px wide: each word a polyline.
	words := [][][2]float64{
		{{330, 100}, {345, 125}, {355, 100}, {370, 128}, {380, 104}},
		{{120, 330}, {128, 355}, {140, 332}, {150, 360}, {165, 338}},
	}
	stroke := func(fx, fy float64, line [][2]float64) float64 {
		d := math.Inf(1)
		for k := 1; k < len(line); k++ {
			d = math.Min(d, segmentDist(fx, fy, line[k-1], line[k]))
		}
		return 1 / (1 + math.Exp((d-3)/0.7))
	}
	img := testDish(480, 220, [3]float64{60, 60, 60}, clear, func(fx, fy float64, in bool, c *[3]float64) {
		if !in {
			return
		}
		a := 0.0
		for _, p := range colony {
			a = math.Max(a, softDisc(fx, fy, p, 16, 1.5))
		}
		for _, p := range abortive {
			a = math.Max(a, softDisc(fx, fy, p, 3, 1))
		}
		ink := 0.0
		for _, w := range words {
			ink = math.Max(ink, stroke(fx, fy, w))
		}
		for k := range c {
			c[k] *= (1 - a*violet[k]) * (1 - ink*blue[k])
		}
	})
	return img, len(colony)
}

// segmentDist is the distance from (fx, fy) to the segment a–b.
func segmentDist(fx, fy float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := math.Max(0, math.Min(1, ((fx-a[0])*dx+(fy-a[1])*dy)/(dx*dx+dy*dy)))
	return math.Hypot(fx-a[0]-t*dx, fy-a[1]-t*dy)
}

// On a near-empty dish the writing outnumbers the colonies: the dye is
// read from the round stained objects (the colony and the abortive
// clusters), not from the median of what was counted.
func TestCountWritingOnNearEmptyDish(t *testing.T) {
	img, want := writingDish()
	res, err := Count(img, Options{MinColonyAreaPx: math.Pi / 4 * 20 * 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(); got != want {
		t.Errorf("count %d, want %d: writing counted, or the colony taken for ink", got, want)
		for _, c := range append(res.Colonies, res.Rejected...) {
			t.Logf("%s (%.0f,%.0f) d %.1f circ %.2f", c.Class, c.CentroidXPx, c.CentroidYPx, c.EquivDiameterPx, c.Circularity)
		}
	}
}

// The dye's hue is a direction in (ln R/G, ln B/G); how far a colony
// shifts along it per unit of grey OD depends on how densely it is
// stained (physgen's sparse colonies of 70–140 cells shift 1.5–1.8 × the
// median colony's, within 0.5° of its direction). They are the dye; blue
// ink (34° off the line) and black ink (hardly any shift) are not.
func TestRejectOtherStainKeepsSparseColonies(t *testing.T) {
	disc := func(rg, bg float64) object {
		// A disc of area 400: 4π·400/(edges·π/4)² = 1 needs edges ≈ 90.3.
		return object{area: 400, edges: 90, class: models.ColonyCounted, stainRG: rg, stainBG: bg}
	}
	dye := [2]float64{0.5, 1.0}
	var objs []object
	for k := 0; k < 8; k++ {
		f := 0.9 + 0.025*float64(k) // the dye at slightly different densities
		objs = append(objs, disc(f*dye[0], f*dye[1]))
	}
	sparse := []int{len(objs), len(objs) + 1}
	objs = append(objs, disc(1.5*dye[0], 1.5*dye[1]), disc(1.8*dye[0], 1.8*dye[1]))
	rot := func(s, deg float64) object {
		a := math.Atan2(dye[1], dye[0]) + deg*math.Pi/180
		return disc(s*math.Hypot(dye[0], dye[1])*math.Cos(a), s*math.Hypot(dye[0], dye[1])*math.Sin(a))
	}
	ink := []int{len(objs), len(objs) + 1, len(objs) + 2, len(objs) + 3}
	objs = append(objs, rot(0.83, 34), rot(1.6, 25), rot(0.15, 18), disc(-0.3, 1.2))
	rejectOtherStain(objs)
	for _, i := range sparse {
		if objs[i].class != models.ColonyCounted {
			t.Errorf("sparse colony %d (shift %.2f, %.2f) rejected as another stain", i, objs[i].stainRG, objs[i].stainBG)
		}
	}
	for _, i := range ink {
		if objs[i].class != models.ColonyDebris {
			t.Errorf("ink %d (shift %.2f, %.2f) counted", i, objs[i].stainRG, objs[i].stainBG)
		}
	}
	for i := 0; i < 8; i++ {
		if objs[i].class != models.ColonyCounted {
			t.Errorf("colony %d rejected", i)
		}
	}
}
