package plates

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Sample is one donor/sample of the crystal-violet plate map.
type Sample struct {
	Name        string
	CellsSeeded int
	TrueCFE     float64 // plating efficiency p, 0..1
}

// CVSample returns the plate-map sample of dish index: 4 replicate dishes
// per sample.
func CVSample(seed uint64, index int) (Sample, int) {
	k := index / 4
	r := raster.RNG(seed, "plates-cv-sample", k)
	p := raster.LogUniform(r, 0.02, 0.4)
	seeded := []int{100, 200, 500, 1000}[r.IntN(4)]
	// Keep the expected colonies per 60 mm dish below ~150: labs choose
	// the seeding so that colonies stay separable.
	for seeded > 100 && float64(seeded)*p > 150 {
		seeded /= 2
	}
	return Sample{Name: fmt.Sprintf("donor_%c", 'A'+rune(k%26)), CellsSeeded: seeded, TrueCFE: p}, index%4 + 1
}

// CrystalViolet renders crystal-violet dish index; size is the square
// image side (0 = random 1200–1500).
func CrystalViolet(seed uint64, index, size int) (*Plate, Sample, int, error) {
	smp, rep := CVSample(seed, index)
	r := raster.RNG(seed, "plates-cv", index)
	W := 1200 + r.IntN(301)
	if size > 0 {
		W = size
	}
	if W < 64 || W > 8000 {
		return nil, smp, rep, fmt.Errorf("plates: size %d out of range", W)
	}
	S := float64(W) / 1350
	p := map[string]string{}
	dishR := raster.Uniform(r, 0.4, 0.47) * float64(W)
	mmpx := 60 / (2 * dishR)
	d50 := raster.Uniform(r, 28, 36) // fixed px: the brief's colony/abortive size contract
	cx := float64(W)/2 + raster.Uniform(r, -15, 15)*S
	cy := float64(W)/2 + raster.Uniform(r, -15, 15)*S
	od := jit(r, [3]float64{0.55, 0.85, 0.22}, 0.15) // crystal violet absorbs ~590 nm
	bgv := raster.Uniform(r, 0.8, 0.98)
	img := raster.New(W, W, 3, float32(bgv), float32(bgv), float32(bgv*raster.Uniform(r, 0.95, 1.02)))
	uneven := raster.NewFBm(r, raster.Uniform(r, 100, 400)*S, 3)
	bgStain := raster.Uniform(r, 0, 0.12)
	innerR := dishR * 0.985
	for y := 0; y < W; y++ {
		for x := 0; x < W; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			o := img.Off(x, y)
			switch {
			case d < innerR:
				a := bgStain * (0.3 + 1.4*uneven.At(float64(x), float64(y)))
				for c := 0; c < 3; c++ {
					img.Pix[o+c] = float32(0.96 * math.Exp(-a*od[c]))
				}
			case d < dishR*1.015:
				v := float32(0.6 + 0.3*math.Cos((d-innerR)/2))
				img.Pix[o], img.Pix[o+1], img.Pix[o+2] = v, v, v
			}
		}
	}
	// Colonies: Binomial(seeded, p) by Bernoulli trials (deterministic).
	nCol := 0
	for i := 0; i < smp.CellsSeeded; i++ {
		if r.Float64() < smp.TrueCFE {
			nCol++
		}
	}
	nAb := int(float64(smp.CellsSeeded) * raster.Uniform(r, 0.01, 0.15))
	var objs []Object
	place := func(R float64) (float64, float64, bool) {
		for t := 0; t < 60; t++ {
			rr := (innerR - R - 3) * math.Sqrt(r.Float64())
			a := r.Float64() * 2 * math.Pi
			x, y := cx+rr*math.Cos(a), cy+rr*math.Sin(a)
			ok := true
			for _, o := range objs {
				if math.Hypot(o.X-x, o.Y-y) < 0.85*(o.R+R) {
					ok = false
					break
				}
			}
			if ok {
				return x, y, true
			}
		}
		return 0, 0, false
	}
	cellLen := raster.Uniform(r, 5, 9)
	stain := raster.Uniform(r, 0.4, 0.9)
	for i := 0; i < nCol; i++ {
		n := int(raster.LogUniform(r, 50, 800))
		R := d50 / 2 * math.Sqrt(float64(n)/50)
		x, y, ok := place(R)
		if !ok {
			continue
		}
		objs = append(objs, Object{X: x, Y: y, R: R, Cells: n})
		colony(img, r, x, y, R, n, cellLen, stain, od)
	}
	for i := 0; i < nAb; i++ {
		// Abortive clusters stay below 12 px: n < 50·(11.5/d50)².
		n := 2 + r.IntN(max(1, int(50*sq(11.5/d50))-1))
		R := d50 / 2 * math.Sqrt(float64(n)/50)
		x, y, ok := place(R)
		if !ok {
			continue
		}
		objs = append(objs, Object{X: x, Y: y, R: R, Cells: n, Abortive: true})
		colony(img, r, x, y, R, n, cellLen, stain, od)
	}
	// Scratches and marker writing.
	ns := r.IntN(6)
	for i := 0; i < ns; i++ {
		a := r.Float64() * math.Pi
		x0 := cx + raster.Uniform(r, -dishR, dishR)*0.7
		y0 := cy + raster.Uniform(r, -dishR, dishR)*0.7
		L := raster.Uniform(r, 0.1, 0.8) * dishR
		c := raster.Uniform(r, -0.25, 0.3)
		stroke(img, x0, y0, a, L, raster.Uniform(r, 0.6, 1.5)*S, [3]float32{float32(1 - c), float32(1 - c), float32(1 - c)}, 0, nil)
	}
	nm := r.IntN(3)
	for i := 0; i < nm; i++ {
		a0 := r.Float64() * 2 * math.Pi
		rr := dishR * raster.Uniform(r, 0.75, 0.92)
		ink := [3]float32{0.15, 0.15, 0.2}
		if r.Float64() < 0.5 {
			ink = [3]float32{0.1, 0.15, 0.45}
		}
		// Handwriting: a run of loops along the rim.
		x, y := cx+rr*math.Cos(a0), cy+rr*math.Sin(a0)
		dir := a0 + math.Pi/2
		for k := 0; k < 8+r.IntN(12); k++ {
			L := raster.Uniform(r, 8, 25) * S
			ang := dir + raster.Uniform(r, -1.8, 1.8)
			stroke(img, x, y, ang, L, raster.Uniform(r, 2, 4)*S, ink, 1, r)
			x += L * math.Cos(ang) * 0.6
			y += L * math.Sin(ang) * 0.6
		}
	}
	img.Blur(raster.Uniform(r, 0.3, 1.2) * S)
	img.Illumination(raster.Uniform(r, 0, 0.15), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.2))
	img.Noise(r, raster.Uniform(r, 0.003, 0.015), 0.01)
	out := img.RGBA()
	cols, ab := 0, 0
	for _, o := range objs {
		if o.Abortive {
			ab++
		} else {
			cols++
		}
	}
	p["d50_px"] = raster.F(d50, 1)
	p["scratches"] = fmt.Sprint(ns)
	p["marker_writing"] = fmt.Sprint(nm)
	p["background_stain"] = raster.F(bgStain, 3)
	return &Plate{Image: out, Objects: objs, Params: p, DishR: dishR, MMPerPx: mmpx, Colonies: cols, Abortive: ab}, smp, rep, nil
}

