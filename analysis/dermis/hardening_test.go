package dermis

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/histocount/histocount/analysis/dermis/synth"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// TestOptionBounds: every numeric option out of range is an error, not a
// run without end (issue 15: --interval 1e-6 took 15 GB).
func TestOptionBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (20–60 s); skipped by -short, runs in make test")
	}
	img, _ := synth.Generate(smallSection(synth.StainHE, 0, 0, true), rand.New(rand.NewSource(1)))
	bad := []Options{
		{IntervalUM: 1e-6}, {IntervalUM: math.NaN()}, {IntervalUM: math.Inf(1)}, {IntervalUM: -5}, {IntervalUM: 1e308},
		{PixelSizeUM: 1e200}, {PixelSizeUM: 1e-300}, {PixelSizeUM: math.NaN()}, {PixelSizeUM: -1}, {PixelSizeUM: math.Inf(-1)},
	}
	for _, o := range bad {
		if _, err := Measure(img, o); !errors.Is(err, ErrBadOption) {
			t.Errorf("options %+v: err %v, want ErrBadOption", o, err)
		}
	}
	for _, o := range []Options{{}, {IntervalUM: MinIntervalUM}, {PixelSizeUM: 1.2, IntervalUM: 200}} {
		if _, err := Measure(img, o); err != nil {
			t.Errorf("options %+v: %v", o, err)
		}
	}
}

// TestCancelled: a cancelled context stops the analysis with its error.
func TestCancelled(t *testing.T) {
	img, _ := synth.Generate(smallSection(synth.StainHE, 0, 0, true), rand.New(rand.NewSource(1)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := MeasureContext(ctx, img, Options{IntervalUM: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// TestRefusesLabelImage: a mask (few distinct values) is refused, a blank
// slide is not (it is no_tissue).
func TestRefusesLabelImage(t *testing.T) {
	w, h := 200, 160
	for _, ch := range []int{1, 3} {
		m := &imageio.Image{Width: w, Height: h, Channels: ch, Pix: make([]byte, w*h*ch)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := byte(y * 5 / h) // labels 0..4 in bands
				for c := 0; c < ch; c++ {
					m.Pix[(y*w+x)*ch+c] = v * 50
				}
			}
		}
		if _, err := Measure(m, Options{}); !errors.Is(err, ErrLabelImage) {
			t.Errorf("%d-channel label image: err %v, want ErrLabelImage", ch, err)
		}
	}
}

// TestImplausibleFlag: thicknesses no skin has are flagged.
func TestImplausibleFlag(t *testing.T) {
	cases := []struct {
		name   string
		e, d   float64
		lower  bool
		unit   string
		wanted bool
	}{
		{"normal", 40, 900, false, models.UnitUM, false},
		{"dermis 20 µm", 40, 20, true, models.UnitUM, true},
		{"dermis thinner than epidermis", 150, 120, false, models.UnitUM, true},
		{"epidermis 450 µm", 450, 1500, false, models.UnitUM, true},
		{"epidermis 7 µm (band barely found)", 7, 1300, false, models.UnitUM, true},
		{"epidermis 25 µm", 25, 1300, false, models.UnitUM, false},
		{"dermis 6 mm", 50, 6000, false, models.UnitUM, true},
		{"uncalibrated, thin dermis in px", 40, 90, true, models.UnitPx, false},
	}
	for _, c := range cases {
		s := &section{res: &Result{}}
		sec := &s.res.Section
		sec.Unit = c.unit
		sec.Epidermis = models.LayerThickness{Mean: c.e, N: 10}
		sec.Dermis = models.LayerThickness{Mean: c.d, N: 10}
		sec.DermisLowerBound = c.lower
		s.flagImplausible()
		if got := slices.Contains(sec.QC, models.QCImplausible); got != c.wanted {
			t.Errorf("%s: implausible %v, want %v", c.name, got, c.wanted)
		}
	}
}
