// Package kc167 renders widefield DAPI fields (512×512, 8-bit) of
// Drosophila Kc167 cells, a second renderer of the BBBC002 kind written
// from the physical description only (not from package dapi), with exact
// truth: an instance label image and the annotators' count.
//
// Specimen: small round-to-irregular cells (~10 µm) growing in loose
// clumps (probability 0.2–0.7 that a cell sits next to an earlier one);
// nuclei 8–20 px across (field mean diameter 9–16 px, log-normal
// spread 12 % per nucleus), 30–120 per field. Cell cycle: G1, S (radius
// ×1.12) and G2 (radius ×1.26, twice the DNA, so brighter). Interphase
// outlines are ellipses (aspect 0.7–1) with harmonics 2..5, some kidney
// shaped (a dent of 15–40 % of the radius) or bilobed. Chromatin is
// blotchy: fractal texture, 1–4 bright chromocentres, 0–2 darker
// nucleolar regions. A few mitotic cells (condensed rods: prometaphase,
// metaphase plate, anaphase) and apoptotic cells (3–7 small bright
// bodies) are drawn as one label per cell. Up to 20 % of the nuclei lie
// out of the focal plane (dim, blurred by 2–4 px, still counted).
// Brightness varies log-normally (σ 0.2–0.45) between nuclei.
//
// Optics and camera: Gaussian PSF (σ 0.8–1.6 px), widefield out-of-focus
// haze (the emission blurred by 8–20 px, 5–25 % of it) around bright
// clumps, uneven illumination (gradient and vignette), medium
// autofluorescence and camera offset, Poisson shot noise (300–3000
// photons at full scale) plus Gaussian read noise, and a low dynamic range
// (median nucleus at 12–45 % of full scale). Small bright debris specks
// (radius 0.6–2 px) are drawn but not labelled or counted.
//
// Counting convention (the annotators'): one per cell. Interphase, out of
// focus, mitotic (an anaphase is one cell) and apoptotic cells (all the
// fragments of one cell are one label) each count once; debris does not.
// A cell counts if its label has at least one pixel in the field.
package kc167

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/mitosis"
	"github.com/histocount/histocount/internal/physgen/raster"
)

// Classes of the labelled cells (objects.csv): the names the mitosis
// generator's truth uses, so one evaluation reads both.
const (
	ClassInterphase = mitosis.ClassInterphase
	ClassMitotic    = mitosis.ClassMitotic
	ClassApoptotic  = mitosis.ClassApoptotic
)

// Cell-cycle phase sizes: S and G2 nuclei hold 1.5× and 2× the G1 DNA in
// a larger nucleus (radius ×1.12, ×1.26, area ×1.25, ×1.6).
const (
	radiusScaleS  = 1.12
	radiusScaleG2 = 1.26
	dnaS          = 1.5
	dnaG2         = 2.0
)

// minCentreGap is the closest two nuclei come, as a fraction of the sum
// of their radii: slight overlaps (cells piled in a clump), never one
// hidden under another.
const minCentreGap = 0.75

// Field is one rendered field and its truth.
type Field struct {
	Image      *image.Gray
	Labels     *image.Gray16
	Count      int // cells with a label pixel in the field (the annotators' count)
	Inside     int // of which not touching the border
	Mitotic    int
	Apoptotic  int
	OutOfFocus int
	Debris     int // specks drawn, not counted
	Objects    []Object
	Params     map[string]string
}

// Object is the truth of one label.
type Object struct {
	ID         int
	Class      string
	Phase      string // G1, S, G2 (interphase), M, or apoptotic
	OutOfFocus bool
	X, Y       float64
	AreaPx     int
	Border     bool
}

// cell is one drawn cell before labelling.
type cell struct {
	b          body
	class      string
	phase      string
	outOfFocus bool
	x, y, r    float64
	q          float64 // mean emission relative to the field's median G1 nucleus
	spots      []spot  // chromocentres (a > 0) and nucleoli (a < 0)
}

// spot is a Gaussian blob of relative amplitude a and SD sd px.
type spot struct{ x, y, sd, a float64 }

