package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/imageio"
)

// labelPlate draws a yellow agar dish of colonies with a white paper label
// over its left edge, the label written on with dark round dots (ink that
// passes every shape rule), and one colony near the label.
func labelPlate() (*imageio.Image, int) {
	agar := [3]float64{150, 205, 215} // B, G, R: yellow
	paper := [3]float64{228, 230, 232}
	colonies := [][2]float64{{240, 240}, {300, 180}, {180, 320}, {330, 330}, {260, 120}, {370, 240}, {210, 400}, {135, 240}}
	var ink [][2]float64
	for y := 110.0; y <= 370; y += 26 {
		ink = append(ink, [2]float64{38, y}, [2]float64{58, y + 13})
	}
	img := testDish(480, 220, [3]float64{40, 40, 40}, agar, func(fx, fy float64, _ bool, c *[3]float64) {
		onPaper := fx >= 20 && fx <= 76 && fy >= 80 && fy <= 400
		if onPaper {
			*c = paper
		}
		dark := 0.0
		for _, p := range colonies {
			dark = math.Max(dark, 0.55*softDisc(fx, fy, p, 9, 1.2))
		}
		if onPaper {
			for _, p := range ink {
				dark = math.Max(dark, 0.7*softDisc(fx, fy, p, 4.5, 1.2))
			}
		}
		for k := range c {
			c[k] *= 1 - dark
		}
	})
	return img, len(colonies)
}

func TestCountIgnoresLabelWriting(t *testing.T) {
	img, want := labelPlate()
	res, err := Count(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(); got != want {
		t.Errorf("count %d, want %d (ink on the label counted, or the colony beside it lost); rejected %d", got, want, len(res.Rejected))
		for _, c := range append(res.Colonies, res.Rejected...) {
			t.Logf("%s (%.0f,%.0f) d %.1f", c.Class, c.CentroidXPx, c.CentroidYPx, c.EquivDiameterPx)
		}
		t.Logf("%+v", res.Dish)
	}
}
