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
// where u is the arc length along the surface and r(u) = A·(sin φ(u) +
// 0.35·sin(2φ(u) + 1)), φ(u) = 2πu/P + φ0 + 1.2·sin(2πu/(3.7P) + φ1): rete
// ridges of period about P whose phase wanders. Truth.EpidermisUM is
// EpidermisUM plus the mean of r over the surface in view, and
// Truth.DermisUM is DermisUM minus it (the hypodermis lies at a fixed
// depth), so both are the exact mean thicknesses along the normal.
//
// Histology drawn on top of the geometry (each can be switched off):
//
//   - epidermis: keratinocyte nuclei densest and darkest in the basal row
//     along the DEJ, paler towards the surface (BasalLayer);
//   - papillary dermis: the upper ~60 µm of dermis, paler with more nuclei;
//     reticular dermis: thick eosinophilic collagen bundles (Papillary);
//   - stratum corneum lifted off the epidermis by a glass gap over part of
//     the surface, as in real sections (DetachedFrac);
//   - adnexa: hair follicles and glands, islands of epidermis-like cells deep
//     in the dermis; they are dermis in the truth, as a pathologist measures
//     (Adnexa); vessels with a lumen and red cells (Vessels);
//   - stain variation: stain vectors tilted and amounts scaled at random,
//     PAS magenta instead of eosin (Stain "pas"), and vignetting.
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
	// StainPAS is periodic acid–Schiff with a haematoxylin counterstain:
	// magenta instead of eosin pink. histocount measures it as H&E.
	StainPAS = "pas"
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

	BasalLayer bool // darker basal nuclei, paler upper epidermis
	Papillary  bool // pale nucleated papillary dermis, coarse reticular bundles
	// DetachedFrac is the fraction of the surface where the stratum
	// corneum is lifted off by a gap of DetachedGapUM (default 8 µm).
	DetachedFrac, DetachedGapUM float64
	Adnexa                      int     // follicle/gland islands in the dermis
	Vessels                     int     // vessels with lumen and red cells
	StainVariation              float64 // 0..1: random stain hue and amount changes
	VignettePct                 float64 // brightness lost in the corners, %

	// Domain randomisation (zero values keep the default rendering).
	DermisNucleiX float64 // multiplier of the dermal nuclear density (0 = 1)
	FibreScale    float64 // multiplier of the dermal fibre stain (0 = 1; 0.3 = faint fibres)
	DermisHaem    float64 // haematoxylin added to the dermal ground: lilac instead of pink
	DermisGround  float64 // multiplier of the dermal ground stain (0 = 1; 0.2 = nearly glass-pale)
	FatCellUM     float64 // adipocyte diameter (0 = 70 µm)
	FatWallUM     float64 // adipocyte wall thickness (0 = 2.5 µm)
	FatWavyUM     float64 // amplitude of a wavy dermis/hypodermis boundary (0 = at a fixed depth)
	FatToEdge     bool    // the fat runs to the image edge (no glass below the section)
	BlurPx        float64 // Gaussian blur of the rendered image, px (0 = none)
}

