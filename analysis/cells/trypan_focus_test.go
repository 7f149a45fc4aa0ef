package cells

import (
	"image"
	"testing"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/chamber"
)

// TestTrypanFocusCellsPhysgen: physgen seed-4 field 8 (grey, focus +0.87,
// halo 0.30) its top-left 800×600 (768 µm a side, still a whole field):
// its live cells are bright centres in thin rims inside bright halos,
// whose regions the halo widens or joins to a neighbour's, so the
// contrast and size tests dropped them. trypanFocusCells finds them by
// their bright-centred ring.
func TestTrypanFocusCellsPhysgen(t *testing.T) {
	t.Parallel()
	_, res, live, _ := physgenQuarter(t, 4, 8)
	if frac := float64(res.Live) / float64(live); frac < 0.9 || frac > 1.1 {
		t.Errorf("live found %d of %d (%.0f %%), want 90–110 %%", res.Live, live, 100*frac)
	}
}

// physgenQuarter renders physgen chamber field (seed, field), counts its
// top-left 800×600 (still a whole field: 768–960 µm a side) with
// countPhysgenTopLeft and returns the field, the result and the chamber
// rule's truth for that quarter; skipped in -short.
func physgenQuarter(t *testing.T, seed uint64, field int) (f *chamber.Field, res *Result, live, dead int) {
	t.Helper()
	if testing.Short() {
		t.Skip("renders and counts an 800×600 physgen field")
	}
	f, err := chamber.Generate(seed, field, chamber.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 800, 600
	live, dead = physgenTopLeftTruth(f, w, h)
	res = countPhysgenTopLeft(t, f, w, h)
	t.Logf("seed %d field %d, top-left %d×%d: live %d / %d, dead %d / %d", seed, field, w, h, res.Live, live, res.Dead, dead)
	return f, res, live, dead
}

// countPhysgenTopLeft counts the top-left w×h of a physgen chamber field
// as a user's file would arrive: PNG-encoded with its pixel size, then
// decoded.
func countPhysgenTopLeft(t *testing.T, f *chamber.Field, w, h int) *Result {
	t.Helper()
	sub := f.Image.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(0, 0, w, h))
	b, err := imageio.EncodePNG(sub, f.PixelSizeUM)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imageio.Decode(b, imageio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Count(img, Options{Stain: StainTrypan, PixelSizeUM: f.PixelSizeUM, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTrypanDarkRingPhysgen: physgen seed-10 field 5 (colour, below
// focus) its top-left 800×600: live cells whose centre stays near the
// chamber grey are left outside the foreground or rejected by the cell
// test, yet their refractile rim is dark all round; trypanFocusCells adds
// them at their dark-rimmed ring (trypanDarkRing): 423 of 549 live
// without it, 481 with it.
func TestTrypanDarkRingPhysgen(t *testing.T) {
	t.Parallel()
	_, res, live, _ := physgenQuarter(t, 10, 5)
	if frac := float64(res.Live) / float64(live); frac < 0.85 || frac > 1.1 {
		t.Errorf("live found %d of %d (%.0f %%), want 85–110 %%", res.Live, live, 100*frac)
	}
}

// TestTrypanRimlessPhysgen: physgen seed-4 field 35 (grey, focus +0.85,
// halo 0.29, its live objects mostly rimmed) its top-left 800×600: the
// glow of halos between cells and a faint ruling line's pieces pass the
// cell test and are called live though they have no dark rim and no ring
// (trypanDropRimless). Seed-12 field 19 (focus +0.74): the cells
// themselves are rimless there, and the drop must leave them.
func TestTrypanRimlessPhysgen(t *testing.T) {
	t.Parallel()
	_, res, live, _ := physgenQuarter(t, 4, 35)
	t.Logf("seed 4 field 35: live %d of %d", res.Live, live)
	if frac := float64(res.Live) / float64(live); frac < 0.9 || frac > 1.16 {
		t.Errorf("seed 4 field 35: live found %d of %d (%.0f %%), want 90–116 %%", res.Live, live, 100*frac)
	}
	_, res, live, _ = physgenQuarter(t, 12, 19)
	t.Logf("seed 12 field 19: live %d of %d", res.Live, live)
	if frac := float64(res.Live) / float64(live); frac < 0.85 || frac > 1.1 {
		t.Errorf("seed 12 field 19: live found %d of %d (%.0f %%), want 85–110 %%", res.Live, live, 100*frac)
	}
}