// fieldParams are the per-field domain-randomised parameters.
type fieldParams struct {
	n                                     int
	diameterPx, brightnessSD, clumpProb   float64
	irregularity, kidneyProb, bilobedProb float64
	mitoticFrac, apoptoticFrac, oofFrac   float64
	texCellPx, texAmp, dome               float64
	psfPx, oofBlurPx, hazePx, hazeFrac    float64
	peak, autofluor, offset, photons      float64
	readNoise                             float64
	debris                                int
}

func drawParams(r *rand.Rand) fieldParams {
	return fieldParams{
		n:             30 + r.IntN(91),
		diameterPx:    raster.Uniform(r, 9, 16),
		brightnessSD:  raster.Uniform(r, 0.2, 0.45),
		clumpProb:     raster.Uniform(r, 0.2, 0.7),
		irregularity:  raster.Uniform(r, 0.05, 0.2),
		kidneyProb:    raster.Uniform(r, 0.05, 0.3),
		bilobedProb:   raster.Uniform(r, 0, 0.12),
		mitoticFrac:   raster.Uniform(r, 0, 0.05),
		apoptoticFrac: raster.Uniform(r, 0, 0.04),
		oofFrac:       raster.Uniform(r, 0, 0.2),
		texCellPx:     raster.Uniform(r, 1.5, 3),
		texAmp:        raster.Uniform(r, 0.3, 0.8),
		dome:          raster.Uniform(r, 0.1, 0.5),
		psfPx:         raster.Uniform(r, 0.8, 1.6),
		oofBlurPx:     raster.Uniform(r, 2, 4),
		hazePx:        raster.Uniform(r, 8, 20),
		hazeFrac:      raster.Uniform(r, 0.05, 0.25),
		peak:          raster.Uniform(r, 0.12, 0.45),
		autofluor:     raster.Uniform(r, 0.005, 0.04),
		offset:        raster.Uniform(r, 0.01, 0.06),
		photons:       raster.LogUniform(r, 300, 3000),
		readNoise:     raster.Uniform(r, 0.003, 0.012),
		debris:        r.IntN(11),
	}
}

// Generate renders field index of the data set seeded by seed; size 0 = 512.
func Generate(seed uint64, index, size int) (*Field, error) {
	if size == 0 {
		size = 512
	}
	if size < 64 || size > 8192 {
		return nil, fmt.Errorf("kc167: size %d out of range", size)
	}
	r := raster.RNG(seed, "kc167", index)
	p := drawParams(r)
	area := float64(size*size) / (512 * 512)
	p.n = max(1, int(math.Round(float64(p.n)*area)))
	p.debris = int(math.Round(float64(p.debris) * area))
	cells := placeCells(r, &p, size)
	inFocus, outFocus := raster.New(size, size, 1), raster.New(size, size, 1)
	tex := raster.NewFBm(r, p.texCellPx, 2)
	lab := make([]uint16, size*size)
	labRho := make([]float32, size*size)
	for i := range labRho {
		labRho[i] = 1
	}
	for i := range cells {
		buf := inFocus
		if cells[i].outOfFocus {
			buf = outFocus
		}
		drawCell(&cells[i], uint16(i+1), buf, lab, labRho, tex, &p)
	}
	drawDebris(r, inFocus, &p)
	img := optics(r, inFocus, outFocus, &p)
	f := truth(cells, lab, size)
	f.Debris = p.debris
	f.Image = img.Gray8()
	f.Params = map[string]string{
		"diameter_px": raster.F(p.diameterPx, 2), "psf_sigma_px": raster.F(p.psfPx, 2),
		"brightness_sd_log": raster.F(p.brightnessSD, 2), "clump_prob": raster.F(p.clumpProb, 2),
		"kidney_prob": raster.F(p.kidneyProb, 2), "haze_frac": raster.F(p.hazeFrac, 2),
		"peak_level": raster.F(p.peak, 3), "photons_full_scale": raster.F(p.photons, 0),
	}
	return f, nil
}

// placeCells draws the cells: a new cell joins a clump (next to a random
// earlier cell, centre distance minCentreGap–1.1 × the radii sum, so touching and
// slightly overlapping) with probability clumpProb, else lands anywhere.
func placeCells(r *rand.Rand, p *fieldParams, size int) []cell {
	W := float64(size)
	var cells []cell
	for t := 0; len(cells) < p.n && t < 60*p.n; t++ {
		c := cell{class: ClassInterphase, phase: "G1", q: math.Exp(p.brightnessSD * r.NormFloat64())}
		dna, scale := 1.0, 1.0
		switch u := r.Float64(); {
		case u < 0.25:
			c.phase, dna, scale = "G2", dnaG2, radiusScaleG2
		case u < 0.45:
			c.phase, dna, scale = "S", dnaS, radiusScaleS
		}
		c.r = p.diameterPx / 2 * scale * math.Exp(0.12*r.NormFloat64())
		c.q *= dna / (scale * scale) // emission per area: DNA over projected area
		if len(cells) > 0 && r.Float64() < p.clumpProb {
			o := cells[r.IntN(len(cells))]
			a := r.Float64() * 2 * math.Pi
			d := (o.r + c.r) * raster.Uniform(r, minCentreGap, 1.1)
			c.x, c.y = o.x+d*math.Cos(a), o.y+d*math.Sin(a)
		} else {
			c.x, c.y = raster.Uniform(r, -c.r, W+c.r), raster.Uniform(r, -c.r, W+c.r)
		}
		ok := true
		for _, o := range cells {
			if math.Hypot(o.x-c.x, o.y-c.y) < minCentreGap*(o.r+c.r) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		switch u := r.Float64(); {
		case u < p.mitoticFrac:
			c.class, c.phase = ClassMitotic, "M"
			c.q = dnaG2 / (radiusScaleG2 * radiusScaleG2) * raster.Uniform(r, 1.5, 3) // condensed G2 chromatin
			c.b = mitoticFigure(r, c.x, c.y, c.r)
		case u < p.mitoticFrac+p.apoptoticFrac:
			c.class, c.phase = ClassApoptotic, "apoptotic"
			c.q = raster.Uniform(r, 1.5, 3) // pyknotic: condensed, bright
			c.b = apoptoticBodies(r, c.x, c.y, c.r)
		default:
			if c.outOfFocus = r.Float64() < p.oofFrac; c.outOfFocus {
				c.q *= raster.Uniform(r, 0.4, 0.8) // part of the light falls outside the nucleus and the plane
			}
			c.b = interphaseNucleus(r, c.x, c.y, c.r, p)
			c.spots = chromatinSpots(r, c.x, c.y, c.r)
		}
		cells = append(cells, c)
	}
	return cells
}

func interphaseNucleus(r *rand.Rand, x, y, rad float64, p *fieldParams) body {
	irr := p.irregularity * raster.Uniform(r, 0.5, 1.5)
	if r.Float64() < p.bilobedProb {
		// Two overlapping lobes: one nucleus with a waist.
		a := r.Float64() * math.Pi
		off := 0.45 * rad
		l1 := newOutline(r, x+off*math.Cos(a), y+off*math.Sin(a), 0.75*rad, irr)
		l2 := newOutline(r, x-off*math.Cos(a), y-off*math.Sin(a), 0.75*rad, irr)
		return &nucleusBody{lobes: []outline{l1, l2}}
	}
	o := newOutline(r, x, y, rad, irr)
	if r.Float64() < p.kidneyProb {
		o.dent, o.dentPhi, o.dentW = raster.Uniform(r, 0.15, 0.4), r.Float64()*2*math.Pi, raster.Uniform(r, 0.3, 0.7)
	}
	return &nucleusBody{lobes: []outline{o}}
}

// chromatinSpots returns 1–4 chromocentres (bright, σ 0.6–1.2 px) and 0–2
// nucleolar regions (darker, σ 15–30 % of the radius) inside the nucleus.
func chromatinSpots(r *rand.Rand, x, y, rad float64) []spot {
	var s []spot
	at := func(reach float64) (float64, float64) {
		a, d := r.Float64()*2*math.Pi, reach*rad*math.Sqrt(r.Float64())
		return x + d*math.Cos(a), y + d*math.Sin(a)
	}
	for k := 1 + r.IntN(4); k > 0; k-- {
		sx, sy := at(0.6)
		s = append(s, spot{sx, sy, raster.Uniform(r, 0.6, 1.2), raster.Uniform(r, 0.4, 1.2)})
	}
	for k := r.IntN(3); k > 0; k-- {
		sx, sy := at(0.5)
		s = append(s, spot{sx, sy, raster.Uniform(r, 0.15, 0.3) * rad, -raster.Uniform(r, 0.2, 0.5)})
	}
	return s
}

// mitoticFigure draws 6–10 condensed chromosomes (rods 1.5–3.5 px long,
// 0.9–1.5 px half-width) as a prometaphase cloud, a metaphase plate or two
// anaphase plates; one cell, one label.
func mitoticFigure(r *rand.Rand, x, y, rad float64) body {
	n := 6 + r.IntN(5)
	w := raster.Uniform(r, 0.9, 1.5)
	a := r.Float64() * math.Pi
	ca, sa := math.Cos(a), math.Sin(a)
	stage := r.IntN(3)
	var rods []rod
	for i := 0; i < n; i++ {
		var cx, cy, dir float64
		switch stage {
		case 0: // prometaphase: rods anywhere within 0.7 R
			d, b := 0.7*rad*math.Sqrt(r.Float64()), r.Float64()*2*math.Pi
			cx, cy, dir = x+d*math.Cos(b), y+d*math.Sin(b), r.Float64()*math.Pi
		default: // metaphase plate along a, rods pointing to the poles
			t := raster.Uniform(r, -0.65, 0.65) * rad
			perp := r.NormFloat64()
			if stage == 2 { // anaphase: two plates 0.9–1.4 R apart
				half := 0.55 * rad
				if i%2 == 1 {
					half = -half
				}
				perp += half
			}
			cx, cy, dir = x+t*ca-perp*sa, y+t*sa+perp*ca, a+math.Pi/2+0.5*r.NormFloat64()
		}
		l := raster.Uniform(r, 1.5, 3.5) / 2
		rods = append(rods, rod{cx - l*math.Cos(dir), cy - l*math.Sin(dir), cx + l*math.Cos(dir), cy + l*math.Sin(dir), w})
	}
	return &pieces{rods: rods}
}

// apoptoticBodies draws 3–7 small round bright bodies (radius 1–2.2 px)
// scattered within 0.6–1.2 R of the cell centre; one cell, one label.
func apoptoticBodies(r *rand.Rand, x, y, rad float64) body {
	reach := raster.Uniform(r, 0.6, 1.2) * rad
	var rods []rod
	for k := 3 + r.IntN(5); k > 0; k-- {
		a, d := r.Float64()*2*math.Pi, reach*math.Sqrt(r.Float64())
		bx, by := x+d*math.Cos(a), y+d*math.Sin(a)
		rods = append(rods, rod{bx, by, bx, by, raster.Uniform(r, 1, 2.2)})
	}
	return &pieces{rods: rods}
}

// drawCell adds the cell's emission to buf and claims label pixels where
// its rho is the lowest so far. Fluorescence adds up where nuclei overlap.
func drawCell(c *cell, id uint16, buf *raster.Img, lab []uint16, labRho []float32, tex *raster.FBm, p *fieldParams) {
	W, H := buf.W, buf.H
	x0, y0, x1, y1 := c.b.box()
	edge := c.b.edgePx()
	for y := max(0, y0); y <= min(H-1, y1); y++ {
		for x := max(0, x0); x <= min(W-1, x1); x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			rho := c.b.rho(px, py)
			cov := math.Max(0, math.Min(1, (1-rho)*edge+0.5))
			if cov <= 0 {
				continue
			}
			i := y*W + x
			if rho < 1 && float32(rho) < labRho[i] {
				labRho[i], lab[i] = float32(rho), id
			}
			v := c.q
			if c.class == ClassInterphase {
				v *= (1 - p.dome + p.dome*math.Sqrt(math.Max(0, 1-rho*rho))) * (1 + 2*p.texAmp*(tex.At(px, py)-0.5))
				for _, s := range c.spots {
					d2 := ((px-s.x)*(px-s.x) + (py-s.y)*(py-s.y)) / (2 * s.sd * s.sd)
					if s.a > 0 {
						v += c.q * s.a * math.Exp(-d2)
					} else {
						v *= 1 + s.a*math.Exp(-d2)
					}
				}
			}
			buf.Pix[i] += float32(p.peak * math.Max(0, v) * cov)
		}
	}
}