// Default returns a plausible 1 µm/px H&E section, 1200×1000 px, with all
// the histology switched on.
func Default() Params {
	return Params{
		Width: 1200, Height: 1000, PixelSizeUM: 1, Stain: StainHE,
		CorneumUM: 12, EpidermisUM: 45, DermisUM: 520, HypodermisUM: 400, Hypodermis: true,
		ReteAmplitudeUM: 10, RetePeriodUM: 97, SurfaceYFrac: 0.12, NoiseSD: 4, Calibrated: true,
		BasalLayer: true, Papillary: true, DetachedFrac: 0.3, DetachedGapUM: 8, Adnexa: 3, Vessels: 6,
		StainVariation: 0.5, VignettePct: 8,
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
	// Adnexa marks the follicle and gland islands (255), which Labels
	// counts as dermis.
	Adnexa *image.Gray
}

// unit OD vectors (R, G, B).
var (
	odHaem   = norm3([3]float64{0.65, 0.70, 0.29})
	odEosin  = norm3([3]float64{0.07, 0.99, 0.11})
	odPAS    = norm3([3]float64{0.18, 0.92, 0.36}) // magenta
	odGround = norm3([3]float64{0.20, 0.45, 0.87}) // yellow-brown silver ground
	odBlack  = norm3([3]float64{0.58, 0.58, 0.57}) // reduced silver
)

func norm3(v [3]float64) [3]float64 {
	n := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	return [3]float64{v[0] / n, v[1] / n, v[2] / n}
}

// Sizes and spacings of the drawn histology, in µm (areas in µm²).
const (
	reteWarpPeriods   = 3.7 // the ridges' phase warps over 3.7 ridge periods
	reteWarpRad       = 1.2 // depth of that phase warp, radians
	fatWaveLongUM     = 450 // periods of the two sines of a wavy hypodermis
	fatWaveShortUM    = 170
	detachedSpacingUM = 600 // lifted stratum corneum: one stretch per 600 µm of surface
	textureUM         = 6   // fine stain texture
	blotchUM          = 60  // staining unevenness
	papillaryUM       = 60  // papillary dermis depth below the DEJ
	basalFadeUM       = 10  // basal darkening fades over 10 µm above the DEJ
	fibreAreaUM2      = 900 // one fibre stroke tried per 900 µm²
	nucleusAreaUM2    = 60  // one nucleus tried per 60 µm² (kept by layer density)
	basalAreaUM2      = 35  // the basal row: one nucleus tried per 35 µm²
	basalRowUM        = 7   // … within 7 µm above the DEJ
	reticulinUM       = 1.5 // silver: basement-membrane reticulin below the DEJ
	truthStepUM       = 0.5 // step along the surface of the truth's mean
)

// Generate draws a section. All randomness comes from rng, drawn in a fixed
// order: the surface's phases, the layers' texture, fat, fibres, adnexa,
// vessels, nuclei, the stain variation, then the sensor noise.
func Generate(p Params, rng *rand.Rand) (*imageio.Image, Truth) {
	p = withDefaults(p)
	g := newGeometry(p, rng)
	lay := g.layers()
	c1, c2, tex := groundStain(p, lay, rng)
	w, h, ps := p.Width, p.Height, p.PixelSizeUM
	silver := p.Stain == StainSilver
	// Fat cells: Voronoi cells of jittered seeds, membranes where the two
	// nearest seeds are almost equidistant.
	if p.Hypodermis {
		drawFat(lay.labels, c1, c2, w, h, ps, p.FatCellUM, p.FatWallUM, silver, rng)
	}
	drawFibres(p, g.th, lay, c2, rng)
	if silver && p.Papillary {
		drawReticulin(lay, c2)
	}
	island := make([]bool, w*h)
	if p.Adnexa > 0 && p.DermisUM > 250 {
		drawAdnexa(p, lay.labels, lay.belowDEJ, lay.depth, island, c1, c2, tex, silver, g.th, rng)
	}
	if p.Vessels > 0 {
		drawVessels(p, lay.labels, lay.belowDEJ, c1, c2, silver, rng)
	}
	drawNuclei(p, g.th, lay, island, c1, c2, rng)
	out := render(p, c1, c2, rng)
	meanRete, meanFat := g.meanInView()
	if p.BlurPx > 0 {
		blurRGB(out.Pix, w, h, p.BlurPx)
	}
	return out, Truth{
		PixelSizeUM: ps, CorneumUM: p.CorneumUM, EpidermisUM: p.EpidermisUM + meanRete,
		DermisUM: p.DermisUM - meanRete + meanFat, Hypodermis: p.Hypodermis, Labels: lay.labels, Adnexa: islandMask(island, w, h),
	}
}

// withDefaults fills the zero fields that Default gives a value.
func withDefaults(p Params) Params {
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
	if p.DetachedGapUM <= 0 {
		p.DetachedGapUM = d.DetachedGapUM
	}
	return p
}

// geometry is the section's surface (see the package doc): the arc, the
// rete ridges along it, the wavy hypodermis and the lifted corneum.
type geometry struct {
	p        Params
	ps       float64 // µm per pixel
	th       float64 // tilt, radians
	tx, ty   float64 // unit vector along the surface (image y points down)
	nx, ny   float64 // unit vector into the tissue
	p0x, p0y float64 // the surface at the image's centre column, px
	r        float64 // curvature radius, px (≤ 0: flat)
	cx, cy   float64 // centre of the arc, px
	// random phases of the ridges, of the hypodermis' waves and of the
	// detached stretches
	ph0, ph1, fph0, fph1, detPhase float64
}

func newGeometry(p Params, rng *rand.Rand) *geometry {
	g := &geometry{p: p, ps: p.PixelSizeUM, th: p.TiltDeg * math.Pi / 180}
	g.tx, g.ty = math.Cos(g.th), -math.Sin(g.th)
	g.nx, g.ny = -g.ty, g.tx
	g.p0x, g.p0y = float64(p.Width)/2, p.SurfaceYFrac*float64(p.Height)
	g.r = p.CurvatureRadiusUM / g.ps
	g.cx, g.cy = g.p0x+g.r*g.nx, g.p0y+g.r*g.ny
	// Rete ridges are not strictly periodic: the phase wanders (a slow
	// sinusoidal warp with random phases), so sampling every IntervalUM
	// does not alias with the ridges.
	g.ph0, g.ph1 = 2*math.Pi*rng.Float64(), 2*math.Pi*rng.Float64()
	g.fph0, g.fph1 = 2*math.Pi*rng.Float64(), 2*math.Pi*rng.Float64()
	g.detPhase = rng.Float64()
	return g
}

// at returns the depth (µm) and arc length (µm) of pixel centre (x, y).
func (g *geometry) at(x, y float64) (float64, float64) {
	if g.r <= 0 {
		dx, dy := x-g.p0x, y-g.p0y
		return (dx*g.nx + dy*g.ny) * g.ps, (dx*g.tx + dy*g.ty) * g.ps
	}
	dx, dy := x-g.cx, y-g.cy
	r := math.Hypot(dx, dy)
	ang := math.Atan2(dx*g.tx+dy*g.ty, -(dx*g.nx + dy*g.ny))
	return (g.r - r) * g.ps, ang * g.r * g.ps
}

// surfacePoint is the point (px) at arc length u (µm) of the surface.
func (g *geometry) surfacePoint(u float64) (float64, float64) {
	if g.r <= 0 {
		return g.p0x + u/g.ps*g.tx, g.p0y + u/g.ps*g.ty
	}
	a := u / (g.r * g.ps)
	return g.cx + g.r*(-g.nx*math.Cos(a)+g.tx*math.Sin(a)), g.cy + g.r*(-g.ny*math.Cos(a)+g.ty*math.Sin(a))
}

// rete is r(u), the ridges' depth offset (µm) at arc length u.
func (g *geometry) rete(u float64) float64 {
	p := g.p
	ph := 2*math.Pi*u/p.RetePeriodUM + g.ph0 + reteWarpRad*math.Sin(2*math.Pi*u/(reteWarpPeriods*p.RetePeriodUM)+g.ph1)
	return p.ReteAmplitudeUM * (math.Sin(ph) + 0.35*math.Sin(2*ph+1))
}

// dej is the depth (µm) of the dermal–epidermal junction at u.
func (g *geometry) dej(u float64) float64 { return g.p.EpidermisUM + g.rete(u) }

// fatWave is the offset (µm) of a wavy dermis/hypodermis boundary at u:
// two sines, zero mean over long stretches (the truth uses the mean over
// the surface in view).
func (g *geometry) fatWave(u float64) float64 {
	p := g.p
	if p.FatWavyUM == 0 || !p.Hypodermis {
		return 0
	}
	return p.FatWavyUM * (0.7*math.Sin(2*math.Pi*u/fatWaveLongUM+g.fph0) + 0.3*math.Sin(2*math.Pi*u/fatWaveShortUM+g.fph1))
}

// detached reports whether the stratum corneum is lifted off at u.
func (g *geometry) detached(u float64) bool {
	p := g.p
	if p.DetachedFrac <= 0 || p.CorneumUM <= 0 {
		return false
	}
	f := u/detachedSpacingUM + g.detPhase
	return f-math.Floor(f) < p.DetachedFrac
}

// layerMaps are the truth labels and each pixel's depths.
type layerMaps struct {
	labels   *image.Gray
	depth    []float32 // µm below the surface
	belowDEJ []float32 // µm below the DEJ (negative above it)
}

// layers labels every pixel by its depth (the bands of the package doc).
func (g *geometry) layers() layerMaps {
	p := g.p
	w, h := p.Width, p.Height
	n := w * h
	lay := layerMaps{labels: image.NewGray(image.Rect(0, 0, w, h)), depth: make([]float32, n), belowDEJ: make([]float32, n)}
	hypoTop := p.EpidermisUM + p.DermisUM
	hypoBot := hypoTop + p.HypodermisUM
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dd, u := g.at(float64(x)+0.5, float64(y)+0.5)
			i := y*w + x
			lay.depth[i] = float32(dd)
			dej := g.dej(u)
			lay.belowDEJ[i] = float32(dd - dej)
			gap := 0.0
			if g.detached(u) {
				gap = p.DetachedGapUM
			}
			var l uint8
			switch {
			case dd < -p.CorneumUM-gap:
				l = LabelGlass
			case dd < -gap:
				l = LabelCorneum
			case dd < 0:
				l = LabelGlass
			case dd < dej:
				l = LabelEpidermis
			case dd < hypoTop+g.fatWave(u):
				l = LabelDermis
			case p.Hypodermis && (dd < hypoBot || p.FatToEdge):
				l = LabelHypodermis
			default:
				l = LabelGlass
			}
			lay.labels.Pix[i] = l
		}
	}
	return lay
}

