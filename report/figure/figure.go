// Package figure renders gonum/plot drawings to PNG (150 dpi) or SVG bytes:
// the one canvas switch behind the dilution, growth and passport figures.
package figure

import (
	"bytes"
	"fmt"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution of PNG figures: sharp when printed on A4 at their
// size in cm, small enough to embed in an HTML report.
const DPI = 150

// Render draws with paint onto a w × h canvas of format "png" or "svg" and
// returns the encoded figure.
func Render(format string, w, h vg.Length, paint func(draw.Canvas)) ([]byte, error) {
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))}
	case "svg":
		c = vgsvg.New(w, h)
	default:
		return nil, fmt.Errorf("figure: format %q (want png or svg)", format)
	}
	paint(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("figure: %w", err)
	}
	return b.Bytes(), nil
}
