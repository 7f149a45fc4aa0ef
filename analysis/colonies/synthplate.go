package colonies

import (
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// Plate kinds drawn by SynthesizePlate.
const (
	PlateLightOnDark = "light-on-dark" // cream colonies on dark agar (dev plates)
	PlateDarkOnLight = "dark-on-light" // dark colonies on light agar (webcam plates)
	PlateViolet      = "crystal-violet"
)

// PlateSpec describes one randomised plate photograph. Zero values are
// drawn at random from the ranges documented on each field, so a seed
// alone gives a plate: domain randomisation for tests and evaluation.
type PlateSpec struct {
	Kind     string // PlateLightOnDark, PlateDarkOnLight or PlateViolet; default light-on-dark
	SizePx   int    // image side; default 1000
	Colonies int    // colonies to place, default log-uniform 5..1500
	// DishDiameterMM is the inner diameter of the dish (default 90 mm); it
	// sets px/mm and so the colony sizes 0.3–5 mm.
	DishDiameterMM float64
	// MinColonyDiameterPx: for crystal violet, colonies are ≥ 1.4× and
	// abortive clusters ≤ 0.6× this diameter (default 20 px at 1000²).
	MinColonyDiameterPx float64
	NoArtefacts         bool // no reflections, condensation, debris or writing
}

// PlateColony is one drawn object, in image pixels.
type PlateColony struct {
	X, Y, R float64
	Counted bool // false: abortive cluster (crystal violet only)
}

// PlateTruth is what SynthesizePlate drew.
type PlateTruth struct {
	Kind     string
	Colonies int // counted colonies
	Abortive int
	Dish     models.Dish
	PxPerMM  float64
	Objects  []PlateColony
}

// plateLook holds the per-plate random appearance.
type plateLook struct {
	bench, wall, agar [3]float64 // BGR 0..255
	colony            [3]float64 // BGR at full colony density
	gx, gy, vign      float64    // lighting gradient and vignetting
	noise             float64
	edge              float64 // colony edge softness, px
}

// SynthesizePlate draws a plate photograph with exact colony truth:
// dish wall of either polarity against the bench, tinted agar under a
// lighting gradient and vignetting, colonies of 0.3–5 mm (log-normal
// spread), overlapping pairs, satellite colonies, and the artefacts that
// fool counters: rim reflections, condensation droplets, fibres, specks
// and marker writing on the lid.
func SynthesizePlate(rng *rand.Rand, spec PlateSpec) (*imageio.Image, PlateTruth) {
	n := spec.SizePx
	if n <= 0 {
		n = 1000
	}
	kind := spec.Kind
	if kind == "" {
		kind = PlateLightOnDark
	}
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	// Dish geometry: wall radius 0.40–0.49 of the side, centre jittered.
	R := u(0.40, 0.49) * float64(n)
	cx := float64(n)/2 + u(-1, 1)*(0.5*float64(n)-R)*0.8
	cy := float64(n)/2 + u(-1, 1)*(0.5*float64(n)-R)*0.8
	wallW := u(0.015, 0.04) * R
	inner := R - wallW
	dmm := spec.DishDiameterMM
	if dmm <= 0 {
		dmm = 90
	}
	pxmm := 2 * inner / dmm

	look := randomLook(rng, kind)
	tr := PlateTruth{Kind: kind, PxPerMM: pxmm,
		Dish: models.Dish{Found: true, Shape: "circle", CXPx: cx, CYPx: cy, RadiusPx: inner, RimRadiusPx: R}}

	// dens is the colony density 0..1 per pixel; art is an additive grey
	// artefact layer (reflections, condensation), in grey levels.
	dens := make([]float64, n*n)
	art := make([]float64, n*n)

	count := spec.Colonies
	if count <= 0 {
		count = int(math.Round(math.Exp(u(math.Log(5), math.Log(1500)))))
	}
	// Colony diameters: log-normal around a median that shrinks with
	// density (crowded colonies stay small), clamped to 0.3–5 mm and to
	// ≥ 4 px so a human can see them at this resolution.
	medMM := math.Min(2.5, math.Max(0.5, 2.5*math.Pow(30/float64(count), 0.35))) * u(0.7, 1.3)
	minD := math.Max(0.3*pxmm, 5)
	diam := func() float64 {
		d := medMM * pxmm * math.Exp(0.45*rng.NormFloat64())
		return math.Max(minD, math.Min(5*pxmm, d))
	}
	var objs []PlateColony
	if kind == PlateViolet {
		thr := spec.MinColonyDiameterPx
		if thr <= 0 {
			thr = 20 * float64(n) / 1000
		}
		diam = func() float64 { return thr * u(1.4, 3.2) }
		// Clonogenic dishes are read below ~35 % cover; denser ones are
		// re-plated, not counted.
		count = min(count, int(0.26*inner*inner/(thr*thr)))
		abortive := rng.IntN(40)
		for k := 0; k < abortive; k++ {
			r := thr * u(0.25, 0.6) / 2
			if x, y, ok := placeColony(rng, objs, cx, cy, inner-r-2, r, 0); ok {
				objs = append(objs, PlateColony{X: x, Y: y, R: r})
				tr.Abortive++
			}
		}
	}
	overlap := u(0, 0.3) // share of colonies allowed to overlap a neighbour
	satellites := 0.0
	if kind != PlateViolet && rng.IntN(3) == 0 {
		satellites = u(0.02, 0.1)
	}
	for k := 0; k < count; k++ {
		r := diam() / 2
		var x, y float64
		ok := false
		if s := len(objs); satellites > 0 && s > 0 && rng.Float64() < satellites {
			// A satellite: a small colony just beside a larger one.
			p := objs[rng.IntN(s)]
			r = minD / 2 * u(1, 1.5)
			a := u(0, 2*math.Pi)
			d := p.R + r + u(0.5, 2)
			x, y = p.X+d*math.Cos(a), p.Y+d*math.Sin(a)
			ok = math.Hypot(x-cx, y-cy) < inner-r-1 && freeOf(objs, x, y, r, 0.75)
		} else {
			ov := 0.0
			if rng.Float64() < overlap {
				ov = 0.75 // centres ≥ 0.75 (r1 + r2) apart: still two domes
			}
			x, y, ok = placeColony(rng, objs, cx, cy, inner-r-1, r, ov)
		}
		if ok {
			objs = append(objs, PlateColony{X: x, Y: y, R: r, Counted: true})
			tr.Colonies++
		}
	}
	// Fibroblast colonies stained with crystal violet are often loose
	// swirls of spindle cells with gaps between them, not domes.
	loose := kind == PlateViolet && rng.IntN(3) != 0
	cellLen := u(5, 9) * float64(n) / 1000
	for _, o := range objs {
		d := u(0.75, 1.15)
		if !o.Counted {
			d *= u(0.5, 0.9)
		}
		if loose {
			stampCells(dens, n, o, d, cellLen, rng)
		} else {
			stampColony(dens, n, o, d, look.edge, rng)
		}
	}
	tr.Objects = objs

	if !spec.NoArtefacts {
		drawArtefacts(rng, dens, art, n, cx, cy, R, inner, pxmm, kind, look)
	}

	img := &imageio.Image{Width: n, Height: n, Channels: 3, Pix: make([]byte, 3*n*n)}
	img.Info = models.InputInfo{Path: "synthetic-plate", Format: "png", Width: n, Height: n, BitDepth: 8, Channels: 3}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			i := y*n + x
			fx, fy := (float64(x)-cx)/R, (float64(y)-cy)/R
			light := 1 + look.gx*fx + look.gy*fy - look.vign*(fx*fx+fy*fy)
			r := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			var c [3]float64
			switch {
			case r > R:
				c = look.bench
			case r > inner:
				// The wall: a band whose brightness peaks mid-wall.
				t := math.Sin(math.Pi * (r - inner) / wallW)
				for k := range c {
					c[k] = look.agar[k] + (look.wall[k]-look.agar[k])*t
				}
			default:
				// Meniscus: the agar darkens or brightens within 2 % of
				// the wall.
				m := math.Max(0, 1-(inner-r)/(0.03*R))
				for k := range c {
					c[k] = look.agar[k]*(1-0.12*m*m) + (look.colony[k]-look.agar[k])*dens[i]
				}
			}
			nz := rng.NormFloat64() * look.noise
			o := 3 * i
			for k := 0; k < 3; k++ {
				img.Pix[o+k] = clamp8(c[k]*light + art[i] + nz)
			}
		}
	}
	return img, tr
}

func randomLook(rng *rand.Rand, kind string) plateLook {
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	var l plateLook
	tint := func(v float64, spread float64) [3]float64 {
		return [3]float64{v * u(1-spread, 1+spread), v * u(1-spread, 1+spread), v * u(1-spread, 1+spread)}
	}
	// The bench is dark or light whatever the agar: the rim edge must be
	// found in both polarities.
	if rng.IntN(2) == 0 {
		l.bench = tint(u(15, 70), 0.1)
	} else {
		l.bench = tint(u(170, 240), 0.05)
	}
	switch kind {
	case PlateDarkOnLight:
		l.agar = tint(u(150, 220), 0.12)
		c := u(25, 90)
		l.colony = [3]float64{l.agar[0] - c*u(0.8, 1.2), l.agar[1] - c*u(0.8, 1.2), l.agar[2] - c*u(0.8, 1.2)}
	case PlateViolet:
		l.agar = tint(u(200, 235), 0.03)
		c := u(0.5, 0.85)
		l.colony = [3]float64{l.agar[0] * (1 - 0.35*c), l.agar[1] * (1 - 0.8*c), l.agar[2] * (1 - 0.5*c)}
	default:
		l.agar = tint(u(25, 80), 0.2)
		c := u(40, 130)
		l.colony = [3]float64{l.agar[0] + c*u(0.8, 1.1), l.agar[1] + c*u(0.85, 1.1), l.agar[2] + c*u(0.9, 1.2)}
	}
	if rng.IntN(2) == 0 {
		l.wall = tint(math.Min(250, math.Max(l.agar[1], l.bench[1])+u(20, 60)), 0.05)
	} else {
		l.wall = tint(math.Max(5, math.Min(l.agar[1], l.bench[1])-u(10, 40)), 0.05)
	}
	l.gx, l.gy, l.vign = u(-0.12, 0.12), u(-0.12, 0.12), u(0, 0.2)
	l.noise = u(1, 5)
	l.edge = u(0.4, 1.5)
	return l
}

// placeColony draws a centre within radius rmax of (cx, cy) free of the
// objects already placed; ov > 0 lets it overlap them down to centres
// ov·(r1 + r2) apart.
func placeColony(rng *rand.Rand, objs []PlateColony, cx, cy, rmax, r, ov float64) (float64, float64, bool) {
	if rmax <= 0 {
		return 0, 0, false
	}
	for try := 0; try < 200; try++ {
		a, d := rng.Float64()*2*math.Pi, math.Sqrt(rng.Float64())*rmax
		x, y := cx+d*math.Cos(a), cy+d*math.Sin(a)
		if freeOf(objs, x, y, r, ov) {
			return x, y, true
		}
	}
	return 0, 0, false
}

// freeOf reports whether a colony at (x, y) of radius r keeps its centre
// ov·(r + rᵢ) from every object (ov = 0: 1.5 px clear of their edges).
func freeOf(objs []PlateColony, x, y, r, ov float64) bool {
	for _, p := range objs {
		d := math.Hypot(x-p.X, y-p.Y)
		if ov > 0 {
			if d < ov*(r+p.R) || d < math.Max(r, p.R) {
				return false
			}
		} else if d < r+p.R+1.5 {
			return false
		}
	}
	return true
}

// stampColony adds a dome of peak density d with a soft edge (edge px)
// and a slightly ragged outline.
func stampColony(dens []float64, n int, o PlateColony, d, edge float64, rng *rand.Rand) {
	a1, p1 := 0.05*rng.Float64(), rng.Float64()*2*math.Pi
	ext := o.R + 3*edge + 1
	for y := max(0, int(o.Y-ext)); y < min(n, int(o.Y+ext)+1); y++ {
		for x := max(0, int(o.X-ext)); x < min(n, int(o.X+ext)+1); x++ {
			dx, dy := float64(x)+0.5-o.X, float64(y)+0.5-o.Y
			rr := math.Hypot(dx, dy)
			rad := o.R * (1 + a1*math.Sin(4*math.Atan2(dy, dx)+p1))
			cover := 1 / (1 + math.Exp((rr-rad)/edge))
			if cover < 0.01 {
				continue
			}
			q := math.Min(1, rr/rad)
			v := d * cover * (0.8 + 0.2*(1-q*q))
			i := y*n + x
			dens[i] = math.Min(1, dens[i]+v*(1-dens[i]))
		}
	}
}

// drawArtefacts adds what a counter must not count: rim reflections
// (bright arcs and spots at the wall), condensation droplets (faint
// rings in patches), fibres, specks below colony size and marker writing.
func drawArtefacts(rng *rand.Rand, dens, art []float64, n int, cx, cy, R, inner, pxmm float64, kind string, look plateLook) {
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	add := func(x, y, r, v float64, soft float64) {
		for yy := max(0, int(y-r-2*soft)); yy < min(n, int(y+r+2*soft)+1); yy++ {
			for xx := max(0, int(x-r-2*soft)); xx < min(n, int(x+r+2*soft)+1); xx++ {
				d := math.Hypot(float64(xx)+0.5-x, float64(yy)+0.5-y)
				art[yy*n+xx] += v / (1 + math.Exp((d-r)/math.Max(0.3, soft)))
			}
		}
	}
	// Rim reflections: arcs of the wall's light on the agar edge, and
	// short bright spots just inside the wall.
	for k := rng.IntN(4); k > 0; k-- {
		a0, span := u(0, 2*math.Pi), u(0.15, 0.8)
		rr, wd, v := inner-u(1, 0.03*R), u(1, 3), u(40, 110)
		for t := 0.0; t < span; t += 0.5 / rr {
			add(cx+rr*math.Cos(a0+t), cy+rr*math.Sin(a0+t), wd, v/8, 0.8)
		}
	}
	for k := rng.IntN(6); k > 0; k-- {
		a := u(0, 2*math.Pi)
		rr := inner - u(2, 0.06*R)
		add(cx+rr*math.Cos(a), cy+rr*math.Sin(a), u(2, 6), u(30, 90), 1.5)
	}
	// A window reflection: a large soft bright patch on the agar.
	if rng.IntN(3) == 0 {
		a, d := u(0, 2*math.Pi), u(0, 0.6)*inner
		add(cx+d*math.Cos(a), cy+d*math.Sin(a), u(0.05, 0.15)*R, u(10, 30), u(5, 20))
	}
	// Condensation: droplets in one or two patches, a bright rim round a
	// slightly darker lens.
	for p := rng.IntN(3); p > 0; p-- {
		a, d := u(0, 2*math.Pi), u(0, 0.8)*inner
		px, py, pr := cx+d*math.Cos(a), cy+d*math.Sin(a), u(0.1, 0.3)*R
		for k := rng.IntN(150); k > 0; k-- {
			b, e := u(0, 2*math.Pi), math.Sqrt(rng.Float64())*pr
			x, y := px+e*math.Cos(b), py+e*math.Sin(b)
			if math.Hypot(x-cx, y-cy) > inner-3 {
				continue
			}
			r := u(1, 0.25*pxmm+1.5)
			c := u(4, 14)
			add(x, y, r, c, 0.5)
			add(x, y, 0.7*r, -1.4*c, 0.5)
		}
	}
	// Fibres and specks, of the colonies' sign or the other.
	sign := 1.0
	if kind != PlateLightOnDark {
		sign = -1
	}
	for k := rng.IntN(6); k > 0; k-- {
		a, d := u(0, 2*math.Pi), u(0, 0.9)*inner
		x, y, th, L := cx+d*math.Cos(a), cy+d*math.Sin(a), u(0, math.Pi), u(3, 8)*pxmm
		curl := u(-0.05, 0.05)
		v := sign * u(25, 60)
		if rng.IntN(3) == 0 {
			v = -v
		}
		for t := 0.0; t < L; t += 0.5 {
			th += curl * 0.5
			x, y = x+0.5*math.Cos(th), y+0.5*math.Sin(th)
			if math.Hypot(x-cx, y-cy) < inner-2 {
				add(x, y, 0.6, v/3, 0.4)
			}
		}
	}
	for k := rng.IntN(30); k > 0; k-- {
		a, d := u(0, 2*math.Pi), math.Sqrt(rng.Float64())*(inner-3)
		add(cx+d*math.Cos(a), cy+d*math.Sin(a), u(0.4, 0.9), sign*u(30, 70), 0.4)
	}
	// Marker writing on the lid: a few dark strokes near the rim.
	if rng.IntN(2) == 0 {
		a := u(0, 2*math.Pi)
		d := u(0.6, 0.85) * inner
		x0, y0 := cx+d*math.Cos(a), cy+d*math.Sin(a)
		h := u(4, 8) * pxmm
		v := -u(60, 120)
		for s := 0; s < 3+rng.IntN(5); s++ {
			x, y := x0+float64(s)*0.7*h+u(-2, 2), y0+u(-2, 2)
			th := u(0, math.Pi)
			for t := -h / 2; t <= h/2; t += 0.5 {
				add(x+t*math.Cos(th), y+t*math.Sin(th), u(1, 1.8), v/4, 0.5)
			}
		}
	}
}

// stampCells draws a colony as spindle cells (length cellLen px, a third
// as wide) scattered over its disc, denser at the centre and locally
// aligned, with gaps between them as in a loose fibroblast colony. The
// cell count is the area over a cell's footprint times 0.6 to 1.
func stampCells(dens []float64, n int, o PlateColony, d, cellLen float64, rng *rand.Rand) {
	foot := cellLen * cellLen / 3
	cells := max(2, int(math.Pi*o.R*o.R/foot*(0.6+0.4*rng.Float64())))
	swirl := rng.Float64() * math.Pi
	for k := 0; k < cells; k++ {
		a := rng.Float64() * 2 * math.Pi
		q := math.Min(1, math.Abs(rng.NormFloat64())*0.55)
		x, y := o.X+q*o.R*math.Cos(a), o.Y+q*o.R*math.Sin(a)
		th := swirl + a + math.Pi/2 + 0.5*rng.NormFloat64()
		ux, uy := math.Cos(th), math.Sin(th)
		half := cellLen / 2
		wid := cellLen / 6
		v := d * (0.7 + 0.3*rng.Float64())
		for yy := max(0, int(y-half-2)); yy < min(n, int(y+half+3)); yy++ {
			for xx := max(0, int(x-half-2)); xx < min(n, int(x+half+3)); xx++ {
				dx, dy := float64(xx)+0.5-x, float64(yy)+0.5-y
				along, across := dx*ux+dy*uy, -dx*uy+dy*ux
				e := (along*along)/(half*half) + (across*across)/(wid*wid)
				if e >= 1 {
					continue
				}
				i := yy*n + xx
				dens[i] = math.Min(1, dens[i]+v*(1-e)*(1-dens[i]))
			}
		}
	}
}
