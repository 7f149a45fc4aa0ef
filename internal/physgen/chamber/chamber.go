// Package chamber renders whole brightfield fields of a Neubauer-improved
// haemocytometer loaded with a trypan-blue stained cell suspension.
//
// Physical model (all sizes in µm, converted with the field's pixel size):
//
//   - Chamber ruling: 3×3 mm, nine 1 mm squares. The central square holds
//     5×5 groups of 200 µm bounded by triple lines (outer lines ±s µm from
//     the middle one, s = 3–7 µm) and each group 4×4 squares of 50 µm; the
//     corner squares hold 4×4 squares of 250 µm. Lines are 1–4 µm wide,
//     etched: dark (absorbing) or bright (scattering into the objective).
//   - Live cell (phase object, 10–18 µm): transmission
//     T(ρ) = 1 + b·exp(−(ρ/0.55)²) − a·exp(−((ρ−0.93)/w)²) + h·exp(−((ρ−1−1.5w)/w)²),
//     ρ = distance/R; b (bright centre), a (dark refractile rim), w (rim
//     width) and h (halo) follow the field's focus and a per-cell defocus.
//   - Dead cell (trypan blue, 10–20 µm): Beer–Lambert absorbance through
//     a sphere, A_c(ρ) = k_c·D·sqrt(1−ρ²), with k = (1.5, 1.1, 0.45) for
//     R, G, B (trypan absorbs ~600 nm, so the cell looks blue), D the dye
//     density; a faint dark rim, no bright centre.
//   - Debris: irregular 1–6 µm absorbing particles (not counted).
//
// The camera adds a Gaussian PSF, illumination gradient and vignetting,
// a colour cast (or greyscale), shot and read noise and JPEG artefacts.
//
// Counting rule (chamber edge rule applied to the image edges): a cell
// whose disc meets the image counts unless it is cut by the bottom or the
// right edge; cells cut only by the top or left edge count.
package chamber

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Cell is one rendered cell, in pixels of the image.
type Cell struct {
	ID      int
	X, Y, R float64 // centre and mean radius, px
	Dead    bool
	Clump   int  // 0 = single, else id of the clump
	Blurred bool // out of the focal plane
}

// Visible reports whether the cell disc meets the w×h image.
func (c Cell) Visible(w, h int) bool {
	return c.X+c.R > 0 && c.Y+c.R > 0 && c.X-c.R < float64(w) && c.Y-c.R < float64(h)
}

// Counted applies the edge rule: visible and not cut by the bottom or
// right edge.
func (c Cell) Counted(w, h int) bool {
	return c.Visible(w, h) && c.X+c.R <= float64(w) && c.Y+c.R <= float64(h)
}

// Inside reports whether the whole disc lies inside the image.
func (c Cell) Inside(w, h int) bool {
	return c.X-c.R >= 0 && c.Y-c.R >= 0 && c.X+c.R <= float64(w) && c.Y+c.R <= float64(h)
}

// Field is one rendered chamber field with its truth.
type Field struct {
	Image       image.Image
	PixelSizeUM float64
	Cells       []Cell // every generated cell, including ones off the image
	Debris      int
	Params      map[string]string // the randomised parameters, for the README/CSV
}

// Options override the randomised image size (tests use small fields).
type Options struct {
	W, H int
}

// Counts returns live and dead cells by the edge rule, fully inside, and
// with the centre inside the image.
func (f *Field) Counts() (live, dead, liveIn, deadIn, liveC, deadC int) {
	b := f.Image.Bounds()
	w, h := b.Dx(), b.Dy()
	for _, c := range f.Cells {
		if c.Counted(w, h) {
			if c.Dead {
				dead++
			} else {
				live++
			}
		}
		if c.Inside(w, h) {
			if c.Dead {
				deadIn++
			} else {
				liveIn++
			}
		}
		if c.X >= 0 && c.Y >= 0 && c.X < float64(w) && c.Y < float64(h) {
			if c.Dead {
				deadC++
			} else {
				liveC++
			}
		}
	}
	return
}

var sizes = [][2]int{{1280, 960}, {1440, 1080}, {1920, 1440}, {2048, 1536}}

