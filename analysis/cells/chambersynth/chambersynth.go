package chambersynth

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// Params are the ranges a field is drawn from. Zero values take the
// defaults of DefaultParams.
type Params struct {
	Width, Height int     // pixels
	PixelSizeUM   float64 // µm per pixel
	// DiamMinUM, DiamMaxUM bound the cell diameter, µm.
	DiamMinUM, DiamMaxUM float64
	// CellsMin, CellsMax bound the number of cells drawn over the field
	// (including those cut by its edges).
	CellsMin, CellsMax int
	// ViabilityMin, ViabilityMax bound the live fraction drawn per field.
	ViabilityMin, ViabilityMax float64
	// ClumpFrac is the fraction of cells placed in clumps of 2–6.
	ClumpFrac float64
	// GreyFrac is the probability that a field is grey, JPEGFrac that it
	// is JPEG-coded.
	GreyFrac, JPEGFrac float64
}

// DefaultParams are the fields of the hidden-set description: 1600×1200 at
// 1.2 µm/px, cells 10–18 µm, viability 60–95 %.
func DefaultParams() Params {
	return Params{
		Width: 1600, Height: 1200, PixelSizeUM: 1.2,
		DiamMinUM: 10, DiamMaxUM: 18,
		CellsMin: 120, CellsMax: 260,
		ViabilityMin: 0.6, ViabilityMax: 0.95,
		ClumpFrac: 0.15, GreyFrac: 0.25, JPEGFrac: 0.5,
	}
}

func (p Params) withDefaults() Params {
	d := DefaultParams()
	if p.Width <= 0 {
		p.Width = d.Width
	}
	if p.Height <= 0 {
		p.Height = d.Height
	}
	if !(p.PixelSizeUM > 0) {
		p.PixelSizeUM = d.PixelSizeUM
	}
	if !(p.DiamMinUM > 0) {
		p.DiamMinUM = d.DiamMinUM
	}
	if !(p.DiamMaxUM >= p.DiamMinUM) {
		p.DiamMaxUM = math.Max(d.DiamMaxUM, p.DiamMinUM)
	}
	if p.CellsMax <= 0 {
		p.CellsMin, p.CellsMax = d.CellsMin, d.CellsMax
	}
	if p.CellsMin > p.CellsMax {
		p.CellsMin = p.CellsMax
	}
	if !(p.ViabilityMax > 0) {
		p.ViabilityMin, p.ViabilityMax = d.ViabilityMin, d.ViabilityMax
	}
	return p
}

// Cell is one drawn cell, in pixels of the field.
type Cell struct {
	X, Y, R float64
	Dead    bool
}

// Field is a drawn field and its truth.
type Field struct {
	Image       *imageio.Image // BGR or grey, calibrated with the pixel size
	PixelSizeUM float64
	Cells       []Cell // every drawn cell, also those outside the counting rule
	Live, Dead  int    // cells counted by the chamber rule (doc.go)
	Style       string // short description of the random draw
}

// Viability is 100·live/(live+dead), 0 without cells.
func (f Field) Viability() float64 {
	if f.Live+f.Dead == 0 {
		return 0
	}
	return 100 * float64(f.Live) / float64(f.Live+f.Dead)
}

// Counted applies the chamber rule of doc.go to a cell in a w×h field
// whose origin is (x0, y0) in the cell's coordinates.
func Counted(c Cell, x0, y0, w, h float64) bool {
	x, y := c.X-x0, c.Y-y0
	return x+c.R > 0 && y+c.R > 0 && x+c.R <= w && y+c.R <= h
}

// Generate draws one field from p with the given seed; equal arguments
// give identical fields.
func Generate(p Params, seed int64) (Field, error) {
	p = p.withDefaults()
	if p.Width > 8000 || p.Height > 8000 || p.Width < 16 || p.Height < 16 {
		return Field{}, fmt.Errorf("chambersynth: field %dx%d outside 16–8000 px", p.Width, p.Height)
	}
	rng := rand.New(rand.NewSource(seed))
	w, h, s := p.Width, p.Height, p.PixelSizeUM
	r := &renderer{w: w, h: h, rng: rng}
	r.planes()

	// Illumination.
	bg := 140 + 75*rng.Float64()
	gx, gy := (rng.Float64()*2-1)*0.15, (rng.Float64()*2-1)*0.15
	vig := 0.15 * rng.Float64()
	// Chamber background tint: slightly blue from the dye in the medium.
	tint := [3]float64{1 + 0.06*rng.Float64(), 1, 1 - 0.06*rng.Float64()}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/float64(w)-0.5, float64(y)/float64(h)-0.5
			ill := 1 + gx*u*2 + gy*v*2 - vig*(u*u+v*v)*2
			i := y*w + x
			r.ill[i] = ill
			for c := 0; c < 3; c++ {
				r.pl[c][i] = bg * tint[c]
			}
		}
	}

	style := r.grid(s)

	// Debris: small dark specks and faint large ghosts, never counted.
	nDebris := rng.Intn(int(float64(w*h)/20000) + 1)
	for k := 0; k < nDebris; k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		rad := (0.5 + 1.5*rng.Float64()) / s
		r.blob(x, y, rad, -(30 + 70*rng.Float64()), [3]float64{1, 1, 1}, 0.6)
	}
	nGhost := rng.Intn(4)
	for k := 0; k < nGhost; k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		rad := (10 + 12*rng.Float64()) / s
		r.blob(x, y, rad, -(5 + 10*rng.Float64()), [3]float64{1, 1, 1}, 0)
	}

	// Cells.
	n := p.CellsMin + rng.Intn(p.CellsMax-p.CellsMin+1)
	n = int(float64(n) * float64(w*h) / (1600 * 1200))
	viab := p.ViabilityMin + (p.ViabilityMax-p.ViabilityMin)*rng.Float64()
	blueHue := rng.Float64() // per-field stain hue: 0 pure blue, 1 blue-violet
	blueStrength := 0.5 + 0.5*rng.Float64()
	rimDark := 40 + 100*rng.Float64() // per-field refractile rim darkness
	var cells []Cell
	placed := func(x, y, rad float64) bool {
		for _, c := range cells {
			if math.Hypot(c.X-x, c.Y-y) < 0.98*(c.R+rad) {
				return true
			}
		}
		return false
	}
	radius := func() float64 {
		return (p.DiamMinUM + (p.DiamMaxUM-p.DiamMinUM)*rng.Float64()) / 2 / s
	}
	for tries := 0; len(cells) < n && tries < 50*n; tries++ {
		rad := radius()
		x := -rad + rng.Float64()*(float64(w)+2*rad)
		y := -rad + rng.Float64()*(float64(h)+2*rad)
		if placed(x, y, rad) {
			continue
		}
		cells = append(cells, Cell{X: x, Y: y, R: rad, Dead: rng.Float64() > viab})
		if rng.Float64() < p.ClumpFrac/3 {
			// A clump: 1–5 more cells touching the chain.
			k := 1 + rng.Intn(5)
			for j := 0; j < k && len(cells) < n; j++ {
				base := cells[len(cells)-1-rng.Intn(j+1)]
				r2 := radius()
				for t := 0; t < 12; t++ {
					a := rng.Float64() * 2 * math.Pi
					dd := (0.85 + 0.15*rng.Float64()) * (base.R + r2)
					x2, y2 := base.X+dd*math.Cos(a), base.Y+dd*math.Sin(a)
					ok := true
					for _, c := range cells {
						if math.Hypot(c.X-x2, c.Y-y2) < 0.85*(c.R+r2) {
							ok = false
							break
						}
					}
					if ok {
						cells = append(cells, Cell{X: x2, Y: y2, R: r2, Dead: rng.Float64() > viab})
						break
					}
				}
			}
		}
	}
	for _, c := range cells {
		if c.Dead {
			r.deadCell(c, blueHue, blueStrength)
		} else {
			r.liveCell(c, rimDark*(0.8+0.4*rng.Float64()))
		}
	}

	// Optics and camera.
	sigma := 1.4 * rng.Float64()
	r.blur(sigma)
	noise := 1 + 4*rng.Float64()
	grey := rng.Float64() < p.GreyFrac
	img := r.image(noise, grey)
	q := 0
	if rng.Float64() < p.JPEGFrac {
		q = 60 + rng.Intn(36)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return Field{}, fmt.Errorf("chambersynth: jpeg: %w", err)
		}
		dec, err := jpeg.Decode(&buf)
		if err != nil {
			return Field{}, fmt.Errorf("chambersynth: jpeg: %w", err)
		}
		img = dec
	}
	f := Field{Image: toImageio(img, grey, s), PixelSizeUM: s, Cells: cells}
	for _, c := range cells {
		if Counted(c, 0, 0, float64(w), float64(h)) {
			if c.Dead {
				f.Dead++
			} else {
				f.Live++
			}
		}
	}
	f.Style = fmt.Sprintf("%s blur=%.2f noise=%.1f jpeg=%d grey=%v rim=%.0f blue=%.2f", style, sigma, noise, q, grey, rimDark, blueStrength)
	return f, nil
}

// Crop returns the w×h part of f at (x0, y0) with its truth by the
// chamber rule.
func (f Field) Crop(x0, y0, w, h int) (Field, error) {
	src := f.Image
	if x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0+w > src.Width || y0+h > src.Height {
		return Field{}, fmt.Errorf("chambersynth: crop %d,%d %dx%d outside %dx%d", x0, y0, w, h, src.Width, src.Height)
	}
	ch := src.Channels
	dst := &imageio.Image{Width: w, Height: h, Channels: ch, Pix: make([]byte, w*h*ch), Calibration: src.Calibration}
	for y := 0; y < h; y++ {
		copy(dst.Pix[y*w*ch:(y+1)*w*ch], src.Pix[((y0+y)*src.Width+x0)*ch:])
	}
	out := Field{Image: dst, PixelSizeUM: f.PixelSizeUM, Style: f.Style}
	for _, c := range f.Cells {
		c.X -= float64(x0)
		c.Y -= float64(y0)
		if c.X+c.R <= 0 || c.Y+c.R <= 0 || c.X-c.R >= float64(w) || c.Y-c.R >= float64(h) {
			continue
		}
		out.Cells = append(out.Cells, c)
		if Counted(c, 0, 0, float64(w), float64(h)) {
			if c.Dead {
				out.Dead++
			} else {
				out.Live++
			}
		}
	}
	return out, nil
}

// renderer holds the float BGR planes of a field being drawn.
type renderer struct {
	w, h int
	rng  *rand.Rand
	pl   [3][]float64 // B, G, R before illumination
	ill  []float64    // multiplicative illumination
}

func (r *renderer) planes() {
	for c := range r.pl {
		r.pl[c] = make([]float64, r.w*r.h)
	}
	r.ill = make([]float64, r.w*r.h)
}

// grid draws the chamber lines and describes them.
func (r *renderer) grid(s float64) string {
	rng := r.rng
	pitch := 250.0
	if rng.Float64() < 0.4 {
		pitch = 200
	}
	pitchPx := pitch / s
	angle := (rng.Float64()*2 - 1) * 1.5 * math.Pi / 180
	phx, phy := rng.Float64()*pitchPx, rng.Float64()*pitchPx
	triple := rng.Float64() < 0.5
	tripleSp := (3 + 3*rng.Float64()) / s
	brightCore := rng.Float64() < 0.4
	dark := 30 + 60*rng.Float64()
	halfW := math.Max(0.6, (0.6+0.9*rng.Float64())/s) // half width of a line, px
	ca, sa := math.Cos(angle), math.Sin(angle)
	profile := func(d float64) float64 {
		// d: distance to the nearest line centre, px.
		if brightCore {
			switch {
			case d < 0.5*halfW+0.3:
				return 0.8 * dark
			case d < 1.6*halfW+0.8:
				return -dark
			}
			return 0
		}
		// A dark line with soft edges.
		return -dark * math.Max(0, math.Min(1, halfW+0.5-d))
	}
	lineDist := func(u float64) float64 {
		m := math.Mod(u, pitchPx)
		if m < 0 {
			m += pitchPx
		}
		d := math.Min(m, pitchPx-m)
		if triple {
			d = math.Min(d, math.Min(math.Abs(m-tripleSp), math.Abs(pitchPx-m-tripleSp)))
			d = math.Min(d, math.Min(math.Abs(m+tripleSp-pitchPx), math.Abs(m+tripleSp)))
		}
		return d
	}
	// 2×2 samples per pixel: a camera pixel integrates the ruling.
	sub := [4][2]float64{{-0.25, -0.25}, {0.25, -0.25}, {-0.25, 0.25}, {0.25, 0.25}}
	for y := 0; y < r.h; y++ {
		for x := 0; x < r.w; x++ {
			add := 0.0
			for _, o := range sub {
				fx, fy := float64(x)+0.5+o[0], float64(y)+0.5+o[1]
				u := ca*fx + sa*fy - phx
				v := -sa*fx + ca*fy - phy
				a, b := profile(lineDist(u)), profile(lineDist(v))
				if a != 0 && b != 0 {
					add += math.Min(a, b) / 4 // crossing: not twice as dark
				} else {
					add += (a + b) / 4
				}
			}
			if add == 0 {
				continue
			}
			i := y*r.w + x
			for c := 0; c < 3; c++ {
				r.pl[c][i] += add
			}
		}
	}
	kind := "dark"
	if brightCore {
		kind = "bright-core"
	}
	n := "single"
	if triple {
		n = "triple"
	}
	return fmt.Sprintf("grid=%s/%s pitch=%.0fum angle=%.2fdeg", kind, n, pitch, angle*180/math.Pi)
}