// groundStain returns each layer's stain concentrations before the drawn
// structures: c1 is haematoxylin (H&E) or ground (silver), c2 eosin (H&E)
// or black deposit (silver); and the fine texture, which adnexa reuse.
func groundStain(p Params, lay layerMaps, rng *rand.Rand) (c1, c2 []float32, tex []float64) {
	w, h, ps := p.Width, p.Height, p.PixelSizeUM
	n := w * h
	c1 = make([]float32, n)
	c2 = make([]float32, n)
	tex = valueNoise(w, h, textureUM/ps, rng)
	blotch := valueNoise(w, h, blotchUM/ps, rng)
	silver := p.Stain == StainSilver
	for i := 0; i < n; i++ {
		t := float32(tex[i])
		b := float32(0.85 + 0.3*blotch[i])
		switch lay.labels.Pix[i] {
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
			// basal: 1 at the DEJ, fading over basalFadeUM
			basal := float32(0)
			if p.BasalLayer {
				basal = float32(math.Exp(float64(lay.belowDEJ[i]) / basalFadeUM))
			}
			if silver {
				c1[i], c2[i] = (0.48+0.15*t+0.12*basal)*b, 0.12
			} else {
				c1[i], c2[i] = (0.26+0.1*t+0.12*basal)*b, 0.22*b
			}
		case LabelDermis:
			pap := p.Papillary && lay.belowDEJ[i] < papillaryUM
			switch {
			case silver:
				c1[i], c2[i] = (0.22+0.08*t)*b, 0.01
			case pap:
				c1[i], c2[i] = 0.05, (0.15+0.08*t)*b
			default:
				c1[i], c2[i] = 0.04, (0.14+0.1*t)*b
			}
			if p.DermisGround > 0 {
				c1[i] *= float32(p.DermisGround)
				c2[i] *= float32(p.DermisGround)
			}
			if !silver {
				c1[i] += float32(p.DermisHaem) * b
			}
		case LabelHypodermis:
			c1[i], c2[i] = 0, 0 // vacuoles; membranes drawn by drawFat
		}
	}
	return c1, c2, tex
}

