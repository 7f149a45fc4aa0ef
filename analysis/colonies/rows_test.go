package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/imageio"
)

// rowPlate draws a crowded yellow agar dish: single colonies of radius
// 6 px on a grid, and a row of nine larger colonies (radius 9 px) a radius
// apart, which meet at no neck the watershed can use and together are long
// and thin for their area, like a stroke. It returns the image, how many
// colonies it drew and the row's centre.
func rowPlate() (*imageio.Image, int, [2]float64) {
	const (
		size    = 480
		dishR   = 220.0
		singleR = 6.0
		rowR    = 9.0
		centre  = size / 2
	)
	agar := [3]float64{150, 205, 215} // B, G, R
	var row [][2]float64
	for k := range 9 {
		row = append(row, [2]float64{140 + float64(k)*rowR, centre})
	}
	var singles [][2]float64
	for y := 50.0; y <= 430; y += 26 {
		for x := 50.0; x <= 430; x += 26 {
			if math.Hypot(x-centre, y-centre) < dishR-20 && math.Abs(y-centre) > 20 {
				singles = append(singles, [2]float64{x, y})
			}
		}
	}
	img := testDish(size, dishR, [3]float64{40, 40, 40}, agar, func(fx, fy float64, _ bool, c *[3]float64) {
		od := 0.0
		for _, p := range singles {
			od += 0.5 * softDisc(fx, fy, p, singleR, 1.0)
		}
		for _, p := range row {
			od += 0.5 * softDisc(fx, fy, p, rowR, 1.0)
		}
		for k := range c {
			c[k] *= math.Exp(-od)
		}
	})
	return img, len(singles) + len(row), [2]float64{140 + 4*rowR, centre}
}

// TestCountKeepsRowsOfColonies: on a crowded plate a row of overlapping
// colonies wider than the plate's single colonies is colonies, not a pen
// stroke (two seed-1 dense plates lost rows of 3 to 13 colonies each to
// the stroke rule), and it holds as many colonies as its optical density
// makes of colonies as wide as the row, not of typical ones (about twice
// as many here).
func TestCountKeepsRowsOfColonies(t *testing.T) {
	img, want, mid := rowPlate()
	res, err := Count(img, Options{Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	o := res.Labels.PixOffset(int(mid[0]), int(mid[1]))
	if id := int(res.Labels.Pix[o])<<8 | int(res.Labels.Pix[o+1]); id < 1 || id > len(res.Colonies) {
		t.Errorf("the row's centre lies in object %d, not in a counted colony (1..%d): rejected as a stroke?", id, len(res.Colonies))
	}
	if got := res.Count(); math.Abs(float64(got-want)) > 2 {
		t.Errorf("count %d, want %d ± 2", got, want)
	}
}
