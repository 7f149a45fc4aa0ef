package colonies

import (
	"github.com/histocount/histocount/imageio"
	"math"
	"testing"
)

// satellitePlate draws a webcam-sized yellow agar plate of large colonies,
// five with a satellite (a blurred speck about 3.6 px across, below the
// automatic size floor of 4.6 px) 1.6 parent radii from their centre, and
// specks of the satellites' size and darkness far from any colony.
func satellitePlate() (img *imageio.Image, colonies, satellites int) {
	const parentR, satSigma = 14.0, 0.9
	agar := [3]float64{150, 205, 215} // B, G, R
	parents := [][2]float64{{300, 300}, {500, 260}, {700, 320}, {320, 520}, {520, 540}, {720, 560}, {360, 740}, {600, 760}}
	var sats [][2]float64
	for k, p := range parents[:5] {
		a := float64(k) * 1.3
		sats = append(sats, [2]float64{p[0] + 1.6*parentR*math.Cos(a), p[1] + 1.6*parentR*math.Sin(a)})
	}
	specks := [][2]float64{{420, 420}, {620, 420}, {450, 650}, {250, 640}}
	img = testDish(1000, 460, [3]float64{40, 40, 40}, agar, func(fx, fy float64, _ bool, c *[3]float64) {
		dark := 0.0
		for _, p := range parents {
			dark = math.Max(dark, 0.6*softDisc(fx, fy, p, parentR, 1))
		}
		for _, p := range append(sats, specks...) {
			d := math.Hypot(fx-p[0], fy-p[1])
			dark = math.Max(dark, 0.25*math.Exp(-d*d/(2*satSigma*satSigma)))
		}
		for k := range c {
			c[k] *= 1 - dark
		}
	})
	return img, len(parents) + len(sats), len(sats)
}

func TestCountSatellites(t *testing.T) {
	img, want, sats := satellitePlate()
	res, err := Count(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Count(); got != want {
		t.Errorf("count %d, want %d (%d satellites next to large colonies; isolated specks of their size are not colonies); floor %.1f px²",
			got, want, sats, res.MinColonyAreaPx)
		for _, c := range append(res.Colonies, res.Rejected...) {
			t.Logf("%s (%.0f,%.0f) d %.1f contrast %.1f", c.Class, c.CentroidXPx, c.CentroidYPx, c.EquivDiameterPx, c.StainContrast)
		}
	}
}