// drawFibres draws dermal fibres: short curved strokes roughly parallel to
// the surface (tilt th); with Papillary, fine in the papillary dermis and
// coarse bundles in the reticular dermis.
func drawFibres(p Params, th float64, lay layerMaps, c2 []float32, rng *rand.Rand) {
	w, h, ps := p.Width, p.Height, p.PixelSizeUM
	silver := p.Stain == StainSilver
	nf := int(float64(w*h) * ps * ps / fibreAreaUM2)
	for k := 0; k < nf; k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		i := int(y)*w + int(x)
		if lay.labels.Pix[i] != LabelDermis {
			continue
		}
		ang := th + rng.NormFloat64()*0.5
		length := (20 + 40*rng.Float64()) / ps
		width := (1 + 2*rng.Float64()) / ps
		amt := float32(0.25 + 0.25*rng.Float64())
		fs := float32(1)
		if p.FibreScale > 0 {
			fs = float32(p.FibreScale)
		}
		if p.Papillary && lay.belowDEJ[i] >= papillaryUM && rng.Float64() < 0.5 {
			length = (60 + 90*rng.Float64()) / ps
			width = (4 + 6*rng.Float64()) / ps
			amt = float32(0.3 + 0.2*rng.Float64())
		}
		if silver {
			width = (0.8 + 1.2*rng.Float64()) / ps
			amt = float32(0.6 + 0.5*rng.Float64())
		}
		stroke(lay.labels, c2, w, h, x, y, ang, length, width, amt*fs, LabelDermis)
	}
}