// Generate renders field index of the data set seeded by seed.
func Generate(seed uint64, index int, opt Options) (*Field, error) {
	r := raster.RNG(seed, "chamber", index)
	w, h := 1600, 1200
	if r.Float64() < 0.4 {
		s := sizes[r.IntN(len(sizes))]
		w, h = s[0], s[1]
	}
	if opt.W > 0 && opt.H > 0 {
		w, h = opt.W, opt.H
	}
	if w < 16 || h < 16 || w > 8192 || h > 8192 {
		return nil, fmt.Errorf("chamber: image size %dx%d out of range", w, h)
	}
	um := raster.Uniform(r, 0.8, 1.6)
	p := map[string]string{}
	p["pixel_size_um"] = raster.F(um, 3)

	// Background: lamp colour through condenser, as linear intensity.
	base := raster.Uniform(r, 0.55, 0.88)
	grey := r.Float64() < 0.25
	var tint [3]float32
	for c := range tint {
		tint[c] = float32(base * (1 + raster.Uniform(r, -0.12, 0.12)))
	}
	img := raster.New(w, h, 3, tint[0], tint[1], tint[2])
	// Low-frequency background mottle (dirty optics, medium).
	mott := raster.NewFBm(r, raster.Uniform(r, 60, 300), 3)
	mottAmp := raster.Uniform(r, 0, 0.06)

	// Grid ruling.
	rot := raster.Uniform(r, -3, 3) * math.Pi / 180
	cu, cv := raster.Uniform(r, -900, 900), raster.Uniform(r, -900, 900)
	lineW := raster.Uniform(r, 1, 4)
	tripleS := raster.Uniform(r, 3, 7)
	bright := r.Float64() < 0.3
	lineC := raster.Uniform(r, 0.2, 0.6)
	if bright {
		lineC = -raster.Uniform(r, 0.1, 0.35)
	}
	p["grid_rotation_deg"] = raster.F(rot*180/math.Pi, 2)
	p["grid_line_um"] = raster.F(lineW, 2)
	p["grid_bright"] = fmt.Sprint(bright)
	cr, sr := math.Cos(rot), math.Sin(rot)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)-float64(w)/2)*um, (float64(y)-float64(h)/2)*um
			u := cu + dx*cr - dy*sr
			v := cv + dx*sr + dy*cr
			d := math.Min(lineDist(u, v, tripleS), lineDist(v, u, tripleS)) / um // px
			a := lineW/um/2 - d + 0.5
			o := img.Off(x, y)
			m := float32(1 + mottAmp*(mott.At(float64(x), float64(y))-0.5))
			if a > 0 {
				if a > 1 {
					a = 1
				}
				m *= float32(1 - lineC*a)
			}
			img.Pix[o] *= m
			img.Pix[o+1] *= m
			img.Pix[o+2] *= m
		}
	}

	// Cell population.
	areaMM2 := float64(w) * float64(h) * um * um / 1e6
	var n int
	if r.Float64() < 0.5 {
		n = 1000 + r.IntN(2001)
	} else {
		n = 50 + r.IntN(451)
	}
	deadFrac := raster.Uniform(r, 0, 0.6)
	if r.Float64() < 0.15 {
		deadFrac = raster.Uniform(r, 0, 0.03)
	}
	clumpFrac := raster.Uniform(r, 0, 0.3)
	liveD := raster.Uniform(r, 11, 16)
	deadD := raster.Uniform(r, 11, 18)
	p["cells_target"] = fmt.Sprint(n)
	p["dead_fraction"] = raster.F(deadFrac, 3)
	p["clump_fraction"] = raster.F(clumpFrac, 3)
	p["density_per_mm2"] = raster.F(float64(n)/areaMM2, 1)

	grid := newHash(w, h, 24/um)
	var cells []Cell
	margin := 12 / um
	radius := func(dead bool) float64 {
		d := liveD + r.NormFloat64()*1.5
		lo, hi := 10.0, 18.0
		if dead {
			d, lo, hi = deadD+r.NormFloat64()*1.8, 10, 20
		}
		return math.Max(lo, math.Min(hi, d)) / 2 / um
	}
	try := func(x, y, rad float64, dead bool, clump int, overlap float64) bool {
		for _, j := range grid.near(x, y) {
			o := cells[j]
			if math.Hypot(o.X-x, o.Y-y) < (o.R+rad)*(1-overlap) {
				return false
			}
		}
		c := Cell{ID: len(cells) + 1, X: x, Y: y, R: rad, Dead: dead, Clump: clump, Blurred: r.Float64() < 0.08}
		grid.add(x, y, len(cells))
		cells = append(cells, c)
		return true
	}
	clumps := 0
	for attempts := 0; len(cells) < n && attempts < n*20; attempts++ {
		x := raster.Uniform(r, -margin, float64(w)+margin)
		y := raster.Uniform(r, -margin, float64(h)+margin)
		dead := r.Float64() < deadFrac
		rad := radius(dead)
		if r.Float64() < clumpFrac/3 {
			// Clump of 2–6 touching cells grown from a seed cell.
			k := 2 + r.IntN(5)
			clumps++
			if !try(x, y, rad, dead, clumps, 0) {
				clumps--
				continue
			}
			members := []int{len(cells) - 1}
			for m := 1; m < k && len(cells) < n; m++ {
				for t := 0; t < 20; t++ {
					a := cells[members[r.IntN(len(members))]]
					d2 := r.Float64() < deadFrac
					r2 := radius(d2)
					ang := r.Float64() * 2 * math.Pi
					dist := (a.R + r2) * raster.Uniform(r, 0.9, 1.0)
					if try(a.X+dist*math.Cos(ang), a.Y+dist*math.Sin(ang), r2, d2, clumps, 0.12) {
						members = append(members, len(cells)-1)
						break
					}
				}
			}
			if len(members) == 1 {
				cells[members[0]].Clump = 0
				clumps--
			}
			continue
		}
		try(x, y, rad, dead, 0, 0)
	}

	// Field focus: sets rim width/darkness, bright centre and halo.
	focus := raster.Uniform(r, -1, 1) // <0 below focus (dark rim thick), >0 above (bright halo)
	app := appearance{
		centre: raster.Uniform(r, 0.05, 0.5),
		rim:    raster.Uniform(r, 0.25, 0.75),
		rimW:   raster.Uniform(r, 0.06, 0.22),
		halo:   0,
		dye:    raster.Uniform(r, 0.5, 2.0),
	}
	if focus > 0.2 {
		app.halo = raster.Uniform(r, 0.05, 0.35) * focus
		app.rimW *= 0.7
	}
	if focus < -0.3 {
		app.rimW *= 1.6
		app.rim = math.Min(0.85, app.rim*1.3)
		app.centre *= 0.5
	}
	p["focus"] = raster.F(focus, 2)
	p["rim_darkness"] = raster.F(app.rim, 2)
	p["rim_width_frac"] = raster.F(app.rimW, 3)
	p["halo"] = raster.F(app.halo, 3)
	p["dye_density"] = raster.F(app.dye, 2)
	// Camera PSF. A strongly blurred field is defocused: a defocused phase
	// object shows a broader, stronger ring, not a fainter one.
	psf := raster.Uniform(r, 0.5, 1.4)
	if r.Float64() < 0.15 {
		psf += raster.Uniform(r, 0.4, 1.0)
		app.rimW *= 1.8
		app.rim = math.Max(app.rim, 0.6)
	}
	for _, c := range cells {
		renderCell(img, r, c, app)
	}

	// Debris.
	nd := int(float64(len(cells))*raster.Uniform(r, 0.05, 0.6)) + r.IntN(40)
	for i := 0; i < nd; i++ {
		renderDebris(img, r, raster.Uniform(r, 0, float64(w)), raster.Uniform(r, 0, float64(h)), raster.Uniform(r, 1, 6)/um)
	}

	// Optics and camera.
	img.Blur(psf)
	img.Illumination(raster.Uniform(r, 0, 0.35), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.35))
	img.Noise(r, raster.Uniform(r, 0.003, 0.02), raster.Uniform(r, 0, 0.03))
	if grey {
		img.Gray()
	}
	p["psf_sigma_px"] = raster.F(psf, 2)
	p["greyscale"] = fmt.Sprint(grey)
	var out image.Image = img.RGBA()
	if r.Float64() < 0.7 {
		q := 55 + r.IntN(38)
		var err error
		if out, err = raster.JPEGRoundTrip(out, q); err != nil {
			return nil, err
		}
		p["jpeg_quality"] = fmt.Sprint(q)
	}
	return &Field{Image: out, PixelSizeUM: um, Cells: cells, Debris: nd, Params: p}, nil
}

