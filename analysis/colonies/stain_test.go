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
	const size = 480
	cx, cy, r := 240.0, 240.0, 220.0
	pix := make([]byte, size*size*3)
	clear := [3]float64{225, 220, 222}   // B, G, R
	violet := [3]float64{0.35, 0.8, 0.4} // absorbed share per channel
	blue := [3]float64{0.2, 0.6, 0.85}
	black := [3]float64{0.6, 0.6, 0.6}
	colonies := [][2]float64{{240, 240}, {300, 170}, {170, 320}, {330, 330}, {250, 110}, {370, 240}, {200, 390}, {130, 200}}
	ink := [][2]float64{{110, 300}, {150, 380}, {330, 100}}
	blackInk := [][2]float64{{400, 160}, {300, 400}}
	soft := func(d, rad float64) float64 { return 1 / (1 + math.Exp((d-rad)/1.5)) }
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			c := [3]float64{60, 60, 60}
			if math.Hypot(fx-cx, fy-cy) < r {
				c = clear
				for _, p := range colonies {
					a := soft(math.Hypot(fx-p[0], fy-p[1]), 16)
					for k := range c {
						c[k] *= 1 - a*violet[k]
					}
				}
				for _, p := range ink {
					a := soft(math.Hypot(fx-p[0], fy-p[1]), 13)
					for k := range c {
						c[k] *= 1 - a*blue[k]
					}
				}
				for _, p := range blackInk {
					a := soft(math.Hypot(fx-p[0], fy-p[1]), 13)
					for k := range c {
						c[k] *= 1 - a*black[k]
					}
				}
			}
			o := (y*size + x) * 3
			for k := range 3 {
				pix[o+k] = byte(math.Round(c[k]))
			}
		}
	}
	return &imageio.Image{Width: size, Height: size, Channels: 3, Pix: pix}, len(colonies)
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