// drawReticulin darkens the reticulin of the basement membrane, a fine
// line just below the DEJ (silver).
func drawReticulin(lay layerMaps, c2 []float32) {
	for i, l := range lay.labels.Pix {
		if l == LabelDermis && lay.belowDEJ[i] < reticulinUM {
			c2[i] = max(c2[i], 0.45)
		}
	}
}

// drawNuclei draws nuclei: dense in the epidermis (densest in the basal
// row), more in the papillary than in the reticular dermis, dense in
// adnexa (island).
func drawNuclei(p Params, th float64, lay layerMaps, island []bool, c1, c2 []float32, rng *rand.Rand) {
	w, h, ps := p.Width, p.Height, p.PixelSizeUM
	silver := p.Stain == StainSilver
	area := float64(w*h) * ps * ps
	nucX := 1.0
	if p.DermisNucleiX > 0 {
		nucX = p.DermisNucleiX
	}
	for k := 0; k < int(area/nucleusAreaUM2); k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		i := int(y)*w + int(x)
		l := lay.labels.Pix[i]
		var keep float64
		switch {
		case island[i]:
			keep = 0.8
		case l == LabelEpidermis:
			keep = 1
		case l == LabelDermis && p.Papillary && lay.belowDEJ[i] < papillaryUM:
			keep = 0.07 * nucX
		case l == LabelDermis:
			keep = 0.025 * nucX
		case l == LabelHypodermis:
			keep = 0.01
		}
		if rng.Float64() >= keep {
			continue
		}
		rad := (2.5 + 1.5*rng.Float64()) / ps
		amt := float32(0.7 + 0.5*rng.Float64())
		elong := 1.0
		if l == LabelDermis && !island[i] {
			elong = 2 // fibroblast nuclei are spindle-shaped
		}
		if l == LabelEpidermis && p.BasalLayer {
			// upper (granular) cells are flattened and paler
			if lay.depth[i] < 0.3*float32(p.EpidermisUM) {
				elong, amt = 1.8, amt*0.75
			}
		}
		disc(lay.labels, c1, c2, w, h, x, y, rad, elong, th, amt, l, silver)
	}
	if !p.BasalLayer {
		return
	}
	// the basal row: nuclei every ~7 µm along the DEJ
	for k := 0; k < int(area/basalAreaUM2); k++ {
		x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
		i := int(y)*w + int(x)
		if lay.labels.Pix[i] != LabelEpidermis || lay.belowDEJ[i] < -basalRowUM {
			continue
		}
		disc(lay.labels, c1, c2, w, h, x, y, (2.5+rng.Float64())/ps, 1.3, th+math.Pi/2, float32(0.9+0.4*rng.Float64()), LabelEpidermis, silver)
	}
}

