// Package twochannel renders two-channel widefield fluorescence fields of
// fibroblast nuclei: DAPI (DNA) and a proliferation marker (Ki-67 or
// EdU), with truth per nucleus.
//
// Physical model, per nucleus (sizes in µm, 0.3–0.65 µm/px):
//
//	outline   ellipse 12–20 × 8–14 µm with low harmonics (package nucleus)
//	DAPI      F = Q·DNA·w(ρ)·(1 + chromatin texture)·(1 − 0.5·nucleoli),
//	          DNA 1 (G1) … 2 (G2), w the anti-aliased inside weight
//	marker    positive nuclei (fraction 0–40 %): diffuse (uniform),
//	          speckled (10–40 foci ~0.5 µm) or nucleolar (bright nucleoli
//	          and perinucleolar rim); negative nuclei carry 2–15 % of the
//	          positive level
//
// Field: autofluorescence background (smooth), bleed-through of DAPI into
// the marker channel (0–12 %), vignetting per channel, Gaussian PSF,
// Poisson-like shot and read noise, 8- or 16-bit (12-bit data) output.
//
// Mitosis: with Options.Mitotic 0 about 2 % of the nuclei are crude
// mitotic cells (small, 1.8× bright ellipses), as the generator always
// drew them. With Options.Mitotic > 0 a fraction U(0, Mitotic) of the
// nuclei become staged mitotic figures and 0–3 % apoptotic cells are
// added (package mitosis), from a stream of their own: the crude mitotic
// nuclei are turned into figures first and dropped if not needed, the rest
// of the field (other nuclei, marker levels, background, optics, noise)
// stays as with Mitotic 0. Mitotic figures are Ki-67 positive (bright on
// the chromosomes, 1.2–2× the positive level, and dispersed in the rounded
// cytoplasm); with EdU they keep their drawn status, as EdU marks S phase.
// Apoptotic cells are marker negative.
//
// Counting convention: Nuclei holds interphase and mitotic nuclei (labels
// 1..len(Nuclei)); a prophase, metaphase or anaphase figure is one label
// and one nucleus, a telophase pair two labels and two nuclei sharing a
// Figure number. Apoptotic cells are labels len(Nuclei)+1.. and are not
// nuclei. Mitotic counts figures; MitoticIndex = Mitotic / len(Nuclei).
package twochannel

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/mitosis"
	"github.com/histocount/histocount/internal/physgen/nucleus"
	"github.com/histocount/histocount/internal/physgen/raster"
)

// Patterns of the marker.
const (
	PatternDiffuse   = "diffuse"
	PatternSpeckled  = "speckled"
	PatternNucleolar = "nucleolar"
	// PatternChromosomal is Ki-67 on condensed mitotic chromosomes.
	PatternChromosomal = "chromosomal"
)

// Nucleus is the truth of one nucleus.
type Nucleus struct {
	ID         int // label value in the label image
	X, Y       float64
	AreaPx     int // pixels carrying this label in the image
	Positive   bool
	Mitotic    bool
	Pattern    string
	MarkerMean float64 // noise-free marker signal over the label, 0..1 full scale
	DAPIMean   float64
	Border     bool // label touches the image border
	// Class is mitosis.ClassInterphase, ClassMitotic or ClassApoptotic;
	// Stage is set for staged mitotic figures; Figure numbers the mitotic
	// figures of the field (telophase daughters share one), 0 otherwise.
	Class, Stage string
	Figure       int
}

// Field is one rendered two-channel field.
type Field struct {
	DAPI, Marker image.Image
	Labels       *image.Gray16
	Nuclei       []Nucleus // only nuclei with at least one pixel in the image
	Apoptotic    []Nucleus // apoptotic cells with a pixel in the image (labels after the nuclei)
	Mitotic      int       // mitotic figures with a pixel in the image; a telophase pair counts once
	MitoticIndex float64   // Mitotic / len(Nuclei)
	PixelSizeUM  float64
	Marker16     bool
	Params       map[string]string
}

