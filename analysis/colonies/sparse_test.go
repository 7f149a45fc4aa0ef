package colonies

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// sparsePlate draws a light agar dish with a few small dark colonies and
// many faint light condensation droplets, with grain: the droplets cover
// more dish than the colonies but are far paler. Returns the image and
// the colony count.
func sparsePlate() (*imageio.Image, int) {
	rng := rand.New(rand.NewPCG(7, 10))
	agar := [3]float64{170, 190, 205} // B, G, R: beige
	colonies := [][2]float64{{200, 150}, {330, 210}, {150, 300}, {260, 380}, {360, 330}}
	var drops [][3]float64 // x, y, radius
	for len(drops) < 90 {
		x, y := 40+400*rng.Float64(), 40+400*rng.Float64()
		if math.Hypot(x-240, y-240) > 190 {
			continue
		}
		drops = append(drops, [3]float64{x, y, 2.5 + 2.5*rng.Float64()})
	}
	noise := rand.New(rand.NewPCG(7, 11))
	img := testDish(480, 220, [3]float64{40, 40, 40}, agar, func(fx, fy float64, in bool, c *[3]float64) {
		if !in {
			return
		}
		light := 0.0
		for _, d := range drops {
			light = math.Max(light, 0.14*softDisc(fx, fy, [2]float64{d[0], d[1]}, d[2], 0.8))
		}
		dark := 0.0
		for _, p := range colonies {
			dark = math.Max(dark, 0.5*softDisc(fx, fy, p, 2.5, 0.8))
		}
		n := 5 * noise.NormFloat64()
		for k := range c {
			c[k] = c[k]*(1+light)*(1-dark) + n
		}
	})
	return img, len(colonies)
}

// A plate with few colonies and many pale droplets: the droplets' light
// tail outweighs the colonies' dark one by area, but colonies are the
// deep contrast. Before the polarity looked at depth it read the plate as
// light colonies and counted droplets (physgen seed 5 agar_014: 1 of 9).
func TestSparsePlateAmongDroplets(t *testing.T) {
	img, want := sparsePlate()
	res, err := Count(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Polarity != PolarityDark {
		t.Errorf("polarity %q, want %q", res.Polarity, PolarityDark)
	}
	if !slices.Contains(res.QC, models.QCPolarityContested) {
		t.Errorf("qc %v lacks %s", res.QC, models.QCPolarityContested)
	}
	if got := res.Count(); got != want {
		t.Errorf("count %d, want %d; rejected %d, qc %v", got, want, len(res.Rejected), res.QC)
		for _, c := range res.Colonies {
			t.Logf("%s (%.0f,%.0f) d %.1f", c.Class, c.CentroidXPx, c.CentroidYPx, c.EquivDiameterPx)
		}
	}
}
