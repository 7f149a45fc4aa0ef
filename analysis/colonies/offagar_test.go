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
	const size = 480
	cx, cy, r := 240.0, 240.0, 220.0
	pix := make([]byte, size*size*3)
	agar := [3]float64{150, 205, 215} // B, G, R: yellow
	paper := [3]float64{228, 230, 232}
	colonies := [][2]float64{{240, 240}, {300, 180}, {180, 320}, {330, 330}, {260, 120}, {370, 240}, {210, 400}, {135, 240}}
	var ink [][2]float64
	for y := 110.0; y <= 370; y += 26 {
		ink = append(ink, [2]float64{38, y}, [2]float64{58, y + 13})
	}
	soft := func(d, rad float64) float64 { return 1 / (1 + math.Exp((d-rad)/1.2)) }
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			c := [3]float64{40, 40, 40}
			if math.Hypot(fx-cx, fy-cy) < r {
				c = agar
			}
			onPaper := fx >= 20 && fx <= 76 && fy >= 80 && fy <= 400
			if onPaper {
				c = paper
			}
			dark := 0.0
			for _, p := range colonies {
				dark = math.Max(dark, 0.55*soft(math.Hypot(fx-p[0], fy-p[1]), 9))
			}
			if onPaper {
				for _, p := range ink {
					dark = math.Max(dark, 0.7*soft(math.Hypot(fx-p[0], fy-p[1]), 4.5))
				}
			}
			o := (y*size + x) * 3
			for k := range 3 {
				pix[o+k] = byte(math.Round(c[k] * (1 - dark)))
			}
		}
	}
	return &imageio.Image{Width: size, Height: size, Channels: 3, Pix: pix}, len(colonies)
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