// render turns the stain concentrations into an 8-bit BGR image by
// Beer–Lambert, with the stain variation, vignetting and sensor noise.
func render(p Params, c1, c2 []float32, rng *rand.Rand) *imageio.Image {
	w, h := p.Width, p.Height
	n := w * h
	out := &imageio.Image{Width: w, Height: h, Channels: 3, Pix: make([]byte, n*3)}
	out.Info = models.InputInfo{Path: "synthetic", Format: "synthetic", Width: w, Height: h, BitDepth: 8, Channels: 3}
	if p.Calibrated {
		out.Calibration = models.Calibration{PixelSizeUM: p.PixelSizeUM, Source: models.CalibrationSourceSynthetic}
	}
	v1, v2, k1, k2, bg := stainVectors(p, rng)
	rmax := math.Hypot(float64(w), float64(h)) / 2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			vig := 1.0
			if p.VignettePct > 0 {
				r := math.Hypot(float64(x)-float64(w)/2, float64(y)-float64(h)/2) / rmax
				vig = 1 - p.VignettePct/100*r*r
			}
			for c := 0; c < 3; c++ {
				od := k1*float64(c1[i])*v1[c] + k2*float64(c2[i])*v2[c]
				v := vig*bg[c]*math.Pow(10, -od) + rng.NormFloat64()*p.NoiseSD
				v = math.Max(0, math.Min(255, v))
				out.Pix[i*3+2-c] = uint8(v + 0.5) // BGR
			}
		}
	}
	return out
}

// stainVectors returns the unit OD vectors of the two stains, their
// strengths and the glass colour (RGB), varied at random by
// p.StainVariation: another lab, another batch.
func stainVectors(p Params, rng *rand.Rand) (v1, v2 [3]float64, k1, k2 float64, bg [3]float64) {
	v1, v2 = odHaem, odEosin
	switch p.Stain {
	case StainSilver:
		v1, v2 = odGround, odBlack
	case StainPAS:
		v2 = odPAS
	}
	bg = [3]float64{242, 240, 244}
	k1, k2 = 1.0, 1.0
	if sv := math.Min(1, math.Max(0, p.StainVariation)); sv > 0 {
		jit := func(v [3]float64) [3]float64 {
			for c := range v {
				v[c] = math.Max(0.02, v[c]+0.07*sv*rng.NormFloat64())
			}
			return norm3(v)
		}
		v1, v2 = jit(v1), jit(v2)
		k1 = math.Max(0.6, math.Min(1.4, 1+0.25*sv*rng.NormFloat64()))
		k2 = math.Max(0.6, math.Min(1.4, 1+0.25*sv*rng.NormFloat64()))
		for c := range bg {
			bg[c] = math.Min(252, bg[c]+6*sv*rng.NormFloat64())
		}
	}
	return v1, v2, k1, k2, bg
}

// meanInView returns the means (µm) of the ridges and of the hypodermis'
// wave over the surface in view: they average to zero only over whole
// periods, so the truth is the mean over what the image shows.
func (g *geometry) meanInView() (meanRete, meanFat float64) {
	w, h := g.p.Width, g.p.Height
	var sum, sumFat float64
	nIn := 0
	half := math.Hypot(float64(w), float64(h)) * g.ps
	for u := -half; u <= half; u += truthStepUM {
		x, y := g.surfacePoint(u)
		if x >= 0 && y >= 0 && x < float64(w) && y < float64(h) {
			sum += g.rete(u)
			sumFat += g.fatWave(u)
			nIn++
		}
	}
	if nIn > 0 {
		meanRete = sum / float64(nIn)
		meanFat = sumFat / float64(nIn)
	}
	return meanRete, meanFat
}

// islandMask is the adnexa as an image (255 on a follicle or gland).
func islandMask(island []bool, w, h int) *image.Gray {
	adnexa := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range island {
		if v {
			adnexa.Pix[i] = 255
		}
	}
	return adnexa
}

// drawAdnexa draws hair follicles and glands: ellipses of basophilic
// epidermis-like cells (a darker basal rim) in the dermis, at least 100 µm
// below the DEJ and clear of the hypodermis. Their truth label stays dermis.
func drawAdnexa(p Params, labels *image.Gray, belowDEJ, depth []float32, island []bool, c1, c2 []float32, tex []float64, silver bool, th float64, rng *rand.Rand) {
	w, h := p.Width, p.Height
	ps := p.PixelSizeUM
	for k := 0; k < p.Adnexa; k++ {
		a := (35 + 45*rng.Float64()) / ps // semi-axis across the skin, px
		b := (25 + 25*rng.Float64()) / ps
		ang := th + math.Pi/2 + 0.4*rng.NormFloat64() // follicles run roughly perpendicular
		// find a centre deep enough
		var x0, y0 float64
		ok := false
		for try := 0; try < 200 && !ok; try++ {
			x0, y0 = rng.Float64()*float64(w), rng.Float64()*float64(h)
			i := int(y0)*w + int(x0)
			if labels.Pix[i] != LabelDermis {
				continue
			}
			r := math.Max(a, b) * ps
			ok = float64(belowDEJ[i]) > 100+r && float64(depth[i]) < p.EpidermisUM+p.DermisUM-40-r
		}
		if !ok {
			continue
		}
		ca, sa := math.Cos(ang), -math.Sin(ang)
		ext := int(math.Max(a, b)) + 2
		for yy := int(y0) - ext; yy <= int(y0)+ext; yy++ {
			for xx := int(x0) - ext; xx <= int(x0)+ext; xx++ {
				if xx < 0 || yy < 0 || xx >= w || yy >= h {
					continue
				}
				i := yy*w + xx
				if labels.Pix[i] != LabelDermis {
					continue
				}
				dx, dy := float64(xx)+0.5-x0, float64(yy)+0.5-y0
				u, v := (dx*ca+dy*sa)/a, (-dx*sa+dy*ca)/b
				r := math.Sqrt(u*u + v*v)
				if r > 1 {
					continue
				}
				island[i] = true
				t := float32(tex[i])
				rim := float32(0)
				if r > 0.8 {
					rim = 0.12
				}
				if silver {
					c1[i], c2[i] = 0.5+0.15*t+rim, 0.12
				} else {
					c1[i], c2[i] = 0.24+0.1*t+rim, 0.2
				}
				if r < 0.25 && k%2 == 0 { // hair shaft / keratin plug
					if silver {
						c1[i], c2[i] = 0.3, 0.3
					} else {
						c1[i], c2[i] = 0.04, 0.5
					}
				}
			}
		}
	}
}