// colony stamps n spindle cells around (cx, cy) within about R.
func colony(img *raster.Img, r *rand.Rand, cx, cy, R float64, n int, cellLen, stain float64, od [3]float64) {
	// Outline: a few harmonics so colonies are not perfect discs.
	var harm [3]float64
	var ph [3]float64
	for i := range harm {
		harm[i] = raster.Uniform(r, 0, 0.12)
		ph[i] = r.Float64() * 2 * math.Pi
	}
	// Colony body: the cells' cytoplasm and matrix make one connected,
	// lighter-stained mass under the darker cell bodies (denser centre).
	body := stain * raster.Uniform(r, 0.3, 0.8) * math.Min(1, math.Sqrt(float64(n)/50))
	ext := R*1.3 + 2
	for y := max(0, int(cy-ext)); y <= min(img.H-1, int(cy+ext)); y++ {
		for x := max(0, int(cx-ext)); x <= min(img.W-1, int(cx+ext)); x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			a := math.Atan2(dy, dx)
			rr := R
			for k := range harm {
				rr *= 1 + harm[k]*math.Sin(float64(k+2)*a+ph[k])
			}
			rho := math.Hypot(dx, dy) / (rr * 0.92)
			if rho >= 1 {
				continue
			}
			t := body * (0.35 + 0.65*(1-rho*rho))
			img.Mul(x, y, [3]float32{float32(math.Exp(-t * od[0])), float32(math.Exp(-t * od[1])), float32(math.Exp(-t * od[2]))})
		}
	}
	for i := 0; i < n; i++ {
		a := r.Float64() * 2 * math.Pi
		rr := R
		for k := range harm {
			rr *= 1 + harm[k]*math.Sin(float64(k+2)*a+ph[k])
		}
		rho := math.Pow(r.Float64(), 0.6) * (rr - cellLen/2)
		if rho < 0 {
			rho = 0
		}
		x, y := cx+rho*math.Cos(a), cy+rho*math.Sin(a)
		// Fibroblasts at the edge align radially; inside, random.
		th := r.Float64() * math.Pi
		if rho > 0.6*R {
			th = a + r.NormFloat64()*0.4
		}
		spindle(img, x, y, th, cellLen*raster.Uniform(r, 0.8, 1.4), cellLen*raster.Uniform(r, 0.3, 0.45), stain*raster.Uniform(r, 0.7, 1.3), od)
	}
}

