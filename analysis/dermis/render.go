package dermis

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

// layer colours for the overlay and GeoJSON display
var layerColour = [5]color.RGBA{
	{0, 0, 0, 255}, {255, 0, 0, 255}, {255, 106, 0, 255}, {76, 200, 0, 255}, {0, 38, 255, 255},
}

// render builds the optional label image and overlay, and the region
// outlines for GeoJSON.
func (s *section) render() error {
	W, H := s.img.Width, s.img.Height
	if s.labels == nil {
		s.labels = make([]uint8, s.w*s.h)
	}
	s.res.Regions, s.res.RegionLabels = s.regions()
	var full *image.Gray
	if s.opt.Labels || s.opt.Overlay {
		full = image.NewGray(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			wy := min(y/s.f, s.h-1)
			for x := 0; x < W; x++ {
				full.Pix[y*W+x] = s.labels[wy*s.w+min(x/s.f, s.w-1)]
			}
		}
	}
	if s.opt.Labels {
		s.res.Labels = full
	}
	if s.opt.Overlay {
		s.res.Overlay = s.overlay(full)
	}
	return nil
}

func (s *section) overlay(lab *image.Gray) *image.RGBA {
	W, H := s.img.Width, s.img.Height
	ch := s.img.Channels
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := 0; i < W*H; i++ {
		if ch == 1 {
			g := s.img.Pix[i]
			out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2] = g, g, g
		} else {
			out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2] = s.img.Pix[3*i+2], s.img.Pix[3*i+1], s.img.Pix[3*i]
		}
		out.Pix[4*i+3] = 255
	}
	thick := max(1, min(W, H)/600)
	// layer boundaries: a pixel whose right or lower neighbour differs
	for y := 0; y < H-1; y++ {
		for x := 0; x < W-1; x++ {
			a := lab.Pix[y*W+x]
			b, c := lab.Pix[y*W+x+1], lab.Pix[(y+1)*W+x]
			if a != b || a != c {
				l := max(a, b, c)
				dot(out, float64(x), float64(y), thick, layerColour[l])
			}
		}
	}
	for _, c := range s.res.SurfaceCurves {
		for _, p := range c {
			dot(out, p.X, p.Y, thick, color.RGBA{255, 255, 0, 255})
		}
	}
	for _, m := range s.res.Measurements {
		a := m.TissueAt
		b := m.DermisEndAt
		if math.IsNaN(b) {
			b = m.DEJAt
		}
		for t := a; t <= b; t += 0.5 {
			var c color.RGBA
			switch {
			case t < m.EpidermisAt:
				c = layerColour[LabelCorneum]
			case t < m.DEJAt:
				c = color.RGBA{128, 0, 128, 255}
			default:
				c = color.RGBA{0, 90, 255, 255}
			}
			dot(out, m.Surface.X+t*m.Normal.X, m.Surface.Y+t*m.Normal.Y, thick, c)
		}
	}
	s.legendAndScale(out)
	return out
}