// drawVessels draws vessels in the dermis below the papillae: a lumen
// (unstained) partly filled with red cells, an eosinophilic wall.
func drawVessels(p Params, labels *image.Gray, belowDEJ, c1, c2 []float32, silver bool, rng *rand.Rand) {
	w, h := p.Width, p.Height
	ps := p.PixelSizeUM
	for k := 0; k < p.Vessels; k++ {
		rad := (6 + 14*rng.Float64()) / ps
		wall := 3 / ps
		x0, y0 := rng.Float64()*float64(w), rng.Float64()*float64(h)
		i0 := int(y0)*w + int(x0)
		if labels.Pix[i0] != LabelDermis || float64(belowDEJ[i0]) < 30+(rad+wall)*ps ||
			float64(belowDEJ[i0]) > p.DermisUM-40-(rad+wall)*ps-p.ReteAmplitudeUM {
			continue
		}
		ext := int(rad+wall) + 2
		for yy := int(y0) - ext; yy <= int(y0)+ext; yy++ {
			for xx := int(x0) - ext; xx <= int(x0)+ext; xx++ {
				if xx < 0 || yy < 0 || xx >= w || yy >= h {
					continue
				}
				i := yy*w + xx
				if labels.Pix[i] != LabelDermis {
					continue
				}
				r := math.Hypot(float64(xx)+0.5-x0, float64(yy)+0.5-y0)
				switch {
				case r > rad+wall:
				case r > rad:
					if silver {
						c1[i], c2[i] = 0.35, 0.3
					} else {
						c1[i], c2[i] = 0.08, 0.4
					}
				default:
					c1[i], c2[i] = 0, 0
				}
			}
		}
		// red cells in the lower part of the lumen
		for c := 0; c < int(rad*rad/4); c++ {
			a, r := 2*math.Pi*rng.Float64(), rad*math.Sqrt(rng.Float64())
			x, y := x0+r*math.Cos(a), y0+r*math.Sin(a)
			if rng.Float64() < 0.5 {
				continue
			}
			rr := 3.5 / ps
			for yy := int(y - rr); yy <= int(y+rr); yy++ {
				for xx := int(x - rr); xx <= int(x+rr); xx++ {
					if xx < 0 || yy < 0 || xx >= w || yy >= h || math.Hypot(float64(xx)+0.5-x, float64(yy)+0.5-y) > rr ||
						math.Hypot(float64(xx)+0.5-x0, float64(yy)+0.5-y0) > rad {
						continue
					}
					i := yy*w + xx
					if silver {
						c1[i], c2[i] = 0.5, 0.05
					} else {
						c1[i], c2[i] = 0.02, 0.6
					}
				}
			}
		}
	}
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

func drawFat(labels *image.Gray, c1, c2 []float32, w, h int, ps, cellUM, wallUM float64, silver bool, rng *rand.Rand) {
	if cellUM <= 0 {
		cellUM = 70 // adipocyte ~70 µm
	}
	if wallUM <= 0 {
		wallUM = 2.5
	}
	cell := cellUM / ps
	gw, gh := int(float64(w)/cell)+3, int(float64(h)/cell)+3
	sx := make([]float64, gw*gh)
	sy := make([]float64, gw*gh)
	for j := 0; j < gh; j++ {
		for i := 0; i < gw; i++ {
			sx[j*gw+i] = (float64(i-1) + 0.15 + 0.7*rng.Float64()) * cell
			sy[j*gw+i] = (float64(j-1) + 0.15 + 0.7*rng.Float64()) * cell
		}
	}
	memb := wallUM / ps
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

// blurRGB applies a separable Gaussian of standard deviation sigma (px) to
// an interleaved 3-channel image, in place (out-of-focus rendering).
func blurRGB(pix []byte, w, h int, sigma float64) {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var ks float64
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		ks += k[i]
	}
	buf := make([]float64, len(pix))
	for i, v := range pix {
		buf[i] = float64(v)
	}
	tmp := make([]float64, len(pix))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				var a float64
				for j := -r; j <= r; j++ {
					xx := min(w-1, max(0, x+j))
					a += k[j+r] * buf[(y*w+xx)*3+c]
				}
				tmp[(y*w+x)*3+c] = a / ks
			}
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				var a float64
				for j := -r; j <= r; j++ {
					yy := min(h-1, max(0, y+j))
					a += k[j+r] * tmp[(yy*w+x)*3+c]
				}
				pix[(y*w+x)*3+c] = uint8(math.Max(0, math.Min(255, a+0.5)))
			}
		}
	}
}
