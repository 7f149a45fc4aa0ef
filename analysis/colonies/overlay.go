package colonies

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvutil"
)

// Overlay colours.
var (
	colourColony   = color.RGBA{R: 0, G: 230, B: 0, A: 255}   // counted colony
	colourRejected = color.RGBA{R: 255, G: 40, B: 40, A: 255} // abortive cluster or debris
	colourDish     = color.RGBA{R: 255, G: 210, B: 0, A: 255} // analysed dish region
)

// upscaleLabels maps the working-size labels to the input size by nearest
// neighbour.
func upscaleLabels(lab []int32, gw, gh, w, h int) *image.Gray16 {
	out := image.NewGray16(image.Rect(0, 0, w, h))
	sx, sy := float64(gw)/float64(w), float64(gh)/float64(h)
	for y := 0; y < h; y++ {
		wy := min(gh-1, int((float64(y)+0.5)*sy))
		for x := 0; x < w; x++ {
			wx := min(gw-1, int((float64(x)+0.5)*sx))
			v := lab[wy*gw+wx]
			if v > 0 {
				o := out.PixOffset(x, y)
				out.Pix[o], out.Pix[o+1] = uint8(min(v, math.MaxUint16)>>8), uint8(min(v, math.MaxUint16))
			}
		}
	}
	return out
}

// drawOverlay outlines counted colonies in green and rejected clusters in
// red, numbers the colonies, draws the analysed dish region in yellow and
// writes the count. Outlines are traced on the working-size labels so they
// stay visible on large photographs.
func drawOverlay(src gocv.Mat, lab []int32, gw, gh int, res *Result) (*image.RGBA, error) {
	canvas, err := cvutil.BGR(src)
	if err != nil {
		return nil, err
	}
	defer canvas.Close()
	w, h := canvas.Cols(), canvas.Rows()
	buf := canvas.ToBytes()
	if len(buf) != w*h*3 {
		return nil, fmt.Errorf("colonies: overlay canvas has %d bytes", len(buf))
	}
	nCol := int32(len(res.Colonies))
	edge := func(i, x, y int) bool {
		v := lab[i]
		return v != 0 && (x == 0 || y == 0 || x == gw-1 || y == gh-1 ||
			lab[i-1] != v || lab[i+1] != v || lab[i-gw] != v || lab[i+gw] != v)
	}
	sx, sy := float64(gw)/float64(w), float64(gh)/float64(h)
	for y := 0; y < h; y++ {
		wy := min(gh-1, int((float64(y)+0.5)*sy))
		for x := 0; x < w; x++ {
			wx := min(gw-1, int((float64(x)+0.5)*sx))
			i := wy*gw + wx
			if !edge(i, wx, wy) {
				continue
			}
			c := colourColony
			if lab[i] > nCol {
				c = colourRejected
			}
			o := (y*w + x) * 3
			buf[o], buf[o+1], buf[o+2] = c.B, c.G, c.R
		}
	}
	out, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, buf)
	if err != nil {
		return nil, fmt.Errorf("colonies: overlay: %w", err)
	}
	defer out.Close()
	scale := math.Max(0.4, float64(max(w, h))/1600)
	thick := max(1, int(math.Round(scale*1.5)))
	d := res.Dish
	if d.Found && d.Shape == "circle" {
		gocv.Circle(&out, image.Pt(int(d.CXPx), int(d.CYPx)), int(d.RadiusPx), colourDish, thick)
	}
	for _, c := range res.Colonies {
		gocv.PutText(&out, fmt.Sprint(c.ID), image.Pt(int(c.CentroidXPx+c.EquivDiameterPx/2), int(c.CentroidYPx-c.EquivDiameterPx/2)),
			gocv.FontHersheyPlain, scale, colourColony, max(1, thick/2))
	}
	txt := fmt.Sprintf("colonies: %d  rejected: %d", len(res.Colonies), len(res.Rejected))
	org := image.Pt(int(10*scale), int(30*scale))
	gocv.PutText(&out, txt, org, gocv.FontHersheySimplex, scale, color.RGBA{A: 255}, 3*thick)
	gocv.PutText(&out, txt, org, gocv.FontHersheySimplex, scale, colourColony, thick)
	return cvutil.ToRGBA(out)
}