// drawDebris adds small bright specks (dust, stain precipitate): not
// cells, not labelled.
func drawDebris(r *rand.Rand, buf *raster.Img, p *fieldParams) {
	W, H := buf.W, buf.H
	for k := 0; k < p.debris; k++ {
		cx, cy := raster.Uniform(r, 0, float64(W)), raster.Uniform(r, 0, float64(H))
		rad, v := raster.Uniform(r, 0.6, 2), p.peak*raster.Uniform(r, 0.5, 2.5)
		for y := max(0, int(cy-rad)-1); y <= min(H-1, int(cy+rad)+1); y++ {
			for x := max(0, int(cx-rad)-1); x <= min(W-1, int(cx+rad)+1); x++ {
				d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
				buf.Pix[y*W+x] += float32(v * math.Max(0, math.Min(1, rad-d+0.5)))
			}
		}
	}
}

// optics blurs the in-focus and out-of-focus emission, adds the widefield
// haze, illumination, autofluorescence, camera offset and noise.
func optics(r *rand.Rand, inFocus, outFocus *raster.Img, p *fieldParams) *raster.Img {
	outFocus.Blur(p.oofBlurPx)
	inFocus.Blur(p.psfPx)
	for i := range inFocus.Pix {
		inFocus.Pix[i] += outFocus.Pix[i]
	}
	haze := &raster.Img{W: inFocus.W, H: inFocus.H, C: 1, Pix: append([]float32(nil), inFocus.Pix...)}
	haze.Blur(p.hazePx)
	bg := raster.NewFBm(r, 120, 2)
	for i := range inFocus.Pix {
		x, y := float64(i%inFocus.W), float64(i/inFocus.W)
		inFocus.Pix[i] += float32(p.hazeFrac)*haze.Pix[i] + float32(p.autofluor*p.peak*(0.6+0.8*bg.At(x, y)))
	}
	inFocus.Illumination(raster.Uniform(r, 0, 0.3), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.3))
	for i := range inFocus.Pix {
		inFocus.Pix[i] += float32(p.offset)
	}
	inFocus.Noise(r, p.readNoise, 1/math.Sqrt(p.photons))
	return inFocus
}

