// Package mitosis describes mitotic figures and apoptotic bodies for the
// fluorescence generators (dapi, twochannel), from the cytology of a
// proliferating fibroblast culture, sizes in µm:
//
//	interphase   oval nucleus 10–18 µm (drawn by the generators)
//	prophase     round, condensing chromatin, area 30–60 % of the
//	             interphase nucleus, granular/threadlike texture
//	metaphase    (prometaphase/metaphase) a plate 8–14 × 2–4 µm, any
//	             orientation; seen end-on a compact rosette 5–8 µm across
//	             with radial arms and a dimmer centre
//	anaphase     two parallel bars 4–8 µm apart (one figure, one label)
//	telophase    two compact round daughters 6–12 µm apart (one figure,
//	             two nuclei, two labels)
//	apoptotic    2–5 round beads 0.7–1.8 µm in radius within 1.5–4 µm,
//	             3–5× the interphase brightness: the classic confounder,
//	             not mitotic
//
// Mitotic chromatin is condensed: flat, sharp-edged, no nucleoli, per
// pixel 1.5–3× (the field's ratio, ±10 % per cell) as bright as an
// average interphase nucleus. A mitotic cell rounds up (16–24 µm), so a
// faint halo of cytoplasmic background (3–10 % of interphase) surrounds
// 70 % of them.
//
// Stage frequencies follow the relative durations of the phases in
// cultured mammalian cells: prophase 25 %, metaphase side-on 35 %,
// end-on 10 %, anaphase 10 %, telophase 20 %.
package mitosis

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/histocount/histocount/internal/physgen/nucleus"
	"github.com/histocount/histocount/internal/physgen/raster"
)

// Classes of labelled objects in the truth.
const (
	ClassInterphase = "interphase"
	ClassMitotic    = "mitotic"
	ClassApoptotic  = "apoptotic"
)

// Stages of a mitotic figure.
const (
	StageProphase  = "prophase"
	StageMetaphase = "metaphase"       // prometaphase/metaphase plate, side-on
	StageEndOn     = "metaphase_endon" // the same plate seen end-on: a rosette
	StageAnaphase  = "anaphase"
	StageTelophase = "telophase"
)

// Figure is one mitotic figure or one apoptotic cell. Each piece is one
// label in the truth: telophase has two (two daughter nuclei), every other
// figure one (anaphase: one shape with two bar lobes).
type Figure struct {
	Class, Stage string
	X, Y         float64
	Pieces       []*nucleus.Shape
	Bright       float64 // per-pixel brightness relative to an average interphase nucleus
	HaloPx       float64 // radius of the rounded cell's cytoplasm halo, px; 0 = none
	HaloRel      float64 // halo brightness relative to an average interphase nucleus
	petals       int
	phase        float64
}

// NewMitotic returns a mitotic figure centred at (x, y) px, for pixel size
// umPerPx, replacing an interphase nucleus of area nucAreaPx; ratio is the
// field's mitotic/interphase brightness ratio.
func NewMitotic(r *rand.Rand, x, y, umPerPx, nucAreaPx, ratio float64) *Figure {
	px := func(um float64) float64 { return um / umPerPx }
	f := &Figure{Class: ClassMitotic, X: x, Y: y, Bright: ratio * math.Exp(0.1*r.NormFloat64())}
	axis := r.Float64() * math.Pi // spindle axis
	ca, sa := math.Cos(axis), math.Sin(axis)
	switch u := r.Float64(); {
	case u < 0.25:
		f.Stage = StageProphase
		R := math.Sqrt(raster.Uniform(r, 0.3, 0.6) * nucAreaPx / math.Pi)
		f.Pieces = []*nucleus.Shape{one(nucleus.NewLobe(r, x, y, R, R*raster.Uniform(r, 0.85, 1), axis, 0.06))}
	case u < 0.6:
		f.Stage = StageMetaphase
		L, W := raster.Uniform(r, 8, 14), raster.Uniform(r, 2, 4)
		f.Pieces = []*nucleus.Shape{one(nucleus.NewLobe(r, x, y, px(L/2), px(W/2), axis+math.Pi/2, 0.05))}
	case u < 0.7:
		f.Stage = StageEndOn
		R := px(raster.Uniform(r, 2.5, 4))
		f.Pieces = []*nucleus.Shape{one(nucleus.NewLobe(r, x, y, R, R*raster.Uniform(r, 0.85, 1), axis, 0.05))}
		f.petals = 6 + r.IntN(6)
		f.phase = r.Float64() * 2 * math.Pi
	case u < 0.8:
		f.Stage = StageAnaphase
		d := px(raster.Uniform(r, 4, 8)) / 2
		L, W := raster.Uniform(r, 7, 12), raster.Uniform(r, 1.5, 3)
		sh := &nucleus.Shape{X: x, Y: y}
		for _, s := range []float64{-1, 1} {
			// Bars parallel to the old plate, i.e. across the spindle axis.
			sh.Lobes = append(sh.Lobes, nucleus.NewLobe(r, x+s*d*ca, y+s*d*sa, px(L/2), px(W/2), axis+math.Pi/2, 0.05))
		}
		f.Pieces = []*nucleus.Shape{sh}
	default:
		f.Stage = StageTelophase
		d := px(raster.Uniform(r, 6, 12)) / 2
		for _, s := range []float64{-1, 1} {
			R := px(raster.Uniform(r, 2, 3.5))
			cx, cy := x+s*d*ca, y+s*d*sa
			f.Pieces = append(f.Pieces, one(nucleus.NewLobe(r, cx, cy, R, R*raster.Uniform(r, 0.75, 0.95), axis+math.Pi/2, 0.05)))
		}
	}
	if r.Float64() < 0.7 {
		f.HaloPx = px(raster.Uniform(r, 8, 12))
		f.HaloRel = raster.Uniform(r, 0.03, 0.1)
	}
	return f
}

