package colonies

import (
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

// rimLabelDish draws a grey dish (centre 200,200, agar to r 170, bright
// wall to r 180) on a bench that brightens from left to right by
// benchRamp grey levels, with, when withLabel, a paper label across the
// wall at the bottom (angle 90°, 90 px wide tangentially, radially from
// r 158 to r 200) written on with dark dots at r 175.
func rimLabelDish(bench, benchRamp float64, withLabel bool) (*grey8, models.Dish) {
	const n, cx, cy = 400, 200.0, 200.0
	g := &grey8{w: n, h: n, pix: make([]byte, n*n)}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			d := math.Hypot(fx-cx, fy-cy)
			v := bench + benchRamp*fx/n
			switch {
			case d < 170:
				v = 200
			case d < 180:
				v = 225
			}
			// Label frame: u along the wall's tangent, v outwards.
			u, w := fx-cx, fy-cy
			if withLabel && math.Abs(u) < 45 && w > 158 && w < 200 {
				v = 235
				for _, dx := range []float64{-30, -15, 0, 15, 30} {
					if math.Hypot(u-dx, w-175) < 3.5 {
						v = 60
					}
				}
			}
			g.pix[y*n+x] = byte(v)
		}
	}
	return g, models.Dish{Found: true, Shape: "circle", CXPx: cx, CYPx: cy, RadiusPx: 180, RimRadiusPx: 180, InnerRadiusPx: 170}
}

func TestLabelSectors(t *testing.T) {
	g, dish := rimLabelDish(40, 60, true)
	s := labelSectors(g, dish, 1)
	if s == nil {
		t.Fatal("no label found on a dish with a paper label across its wall")
	}
	bin := func(deg float64) int { return int(deg / 360 * labelBins) }
	if !s[bin(90)] {
		t.Errorf("the label's centre (90°) is not a label sector")
	}
	for _, deg := range []float64{0, 45, 180, 270} {
		if s[bin(deg)] {
			t.Errorf("sector at %v° taken for a label", deg)
		}
	}
	// 90 px of label at r ≈ 182 spans 28°: 14 sectors, one more each side.
	n := 0
	for _, v := range s {
		if v {
			n++
		}
	}
	if n < 12 || n > 19 {
		t.Errorf("label spans %d sectors, want 12–19", n)
	}

	if g, dish := rimLabelDish(40, 60, false); labelSectors(g, dish, 1) != nil {
		t.Error("a label found on a dish without one (bench lighting gradient)")
	}
	// Paper on a bench as bright as paper cannot be seen: nothing changes.
	if g, dish := rimLabelDish(235, 0, true); labelSectors(g, dish, 1) != nil {
		t.Error("a label found on a bench as bright as paper")
	}
}

func TestRejectOnLabel(t *testing.T) {
	g, dish := rimLabelDish(40, 60, true)
	at := func(deg, r float64) object {
		a := deg * math.Pi / 180
		return object{cx: 200 + r*math.Cos(a) - 0.5, cy: 200 + r*math.Sin(a) - 0.5, area: 30, class: models.ColonyCounted}
	}
	objs := []object{
		at(90, 175),  // writing on the label, in the rim band
		at(95, 176),  // more writing
		at(270, 175), // a meniscus colony across the dish
		at(90, 120),  // a colony on the agar in the label's sector
	}
	rejectOnLabel(objs, labelSectors(g, dish, 1), dish, 1, rimBand(dish, 1))
	want := []string{models.ColonyDebris, models.ColonyDebris, models.ColonyCounted, models.ColonyCounted}
	for i, o := range objs {
		if o.class != want[i] {
			t.Errorf("object %d: %s, want %s", i, o.class, want[i])
		}
	}
}