// truth renumbers the cells with label pixels 1..n and fills the counts.
func truth(cells []cell, lab []uint16, size int) *Field {
	area := make([]int, len(cells)+1)
	border := make([]bool, len(cells)+1)
	for i, v := range lab {
		if v > 0 {
			area[v]++
			if x, y := i%size, i/size; x == 0 || y == 0 || x == size-1 || y == size-1 {
				border[v] = true
			}
		}
	}
	f := &Field{}
	remap := make([]uint16, len(cells)+1)
	for i, c := range cells {
		id := i + 1
		if area[id] == 0 {
			continue
		}
		o := Object{ID: len(f.Objects) + 1, Class: c.class, Phase: c.phase, OutOfFocus: c.outOfFocus, X: c.x, Y: c.y, AreaPx: area[id], Border: border[id]}
		remap[id] = uint16(o.ID)
		f.Objects = append(f.Objects, o)
		f.Count++
		if !o.Border {
			f.Inside++
		}
		switch {
		case c.class == ClassMitotic:
			f.Mitotic++
		case c.class == ClassApoptotic:
			f.Apoptotic++
		case c.outOfFocus:
			f.OutOfFocus++
		}
	}
	f.Labels = image.NewGray16(image.Rect(0, 0, size, size))
	for i, v := range lab {
		v = remap[v]
		f.Labels.Pix[2*i], f.Labels.Pix[2*i+1] = uint8(v>>8), uint8(v)
	}
	return f
}