// NewApoptotic returns an apoptotic cell centred near (x, y) px: one
// label made of 2–5 bright round beads (touching or not).
func NewApoptotic(r *rand.Rand, x, y, umPerPx float64) *Figure {
	px := func(um float64) float64 { return um / umPerPx }
	f := &Figure{Class: ClassApoptotic, Bright: raster.Uniform(r, 3, 5)}
	spread := px(raster.Uniform(r, 1.5, 4))
	sh := &nucleus.Shape{}
	for k := 2 + r.IntN(4); k > 0; k-- {
		a, d := r.Float64()*2*math.Pi, spread*math.Sqrt(r.Float64())
		R := px(raster.Uniform(r, 0.7, 1.8))
		sh.Lobes = append(sh.Lobes, nucleus.NewLobe(r, x+d*math.Cos(a), y+d*math.Sin(a), R, R*raster.Uniform(r, 0.85, 1), r.Float64()*math.Pi, 0.03))
	}
	for _, l := range sh.Lobes {
		sh.X += l.X / float64(len(sh.Lobes))
		sh.Y += l.Y / float64(len(sh.Lobes))
	}
	f.X, f.Y = sh.X, sh.Y
	f.Pieces = []*nucleus.Shape{sh}
	return f
}

func sq(v float64) float64 { return v * v }

func one(l nucleus.Lobe) *nucleus.Shape {
	return &nucleus.Shape{X: l.X, Y: l.Y, Lobes: []nucleus.Lobe{l}}
}

// Radius returns the radius of a circle about (X, Y) holding every piece
// (not the halo), px, for spacing tests.
func (f *Figure) Radius() float64 {
	m := 0.0
	for _, p := range f.Pieces {
		m = math.Max(m, math.Hypot(p.X-f.X, p.Y-f.Y)+p.Radius())
	}
	return m
}

// Spot is an interphase nucleus as Plan sees it: centre and radius in
// px, area in px².
type Spot struct{ X, Y, R, AreaPx float64 }

// Draws are a field's mitosis parameters: the target mitotic fraction,
// uniform in [0, maxFraction]; the figures' brightness ratio to interphase
// chromatin, uniform in [1.5, 3]; and the number of apoptotic cells among
// n nuclei, up to 3 % and at least one in 60 % of the fields that would
// get none. The draws come from r in a fixed order, so a seed gives one
// field.
func Draws(r *rand.Rand, maxFraction float64, n int) (frac, ratio float64, nApo int) {
	frac = raster.Uniform(r, 0, maxFraction)
	ratio = raster.Uniform(r, 1.5, 3)
	nApo = int(math.Round(raster.Uniform(r, 0, 0.03) * float64(n)))
	if nApo == 0 && r.Float64() < 0.6 {
		nApo = 1
	}
	return frac, ratio, nApo
}