// legendAndScale draws the layer legend (top left) and a scale bar
// (bottom right: a round length near a fifth of the width, in µm when
// calibrated, else in px) onto the overlay.
func (s *section) legendAndScale(out *image.RGBA) {
	W, H := out.Rect.Dx(), out.Rect.Dy()
	if W < 64 || H < 64 {
		return // no room; and keeps OpenCV away from degenerate sizes
	}
	mat, err := gocv.NewMatFromBytes(H, W, gocv.MatTypeCV8UC4, out.Pix)
	if err != nil {
		return
	}
	defer mat.Close()
	scale := math.Max(0.35, float64(min(W, H))/1600)
	th := max(1, int(math.Round(2*scale)))
	lineH := int(math.Round(28 * scale))
	pad := int(math.Round(10 * scale))
	// gocv writes a colour as (B, G, R, A) into the channels; this Mat
	// holds R, G, B, A, so swap red and blue
	rgba := func(c color.RGBA) color.RGBA { return color.RGBA{c.B, c.G, c.R, 255} }
	entries := []struct {
		name string
		c    color.RGBA
	}{
		{"stratum corneum", layerColour[LabelCorneum]},
		{"epidermis", layerColour[LabelEpidermis]},
		{"dermis", layerColour[LabelDermis]},
		{"hypodermis", layerColour[LabelHypodermis]},
		{"skin surface", color.RGBA{255, 255, 0, 255}},
		{"epidermal measurement", color.RGBA{128, 0, 128, 255}},
		{"dermal measurement", color.RGBA{0, 90, 255, 255}},
	}
	boxW := int(math.Round(330 * scale))
	gocv.Rectangle(&mat, image.Rect(0, 0, min(W, boxW), min(H, pad+lineH*len(entries)+pad)), color.RGBA{255, 255, 255, 255}, -1)
	for k, e := range entries {
		y := pad + lineH*k
		gocv.Rectangle(&mat, image.Rect(pad, y+lineH/5, pad+lineH*3/5, y+lineH*4/5), rgba(e.c), -1)
		gocv.PutText(&mat, e.name, image.Pt(pad+lineH, y+lineH*3/4), gocv.FontHersheySimplex, 0.6*scale, color.RGBA{0, 0, 0, 255}, th)
	}
	// scale bar
	perPx, unit := 1.0, "px"
	if s.cal.Known() {
		perPx, unit = s.cal.PixelSizeUM, "um"
	}
	target := 0.2 * float64(W) * perPx
	nice := 1.0
	for _, m := range []float64{1, 2, 5} {
		for e := 0.0; e < 6; e++ {
			if v := m * math.Pow(10, e); v <= target {
				nice = math.Max(nice, v)
			}
		}
	}
	barPx := int(math.Round(nice / perPx))
	if barPx < 4 || barPx > W-2*pad {
		return
	}
	x1, y1 := W-pad, H-pad-lineH
	x0 := x1 - barPx
	label := fmt.Sprintf("%g %s", nice, unit)
	gocv.Rectangle(&mat, image.Rect(x0-pad, y1-lineH-pad, x1+pad/2, H-pad/2), color.RGBA{255, 255, 255, 255}, -1)
	gocv.Rectangle(&mat, image.Rect(x0, y1, x1, y1+max(3, lineH/4)), color.RGBA{0, 0, 0, 255}, -1)
	gocv.PutText(&mat, label, image.Pt(x0, y1-pad/2), gocv.FontHersheySimplex, 0.6*scale, color.RGBA{0, 0, 0, 255}, th)
	if b, err := mat.DataPtrUint8(); err == nil && len(b) == len(out.Pix) {
		copy(out.Pix, b)
	}
}

func dot(img *image.RGBA, x, y float64, r int, c color.RGBA) {
	xi, yi := int(x), int(y)
	for yy := yi - r/2; yy <= yi+r/2; yy++ {
		for xx := xi - r/2; xx <= xi+r/2; xx++ {
			if image.Pt(xx, yy).In(img.Rect) {
				img.SetRGBA(xx, yy, c)
			}
		}
	}
}

// regions returns the simplified outer rings of every connected region of
// each layer, in input pixels.
func (s *section) regions() ([][]Point, []uint8) {
	var rings [][]Point
	var labs []uint8
	fin := float64(s.f)
	minArea := s.px(30, 4)
	minArea *= minArea
	for l := uint8(1); l <= 4; l++ {
		buf := make([]byte, s.w*s.h)
		n := 0
		for i, v := range s.labels {
			if v == l {
				buf[i] = 255
				n++
			}
		}
		if n == 0 {
			continue
		}
		for _, r := range ringsOf(buf, s.w, s.h, minArea) {
			ring := make([]Point, 0, len(r)+1)
			for _, p := range r {
				ring = append(ring, Point{float64(p.X) * fin, float64(p.Y) * fin})
			}
			rings = append(rings, ring)
			labs = append(labs, l)
		}
	}
	return rings, labs
}

func ringsOf(buf []byte, w, h int, minArea float64) [][]image.Point {
	mat, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC1, buf)
	if err != nil {
		return nil
	}
	defer mat.Close()
	cs := gocv.FindContours(mat, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer cs.Close()
	var out [][]image.Point
	for i := 0; i < cs.Size(); i++ {
		pv := cs.At(i)
		if gocv.ContourArea(pv) < minArea {
			continue
		}
		out = append(out, simplify(pv))
	}
	return out
}

func simplify(pv gocv.PointVector) []image.Point {
	ap := gocv.ApproxPolyDP(pv, 1.0, true)
	defer ap.Close()
	return ap.ToPoints()
}
