// Package plates renders photographs of colony plates with exact truth.
//
// Agar (webcam): a 90 mm Petri dish on a bench photographed at 1000×1000
// px (dish 800–980 px across, so 0.09–0.11 mm/px) as JPEG. Colonies are
// absorbing domes 0.3–5 mm across: optical density OD(ρ) = D·(1−ρ²)^0.5
// over a slightly irregular outline, some with a paler rim or centre;
// 5–1500 per plate, overlapping allowed, satellites around large colonies.
// Distractors: rim reflections (bright arcs), condensation droplets
// (refractive rings), debris specks, paper labels on the rim.
//
// Crystal violet (CFE): a 60 mm dish of fibroblast colonies stained with
// crystal violet, one dish per image. Each cell is a spindle (~6×2 px)
// stamped with CV absorbance, scattered around its colony centre with a
// Gaussian radial spread, so a colony of n cells measures
// d ≈ d50·sqrt(n/50) px with d50 = 28–36 px; colonies have ≥ 50 cells,
// abortive clusters 2–9 cells (< 12 px). Colonies per dish are
// Binomial(cells_seeded, p) with p the sample's true plating efficiency.
// Distractors: scratches, marker writing, uneven stain, the dish rim.
package plates

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Object is one colony or cluster in image pixels.
type Object struct {
	X, Y, R   float64
	Cells     int  // crystal violet only
	Abortive  bool // < 50 cells
	Satellite bool
}

// Plate is one rendered plate.
type Plate struct {
	Image    image.Image
	Objects  []Object
	Params   map[string]string
	DishR    float64 // dish inner radius, px
	MMPerPx  float64
	Colonies int
	Abortive int
}