// lineDist returns the distance (µm) from u to the nearest ruling line of
// constant u that exists at position v along it.
func lineDist(u, v, s float64) float64 {
	d := math.Inf(1)
	if math.Abs(v) > 1500+s || math.Abs(u) > 1500+s {
		return d
	}
	// Triple lines bounding the 200 µm groups, across the whole ruling.
	if math.Abs(u) <= 500+s {
		t := u + 500
		k := math.Round(t / 200)
		dt := t - 200*k
		d = math.Min(math.Abs(dt), math.Min(math.Abs(dt-s), math.Abs(dt+s)))
	}
	// 50 µm lines inside the central square.
	if math.Abs(v) <= 500 && math.Abs(u) <= 500 {
		d = math.Min(d, math.Abs(u-50*math.Round(u/50)))
	}
	// 250 µm lines in the outer squares.
	if math.Abs(u) >= 500 {
		a := math.Abs(u) - 500
		d = math.Min(d, math.Abs(a-250*math.Round(a/250)))
	}
	return d
}

type appearance struct {
	centre, rim, rimW, halo, dye float64
}

// renderCell multiplies the transmission of one cell into img.
func renderCell(img *raster.Img, r *rand.Rand, c Cell, a appearance) {
	R := c.R
	cb := a.centre * raster.Uniform(r, 0.6, 1.4)
	rd := a.rim * raster.Uniform(r, 0.8, 1.15)
	rw := a.rimW * raster.Uniform(r, 0.8, 1.25)
	halo := a.halo
	if c.Blurred {
		rw *= 2.2
		rd *= 0.5
		cb *= 0.5
		halo += 0.1
	}
	rw = math.Max(rw, 0.7/R) // rim at least ~0.7 px wide
	// Slight ellipse.
	asp := raster.Uniform(r, 1, 1.12)
	th := r.Float64() * math.Pi
	ct, st := math.Cos(th), math.Sin(th)
	ax, ay := R*math.Sqrt(asp), R/math.Sqrt(asp)
	dye := a.dye * raster.LogUniform(r, 0.4, 1.6) // some dead cells only faintly stained
	// Outline irregularity: shrunken dead cells are ragged.
	irr := raster.Uniform(r, 0, 0.04)
	if c.Dead {
		irr = raster.Uniform(r, 0, 0.12)
	}
	var hA, hP [3]float64
	for i := range hA {
		hA[i] = irr * r.Float64() / float64(i+1)
		hP[i] = r.Float64() * 2 * math.Pi
	}
	deadRim := 0.0
	if c.Dead && r.Float64() < 0.4 {
		deadRim = raster.Uniform(r, 0.3, 1) // darker membrane edge
	}
	k := [3]float64{1.5, 1.1, 0.45}
	for i := range k {
		k[i] *= raster.Uniform(r, 0.85, 1.15)
	}
	// Granular cytoplasm texture: a few random bumps.
	type bump struct{ x, y, s, a float64 }
	var bumps []bump
	for i := 0; i < 3+r.IntN(5); i++ {
		rr := R * 0.7 * math.Sqrt(r.Float64())
		an := r.Float64() * 2 * math.Pi
		bumps = append(bumps, bump{rr * math.Cos(an), rr * math.Sin(an), R * raster.Uniform(r, 0.1, 0.25), raster.Uniform(r, -0.12, 0.12)})
	}
	ext := R * (1.5 + 3*rw)
	x0, x1 := int(math.Floor(c.X-ext)), int(math.Ceil(c.X+ext))
	y0, y1 := int(math.Floor(c.Y-ext)), int(math.Ceil(c.Y+ext))
	for y := max(y0, 0); y <= min(y1, img.H-1); y++ {
		for x := max(x0, 0); x <= min(x1, img.W-1); x++ {
			dx, dy := float64(x)+0.5-c.X, float64(y)+0.5-c.Y
			ex, ey := (dx*ct+dy*st)/ax, (-dx*st+dy*ct)/ay
			rho := math.Hypot(ex, ey)
			if rho > 1.5+3*rw {
				continue
			}
			if irr > 0 {
				phi := math.Atan2(ey, ex)
				m := 1.0
				for i := range hA {
					m += hA[i] * math.Sin(float64(i+2)*phi+hP[i])
				}
				rho /= m
			}
			var tex float64
			for _, b := range bumps {
				q := ((dx-b.x)*(dx-b.x) + (dy-b.y)*(dy-b.y)) / (b.s * b.s)
				if q < 9 {
					tex += b.a * math.Exp(-q)
				}
			}
			rim := math.Exp(-sq((rho - 0.93) / rw))
			if c.Dead {
				th := 0.0
				if rho < 1 {
					th = math.Sqrt(1 - rho*rho)
				}
				// Anti-alias the edge over ~1 px.
				edge := clamp01((1-rho)*R + 0.5)
				th = math.Max(th, 0.15*edge) + deadRim*0.5*math.Exp(-sq((rho-0.92)/0.08))
				var t [3]float32
				for ch := 0; ch < 3; ch++ {
					t[ch] = float32(math.Exp(-k[ch]*dye*th*(1+tex)) * (1 - 0.35*rd*rim))
				}
				img.Mul(x, y, t)
				continue
			}
			T := 1 + cb*math.Exp(-sq(rho/0.55)) - rd*rim + halo*math.Exp(-sq((rho-1-1.5*rw)/rw))
			if rho < 0.85 {
				T += tex
			}
			if T < 0.03 {
				T = 0.03
			}
			f := float32(T)
			img.Mul(x, y, [3]float32{f, f, f * 0.99})
		}
	}
}

