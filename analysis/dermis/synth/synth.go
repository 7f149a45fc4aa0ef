// Package synth draws synthetic skin sections with exactly known layer
// thicknesses, for testing the dermis measurements.
//
// Geometry: the skin surface (the outer face of the viable epidermis) is a
// circular arc of radius CurvatureRadiusUM (a straight line when 0) through
// the point (Width/2, SurfaceYFrac·Height), rotated by TiltDeg. Every pixel
// p gets a depth d(p) in µm, its exact distance to that arc along the arc's
// normal (positive into the tissue). Layers are bands of d:
//
//	−CorneumUM ≤ d < 0                    stratum corneum
//	0 ≤ d < EpidermisUM + r(u)            epidermis, r = rete ridges, zero mean
//	… < EpidermisUM + DermisUM            dermis
//	… < EpidermisUM + DermisUM + HypoUM   hypodermis (fat vacuoles), if enabled
//
// where u is the arc length along the surface and r(u) = A·(sin(2πu/P) +
// 0.35·sin(4πu/P + 1)) has mean zero over a period, so the mean epidermal
// thickness along the normal equals EpidermisUM and the mean dermal
// thickness (DEJ to hypodermis) equals DermisUM.
//
// Colours follow Beer–Lambert: each pixel's optical density is a sum of
// stain concentrations times their unit OD vectors (Ruifrok & Johnston
// haematoxylin and eosin; for silver impregnation a yellow-brown ground and a
// neutral black fibre/nucleus deposit), I = 255·10^(−OD), plus Gaussian
// sensor noise.
package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// Stains drawn.
const (
	StainHE     = "he"
	StainSilver = "silver"
)

// Layer labels of Truth.Labels.
const (
	LabelGlass      = 0
	LabelCorneum    = 1
	LabelEpidermis  = 2
	LabelDermis     = 3
	LabelHypodermis = 4
)

// Params describe one synthetic section. Zero fields take the defaults of
// Default.
type Params struct {
	Width, Height     int
	PixelSizeUM       float64
	Stain             string
	CorneumUM         float64 // stratum corneum thickness (0 = none)
	EpidermisUM       float64 // mean viable epidermis thickness
	DermisUM          float64 // dermal thickness, DEJ to hypodermis
	HypodermisUM      float64 // hypodermis thickness when Hypodermis is set
	Hypodermis        bool
	TiltDeg           float64 // rotation of the surface, counter-clockwise
	CurvatureRadiusUM float64 // 0 = flat; > 0 convex (bulging towards the glass)
	ReteAmplitudeUM   float64
	RetePeriodUM      float64
	SurfaceYFrac      float64 // where the surface crosses the image centre column
	NoiseSD           float64 // grey levels
	Calibrated        bool    // set Image.Calibration
}

// Default returns a plausible 1 µm/px H&E section, 1200×1000 px.
func Default() Params {
	return Params{
		Width: 1200, Height: 1000, PixelSizeUM: 1, Stain: StainHE,
		CorneumUM: 12, EpidermisUM: 45, DermisUM: 520, HypodermisUM: 400, Hypodermis: true,
		ReteAmplitudeUM: 10, RetePeriodUM: 97, SurfaceYFrac: 0.12, NoiseSD: 4, Calibrated: true,
	}
}

// Truth is the known answer for a generated section.
type Truth struct {
	PixelSizeUM float64
	CorneumUM   float64
	EpidermisUM float64
	DermisUM    float64
	Hypodermis  bool
	Labels      *image.Gray // LabelGlass … LabelHypodermis
}

// unit OD vectors (R, G, B).
var (
	odHaem   = norm3([3]float64{0.65, 0.70, 0.29})
	odEosin  = norm3([3]float64{0.07, 0.99, 0.11})
	odGround = norm3([3]float64{0.20, 0.45, 0.87}) // yellow-brown silver ground
	odBlack  = norm3([3]float64{0.58, 0.58, 0.57}) // reduced silver
)

func norm3(v [3]float64) [3]float64 {
	n := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	return [3]float64{v[0] / n, v[1] / n, v[2] / n}
}

