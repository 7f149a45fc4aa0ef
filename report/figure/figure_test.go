package figure

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TestRender: a 2 × 1 cm PNG at 150 dpi is 118 × 59 px; SVG is SVG; an
// unknown format is an error and paint is not called.
func TestRender(t *testing.T) {
	called := 0
	paint := func(c draw.Canvas) { called++; c.SetColor(nil) }
	b, err := Render("png", 2*vg.Centimeter, 1*vg.Centimeter, paint)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 118 || cfg.Height != 59 {
		t.Errorf("png %dx%d (%v), want 118x59", cfg.Width, cfg.Height, err)
	}
	s, err := Render("svg", 2*vg.Centimeter, 1*vg.Centimeter, paint)
	if err != nil || !strings.Contains(string(s), "<svg") {
		t.Errorf("svg %q… (%v)", s[:min(40, len(s))], err)
	}
	if _, err := Render("gif", vg.Centimeter, vg.Centimeter, paint); err == nil || called != 2 {
		t.Errorf("gif: err %v, paint called %d times (want an error and 2)", err, called)
	}
}