// renderDebris draws an irregular absorbing particle of size s px.
func renderDebris(img *raster.Img, r *rand.Rand, cx, cy, s float64) {
	n := 1 + r.IntN(4)
	dark := raster.Uniform(r, 0.2, 0.8)
	type blob struct{ x, y, s float64 }
	var bs []blob
	for i := 0; i < n; i++ {
		bs = append(bs, blob{cx + r.NormFloat64()*s/3, cy + r.NormFloat64()*s/3, math.Max(0.4, s/2*raster.Uniform(r, 0.3, 1))})
	}
	ext := s*1.5 + 2
	for y := max(int(cy-ext), 0); y <= min(int(cy+ext), img.H-1); y++ {
		for x := max(int(cx-ext), 0); x <= min(int(cx+ext), img.W-1); x++ {
			var a float64
			for _, b := range bs {
				a += math.Exp(-(sq(float64(x)+0.5-b.x) + sq(float64(y)+0.5-b.y)) / sq(b.s))
			}
			f := float32(math.Max(0.05, 1-dark*math.Min(1, a)))
			img.Mul(x, y, [3]float32{f, f, f})
		}
	}
}

func sq(v float64) float64 { return v * v }

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// hash is a uniform grid of cell indices for overlap tests.
type hash struct {
	cell   float64
	nx, ny int
	off    float64
	bins   [][]int
}

func newHash(w, h int, cell float64) *hash {
	off := 40.0
	nx := int((float64(w)+2*off)/cell) + 1
	ny := int((float64(h)+2*off)/cell) + 1
	return &hash{cell: cell, nx: nx, ny: ny, off: off, bins: make([][]int, nx*ny)}
}

func (g *hash) idx(x, y float64) (int, int) {
	i := int((x + g.off) / g.cell)
	j := int((y + g.off) / g.cell)
	return max(0, min(g.nx-1, i)), max(0, min(g.ny-1, j))
}

func (g *hash) add(x, y float64, k int) {
	i, j := g.idx(x, y)
	g.bins[j*g.nx+i] = append(g.bins[j*g.nx+i], k)
}

func (g *hash) near(x, y float64) []int {
	i0, j0 := g.idx(x, y)
	var out []int
	for j := max(0, j0-1); j <= min(g.ny-1, j0+1); j++ {
		for i := max(0, i0-1); i <= min(g.nx-1, i0+1); i++ {
			out = append(out, g.bins[j*g.nx+i]...)
		}
	}
	return out
}