// Agar renders webcam agar plate index; size is the square image side
// (0 = 1000).
func Agar(seed uint64, index, size int) (*Plate, error) {
	r := raster.RNG(seed, "plates-agar", index)
	if size == 0 {
		size = 1000
	}
	if size < 64 || size > 8000 {
		return nil, fmt.Errorf("plates: size %d out of range", size)
	}
	W := size
	S := float64(size) / 1000 // scale relative to the nominal 1000 px
	p := map[string]string{}
	dishR := raster.Uniform(r, 400, 490) * S
	mmpx := 90 / (2 * dishR)
	cx := float64(W)/2 + raster.Uniform(r, -20, 20)*S
	cy := float64(W)/2 + raster.Uniform(r, -20, 20)*S
	agarR := dishR * 0.97
	// Bench background and agar colour.
	bench := [3]float32{}
	bv := raster.Uniform(r, 0.1, 0.8)
	for c := range bench {
		bench[c] = float32(bv * raster.Uniform(r, 0.85, 1.15))
	}
	agar := [3]float64{raster.Uniform(r, 0.75, 0.95), raster.Uniform(r, 0.68, 0.9), raster.Uniform(r, 0.45, 0.8)}
	img := raster.New(W, W, 3, bench[0], bench[1], bench[2])
	mott := raster.NewFBm(r, 80*S, 3)
	for y := 0; y < W; y++ {
		for x := 0; x < W; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			o := img.Off(x, y)
			switch {
			case d < agarR:
				m := 0.94 + 0.12*mott.At(float64(x), float64(y))
				for c := 0; c < 3; c++ {
					img.Pix[o+c] = float32(agar[c] * m)
				}
			case d < dishR*1.02:
				// Dish wall: bright plastic edge.
				for c := 0; c < 3; c++ {
					img.Pix[o+c] = float32(0.85 + 0.1*math.Sin((d-agarR)/2))
				}
			}
		}
	}
	// Colonies.
	var n int
	switch k := r.Float64(); {
	case k < 0.3:
		n = 5 + r.IntN(50)
	case k < 0.75:
		n = 55 + r.IntN(300)
	default:
		n = 355 + r.IntN(1146)
	}
	// Crowded plates have smaller colonies (nutrient competition).
	maxMM := 5.0
	if n > 300 {
		maxMM = 2.0
	}
	meanMM := raster.Uniform(r, 0.6, math.Min(3, maxMM))
	colD := raster.Uniform(r, 0.3, 1.6)
	var objs []Object
	for len(objs) < n {
		rr := agarR * 0.96 * math.Sqrt(r.Float64())
		a := r.Float64() * 2 * math.Pi
		dmm := math.Max(0.3, math.Min(maxMM, meanMM*math.Exp(0.4*r.NormFloat64())))
		o := Object{X: cx + rr*math.Cos(a), Y: cy + rr*math.Sin(a), R: dmm / 2 / mmpx}
		if math.Hypot(o.X-cx, o.Y-cy)+o.R > agarR {
			continue
		}
		objs = append(objs, o)
		// Satellites around large colonies.
		if dmm > 2 && r.Float64() < 0.3 && len(objs) < n {
			for k := 0; k < 1+r.IntN(4) && len(objs) < n; k++ {
				sa := r.Float64() * 2 * math.Pi
				sd := o.R * raster.Uniform(r, 1.3, 2.2)
				s := Object{X: o.X + sd*math.Cos(sa), Y: o.Y + sd*math.Sin(sa), R: raster.Uniform(r, 0.3, 0.6) / 2 / mmpx, Satellite: true}
				if math.Hypot(s.X-cx, s.Y-cy)+s.R < agarR {
					objs = append(objs, s)
				}
			}
		}
	}
	colCol := [3]float64{raster.Uniform(r, 0.8, 1.2), raster.Uniform(r, 0.9, 1.3), raster.Uniform(r, 0.9, 1.5)} // OD per channel
	for _, o := range objs {
		dens := colD * raster.Uniform(r, 0.7, 1.3)
		rimPale := r.Float64() < 0.3
		drawDome(img, r, o.X, o.Y, o.R, dens, colCol, rimPale)
	}
	// Droplets, debris, reflections, labels.
	nDrop := r.IntN(200)
	for i := 0; i < nDrop; i++ {
		rr := agarR * math.Sqrt(r.Float64())
		a := r.Float64() * 2 * math.Pi
		ring(img, cx+rr*math.Cos(a), cy+rr*math.Sin(a), raster.LogUniform(r, 1, 8)*S, raster.Uniform(r, 0.05, 0.2))
	}
	for i := 0; i < r.IntN(30); i++ {
		rr := agarR * math.Sqrt(r.Float64())
		a := r.Float64() * 2 * math.Pi
		speck(img, r, cx+rr*math.Cos(a), cy+rr*math.Sin(a), raster.Uniform(r, 0.5, 2.5)*S)
	}
	for i := 0; i < 1+r.IntN(3); i++ {
		a0 := r.Float64() * 2 * math.Pi
		arc(img, cx, cy, dishR*raster.Uniform(r, 0.9, 1.0), a0, a0+raster.Uniform(r, 0.3, 1.5), raster.Uniform(r, 2, 8)*S, raster.Uniform(r, 0.3, 0.8))
	}
	labels := r.IntN(3)
	for i := 0; i < labels; i++ {
		a0 := r.Float64() * 2 * math.Pi
		label(img, r, cx, cy, dishR, a0, S)
	}
	img.Blur(raster.Uniform(r, 0.4, 1.5) * S)
	img.Illumination(raster.Uniform(r, 0, 0.3), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.3))
	img.Noise(r, raster.Uniform(r, 0.005, 0.025), 0.02)
	q := 50 + r.IntN(40)
	out, err := raster.JPEGRoundTrip(img.RGBA(), q)
	if err != nil {
		return nil, err
	}
	p["jpeg_quality"] = fmt.Sprint(q)
	p["mean_colony_mm"] = raster.F(meanMM, 2)
	p["droplets"] = fmt.Sprint(nDrop)
	p["labels"] = fmt.Sprint(labels)
	return &Plate{Image: out, Objects: objs, Params: p, DishR: dishR, MMPerPx: mmpx, Colonies: len(objs)}, nil
}

// drawDome multiplies an absorbing colony with a ragged outline.
func drawDome(img *raster.Img, r *rand.Rand, cx, cy, R, dens float64, od [3]float64, rimPale bool) {
	var harm [4]float64
	var ph [4]float64
	for i := range harm {
		harm[i] = raster.Uniform(r, 0, 0.06)
		ph[i] = r.Float64() * 2 * math.Pi
	}
	ext := R*1.3 + 2
	for y := max(0, int(cy-ext)); y <= min(img.H-1, int(cy+ext)); y++ {
		for x := max(0, int(cx-ext)); x <= min(img.W-1, int(cx+ext)); x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			a := math.Atan2(dy, dx)
			rr := R
			for i := range harm {
				rr *= 1 + harm[i]*math.Sin(float64(i+2)*a+ph[i])
			}
			rho := math.Hypot(dx, dy) / rr
			edge := clamp01((1-rho)*rr + 0.5)
			if edge <= 0 {
				continue
			}
			t := math.Sqrt(math.Max(0, 1-rho*rho))
			t = math.Max(t, 0.25) * edge
			if rimPale && rho > 0.7 {
				t *= 0.6
			}
			var m [3]float32
			for c := 0; c < 3; c++ {
				m[c] = float32(math.Exp(-dens * od[c] * t))
			}
			img.Mul(x, y, m)
		}
	}
}

func ring(img *raster.Img, cx, cy, R, c float64) {
	ext := R + 3
	for y := max(0, int(cy-ext)); y <= min(img.H-1, int(cy+ext)); y++ {
		for x := max(0, int(cx-ext)); x <= min(img.W-1, int(cx+ext)); x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			v := 1 - c*math.Exp(-sq((d-R)/0.8)) + 0.6*c*math.Exp(-sq((d-R*0.5)/(R*0.3+0.5)))
			f := float32(v)
			img.Mul(x, y, [3]float32{f, f, f})
		}
	}
}

func speck(img *raster.Img, r *rand.Rand, cx, cy, s float64) {
	dark := float32(raster.Uniform(r, 0.3, 0.8))
	for y := max(0, int(cy-s-2)); y <= min(img.H-1, int(cy+s+2)); y++ {
		for x := max(0, int(cx-s-2)); x <= min(img.W-1, int(cx+s+2)); x++ {
			a := math.Exp(-(sq(float64(x)+0.5-cx) + sq(float64(y)+0.5-cy)) / sq(s*0.7))
			f := 1 - dark*float32(a)
			img.Mul(x, y, [3]float32{f, f, f})
		}
	}
}

func arc(img *raster.Img, cx, cy, R, a0, a1, w, c float64) {
	for a := a0; a < a1; a += 0.5 / R {
		x, y := cx+R*math.Cos(a), cy+R*math.Sin(a)
		k := math.Sin(math.Pi * (a - a0) / (a1 - a0))
		for yy := max(0, int(y-w)); yy <= min(img.H-1, int(y+w)); yy++ {
			for xx := max(0, int(x-w)); xx <= min(img.W-1, int(x+w)); xx++ {
				d := math.Hypot(float64(xx)+0.5-x, float64(yy)+0.5-y)
				if d < w {
					g := float32(c * k * (1 - d/w) * 0.15)
					o := img.Off(xx, yy)
					for ch := 0; ch < 3; ch++ {
						img.Pix[o+ch] += g * (1 - img.Pix[o+ch])
					}
				}
			}
		}
	}
}

// label draws a paper label with scribbled writing straddling the rim.
func label(img *raster.Img, r *rand.Rand, cx, cy, R, a0, S float64) {
	lw, lh := raster.Uniform(r, 80, 200)*S, raster.Uniform(r, 30, 60)*S
	mx, my := cx+R*math.Cos(a0), cy+R*math.Sin(a0)
	ca, sa := math.Cos(a0+math.Pi/2), math.Sin(a0+math.Pi/2)
	paper := float32(raster.Uniform(r, 0.85, 0.98))
	ink := raster.NewNoise2(r, 1)
	for y := max(0, int(my-lw)); y <= min(img.H-1, int(my+lw)); y++ {
		for x := max(0, int(mx-lw)); x <= min(img.W-1, int(mx+lw)); x++ {
			dx, dy := float64(x)-mx, float64(y)-my
			u, v := dx*ca+dy*sa, -dx*sa+dy*ca
			if math.Abs(u) > lw/2 || math.Abs(v) > lh/2 {
				continue
			}
			o := img.Off(x, y)
			col := paper
			// Writing: strokes from thresholded stretched noise in the
			// middle band of the label.
			if math.Abs(v) < lh*0.3 && math.Abs(u) < lw*0.42 {
				n := ink.At(u/(3*S), v/(6*S))
				if math.Abs(n-0.5) < 0.06 {
					col = 0.15
				}
			}
			img.Pix[o], img.Pix[o+1], img.Pix[o+2] = col, col, col*0.97
		}
	}
}

func sq(v float64) float64      { return v * v }
func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }
