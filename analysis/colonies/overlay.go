package colonies

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/imageio"
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
// stay visible on large photographs. The input is copied once, straight
// into the RGBA result, and OpenCV draws on that buffer in place: the
// overlay of a 2448² plate is 24 MB, and every extra full-size copy and
// per-pixel conversion showed in the per-plate CPU.
func drawOverlay(img *imageio.Image, lab []int32, gw, gh int, res *Result) (*image.RGBA, error) {
	w, h := img.Width, img.Height
	if err := checkBuffer(img); err != nil {
		return nil, err
	}
	out, err := img.RGBA()
	if err != nil {
		return nil, err
	}
	edge := outlineClasses(lab, gw, gh, int32(len(res.Colonies)))
	wxs := make([]int, w)
	sx, sy := float64(gw)/float64(w), float64(gh)/float64(h)
	for x := range wxs {
		wxs[x] = min(gw-1, int((float64(x)+0.5)*sx))
	}
	for y := 0; y < h; y++ {
		row := edge[min(gh-1, int((float64(y)+0.5)*sy))*gw:]
		pix := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x, wx := range wxs {
			var c color.RGBA
			switch row[wx] {
			case outlineNone:
				continue
			case outlineColony:
				c = colourColony
			default:
				c = colourRejected
			}
			pix[4*x], pix[4*x+1], pix[4*x+2] = c.R, c.G, c.B
		}
	}
	canvas, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC4, out.Pix)
	if err != nil {
		return nil, fmt.Errorf("colonies: overlay: %w", err)
	}
	defer canvas.Close()
	scale := math.Max(0.4, float64(max(w, h))/1600)
	thick := max(1, int(math.Round(scale*1.5)))
	d := res.Dish
	if d.Found && d.Shape == "circle" {
		gocv.Circle(&canvas, image.Pt(int(d.CXPx), int(d.CYPx)), int(d.RadiusPx), rgbaOrder(colourDish), thick)
	}
	for _, c := range res.Colonies {
		gocv.PutText(&canvas, fmt.Sprint(c.ID), image.Pt(int(c.CentroidXPx+c.EquivDiameterPx/2), int(c.CentroidYPx-c.EquivDiameterPx/2)),
			gocv.FontHersheyPlain, scale, rgbaOrder(colourColony), max(1, thick/2))
	}
	txt := fmt.Sprintf("colonies: %d  rejected: %d", len(res.Colonies), len(res.Rejected))
	org := image.Pt(int(10*scale), int(30*scale))
	gocv.PutText(&canvas, txt, org, gocv.FontHersheySimplex, scale, color.RGBA{A: 255}, 3*thick)
	gocv.PutText(&canvas, txt, org, gocv.FontHersheySimplex, scale, rgbaOrder(colourColony), thick)
	return out, nil
}

// Outline classes of a working-size pixel.
const (
	outlineNone = iota
	outlineColony
	outlineRejected
)

// outlineClasses marks the boundary pixels of every labelled object
// (4-neighbourhood, image border included): colonies are labels 1..nCol,
// rejected objects the labels above. It is computed once at the working
// size; the overlay samples it for each of its several times larger
// number of pixels.
func outlineClasses(lab []int32, gw, gh int, nCol int32) []uint8 {
	out := make([]uint8, gw*gh)
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			i := y*gw + x
			v := lab[i]
			if v == 0 || !(x == 0 || y == 0 || x == gw-1 || y == gh-1 ||
				lab[i-1] != v || lab[i+1] != v || lab[i-gw] != v || lab[i+gw] != v) {
				continue
			}
			out[i] = outlineColony
			if v > nCol {
				out[i] = outlineRejected
			}
		}
	}
	return out
}

// rgbaOrder is c for OpenCV drawing on an RGBA buffer: gocv passes a
// colour as (B, G, R, A) channel values.
func rgbaOrder(c color.RGBA) color.RGBA { return color.RGBA{R: c.B, G: c.G, B: c.R, A: c.A} }