// blob adds a soft-edged disc of contrast add (grey levels, per-channel
// factors k) with an irregular outline (irregular 0..1).
func (r *renderer) blob(cx, cy, rad, add float64, k [3]float64, irregular float64) {
	ph := r.rng.Float64() * 2 * math.Pi
	amp := irregular * 0.35
	for y := int(cy - 1.5*rad - 2); y <= int(cy+1.5*rad+2); y++ {
		for x := int(cx - 1.5*rad - 2); x <= int(cx+1.5*rad+2); x++ {
			if x < 0 || y < 0 || x >= r.w || y >= r.h {
				continue
			}
			dx, dy := float64(x)-cx, float64(y)-cy
			a := math.Atan2(dy, dx)
			rr := rad * (1 + amp*math.Sin(3*a+ph))
			t := math.Max(0, math.Min(1, rr+0.5-math.Hypot(dx, dy)))
			if t == 0 {
				continue
			}
			i := y*r.w + x
			for c := 0; c < 3; c++ {
				r.pl[c][i] += add * k[c] * t
			}
		}
	}
}

// liveCell draws a dye-excluding cell: dark refractile rim, bright centre,
// faint bright halo.
func (r *renderer) liveCell(c Cell, rim float64) {
	rng := r.rng
	rimW := 0.12 + 0.18*rng.Float64()
	centre := 20 + 70*rng.Float64()
	halo := 5 + 20*rng.Float64()
	ecc := 1 + 0.15*rng.Float64()
	a := rng.Float64() * math.Pi
	ca, sa := math.Cos(a), math.Sin(a)
	ext := c.R*ecc*1.35 + 2
	for y := int(c.Y - ext); y <= int(c.Y+ext); y++ {
		for x := int(c.X - ext); x <= int(c.X+ext); x++ {
			if x < 0 || y < 0 || x >= r.w || y >= r.h {
				continue
			}
			dx, dy := float64(x)-c.X, float64(y)-c.Y
			u, v := (ca*dx+sa*dy)/ecc, -sa*dx+ca*dy
			d := math.Hypot(u, v) / c.R // 1 at the outer edge of the rim
			var add float64
			switch {
			case d < 1-rimW-0.1:
				// Bright centre, brightest in the middle.
				add = centre * (1 - 0.5*d*d)
			case d < 1-rimW:
				t := (d - (1 - rimW - 0.1)) / 0.1
				add = centre*(1-0.5*d*d)*(1-t) - rim*t
			case d < 1:
				add = -rim
			case d < 1.3:
				add = halo * (1 - (d-1)/0.3)
			default:
				continue
			}
			// The rim's outer edge over a fraction of a pixel.
			if d >= 1 && d < 1+0.5/c.R {
				t := (d - 1) * c.R * 2
				add = -rim*(1-t) + add*t
			}
			i := y*r.w + x
			if d < 1 {
				// Inside the cell: the cell replaces the chamber's grey
				// (the grid still shows through, as it does under a cell).
				base := r.cellBase(i)
				for ch := 0; ch < 3; ch++ {
					r.pl[ch][i] = base + add
				}
				continue
			}
			for ch := 0; ch < 3; ch++ {
				r.pl[ch][i] += add
			}
		}
	}
}

// cellBase is the grey of the chamber background under a cell (the green
// plane is the tint-free level).
func (r *renderer) cellBase(i int) float64 { return r.pl[1][i] }

