package cells

import (
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

// touchingDiscsField is a 400×300 grey chamber field (level 170, a little
// deterministic texture) at 1.59 µm/px with chains of dark filled discs
// (radius 4.5 px, a 14 µm cell at that scale, absorbing as a sphere)
// 9 px apart (touching), blurred by a Gaussian of 1.8 px: the look of a
// dense, slightly defocused field where neighbours merge at the
// foreground threshold. Returns the grey pixels, the size and the number
// of discs.
func touchingDiscsField() ([]byte, int, int, int) {
	const w, h, r, gap, depth, psf = 400, 300, 4.5, 9.0, 90.0, 1.8
	var centres [][2]float64
	for row := 0; row < 6; row++ {
		y := 40 + 40*float64(row)
		for k := 0; k < 2+row%3; k++ {
			centres = append(centres, [2]float64{60 + 150*float64(row%2) + gap*float64(k), y})
		}
	}
	dark := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for _, c := range centres {
				if rho := math.Hypot(float64(x)-c[0], float64(y)-c[1]) / r; rho < 1 {
					dark[y*w+x] = float32(math.Max(float64(dark[y*w+x]), depth*math.Sqrt(1-rho*rho)))
				}
			}
		}
	}
	blur, err := gaussianBlur(dark, w, h, psf)
	if err != nil {
		panic(err)
	}
	g := make([]byte, w*h)
	for i, d := range blur {
		g[i] = byte(math.Round(170 - float64(d) + float64((i*7+(i/w)*13)%5) - 2))
	}
	return g, w, h, len(centres)
}

// TestTrypanDeepSeedsTouching: chains of 2–4 touching, blurred dark cells
// of a whole field count one object each. At the foreground threshold
// each chain is one component without a neck deep enough for the distance
// seeds (the old code counted 2 objects for 18 cells).
func TestTrypanDeepSeedsTouching(t *testing.T) {
	t.Parallel()
	g, w, h, n := touchingDiscsField()
	const pixelSizeUM = 1.59
	sc := trypanScaleFor(models.Calibration{PixelSizeUM: pixelSizeUM}, Options{}, w, h)
	if !sc.grid {
		t.Fatal("not analysed as a whole field")
	}
	res := trypanSegment(g, w, h, sc)
	if got := len(res.classes); got != n {
		t.Errorf("%d objects, want %d", got, n)
	}
}