// Generate draws a section. All randomness comes from rng.
func Generate(p Params, rng *rand.Rand) (*imageio.Image, Truth) {
	d := Default()
	if p.Width <= 0 {
		p.Width = d.Width
	}
	if p.Height <= 0 {
		p.Height = d.Height
	}
	if p.PixelSizeUM <= 0 {
		p.PixelSizeUM = d.PixelSizeUM
	}
	if p.Stain == "" {
		p.Stain = StainHE
	}
	if p.SurfaceYFrac == 0 {
		p.SurfaceYFrac = d.SurfaceYFrac
	}
	if p.RetePeriodUM <= 0 {
		p.RetePeriodUM = d.RetePeriodUM
	}
	w, h := p.Width, p.Height
	ps := p.PixelSizeUM
	th := p.TiltDeg * math.Pi / 180
	tx, ty := math.Cos(th), -math.Sin(th) // along the surface (image y points down)
	nx, ny := -ty, tx                     // into the tissue
	p0x, p0y := float64(w)/2, p.SurfaceYFrac*float64(h)
	R := p.CurvatureRadiusUM / ps
	cx, cy := p0x+R*nx, p0y+R*ny

	// geom returns depth (µm) and arc length (µm) of pixel centre (x, y).
	geom := func(x, y float64) (float64, float64) {
		if R <= 0 {
			dx, dy := x-p0x, y-p0y
			return (dx*nx + dy*ny) * ps, (dx*tx + dy*ty) * ps
		}
		dx, dy := x-cx, y-cy
		r := math.Hypot(dx, dy)
		ang := math.Atan2(dx*tx+dy*ty, -(dx*nx + dy*ny))
		return (R - r) * ps, ang * R * ps
	}
	rete := func(u float64) float64 {
		ph := 2 * math.Pi * u / p.RetePeriodUM
		return p.ReteAmplitudeUM * (math.Sin(ph) + 0.35*math.Sin(2*ph+1))
	}
	dejUM := func(u float64) float64 { return p.EpidermisUM + rete(u) }
	hypoTop := p.EpidermisUM + p.DermisUM
	hypoBot := hypoTop + p.HypodermisUM

	n := w * h
	labels := image.NewGray(image.Rect(0, 0, w, h))
	depth := make([]float32, n)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dd, u := geom(float64(x)+0.5, float64(y)+0.5)
			depth[y*w+x] = float32(dd)
			var l uint8
			switch {
			case dd < -p.CorneumUM:
				l = LabelGlass
			case dd < 0:
				l = LabelCorneum
			case dd < dejUM(u):
				l = LabelEpidermis
			case dd < hypoTop:
				l = LabelDermis
			case p.Hypodermis && dd < hypoBot:
				l = LabelHypodermis
			default:
				l = LabelGlass
			}
			labels.Pix[y*w+x] = l
		}
	}

	// Stain concentrations: c1 is haematoxylin (H&E) or ground (silver), c2
	// eosin (H&E) or black deposit (silver).
	c1 := make([]float32, n)
	c2 := make([]float32, n)
	tex := valueNoise(w, h, 6/ps, rng)     // fine texture, ~6 µm
	blotch := valueNoise(w, h, 60/ps, rng) // staining unevenness
	silver := p.Stain == StainSilver
	for i := 0; i < n; i++ {
		t := float32(tex[i])
		b := float32(0.85 + 0.3*blotch[i])
		switch labels.Pix[i] {
		case LabelCorneum:
			if silver {
				c1[i], c2[i] = 0.22*b, 0.02
			} else {
				c1[i], c2[i] = 0.03, (0.22+0.12*t)*b
			}
			if t < 0.25 { // flaky basket-weave gaps
				c1[i] *= 0.4
				c2[i] *= 0.4
			}
		case LabelEpidermis:
			if silver {
				c1[i], c2[i] = (0.55+0.15*t)*b, 0.12
			} else {
				c1[i], c2[i] = (0.32+0.1*t)*b, 0.22*b
			}
		case LabelDermis:
			if silver {
				c1[i], c2[i] = (0.22+0.08*t)*b, 0.01
			} else {
				c1[i], c2[i] = 0.04, (0.22+0.12*t)*b
			}
		case LabelHypodermis:
			c1[i], c2[i] = 0, 0 // vacuoles; membranes drawn below
		}
	}
	// Fat cells: Voronoi cells of jittered seeds, membranes where the two
	// nearest seeds are almost equidistant.
	if p.Hypodermis {
		drawFat(labels, c1, c2, w, h, ps, silver, rng)
	}
	// Dermal fibres: short curved strokes roughly parallel to the surface.
	nf := int(float64(n) * ps * ps / 900)
	for k := 0; k < nf; k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		if labels.Pix[int(y)*w+int(x)] != LabelDermis {
			continue
		}
		ang := th + rng.NormFloat64()*0.5
		length := (20 + 40*rng.Float64()) / ps
		width := (1 + 2*rng.Float64()) / ps
		amt := float32(0.25 + 0.25*rng.Float64())
		if silver {
			width = (0.8 + 1.2*rng.Float64()) / ps
			amt = float32(0.6 + 0.5*rng.Float64())
		}
		stroke(labels, c2, w, h, x, y, ang, length, width, amt, LabelDermis)
	}
	// Nuclei: dense in the epidermis, sparse in the dermis.
	area := float64(n) * ps * ps
	for k := 0; k < int(area/60); k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		l := labels.Pix[int(y)*w+int(x)]
		var keep float64
		switch l {
		case LabelEpidermis:
			keep = 1
		case LabelDermis:
			keep = 0.025
		case LabelHypodermis:
			keep = 0.01
		}
		if rng.Float64() >= keep {
			continue
		}
		rad := (2.5 + 1.5*rng.Float64()) / ps
		amt := float32(0.7 + 0.5*rng.Float64())
		elong := 1.0
		if l == LabelDermis {
			elong = 2 // fibroblast nuclei are spindle-shaped
		}
		disc(labels, c1, c2, w, h, x, y, rad, elong, th, amt, l, silver)
	}

	out := &imageio.Image{Width: w, Height: h, Channels: 3, Pix: make([]byte, n*3)}
	out.Info = models.InputInfo{Path: "synthetic", Format: "synthetic", Width: w, Height: h, BitDepth: 8, Channels: 3}
	if p.Calibrated {
		out.Calibration = models.Calibration{PixelSizeUM: ps, Source: "synthetic"}
	}
	v1, v2 := odHaem, odEosin
	if silver {
		v1, v2 = odGround, odBlack
	}
	bg := [3]float64{242, 240, 244}
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			od := float64(c1[i])*v1[c] + float64(c2[i])*v2[c]
			v := bg[c]*math.Pow(10, -od) + rng.NormFloat64()*p.NoiseSD
			v = math.Max(0, math.Min(255, v))
			out.Pix[i*3+2-c] = uint8(v + 0.5) // BGR
		}
	}
	_ = depth
	return out, Truth{
		PixelSizeUM: ps, CorneumUM: p.CorneumUM, EpidermisUM: p.EpidermisUM,
		DermisUM: p.DermisUM, Hypodermis: p.Hypodermis, Labels: labels,
	}
}

// RGBA converts a BGR imageio.Image to a Go image (for saving examples).
func RGBA(img *imageio.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Width, img.Height))
	for i := 0; i < img.Width*img.Height; i++ {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = img.Pix[3*i+2], img.Pix[3*i+1], img.Pix[3*i], 255
	}
	return out
}

// LabelColor maps a layer label to a display colour.
func LabelColor(l uint8) color.RGBA {
	switch l {
	case LabelCorneum:
		return color.RGBA{255, 0, 0, 255}
	case LabelEpidermis:
		return color.RGBA{255, 106, 0, 255}
	case LabelDermis:
		return color.RGBA{76, 255, 0, 255}
	case LabelHypodermis:
		return color.RGBA{0, 38, 255, 255}
	}
	return color.RGBA{0, 0, 0, 255}
}

// valueNoise returns a smooth random field in [0,1] with feature size
// cellPx, bilinearly interpolated from a random lattice.
func valueNoise(w, h int, cellPx float64, rng *rand.Rand) []float64 {
	if cellPx < 1 {
		cellPx = 1
	}
	gw, gh := int(float64(w)/cellPx)+2, int(float64(h)/cellPx)+2
	g := make([]float64, gw*gh)
	for i := range g {
		g[i] = rng.Float64()
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		fy := float64(y) / cellPx
		iy := int(fy)
		ay := fy - float64(iy)
		ay = ay * ay * (3 - 2*ay)
		for x := 0; x < w; x++ {
			fx := float64(x) / cellPx
			ix := int(fx)
			ax := fx - float64(ix)
			ax = ax * ax * (3 - 2*ax)
			a := g[iy*gw+ix]*(1-ax) + g[iy*gw+ix+1]*ax
			b := g[(iy+1)*gw+ix]*(1-ax) + g[(iy+1)*gw+ix+1]*ax
			out[y*w+x] = a*(1-ay) + b*ay
		}
	}
	return out
}