func spindle(img *raster.Img, cx, cy, th, L, w, amt float64, od [3]float64) {
	c, s := math.Cos(th), math.Sin(th)
	ext := L/2 + 2
	for y := max(0, int(cy-ext)); y <= min(img.H-1, int(cy+ext)); y++ {
		for x := max(0, int(cx-ext)); x <= min(img.W-1, int(cx+ext)); x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			u, v := (dx*c+dy*s)/(L/2), (-dx*s+dy*c)/(w/2)
			q := u*u + v*v
			if q < 1.5 {
				a := amt * math.Exp(-q*1.2)
				img.Mul(x, y, [3]float32{float32(math.Exp(-a * od[0])), float32(math.Exp(-a * od[1])), float32(math.Exp(-a * od[2]))})
			}
		}
	}
}

// stroke draws a straight (bend = 0) or curved stroke of width w in colour col.
func stroke(img *raster.Img, x0, y0, a, L, w float64, col [3]float32, bend float64, r *rand.Rand) {
	curv := 0.0
	if bend > 0 && r != nil {
		curv = raster.Uniform(r, -0.15, 0.15)
	}
	x, y := x0, y0
	for t := 0.0; t < L; t += 0.5 {
		a += curv * 0.5
		x += 0.5 * math.Cos(a)
		y += 0.5 * math.Sin(a)
		for yy := max(0, int(y-w)); yy <= min(img.H-1, int(y+w)); yy++ {
			for xx := max(0, int(x-w)); xx <= min(img.W-1, int(x+w)); xx++ {
				d := math.Hypot(float64(xx)+0.5-x, float64(yy)+0.5-y)
				if d < w/2 {
					o := img.Off(xx, yy)
					for c := 0; c < 3; c++ {
						if bend > 0 {
							img.Pix[o+c] = col[c]
						} else {
							img.Pix[o+c] *= col[c]
						}
					}
				}
			}
		}
	}
}

func jit(r *rand.Rand, v [3]float64, f float64) [3]float64 {
	for i := range v {
		v[i] *= 1 + raster.Uniform(r, -f, f)
	}
	return v
}