// Plan turns up to target of the nuclei into mitotic figures, trying them
// in the order given, and places nApo apoptotic cells in free space of a
// w×h px field. A figure must keep k·(r_i + r_f) from every other object
// (k as the generator's own spacing; up to 3 draws per nucleus, so
// crowded nuclei favour compact stages) and may not be met in a crowded
// field. It returns the figures in nucleus order (so figure numbers and
// label ids are reproducible) and the apoptotic cells.
func Plan(r *rand.Rand, nuclei []Spot, order []int, target, nApo int, w, h, umPerPx, ratio, k float64) ([]Placed, []*Figure) {
	rs := make([]float64, len(nuclei))
	for i, s := range nuclei {
		rs[i] = s.R
	}
	var extra []*Figure // apoptotic cells placed so far
	fits := func(f *Figure, self int) bool {
		R := f.Radius()
		for i, s := range nuclei {
			if i != self && math.Hypot(s.X-f.X, s.Y-f.Y) < k*(rs[i]+R) {
				return false
			}
		}
		for _, o := range extra {
			if math.Hypot(o.X-f.X, o.Y-f.Y) < k*(o.Radius()+R) {
				return false
			}
		}
		return true
	}
	figs := map[int]*Figure{}
	for _, i := range order {
		if len(figs) >= target {
			break
		}
		s := nuclei[i]
		for t := 0; t < 3; t++ {
			if f := NewMitotic(r, s.X, s.Y, umPerPx, s.AreaPx, ratio); fits(f, i) {
				figs[i] = f
				rs[i] = math.Max(rs[i], f.Radius())
				break
			}
		}
	}
	for a, t := 0, 0; a < nApo && t < 50*nApo; t++ {
		f := NewApoptotic(r, raster.Uniform(r, 0, w), raster.Uniform(r, 0, h), umPerPx)
		if fits(f, -1) {
			extra = append(extra, f)
			a++
		}
	}
	placed := make([]Placed, 0, len(figs))
	for i, f := range figs {
		placed = append(placed, Placed{i, f})
	}
	sort.Slice(placed, func(a, b int) bool { return placed[a].Index < placed[b].Index })
	return placed, extra
}

// Placed is a mitotic figure drawn in place of nucleus Index.
type Placed struct {
	Index int
	*Figure
}

// Render adds level·pattern·w to dst (W×H, row-major) over every piece,
// where w is the anti-aliased inside weight (a one-pixel edge: condensed
// chromatin is sharp) and pattern the stage's texture, mean about 1. tex
// is fine fractal noise with a lattice of about 1 µm.
func (f *Figure) Render(dst []float32, W, H int, level float64, tex *raster.FBm) {
	for _, p := range f.Pieces {
		bmin := math.Inf(1)
		for _, l := range p.Lobes {
			bmin = math.Min(bmin, l.B)
		}
		x0, y0, x1, y1 := p.Bounds()
		for y := max(0, y0); y <= min(H-1, y1); y++ {
			for x := max(0, x0); x <= min(W-1, x1); x++ {
				fx, fy := float64(x)+0.5, float64(y)+0.5
				rho := p.Rho(fx, fy)
				w := math.Max(0, math.Min(1, (1-rho)*bmin+0.5))
				if w <= 0 {
					continue
				}
				dst[y*W+x] += float32(level * f.pattern(p, fx, fy, rho, tex) * w)
			}
		}
	}
}

// pattern is the texture of the figure at (x, y), mean about 1.
func (f *Figure) pattern(p *nucleus.Shape, x, y, rho float64, tex *raster.FBm) float64 {
	t := tex.At(x, y)
	switch f.Stage {
	case StageProphase:
		// Threads: the iso-line t = 0.5 of the noise field, on a granular base.
		thread := math.Exp(-sq((t - 0.5) / 0.06))
		return 0.5 + 1.4*thread
	case StageEndOn:
		// Chromosome arms radiating from a dimmer centre.
		phi := math.Atan2(y-p.Y, x-p.X)
		arms := 0.75 + 0.25*math.Cos(float64(f.petals)*phi+f.phase)
		return arms * (1 - 0.45*math.Exp(-rho*rho/0.12)) * (0.9 + 0.2*t) * 1.4
	}
	if f.Class == ClassApoptotic {
		return 0.85 + 0.15*math.Sqrt(math.Max(0, 1-rho*rho))
	}
	return 0.85 + 0.3*t
}

// RenderHalo adds the rounded cell's faint cytoplasm, level·HaloRel with a
// soft edge over the outer 30 % of HaloPx, to dst.
func (f *Figure) RenderHalo(dst []float32, W, H int, level float64) {
	if f.HaloPx <= 0 {
		return
	}
	R := f.HaloPx
	for y := max(0, int(f.Y-R)-1); y <= min(H-1, int(f.Y+R)+1); y++ {
		for x := max(0, int(f.X-R)-1); x <= min(W-1, int(f.X+R)+1); x++ {
			d := math.Hypot(float64(x)+0.5-f.X, float64(y)+0.5-f.Y)
			w := math.Max(0, math.Min(1, (R-d)/(0.3*R)))
			if w > 0 {
				dst[y*W+x] += float32(level * f.HaloRel * w)
			}
		}
	}
}