// deadCell draws a stained, filled cell.
func (r *renderer) deadCell(c Cell, hue, strength float64) {
	rng := r.rng
	s := strength * (0.7 + 0.3*rng.Float64())
	// Transmission factors per channel (B, G, R) at full stain.
	tB := 0.85 - 0.15*hue
	tG := 0.55 - 0.15*hue
	tR := 0.40 + 0.1*hue
	k := [3]float64{1 - s*(1-tB), 1 - s*(1-tG), 1 - s*(1-tR)}
	ecc := 1 + 0.1*rng.Float64()
	a := rng.Float64() * math.Pi
	ca, sa := math.Cos(a), math.Sin(a)
	for y := int(c.Y - c.R*ecc - 2); y <= int(c.Y+c.R*ecc+2); y++ {
		for x := int(c.X - c.R*ecc - 2); x <= int(c.X+c.R*ecc+2); x++ {
			if x < 0 || y < 0 || x >= r.w || y >= r.h {
				continue
			}
			dx, dy := float64(x)-c.X, float64(y)-c.Y
			u, v := (ca*dx+sa*dy)/ecc, -sa*dx+ca*dy
			d := math.Hypot(u, v)
			t := math.Max(0, math.Min(1, c.R+0.5-d))
			if t == 0 {
				continue
			}
			m := 1.0
			if d > c.R-1.5 {
				m = 0.85 // darker membrane
			}
			tex := 1 + 0.04*rng.NormFloat64()
			i := y*r.w + x
			base := r.cellBase(i)
			for ch := 0; ch < 3; ch++ {
				v := base * k[ch] * m * tex
				r.pl[ch][i] = r.pl[ch][i]*(1-t) + v*t
			}
		}
	}
}

// blur applies a separable Gaussian of sigma px to the planes.
func (r *renderer) blur(sigma float64) {
	if sigma < 0.3 {
		return
	}
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, r.w*r.h)
	for c := range r.pl {
		p := r.pl[c]
		for y := 0; y < r.h; y++ {
			for x := 0; x < r.w; x++ {
				var s float64
				for j, kv := range k {
					xx := min(max(x+j-rad, 0), r.w-1)
					s += kv * p[y*r.w+xx]
				}
				tmp[y*r.w+x] = s
			}
		}
		for y := 0; y < r.h; y++ {
			for x := 0; x < r.w; x++ {
				var s float64
				for j, kv := range k {
					yy := min(max(y+j-rad, 0), r.h-1)
					s += kv * tmp[yy*r.w+x]
				}
				p[y*r.w+x] = s
			}
		}
	}
}

// image applies illumination and noise and quantises.
func (r *renderer) image(noise float64, grey bool) image.Image {
	clamp := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }
	if grey {
		g := image.NewGray(image.Rect(0, 0, r.w, r.h))
		for i := range r.ill {
			v := (0.114*r.pl[0][i] + 0.587*r.pl[1][i] + 0.299*r.pl[2][i]) * r.ill[i]
			g.Pix[i] = clamp(v + noise*r.rng.NormFloat64())
		}
		return g
	}
	out := image.NewNRGBA(image.Rect(0, 0, r.w, r.h))
	for i := range r.ill {
		n := noise * r.rng.NormFloat64() // luminance noise, shared
		out.Pix[4*i+0] = clamp(r.pl[2][i]*r.ill[i] + n)
		out.Pix[4*i+1] = clamp(r.pl[1][i]*r.ill[i] + n)
		out.Pix[4*i+2] = clamp(r.pl[0][i]*r.ill[i] + n)
		out.Pix[4*i+3] = 255
	}
	return out
}

// toImageio converts a decoded field to the BGR/grey layout of imageio.
func toImageio(img image.Image, grey bool, s float64) *imageio.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cal := models.Calibration{PixelSizeUM: s, Source: models.CalibrationSourceSynthetic}
	if grey {
		out := &imageio.Image{Width: w, Height: h, Channels: 1, Pix: make([]byte, w*h), Calibration: cal}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				out.Pix[y*w+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			}
		}
		return out
	}
	out := &imageio.Image{Width: w, Height: h, Channels: 3, Pix: make([]byte, 3*w*h), Calibration: cal}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			i := 3 * (y*w + x)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.B, c.G, c.R
		}
	}
	return out
}

// Encodable returns the field as an image.Image for writing to disk.
func (f Field) Encodable() image.Image {
	src := f.Image
	w, h := src.Width, src.Height
	if src.Channels == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, src.Pix)
		return g
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = src.Pix[3*i+2], src.Pix[3*i+1], src.Pix[3*i], 255
	}
	return out
}