// Options override the randomised size for tests.
// Options override the randomised size for tests and set the largest
// per-field mitotic fraction (0 = no mitotic figures or apoptotic cells:
// the earlier output, with its ~2 % crude mitotic cells).
type Options struct {
	W, H    int
	Mitotic float64
}

var sizes = [][2]int{{1024, 1024}, {1280, 1024}, {1392, 1040}}

// Generate renders field index.
func Generate(seed uint64, index int, opt Options) (*Field, error) {
	r := raster.RNG(seed, "twochannel", index)
	s := sizes[r.IntN(len(sizes))]
	W, H := s[0], s[1]
	if opt.W > 0 && opt.H > 0 {
		W, H = opt.W, opt.H
	}
	if W < 32 || H < 32 || W > 8192 || H > 8192 {
		return nil, fmt.Errorf("twochannel: size %dx%d out of range", W, H)
	}
	if opt.Mitotic < 0 || opt.Mitotic > 1 {
		return nil, fmt.Errorf("twochannel: mitotic fraction %g out of range", opt.Mitotic)
	}
	um := raster.Uniform(r, 0.3, 0.65)
	p := map[string]string{"pixel_size_um": raster.F(um, 3)}
	posFrac := raster.Uniform(r, 0, 0.4)
	if r.Float64() < 0.1 {
		posFrac = 0
	}
	marker := "Ki-67"
	pattern := []string{PatternDiffuse, PatternSpeckled, PatternNucleolar}[r.IntN(3)]
	if r.Float64() < 0.35 {
		marker = "EdU" // EdU: diffuse or speckled (early S), no nucleolar
		if pattern == PatternNucleolar {
			pattern = PatternDiffuse
		}
	}
	mixed := r.Float64() < 0.3 // patterns mixed within the field
	p["marker"], p["pattern"], p["mixed_patterns"] = marker, pattern, fmt.Sprint(mixed)
	p["positive_fraction_target"] = raster.F(posFrac, 3)

	// Place nuclei (µm → px).
	areaMM2 := float64(W*H) * um * um / 1e6
	dens := raster.LogUniform(r, 150, 2500) // nuclei per mm²
	n := int(dens * areaMM2)
	n = max(5, min(n, 600))
	var shapes []*nucleus.Shape
	type meta struct {
		dna     float64
		pos     bool
		mitotic bool
		pattern string
		level   float64
	}
	var metas []meta
	posLevel := raster.Uniform(r, 0.25, 0.7)
	negRel := raster.Uniform(r, 0.02, 0.15)
	dapiQ := raster.Uniform(r, 0.15, 0.35)
	irr := raster.Uniform(r, 0.02, 0.12)
	for t := 0; len(shapes) < n && t < n*30; t++ {
		x, y := raster.Uniform(r, -10, float64(W)+10), raster.Uniform(r, -10, float64(H)+10)
		if len(shapes) > 0 && r.Float64() < 0.25 {
			// Grow a cluster next to an existing nucleus.
			o := shapes[r.IntN(len(shapes))]
			a := r.Float64() * 2 * math.Pi
			d := o.Radius() * raster.Uniform(r, 1.6, 2.2)
			x, y = o.X+d*math.Cos(a), o.Y+d*math.Sin(a)
		}
		mit := r.Float64() < 0.02
		A := raster.Uniform(r, 6, 10) / um
		B := A * raster.Uniform(r, 0.55, 0.9)
		if mit {
			A, B = A*0.5, A*0.4
		}
		sh := &nucleus.Shape{X: x, Y: y, Lobes: []nucleus.Lobe{nucleus.NewLobe(r, x, y, A, B, r.Float64()*math.Pi, irr)}}
		ok := true
		for _, o := range shapes {
			if math.Hypot(o.X-x, o.Y-y) < 0.85*(o.Radius()+sh.Radius()) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pos := r.Float64() < posFrac || (mit && marker == "Ki-67")
		pt := pattern
		if mixed {
			pt = []string{PatternDiffuse, PatternSpeckled, PatternNucleolar}[r.IntN(3)]
			if marker == "EdU" && pt == PatternNucleolar {
				pt = PatternSpeckled
			}
		}
		dna := 1 + 0.15*r.NormFloat64()
		if r.Float64() < 0.3 || pos {
			dna = raster.Uniform(r, 1, 2) // S/G2
		}
		if mit {
			dna = 2
		}
		lvl := posLevel * math.Exp(0.35*r.NormFloat64())
		if !pos {
			lvl = posLevel * negRel * math.Exp(0.3*r.NormFloat64())
		}
		shapes = append(shapes, sh)
		metas = append(metas, meta{dna: dna, pos: pos, mitotic: mit, pattern: pt, level: lvl})
	}
	// Staged mitotic figures and apoptotic cells, from their own stream.
	var figs []mitosis.Placed
	var apo []*mitosis.Figure
	var rm *rand.Rand
	drop := make([]bool, len(shapes)) // crude mitotic nuclei not kept
	mitLevel := map[int]float64{}     // marker level of each figure, by nucleus index
	if opt.Mitotic > 0 {
		rm = raster.RNG(seed, "twochannel-mitosis", index)
		frac, ratio, nApo := mitosis.Draws(rm, opt.Mitotic, len(shapes))
		spots := make([]mitosis.Spot, len(shapes))
		var order []int
		for i, sh := range shapes {
			l := sh.Lobes[0]
			spots[i] = mitosis.Spot{X: sh.X, Y: sh.Y, R: sh.Radius(), AreaPx: math.Pi * l.A * l.B}
			if metas[i].mitotic {
				// Drawn shrunk; size the figure from a median 16 × 11 µm nucleus.
				spots[i].AreaPx = math.Pi * 8 * 5.5 / (um * um)
				order = append(order, i)
			}
		}
		for _, i := range rm.Perm(len(shapes)) {
			if !metas[i].mitotic {
				order = append(order, i)
			}
		}
		figs, apo = mitosis.Plan(rm, spots, order, int(math.Round(frac*float64(len(shapes)))), nApo, float64(W), float64(H), um, ratio, 0.85)
		for i, m := range metas {
			drop[i] = m.mitotic
		}
		for _, nf := range figs {
			drop[nf.Index] = false
			mitLevel[nf.Index] = metas[nf.Index].level
			if marker == "Ki-67" {
				mitLevel[nf.Index] = posLevel * raster.Uniform(rm, 1.2, 2)
			}
		}
		p["mitotic_fraction_target"], p["mitotic_brightness_ratio"] = raster.F(frac, 3), raster.F(ratio, 2)
	}
	// Label shapes and truth: nuclei (a figure's first piece in place of
	// its nucleus), second telophase daughters, then apoptotic cells.
	var all []*nucleus.Shape
	var nuc []Nucleus
	slot := make([]int, len(shapes)) // index in all of each nucleus, -1 dropped
	fig := 0
	for i, sh := range shapes {
		slot[i] = -1
		if drop[i] {
			continue
		}
		m := metas[i]
		t := Nucleus{X: sh.X, Y: sh.Y, Positive: m.pos, Mitotic: m.mitotic, Pattern: m.pattern, Class: mitosis.ClassInterphase}
		if m.mitotic && rm == nil {
			fig++
			t.Class, t.Figure = mitosis.ClassMitotic, fig
		}
		slot[i] = len(all)
		all = append(all, sh)
		nuc = append(nuc, t)
	}
	for k, nf := range figs {
		t := &nuc[slot[nf.Index]]
		all[slot[nf.Index]] = nf.Pieces[0]
		t.X, t.Y, t.Mitotic, t.Class, t.Stage, t.Figure = nf.Pieces[0].X, nf.Pieces[0].Y, true, mitosis.ClassMitotic, nf.Stage, k+1
		if marker == "Ki-67" {
			t.Positive, t.Pattern = true, PatternChromosomal
		}
		for _, pc := range nf.Pieces[1:] {
			d := *t
			d.X, d.Y = pc.X, pc.Y
			all = append(all, pc)
			nuc = append(nuc, d)
		}
	}
	for _, a := range apo {
		all = append(all, a.Pieces[0])
		nuc = append(nuc, Nucleus{X: a.X, Y: a.Y, Class: mitosis.ClassApoptotic})
	}
	lab, _ := nucleus.Labels(all, W, H)

	dapi := raster.New(W, H, 1)
	mk := raster.New(W, H, 1)
	chrom := raster.NewFBm(r, 1.2/um, 2)
	for i, sh := range shapes {
		m := metas[i]
		// Nucleoli.
		type spot struct{ x, y, r float64 }
		var nucleoli, foci []spot
		l := sh.Lobes[0]
		for k := 0; k < 1+r.IntN(4); k++ {
			rr := 0.55 * math.Sqrt(r.Float64())
			a := r.Float64() * 2 * math.Pi
			u, v := rr*l.A*math.Cos(a), rr*l.B*math.Sin(a)
			c, s := math.Cos(l.Theta), math.Sin(l.Theta)
			nucleoli = append(nucleoli, spot{l.X + u*c - v*s, l.Y + u*s + v*c, raster.Uniform(r, 0.8, 1.6) / um})
		}
		if m.pattern == PatternSpeckled {
			for k := 0; k < 10+r.IntN(31); k++ {
				rr := 0.85 * math.Sqrt(r.Float64())
				a := r.Float64() * 2 * math.Pi
				u, v := rr*l.A*math.Cos(a), rr*l.B*math.Sin(a)
				c, s := math.Cos(l.Theta), math.Sin(l.Theta)
				foci = append(foci, spot{l.X + u*c - v*s, l.Y + u*s + v*c, raster.Uniform(r, 0.3, 0.6) / um})
			}
		}
		if slot[i] < 0 || all[slot[i]] != sh {
			continue // dropped, or drawn below as a mitotic figure
		}
		x0, y0, x1, y1 := sh.Bounds()
		for y := max(0, y0); y <= min(H-1, y1); y++ {
			for x := max(0, x0); x <= min(W-1, x1); x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				rho := sh.Rho(px, py)
				w := clamp01((1-rho)*l.B + 0.5)
				if w <= 0 {
					continue
				}
				var nuc float64
				for _, s := range nucleoli {
					nuc = math.Max(nuc, math.Exp(-(sq(px-s.x)+sq(py-s.y))/sq(s.r)))
				}
				tex := 0.5 * (chrom.At(px, py) - 0.5)
				if m.mitotic {
					tex *= 2
				}
				dv := dapiQ * m.dna * (1 + tex) * (1 - 0.5*nuc)
				if m.mitotic {
					dv *= 1.8
				}
				o := y*W + x
				dapi.Pix[o] += float32(dv * w)
				mv := m.level
				if m.pos {
					switch m.pattern {
					case PatternSpeckled:
						var f float64
						for _, s := range foci {
							f += math.Exp(-(sq(px-s.x) + sq(py-s.y)) / sq(s.r))
						}
						mv = m.level * (0.25 + 1.5*math.Min(1.5, f))
					case PatternNucleolar:
						mv = m.level * (0.3 + 1.6*nuc)
					default:
						mv = m.level * (1 + 0.5*tex)
					}
				}
				mk.Pix[o] += float32(mv * w)
			}
		}
	}
	var fine *raster.FBm
	if rm != nil {
		// Condensed chromatin relative to an average interphase nucleus
		// (DNA ≈ 1.1 with the S/G2 share, nucleoli included).
		fine = raster.NewFBm(rm, 1/um, 2)
		for _, nf := range figs {
			nf.Render(dapi.Pix, W, H, dapiQ*1.1*nf.Bright, fine)
			nf.Render(mk.Pix, W, H, mitLevel[nf.Index], fine)
		}
		for _, a := range apo {
			a.Render(dapi.Pix, W, H, dapiQ*1.1*a.Bright, fine)
			a.Render(mk.Pix, W, H, posLevel*negRel*math.Exp(0.3*rm.NormFloat64()), fine)
		}
	}
	// Truth means over labels (noise-free, before PSF).
	for i := range nuc {
		nuc[i].ID = i + 1
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			id := lab[y*W+x]
			if id == 0 {
				continue
			}
			t := &nuc[id-1]
			t.AreaPx++
			t.MarkerMean += float64(mk.Pix[y*W+x])
			t.DAPIMean += float64(dapi.Pix[y*W+x])
			if x == 0 || y == 0 || x == W-1 || y == H-1 {
				t.Border = true
			}
		}
	}
	// The rounded mitotic cell's cytoplasm: faint DAPI background; Ki-67
	// disperses into it once the nuclear envelope has broken down.
	for _, nf := range figs {
		nf.RenderHalo(dapi.Pix, W, H, dapiQ*1.1)
		if marker == "Ki-67" {
			nf.RenderHalo(mk.Pix, W, H, 3*mitLevel[nf.Index])
		}
	}
	// Background, bleed-through, optics, camera.
	bleed := raster.Uniform(r, 0, 0.12)
	bgD, bgM := raster.Uniform(r, 0.01, 0.08), raster.Uniform(r, 0.01, 0.1)
	auto := raster.NewFBm(r, 200, 3)
	for i := range mk.Pix {
		x, y := float64(i%W), float64(i/W)
		a := auto.At(x, y)
		mk.Pix[i] += float32(bleed)*dapi.Pix[i] + float32(bgM*(0.6+0.8*a))
		dapi.Pix[i] += float32(bgD * (0.7 + 0.6*a))
	}
	p["bleed_through"] = raster.F(bleed, 3)
	psf := raster.Uniform(r, 0.6, 2.0)
	dapi.Blur(psf)
	mk.Blur(psf * raster.Uniform(r, 0.9, 1.2))
	dapi.Illumination(raster.Uniform(r, 0, 0.25), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.35))
	mk.Illumination(raster.Uniform(r, 0, 0.25), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.35))
	dapi.Noise(r, raster.Uniform(r, 0.002, 0.012), raster.Uniform(r, 0.01, 0.04))
	mk.Noise(r, raster.Uniform(r, 0.002, 0.015), raster.Uniform(r, 0.01, 0.05))
	p["psf_sigma_px"] = raster.F(psf, 2)
	f := &Field{PixelSizeUM: um, Params: p}
	f.Marker16 = r.Float64() < 0.5
	if f.Marker16 {
		// 12-bit camera data in 16-bit containers.
		scale := func(m *raster.Img) {
			for i := range m.Pix {
				m.Pix[i] = float32(math.Round(float64(m.Pix[i])*4095)) / 65535
			}
		}
		scale(dapi)
		scale(mk)
		f.DAPI, f.Marker = dapi.Gray16(), mk.Gray16()
	} else {
		f.DAPI, f.Marker = dapi.Gray8(), mk.Gray8()
	}
	lim := image.NewGray16(image.Rect(0, 0, W, H))
	// Keep only nuclei present in the image, renumbering labels 1..n.
	remap := make([]uint16, len(nuc)+1)
	figSeen := map[int]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, t := range nuc {
			if t.AreaPx == 0 || (t.Class == mitosis.ClassApoptotic) != (pass == 1) {
				continue
			}
			t.MarkerMean /= float64(t.AreaPx)
			t.DAPIMean /= float64(t.AreaPx)
			id := len(f.Nuclei) + len(f.Apoptotic) + 1
			remap[t.ID] = uint16(id)
			t.ID = id
			if pass == 1 {
				f.Apoptotic = append(f.Apoptotic, t)
				continue
			}
			if t.Figure > 0 && !figSeen[t.Figure] {
				figSeen[t.Figure] = true
				f.Mitotic++
			}
			f.Nuclei = append(f.Nuclei, t)
		}
	}
	if len(f.Nuclei) > 0 {
		f.MitoticIndex = float64(f.Mitotic) / float64(len(f.Nuclei))
	}
	for i, v := range lab {
		v = remap[v]
		lim.Pix[2*i] = uint8(v >> 8)
		lim.Pix[2*i+1] = uint8(v)
	}
	f.Labels = lim
	return f, nil
}

// Positive returns the counts of positive and all nuclei.
func (f *Field) Positive() (pos, all int) {
	for _, n := range f.Nuclei {
		if n.Positive {
			pos++
		}
	}
	return pos, len(f.Nuclei)
}

func sq(v float64) float64      { return v * v }
func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }
