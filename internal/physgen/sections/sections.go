// Package sections renders skin biopsy sections at ×200 (0.4–0.6 µm/px)
// stained with H&E or by silver-nitrate impregnation, with a layer label
// mask and the true layer thicknesses.
//
// Geometry lives in a tissue frame (u along the mean skin surface, v depth
// below it, µm) rotated by the tilt (±12°) into the image:
//
//	surface        s(u)            gentle undulation (≤ 15 µm)
//	corneum base   k(u) = s + c(u) compact or basket-weave keratin, 10–40 µm
//	DEJ            e(u) = k + b + ridge(u), rete ridges (pegs) into the dermis;
//	               epidermis thickness e−k has mean 40–150 µm
//	fat boundary   f(u) = wavy line; dermis thickness f−e has mean 700–1600 µm
//
// Thickness truth is the mean over u of the layer's extent along v, i.e.
// perpendicular to the mean surface, sampled every 2 µm where both
// boundaries lie inside the image.
//
// Colour is Beer–Lambert: I_c = W_c·exp(−Σ_s C_s·OD_{s,c}) with stain
// optical-density vectors (haematoxylin, eosin; or silver deposit and a
// tan counterstain) randomised per image, C_s the stain amount from the
// layer, texture and stamped nuclei.
package sections

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Labels of the mask.
const (
	LabelBackground = 0
	LabelKeratin    = 1
	LabelEpidermis  = 2
	LabelDermis     = 4
	LabelFat        = 5
)

// Truth is the known geometry of one section.
type Truth struct {
	Stain            string // "he" or "silver"
	PixelSizeUM      float64
	TiltDeg          float64
	CorneumUM        float64
	EpidermisUM      float64 // living epidermis (corneum base to DEJ)
	EpidermisSDUM    float64
	DermisUM         float64 // DEJ to fat (or image bottom when no fat)
	DermisSDUM       float64
	FatPresent       bool
	DermisLowerBound bool
	GlassPresent     bool
	Basketweave      bool
	Folds, Tears     int
	BlurSigmaPx      float64
	JPEGQuality      int
	N                int // measurement positions
}

// Section is one rendered section.
type Section struct {
	Image image.Image
	Mask  *image.Gray
	Truth Truth
}

// Options override the randomised size (tests use small sections).
type Options struct {
	MaxW, MaxH int // cap on the image size, px (0 = 2000×4000)
}

type curve struct {
	n1, n2     *raster.Noise2
	a1, a2     float64
	s1, s2     float64
	base       float64
	ridgeDepth float64
	ridgePer   float64
	ridgePow   float64
	ridgeN     *raster.Noise2
}

func (c *curve) at(u float64) float64 {
	v := c.base
	if c.n1 != nil {
		v += c.a1 * (2*c.n1.At(u/c.s1, 0.5) - 1)
	}
	if c.n2 != nil {
		v += c.a2 * (2*c.n2.At(u/c.s2, 3.5) - 1)
	}
	if c.ridgeDepth > 0 {
		// Pegs: sharpened positive half-waves with jittered phase and depth.
		ph := 2*math.Pi*u/c.ridgePer + 2.5*c.ridgeN.At(u/(3*c.ridgePer), 7.5)
		s := math.Cos(ph)
		if s > 0 {
			v += c.ridgeDepth * (0.5 + c.ridgeN.At(u/c.ridgePer, 11.5)) * math.Pow(s, c.ridgePow)
		}
	}
	return v
}

type stamp struct{ x, y, a, b, th, amt float64 }

// Generate renders section index; even indices are H&E, odd silver.
func Generate(seed uint64, index int, opt Options) (*Section, error) {
	r := raster.RNG(seed, "sections", index)
	maxW, maxH := 2000, 4000
	if opt.MaxW > 0 {
		maxW = opt.MaxW
	}
	if opt.MaxH > 0 {
		maxH = opt.MaxH
	}
	if maxW < 64 || maxH < 64 || maxW > 20000 || maxH > 20000 {
		return nil, fmt.Errorf("sections: size cap %dx%d out of range", maxW, maxH)
	}
	tr := Truth{Stain: "he"}
	if index%2 == 1 {
		tr.Stain = "silver"
	}
	um := raster.Uniform(r, 0.4, 0.6)
	tilt := raster.Uniform(r, -12, 12)
	tr.TiltDeg = tilt
	th := tilt * math.Pi / 180
	wPx := int(raster.Uniform(r, 0.5, 1) * float64(maxW))
	corn := raster.Uniform(r, 10, 40)
	epiT := raster.Uniform(r, 40, 150)
	derT := raster.Uniform(r, 700, 1600)
	fatFrac := raster.Uniform(r, 0.05, 0.25)
	tr.FatPresent = r.Float64() < 0.85
	glass := raster.Uniform(r, 15, 150)
	tr.GlassPresent = r.Float64() < 0.8
	if !tr.GlassPresent {
		glass = -raster.Uniform(r, 0, 8) // surface just above the top edge
	}
	widthUM := float64(wPx) * um
	tiltSpan := widthUM * math.Abs(math.Tan(th))
	stack := math.Max(glass, 0) + corn + epiT + derT
	hUM := stack/math.Cos(th) + tiltSpan/2
	if tr.FatPresent {
		hUM = hUM / (1 - fatFrac)
	} else {
		hUM *= raster.Uniform(r, 0.75, 0.95) // dermis runs off the bottom
	}
	hPx := int(hUM / um)
	if hPx > maxH {
		// Keep the physical scale; thin the dermis so the section fits.
		excess := hUM - float64(maxH)*um
		keep := math.Cos(th)
		if tr.FatPresent {
			keep *= 1 - fatFrac
		}
		derT = math.Max(50, derT-excess*keep)
		hPx = maxH
	}
	W, H := wPx, hPx

	// Boundary curves (tissue frame, v relative to the surface at u).
	surf := &curve{n1: raster.NewNoise2(r, 1), a1: raster.Uniform(r, 0, 15), s1: raster.Uniform(r, 400, 900)}
	cornC := &curve{base: corn, n1: raster.NewNoise2(r, 1), a1: corn * 0.3, s1: raster.Uniform(r, 80, 300)}
	ridgeDepth := epiT * raster.Uniform(r, 0.2, 0.9)
	ridge := &curve{ridgeDepth: ridgeDepth, ridgePer: raster.Uniform(r, 60, 180), ridgePow: raster.Uniform(r, 2, 6), ridgeN: raster.NewNoise2(r, 1),
		n1: raster.NewNoise2(r, 1), a1: epiT * 0.1, s1: 150}
	fatC := &curve{n1: raster.NewNoise2(r, 1), a1: raster.Uniform(r, 20, 100), s1: raster.Uniform(r, 150, 500),
		n2: raster.NewNoise2(r, 1), a2: raster.Uniform(r, 5, 25), s2: 60}
	// Calibrate base offsets so the mean thicknesses hit their targets
	// over the section width.
	u0, u1 := -widthUM, widthUM
	mean := func(f func(u float64) float64) float64 {
		var s float64
		n := 0
		for u := u0; u <= u1; u += 2 {
			s += f(u)
			n++
		}
		return s / float64(n)
	}
	ridge.base = math.Max(12, epiT-mean(func(u float64) float64 { return ridge.at(u) }))
	kAt0 := func(u float64) float64 { return surf.at(u) + cornC.at(u) }
	eAt0 := func(u float64) float64 { return kAt0(u) + ridge.at(u) }
	fatC.base = 0
	fatC.base = mean(func(u float64) float64 { return eAt0(u) + derT - fatC.at(u) - 0.3*surf.at(u) })
	// Tabulate the curves (0.25 µm steps) for the per-pixel loop.
	span := float64(W+H)*um + 10
	sAt := newLUT(surf.at, -span, span)
	kAt := newLUT(kAt0, -span, span)
	eAt := newLUT(eAt0, -span, span)
	fAt := newLUT(func(u float64) float64 { return 0.3*surf.at(u) + fatC.at(u) }, -span, span)

	// Tissue frame placement: the surface's highest point in the image is
	// `glass` µm below the top edge.
	ct, st := math.Cos(th), math.Sin(th)
	cx, cy := float64(W)/2*um, float64(H)/2*um
	toTissue := func(x, y float64) (u, v float64) { // image µm → tissue
		dx, dy := x-cx, y-cy
		return dx*ct + dy*st, -dx*st + dy*ct
	}
	toImage := func(u, v float64) (x, y float64) {
		return cx + u*ct - v*st, cy + u*st + v*ct
	}
	// v0: offset added to tissue v so that the top of the surface sits at
	// y = glass.
	minY := math.Inf(1)
	for u := u0; u <= u1; u += 2 {
		x, y := toImage(u, surf.at(u))
		if x >= 0 && x <= float64(W)*um {
			minY = math.Min(minY, y)
		}
	}
	shift := glass - minY // move the tissue down by shift (image y)
	// Moving the tissue by (0, shift) in the image is (shift·st, shift·ct)
	// in the tissue frame.
	su, sv := shift*st, shift*ct
	tissue := func(x, y float64) (u, v float64) {
		u, v = toTissue(x, y)
		return u - su, v - sv
	}
	image2 := func(u, v float64) (x, y float64) { return toImage(u+su, v+sv) }

	// Truth: thickness along v sampled every 2 µm where both ends lie in
	// the image.
	inside := func(u, v float64) bool {
		x, y := image2(u, v)
		return x >= 0 && y >= 0 && x < float64(W)*um && y < float64(H)*um
	}
	var ep, de, co []float64
	for u := u0; u <= u1; u += 2 {
		k, e, f := kAt(u), eAt(u), fAt(u)
		if inside(u, k) && inside(u, e) {
			ep = append(ep, e-k)
			if inside(u, surf.at(u)) {
				co = append(co, k-surf.at(u))
			}
		}
		if !inside(u, e) {
			continue
		}
		if tr.FatPresent && inside(u, f) {
			de = append(de, f-e)
		} else if !tr.FatPresent {
			v := e
			for inside(u, v+1) && v < e+5000 {
				v++
			}
			de = append(de, v-e)
		}
	}
	tr.PixelSizeUM = um
	tr.EpidermisUM, tr.EpidermisSDUM = meanSD(ep)
	tr.DermisUM, tr.DermisSDUM = meanSD(de)
	tr.CorneumUM, _ = meanSD(co)
	tr.DermisLowerBound = !tr.FatPresent
	tr.N = len(ep)
	if len(ep) < 10 || len(de) < 10 {
		return nil, fmt.Errorf("sections: too few measurement positions (%d, %d)", len(ep), len(de))
	}

	// Stain model.
	var odA, odB [3]float64 // HE: haematoxylin, eosin. Silver: deposit, counterstain
	white := [3]float64{}
	for c := range white {
		white[c] = raster.Uniform(r, 0.9, 0.99)
	}
	if tr.Stain == "he" {
		odA = jitter(r, [3]float64{0.65, 0.70, 0.29}, 0.12)
		odB = jitter(r, [3]float64{0.07, 0.99, 0.11}, 0.1)
		// Purple shift: some labs' eosin is bluish-lilac.
		if r.Float64() < 0.4 {
			odB[0] += raster.Uniform(r, 0.05, 0.25)
		}
	} else {
		odA = jitter(r, [3]float64{0.55, 0.62, 0.72}, 0.1) // brown-black silver
		odB = jitter(r, [3]float64{0.06, 0.16, 0.45}, 0.2) // yellow/tan
	}
	norm(&odA)
	norm(&odB)
	heDermH := raster.Uniform(r, 0.02, 0.25) // lilac/purple dermis
	dermE := raster.Uniform(r, 0.25, 0.7)
	epiE := raster.Uniform(r, 0.3, 0.6)
	epiH := raster.Uniform(r, 0.1, 0.3)
	cornE := raster.Uniform(r, 0.3, 0.8)
	silverFib := raster.Uniform(r, 0.8, 2.0)
	silverBG := raster.Uniform(r, 0.2, 0.7)
	tr.Basketweave = r.Float64() < 0.5

	// Textures (coordinates in µm).
	bund := raster.NewFBm(r, raster.Uniform(r, 25, 60), 4)
	warp := raster.NewFBm(r, 150, 2)
	fine := raster.NewFBm(r, 6, 2)
	fib := raster.NewFBm(r, raster.Uniform(r, 15, 40), 3)
	bundAniso := raster.Uniform(r, 2, 5)
	cleft := raster.Uniform(r, 0.3, 0.45)
	bw := raster.NewNoise2(r, 1)
	bwFreq := raster.Uniform(r, 2.5, 5)
	// Fat: adipocyte seeds on a jittered lattice.
	adip := raster.Uniform(r, 40, 120)
	adSeeds := newSeeds(r, adip, -widthUM*1.5, widthUM*1.5, -100, float64(H)*um*1.5+100)
	septum := raster.Uniform(r, 2, 4)

	// Folds and tears.
	type band struct{ u, v, ang, w float64 }
	var folds, tears []band
	for i := 0; i < r.IntN(3); i++ {
		if r.Float64() < 0.5 {
			folds = append(folds, band{raster.Uniform(r, -widthUM/2, widthUM/2), 0, raster.Uniform(r, -0.6, 0.6) + math.Pi/2, raster.Uniform(r, 15, 60)})
		}
	}
	for i := 0; i < r.IntN(4); i++ {
		tears = append(tears, band{raster.Uniform(r, -widthUM/2, widthUM/2), corn + epiT + raster.Uniform(r, 0.2, 0.8)*derT, raster.Uniform(r, -0.3, 0.3), raster.Uniform(r, 3, 15)})
	}
	tr.Folds, tr.Tears = len(folds), len(tears)

	A := make([]float32, W*H)
	B := make([]float32, W*H)
	mask := image.NewGray(image.Rect(0, 0, W, H))
	for py := 0; py < H; py++ {
		for px := 0; px < W; px++ {
			u, v := tissue((float64(px)+0.5)*um, (float64(py)+0.5)*um)
			s := sAt(u)
			lab := uint8(LabelBackground)
			var a, b float64
			switch {
			case v < s:
			case v < kAt(u):
				lab = LabelKeratin
				d := (v - s) / (kAt(u) - s)
				if tr.Basketweave {
					// Loose wavy strands with gaps.
					w := math.Sin(2*math.Pi*(d*bwFreq+1.2*bw.At(u/40, 2.5)+0.5*bw.At(u/9, d*6+20)) + 3*bw.At(u/15, d*4))
					if w > -0.1 {
						b = cornE * 0.6 * (0.5 + 0.5*w)
					} else {
						b = 0.02
					}
				} else {
					b = cornE * (0.8 + 0.4*fine.At(u, v))
				}
				if tr.Stain == "silver" {
					a = 0.15 * b
					b *= 1.3
				}
			case v < eAt(u):
				lab = LabelEpidermis
				tx := fine.At(u, v)
				a, b = epiH*(0.7+0.6*tx), epiE*(0.8+0.4*tx)
				if tr.Stain == "silver" {
					depth := (v - kAt(u)) / math.Max(1, eAt(u)-kAt(u))
					a = 0.15 + 0.35*depth*depth + 0.1*tx
					b = silverBG * 1.2
				}
			case !tr.FatPresent || v < fAt(u):
				lab = LabelDermis
				dd := v - eAt(u)
				vw := v + 40*(warp.At(u, v)-0.5)
				bv := bund.At(u/bundAniso, vw)
				pap := dd < 120
				if tr.Stain == "he" {
					if bv < cleft && !pap {
						b = dermE * 0.12
					} else {
						b = dermE * (0.6 + 0.8*(bv-cleft))
					}
					a = heDermH * (0.7 + 0.6*fine.At(u, v))
					// Faint fibrils inside the bundles.
					f := fib.At(u/(2*bundAniso), vw)
					b *= 0.85 + 0.3*(1-math.Abs(2*f-1))
					if pap {
						b *= 0.7
						a *= 1.3
					}
				} else {
					f := fib.At(u/(2*bundAniso), vw)
					rid := 1 - math.Abs(2*f-1) // ridged: 1 on fibre centre lines
					line := math.Pow(math.Max(0, rid-0.85)/0.15, 1.5)
					a = 0.25 * silverFib * line * (0.6 + 0.8*bv) // faint meshwork; crisp fibres are stroked below
					b = silverBG * (0.8 + 0.4*fine.At(u, v))
					if pap {
						a *= 1.3
					}
				}
			default:
				lab = LabelFat
				d1, d2 := adSeeds.nearest2(u, v)
				sep := d2 - d1
				if sep < septum {
					q := 1 - sep/septum
					if tr.Stain == "he" {
						b, a = dermE*0.9*q, heDermH*q
					} else {
						a, b = 0.3*q, silverBG*q
					}
				} else {
					b = 0.01
				}
			}
			for _, t := range tears {
				if lab == LabelDermis {
					dv := v - s - t.v - 20*math.Sin((u-t.u)/120)
					du := u - t.u
					along := du*math.Cos(t.ang) + dv*math.Sin(t.ang)
					across := -du*math.Sin(t.ang) + dv*math.Cos(t.ang)
					if math.Abs(along) < 150 && math.Abs(across) < t.w*(1-math.Abs(along)/150) {
						lab, a, b = LabelBackground, 0, 0
					}
				}
			}
			if lab != LabelBackground {
				for _, f := range folds {
					du := u - f.u
					across := -du*math.Sin(f.ang) + (v-s)*math.Cos(f.ang)
					if math.Abs(across) < f.w {
						a *= 1.7
						b *= 1.7
					}
				}
			}
			i := py*W + px
			A[i], B[i] = float32(a), float32(b)
			mask.Pix[i] = lab
		}
	}

	// Fibres: wavy strokes (1 µm steps) roughly parallel to the surface,
	// random in the papillary dermis. Silver: argyrophilic fibres into the
	// deposit plane; H&E: eosinophilic fibres and white clefts between
	// collagen bundles.
	uVis := widthUM/2 + float64(H)*um*math.Abs(st) + 50
	derArea := 2 * uVis * derT
	stroke := func(plane []float32, amt, wUM, length float64, cleft bool) {
		u := raster.Uniform(r, -uVis, uVis)
		dd := raster.Uniform(r, 0, derT)
		v := eAt(u) + dd
		phi0 := r.NormFloat64() * 0.3
		curl := 0.06
		if dd < 100 {
			phi0 = r.NormFloat64() * 1.2
		}
		if cleft {
			phi0, curl = r.NormFloat64()*0.15, 0.03
		}
		if r.Float64() < 0.5 {
			phi0 += math.Pi
		}
		phi := phi0
		rad := wUM / 2 / um
		for t := 0.0; t < length; t++ {
			phi += r.NormFloat64()*curl - 0.05*(phi-phi0)
			u += math.Cos(phi)
			v += math.Sin(phi)
			x, y := image2(u, v)
			x, y = x/um, y/um
			for py := max(0, int(y-rad-1)); py <= min(H-1, int(y+rad+1)); py++ {
				for px := max(0, int(x-rad-1)); px <= min(W-1, int(x+rad+1)); px++ {
					i := py*W + px
					if mask.Pix[i] != LabelDermis {
						continue
					}
					d := math.Hypot(float64(px)+0.5-x, float64(py)+0.5-y)
					w := clamp01(rad + 0.5 - d)
					if w <= 0 {
						continue
					}
					if cleft {
						k := float32(1 - 0.6*w)
						A[i] *= k
						B[i] *= k
					} else if plane[i] < float32(amt) {
						plane[i] += float32(amt*w) * (1 - plane[i]/float32(2*amt))
					}
				}
			}
		}
	}
	if tr.Stain == "silver" {
		spacing := raster.Uniform(r, 2.5, 9)
		wmin, wmax := raster.Uniform(r, 0.6, 1.2), raster.Uniform(r, 1.5, 3)
		total := derArea / spacing
		for l := 0.0; l < total; {
			L := raster.Uniform(r, 40, 300)
			stroke(A, silverFib*raster.Uniform(r, 0.5, 1.2), raster.Uniform(r, wmin, wmax), L, false)
			l += L
		}
	} else {
		spacing := raster.Uniform(r, 6, 20)
		total := derArea / spacing
		for l := 0.0; l < total; {
			L := raster.Uniform(r, 40, 300)
			stroke(B, dermE*raster.Uniform(r, 0.3, 0.7), raster.Uniform(r, 1, 3.5), L, false)
			l += L
		}
		cs := raster.Uniform(r, 40, 150)
		total = derArea / cs
		for l := 0.0; l < total; {
			L := raster.Uniform(r, 30, 200)
			stroke(nil, 0, raster.Uniform(r, 1.5, 7), L, true)
			l += L
		}
	}

	// Nuclei and vessels, stamped into the haematoxylin (or deposit) plane.
	var st2 []stamp
	nucA := raster.Uniform(r, 0.9, 1.6)
	if tr.Stain == "silver" {
		nucA = raster.Uniform(r, 0.3, 0.6)
	}
	at := func(u, v float64) (float64, float64) {
		x, y := image2(u, v)
		return x / um, y / um
	}
	// Basal layer: nuclei along the DEJ, elongated perpendicular to it.
	for u := u0; u <= u1; {
		e := eAt(u)
		de := (eAt(u+0.5) - eAt(u-0.5))
		nx, ny := -de, 1.0 // normal (into the dermis) in tissue frame
		l := math.Hypot(nx, ny)
		nx, ny = nx/l, ny/l
		x, y := at(u-nx*4, e-ny*4)
		ang := math.Atan2(ny, nx) + th
		st2 = append(st2, stamp{x, y, 4.5 / um, 2.5 / um, ang, nucA * 1.2})
		u += raster.Uniform(r, 5, 8) / math.Sqrt(1+de*de)
	}
	epiSp := raster.Uniform(r, 9, 14)
	for i := 0; i < int(2*widthUM*epiT/(epiSp*epiSp)); i++ {
		u := raster.Uniform(r, u0, u1)
		v := raster.Uniform(r, kAt(u), eAt(u))
		depth := (v - kAt(u)) / math.Max(1, eAt(u)-kAt(u))
		rad := raster.Uniform(r, 2.5, 3.8)
		asp := 1 + 1.5*(1-depth)*(1-depth) // flattened near the surface
		x, y := at(u, v)
		st2 = append(st2, stamp{x, y, rad * math.Sqrt(asp) / um, rad / math.Sqrt(asp) / um, th + r.NormFloat64()*0.2, nucA * raster.Uniform(r, 0.7, 1)})
	}
	dens := raster.Uniform(r, 300, 2000) // dermal nuclei per mm²
	nd := int(dens * 2 * widthUM * derT / 1e6)
	for i := 0; i < nd; i++ {
		u := raster.Uniform(r, u0, u1)
		v := eAt(u) + raster.Uniform(r, 0, derT+200)
		if tr.FatPresent && v > fAt(u) {
			continue
		}
		x, y := at(u, v)
		l := raster.Uniform(r, 5, 9)
		st2 = append(st2, stamp{x, y, l / um, raster.Uniform(r, 1.2, 2) / um, th + r.NormFloat64()*0.4, nucA * raster.Uniform(r, 0.8, 1.2)})
	}
	for _, s := range st2 {
		stampEllipse(A, mask, W, H, s)
	}
	// Vessels: rings of endothelium around an empty (or RBC-filled) lumen.
	nv := int(raster.Uniform(r, 2, 10) * 2 * widthUM * derT / 1e6)
	for i := 0; i < nv; i++ {
		u := raster.Uniform(r, u0, u1)
		v := eAt(u) + raster.Uniform(r, 30, derT*0.9)
		rad := raster.LogUniform(r, 5, 25)
		x, y := at(u, v)
		vessel(A, B, mask, W, H, x, y, rad/um, raster.Uniform(r, 1, 1.8), r.Float64() < 0.5, tr.Stain == "he")
	}

	img := raster.New(W, H, 3)
	for i := 0; i < W*H; i++ {
		for c := 0; c < 3; c++ {
			img.Pix[i*3+c] = float32(white[c] * math.Exp(-(float64(A[i])*odA[c] + float64(B[i])*odB[c])))
		}
	}
	tr.BlurSigmaPx = raster.Uniform(r, 0.3, 1.4)
	if r.Float64() < 0.15 {
		tr.BlurSigmaPx = raster.Uniform(r, 1.5, 3)
	}
	img.Blur(tr.BlurSigmaPx)
	img.Illumination(raster.Uniform(r, 0, 0.12), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.12))
	img.Noise(r, raster.Uniform(r, 0.003, 0.015), 0.01)
	var out image.Image = img.RGBA()
	if r.Float64() < 0.5 {
		tr.JPEGQuality = 60 + r.IntN(35)
		var err error
		if out, err = raster.JPEGRoundTrip(out, tr.JPEGQuality); err != nil {
			return nil, err
		}
	}
	return &Section{Image: out, Mask: mask, Truth: tr}, nil
}

// newLUT tabulates f on [lo, hi] every 0.25 µm and returns a linear
// interpolator (clamped at the ends).
func newLUT(f func(float64) float64, lo, hi float64) func(float64) float64 {
	const step = 0.25
	n := int((hi-lo)/step) + 2
	t := make([]float64, n)
	for i := range t {
		t[i] = f(lo + float64(i)*step)
	}
	return func(u float64) float64 {
		p := (u - lo) / step
		if !(p > 0) {
			return t[0]
		}
		i := int(p)
		if i >= n-1 {
			return t[n-1]
		}
		w := p - float64(i)
		return t[i]*(1-w) + t[i+1]*w
	}
}

func stampEllipse(A []float32, mask *image.Gray, W, H int, s stamp) {
	ext := math.Max(s.a, s.b) + 2
	c, sn := math.Cos(s.th), math.Sin(s.th)
	for y := max(0, int(s.y-ext)); y <= min(H-1, int(s.y+ext)); y++ {
		for x := max(0, int(s.x-ext)); x <= min(W-1, int(s.x+ext)); x++ {
			i := y*W + x
			if mask.Pix[i] == LabelBackground {
				continue
			}
			dx, dy := float64(x)+0.5-s.x, float64(y)+0.5-s.y
			p, q := (dx*c+dy*sn)/s.a, (-dx*sn+dy*c)/s.b
			d := math.Sqrt(p*p + q*q)
			if d < 1.15 {
				w := math.Min(1, (1.15-d)/0.3)
				A[i] += float32(s.amt * w)
			}
		}
	}
}

func vessel(A, B []float32, mask *image.Gray, W, H int, cx, cy, rad, asp float64, rbc, he bool) {
	ext := rad*asp + 6
	for y := max(0, int(cy-ext)); y <= min(H-1, int(cy+ext)); y++ {
		for x := max(0, int(cx-ext)); x <= min(W-1, int(cx+ext)); x++ {
			i := y*W + x
			if mask.Pix[i] != LabelDermis {
				continue
			}
			dx, dy := (float64(x)+0.5-cx)/asp, float64(y)+0.5-cy
			d := math.Hypot(dx, dy) / rad
			switch {
			case d < 0.85:
				if rbc && he {
					A[i], B[i] = 0.05, 1.4
				} else {
					A[i], B[i] = 0.01, 0.03
				}
			case d < 1.1:
				A[i] += 0.5
				B[i] += 0.3
			}
		}
	}
}

// seeds are jittered lattice points for the adipocyte Voronoi tessellation.
type seeds struct {
	cell   float64
	u0, v0 float64
	nu, nv int
	pu, pv []float64
}

func newSeeds(r *rand.Rand, cell, u0, u1, v0, v1 float64) *seeds {
	s := &seeds{cell: cell, u0: u0, v0: v0, nu: int((u1-u0)/cell) + 1, nv: int((v1-v0)/cell) + 1}
	s.pu = make([]float64, s.nu*s.nv)
	s.pv = make([]float64, s.nu*s.nv)
	for j := 0; j < s.nv; j++ {
		for i := 0; i < s.nu; i++ {
			s.pu[j*s.nu+i] = u0 + (float64(i)+0.5+0.8*(r.Float64()-0.5))*cell
			s.pv[j*s.nu+i] = v0 + (float64(j)+0.5+0.8*(r.Float64()-0.5))*cell
		}
	}
	return s
}

func (s *seeds) nearest2(u, v float64) (float64, float64) {
	i0, j0 := int((u-s.u0)/s.cell), int((v-s.v0)/s.cell)
	d1, d2 := math.Inf(1), math.Inf(1)
	for j := max(0, j0-2); j <= min(s.nv-1, j0+2); j++ {
		for i := max(0, i0-2); i <= min(s.nu-1, i0+2); i++ {
			d := math.Hypot(u-s.pu[j*s.nu+i], v-s.pv[j*s.nu+i])
			if d < d1 {
				d1, d2 = d, d1
			} else if d < d2 {
				d2 = d
			}
		}
	}
	return d1, d2
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func jitter(r *rand.Rand, v [3]float64, f float64) [3]float64 {
	for i := range v {
		v[i] *= 1 + raster.Uniform(r, -f, f)
	}
	return v
}

func norm(v *[3]float64) {
	l := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	for i := range v {
		v[i] /= l
	}
}

func meanSD(x []float64) (float64, float64) {
	if len(x) == 0 {
		return 0, 0
	}
	var s, ss float64
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	if len(x) < 2 {
		return m, 0
	}
	return m, math.Sqrt(ss / float64(len(x)-1))
}
