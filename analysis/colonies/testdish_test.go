package colonies

import (
	"math"

	"github.com/histocount/histocount/imageio"
)

// testDish draws a size² BGR image of a dish of radius r at its centre:
// bench outside, dish inside, then paint turns each pixel's colour (B, G,
// R, 0–255) into what lies there. The rule tests share it.
func testDish(size int, r float64, bench, dish [3]float64, paint func(fx, fy float64, inDish bool, c *[3]float64)) *imageio.Image {
	c0 := float64(size) / 2
	pix := make([]byte, size*size*3)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			in := math.Hypot(fx-c0, fy-c0) < r
			c := bench
			if in {
				c = dish
			}
			paint(fx, fy, in, &c)
			o := (y*size + x) * 3
			for k := range 3 {
				pix[o+k] = byte(math.Round(math.Max(0, math.Min(255, c[k]))))
			}
		}
	}
	return &imageio.Image{Width: size, Height: size, Channels: 3, Pix: pix}
}

// softDisc is 1 inside a disc of radius rad centred at p, 0 outside, with
// a logistic edge of width edge px: a blurred colony's or blot's share.
func softDisc(fx, fy float64, p [2]float64, rad, edge float64) float64 {
	return 1 / (1 + math.Exp((math.Hypot(fx-p[0], fy-p[1])-rad)/edge))
}
