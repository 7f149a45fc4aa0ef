package colonies

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/histocount/histocount/imageio"
)

// speckPlate draws a webcam-sized agar plate of colonies 24–30 px across
// and four of 13 px (a late colony is half the plate's size), three
// satellites 7 px across beside big colonies, and specks of the
// satellites' size and darkness far from any colony (physgen seed 3
// agar_013: 8 counted for 5).
func speckPlate() (img *imageio.Image, colonies int) {
	agar := [3]float64{150, 205, 215} // B, G, R
	type disc struct{ x, y, r float64 }
	cols := []disc{{300, 300, 14}, {500, 260, 12}, {700, 320, 15}, {320, 520, 13}, {520, 540, 14},
		{720, 560, 12}, {360, 740, 15}, {600, 760, 13}, {450, 420, 6.5}, {650, 450, 6.5}, {260, 650, 6.5}, {780, 700, 6.5}}
	sats := []disc{{300 + 24, 300, 1.5}, {500, 260 - 21, 1.5}, {520 - 17, 540 + 17, 1.5}}
	specks := []disc{{420, 330, 1.5}, {600, 650, 1.5}, {450, 620, 1.5}, {800, 450, 1.5}}
	all := append(append(cols, sats...), specks...)
	grain := rand.New(rand.NewPCG(10, 3))
	img = testDish(1000, 460, [3]float64{40, 40, 40}, agar, func(fx, fy float64, _ bool, c *[3]float64) {
		dark := 0.0
		for _, d := range all {
			if math.Abs(fx-d.x) < d.r+10 && math.Abs(fy-d.y) < d.r+10 { // the edge is spent 10 px out
				dark = math.Max(dark, 0.5*softDisc(fx, fy, [2]float64{d.x, d.y}, d.r, 1))
			}
		}
		n := 4 * grain.NormFloat64()
		for k := range c {
			c[k] = c[k]*(1-dark) + n
		}
	})
	return img, len(cols) + len(sats)
}

// Specks far smaller than the plate's colonies and beside none of them are
// not colonies; satellites of their size beside a colony and late colonies
// half the plate's size are.
func TestCountIgnoresIsolatedSpecks(t *testing.T) {
	img, want := speckPlate()
	res, err := Count(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(); got != want {
		t.Errorf("count %d, want %d (4 isolated specks are not colonies); floor %.1f px²", got, want, res.MinColonyAreaPx)
		for _, c := range append(res.Colonies, res.Rejected...) {
			t.Logf("%s (%.0f,%.0f) d %.1f", c.Class, c.CentroidXPx, c.CentroidYPx, c.EquivDiameterPx)
		}
	}
}
