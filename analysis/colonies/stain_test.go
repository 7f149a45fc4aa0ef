package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/imageio"
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
