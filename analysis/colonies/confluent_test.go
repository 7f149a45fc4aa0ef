package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/imageio"
)

// confluentPlate draws a yellow agar dish crowded with colonies of radius
// 6 px (a 16 px grid, so they cover about half the dish and the plate is
// confluent) and two ragged patches where 24 colonies have grown into one
// another, each patch three typical radii thick. It returns the image,
// how many colonies it drew and the centre of the first patch.
func confluentPlate() (*imageio.Image, int, [2]float64) {
	const (
		size    = 480
		dishR   = 220.0
		colR    = 6.0
		centre  = size / 2
		spacing = 16.0
	)
	agar := [3]float64{150, 205, 215} // B, G, R
	// An L of colonies a radius apart: a 4 × 4 block and a 4 × 2 foot.
	patch := func(x0, y0 float64) [][2]float64 {
		var p [][2]float64
		for j := range 6 {
			for i := range 4 {
				if j < 4 || i < 2 {
					p = append(p, [2]float64{x0 + float64(i)*colR, y0 + float64(j)*colR})
				}
			}
		}
		for i := 2; i < 6; i++ {
			for j := 4; j < 6; j++ {
				p = append(p, [2]float64{x0 + float64(i)*colR, y0 + float64(j)*colR})
			}
		}
		return p
	}
	patches := [][2]float64{{150, 150}, {290, 290}}
	var cols [][2]float64
	for _, p := range patches {
		cols = append(cols, patch(p[0], p[1])...)
	}
	near := func(x, y float64) bool {
		for _, p := range patches {
			if x > p[0]-2*spacing && x < p[0]+6*colR+spacing && y > p[1]-2*spacing && y < p[1]+6*colR+spacing {
				return true
			}
		}
		return false
	}
	for y := 40.0; y <= 440; y += spacing {
		for x := 40.0; x <= 440; x += spacing {
			if math.Hypot(x-centre, y-centre) < dishR-15 && !near(x, y) {
				cols = append(cols, [2]float64{x, y})
			}
		}
	}
	img := testDish(size, dishR, [3]float64{40, 40, 40}, agar, func(fx, fy float64, _ bool, c *[3]float64) {
		od := 0.0
		for _, p := range cols {
			if math.Abs(fx-p[0]) < 12 && math.Abs(fy-p[1]) < 12 {
				od += 0.5 * softDisc(fx, fy, p, colR, 1.0)
			}
		}
		for k := range c {
			c[k] *= math.Exp(-od)
		}
	})
	return img, len(cols), [2]float64{patches[0][0] + colR, patches[0][1] + colR}
}

// TestCountConfluentPatches: on a confluent plate a patch of colonies
// grown into one another, thicker than any single colony, holds as many
// colonies as its optical density says, not one (physgen plates of
// 900–1265 colonies counted each of their 6–8 patches as one colony).
func TestCountConfluentPatches(t *testing.T) {
	img, want, mid := confluentPlate()
	res, err := Count(img, Options{Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	if !hasFlag(res.QC, "confluent") {
		t.Fatalf("plate not flagged confluent (QC %v): the test needs it", res.QC)
	}
	o := res.Labels.PixOffset(int(mid[0]), int(mid[1]))
	if id := int(res.Labels.Pix[o])<<8 | int(res.Labels.Pix[o+1]); id < 1 || id > len(res.Colonies) {
		t.Errorf("the patch lies in object %d, not in a counted colony (1..%d)", id, len(res.Colonies))
	}
	if got := res.Count(); math.Abs(float64(got-want)) > 0.03*float64(want) {
		t.Errorf("count %d (%d objects + %d estimated), want %d ± 3 %%", got, len(res.Colonies), res.EstimatedColonies, want)
	}
}