func drawFat(labels *image.Gray, c1, c2 []float32, w, h int, ps float64, silver bool, rng *rand.Rand) {
	cell := 70 / ps // adipocyte ~70 µm
	gw, gh := int(float64(w)/cell)+3, int(float64(h)/cell)+3
	sx := make([]float64, gw*gh)
	sy := make([]float64, gw*gh)
	for j := 0; j < gh; j++ {
		for i := 0; i < gw; i++ {
			sx[j*gw+i] = (float64(i-1) + 0.15 + 0.7*rng.Float64()) * cell
			sy[j*gw+i] = (float64(j-1) + 0.15 + 0.7*rng.Float64()) * cell
		}
	}
	memb := 2.5 / ps
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if labels.Pix[i] != LabelHypodermis {
				continue
			}
			px, py := float64(x)+0.5, float64(y)+0.5
			gi, gj := int(px/cell)+1, int(py/cell)+1
			d1, d2 := math.Inf(1), math.Inf(1)
			for dj := -1; dj <= 1; dj++ {
				for di := -1; di <= 1; di++ {
					a, b := gi+di, gj+dj
					if a < 0 || b < 0 || a >= gw || b >= gh {
						continue
					}
					d := math.Hypot(px-sx[b*gw+a], py-sy[b*gw+a])
					if d < d1 {
						d1, d2 = d, d1
					} else if d < d2 {
						d2 = d
					}
				}
			}
			if d2-d1 < memb {
				if silver {
					c1[i], c2[i] = 0.45, 0.1
				} else {
					c1[i], c2[i] = 0.05, 0.45
				}
			}
		}
	}
}

func stroke(labels *image.Gray, c []float32, w, h int, x0, y0, ang, length, width float64, amt float32, only uint8) {
	steps := int(length) + 1
	dx, dy := math.Cos(ang), -math.Sin(ang)
	bend := 0.0
	r := width / 2
	for s := 0; s <= steps; s++ {
		t := float64(s) - length/2
		bend += 0.02
		x := x0 + t*dx + math.Sin(bend)*2
		y := y0 + t*dy
		for yy := int(y - r - 1); yy <= int(y+r+1); yy++ {
			for xx := int(x - r - 1); xx <= int(x+r+1); xx++ {
				if xx < 0 || yy < 0 || xx >= w || yy >= h {
					continue
				}
				if math.Hypot(float64(xx)+0.5-x, float64(yy)+0.5-y) > r+0.5 {
					continue
				}
				i := yy*w + xx
				if labels.Pix[i] == only && c[i] < amt {
					c[i] = amt
				}
			}
		}
	}
}

func disc(labels *image.Gray, c1, c2 []float32, w, h int, x0, y0, r, elong, ang float64, amt float32, only uint8, silver bool) {
	ca, sa := math.Cos(ang), -math.Sin(ang)
	ext := r*elong + 1
	for yy := int(y0 - ext); yy <= int(y0+ext); yy++ {
		for xx := int(x0 - ext); xx <= int(x0+ext); xx++ {
			if xx < 0 || yy < 0 || xx >= w || yy >= h {
				continue
			}
			dx, dy := float64(xx)+0.5-x0, float64(yy)+0.5-y0
			a := (dx*ca + dy*sa) / elong
			b := -dx*sa + dy*ca
			if a*a+b*b > r*r {
				continue
			}
			i := yy*w + xx
			if labels.Pix[i] != only {
				continue
			}
			if silver {
				c2[i] = amt
			} else {
				c1[i] = amt
			}
		}
	}
}
