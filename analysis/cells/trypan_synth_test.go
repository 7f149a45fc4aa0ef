package cells

import (
	"math"
	"math/rand"

	"github.com/histocount/histocount/imageio"
)

// trypanSynthCell is one cell drawn by synthTrypanField.
type trypanSynthCell struct {
	x, y, r float64 // centre and radius, pixels
	dead    bool
}

// synthTrypanField draws a trypan-blue counting-chamber field of w×h pixels
// with known cells: a grey chamber background with a gentle illumination
// gradient and noise, optional grid lines (dark edge, bright core, as in
// phase-contrast-like brightfield), live cells (bright refractile centre in
// a dark rim) and dead cells (blue, filled, darker than the background).
// The result is BGR (channels 3) unless grey, in which case the grey level
// is stored in one channel.
func synthTrypanField(w, h int, cells []trypanSynthCell, grid bool, grey bool, seed int64) *imageio.Image {
	rng := rand.New(rand.NewSource(seed))
	b := make([]float64, w*h)
	gch := make([]float64, w*h)
	rch := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 100 + 10*float64(x)/float64(w) + rng.NormFloat64()*2
			i := y*w + x
			b[i], gch[i], rch[i] = v, v, v
		}
	}
	if grid {
		// A horizontal and two vertical triple lines spanning the field.
		line := func(d float64) float64 { // profile across a line, d in px
			switch {
			case d < 1.5:
				return 60 // bright core
			case d < 3.5:
				return -55 // dark edges
			}
			return 0
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				dv := math.Min(math.Abs(float64(x)-0.3*float64(w)), math.Abs(float64(x)-0.75*float64(w)))
				dh := math.Abs(float64(y) - 0.55*float64(h))
				add := line(dv) + line(dh)
				i := y*w + x
				b[i] += add
				gch[i] += add
				rch[i] += add
			}
		}
	}
	for _, c := range cells {
		for y := int(c.y - c.r - 2); y <= int(c.y+c.r+2); y++ {
			for x := int(c.x - c.r - 2); x <= int(c.x+c.r+2); x++ {
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				d := math.Hypot(float64(x)-c.x, float64(y)-c.y)
				if d > c.r {
					continue
				}
				i := y*w + x
				if c.dead {
					// Stained cytoplasm: blue, darker than the chamber,
					// with a slightly darker membrane.
					k := 1.0
					if d > c.r-2 {
						k = 0.8
					}
					b[i], gch[i], rch[i] = 140*k, 55*k, 35*k
					continue
				}
				var v float64
				switch {
				case d < 0.4*c.r:
					v = 245 // refractile centre
				case d < 0.65*c.r:
					v = 150
				default:
					v = 35 // dark rim
				}
				b[i], gch[i], rch[i] = v, v, v
			}
		}
	}
	clamp := func(v float64) byte { return byte(math.Max(0, math.Min(255, math.Round(v)))) }
	img := &imageio.Image{Width: w, Height: h}
	if grey {
		img.Channels = 1
		img.Pix = make([]byte, w*h)
		for i := range img.Pix {
			img.Pix[i] = clamp(0.114*b[i] + 0.587*gch[i] + 0.299*rch[i])
		}
		return img
	}
	img.Channels = 3
	img.Pix = make([]byte, 3*w*h)
	for i := 0; i < w*h; i++ {
		img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2] = clamp(b[i]), clamp(gch[i]), clamp(rch[i])
	}
	return img
}

// trypanUniformImage is a w×h field of one grey level in the given channels.
func trypanUniformImage(w, h, ch int, v byte) *imageio.Image {
	img := &imageio.Image{Width: w, Height: h, Channels: ch, Pix: make([]byte, w*h*ch)}
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}
