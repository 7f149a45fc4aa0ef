package colonies

import (
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// SynthSpec describes a synthetic crystal-violet dish photograph: a light
// dish with a bright wall on a dark bench, dark violet colonies with
// ragged edges and denser centres, some touching in pairs, abortive
// clusters below the colony size, and debris (fibres and specks).
type SynthSpec struct {
	SizePx        int     // image side; default 1024
	PixelSizeUM   float64 // µm per pixel; default 30
	Colonies      int     // colonies to place (isolated ones and pairs together)
	TouchingPairs int     // of Colonies, how many pairs touch (2 colonies each)
	Abortive      int     // clusters smaller than MinColonyAreaUM2
	Debris        int     // fibres and specks
	CellsSeeded   float64 // recorded in the truth only
	// MinColonyAreaUM2 is the colony threshold the generator respects:
	// colonies are at least 1.5× and abortive clusters at most 0.5× it.
	MinColonyAreaUM2 float64
	Confluent        bool // cover the dish with merged colonies instead
	NoDish           bool // photograph of a bench: no dish in view
	NoiseSD          float64
}

// SynthColony is one placed colony or cluster, in pixels.
type SynthColony struct {
	X, Y, RadiusPx float64
	Abortive       bool
}

// SynthTruth is what the generator placed.
type SynthTruth struct {
	Colonies    int // counted colonies (abortive clusters and debris excluded)
	CellsSeeded float64
	CFEPct      float64
	Dish        models.Dish
	Objects     []SynthColony
}

// Synthesize draws the dish described by spec with randomness from rng.
func Synthesize(rng *rand.Rand, spec SynthSpec) (*imageio.Image, SynthTruth) {
	n := spec.SizePx
	if n <= 0 {
		n = 1024
	}
	ps := spec.PixelSizeUM
	if ps <= 0 {
		ps = 30
	}
	minA := spec.MinColonyAreaUM2
	if minA <= 0 {
		minA = 100000 // 50 cells × 2000 µm²
	}
	sd := spec.NoiseSD
	if sd <= 0 {
		sd = 3
	}
	minR := math.Sqrt(minA/math.Pi) / ps // colony threshold radius, px
	// Light level (0..1 transmission) per pixel, then tinted to BGR.
	dens := make([]float64, n*n) // stain density 0..1 on the dish
	cx, cy := float64(n)/2+rng.Float64()*8-4, float64(n)/2+rng.Float64()*8-4
	R := 0.46 * float64(n)
	truth := SynthTruth{CellsSeeded: spec.CellsSeeded}
	if !spec.NoDish {
		truth.Dish = models.Dish{Found: true, Shape: "circle", CXPx: cx, CYPx: cy, RadiusPx: 0.975 * R, RimRadiusPx: R}
	}
	inner := 0.88 * R // colonies stay inside the flat bottom
	var placed []SynthColony
	free := func(x, y, r float64) bool {
		if math.Hypot(x-cx, y-cy) > inner-r {
			return false
		}
		for _, p := range placed {
			if math.Hypot(x-p.X, y-p.Y) < p.RadiusPx+r+4 {
				return false
			}
		}
		return true
	}
	place := func(r float64) (float64, float64, bool) {
		for try := 0; try < 2000; try++ {
			a, d := rng.Float64()*2*math.Pi, math.Sqrt(rng.Float64())*inner
			x, y := cx+d*math.Cos(a), cy+d*math.Sin(a)
			if free(x, y, r) {
				return x, y, true
			}
		}
		return 0, 0, false
	}
	colonyR := func() float64 { return minR * (1.3 + 1.8*rng.Float64()) } // area ≥ 1.7× the threshold
	if spec.Confluent {
		for k := 0; k < 4000; k++ {
			r := minR * (2 + 2*rng.Float64())
			a, d := rng.Float64()*2*math.Pi, math.Sqrt(rng.Float64())*inner
			disc(dens, n, cx+d*math.Cos(a), cy+d*math.Sin(a), r, 0.8, rng)
		}
	} else {
		pairs := min(spec.TouchingPairs, spec.Colonies/2)
		for k := 0; k < pairs; k++ {
			r1, r2 := colonyR(), colonyR()
			x, y, ok := place(r1 + 2*r2)
			if !ok {
				continue
			}
			a := rng.Float64() * 2 * math.Pi
			d := 0.9 * (r1 + r2) // overlapping edges, two clear centres
			x1, y1 := x-d/2*math.Cos(a), y-d/2*math.Sin(a)
			x2, y2 := x+d/2*math.Cos(a), y+d/2*math.Sin(a)
			placed = append(placed, SynthColony{X: x1, Y: y1, RadiusPx: r1}, SynthColony{X: x2, Y: y2, RadiusPx: r2})
			// Reserve the pair's footprint for the free() check.
			placed = append(placed, SynthColony{X: x, Y: y, RadiusPx: d/2 + max(r1, r2), Abortive: true})
			truth.Colonies += 2
		}
		for truth.Colonies < spec.Colonies {
			r := colonyR()
			x, y, ok := place(r)
			if !ok {
				break
			}
			placed = append(placed, SynthColony{X: x, Y: y, RadiusPx: r})
			truth.Colonies++
		}
		// Drop the reservation discs before drawing.
		var kept []SynthColony
		for _, p := range placed {
			if !p.Abortive {
				kept = append(kept, p)
			}
		}
		placed = kept
		for k := 0; k < spec.Abortive; k++ {
			r := minR * (0.35 + 0.3*rng.Float64()) // area ≤ 0.42× the threshold
			x, y, ok := place(r)
			if !ok {
				break
			}
			placed = append(placed, SynthColony{X: x, Y: y, RadiusPx: r, Abortive: true})
		}
		for _, p := range placed {
			disc(dens, n, p.X, p.Y, p.RadiusPx, 0.55+0.35*rng.Float64(), rng)
		}
		for k := 0; k < spec.Debris; k++ {
			a, d := rng.Float64()*2*math.Pi, math.Sqrt(rng.Float64())*inner*0.95
			x, y := cx+d*math.Cos(a), cy+d*math.Sin(a)
			if k%2 == 0 { // a fibre: long, 2 px wide
				th := rng.Float64() * math.Pi
				L := 6 * minR * (0.6 + 0.8*rng.Float64())
				for t := -L / 2; t <= L/2; t += 0.5 {
					disc(dens, n, x+t*math.Cos(th), y+t*math.Sin(th), 1.2, 0.6, nil)
				}
			} else { // a speck
				disc(dens, n, x, y, 1.5, 0.7, nil)
			}
		}
	}
	truth.Objects = placed
	truth.CFEPct = CFE(truth.Colonies, spec.CellsSeeded)

	img := &imageio.Image{Width: n, Height: n, Channels: 3, Pix: make([]byte, n*n*3),
		Calibration: models.Calibration{PixelSizeUM: ps, Source: models.CalibrationSourceSynthetic}}
	img.Info = models.InputInfo{Path: "synthetic", Format: "png", Width: n, Height: n, BitDepth: 8, Channels: 3}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			i := y*n + x
			var b, g, r float64
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			switch {
			case spec.NoDish || d > R:
				b, g, r = 70, 72, 75 // bench
			case d > 0.975*R:
				b, g, r = 235, 235, 232 // wall
			default:
				// Light dish, slightly brighter in the middle (illumination).
				bg := 212 + 10*(1-d*d/(R*R))
				t := dens[i]
				b, g, r = bg*(1-0.35*t), bg*(1-0.8*t), bg*(1-0.5*t) // violet: absorbs green most
			}
			nz := rng.NormFloat64() * sd
			o := i * 3
			img.Pix[o], img.Pix[o+1], img.Pix[o+2] = clamp8(b+nz), clamp8(g+nz), clamp8(r+nz)
		}
	}
	return img, truth
}

// disc adds stain of peak density d in a disc of radius r with a ragged
// edge (when rng is not nil) and a denser centre.
func disc(dens []float64, n int, x, y, r, d float64, rng *rand.Rand) {
	var a1, a2, p1, p2 float64
	if rng != nil {
		a1, a2 = 0.06*rng.Float64(), 0.04*rng.Float64()
		p1, p2 = rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
	}
	for yy := max(0, int(y-1.2*r)-1); yy < min(n, int(y+1.2*r)+2); yy++ {
		for xx := max(0, int(x-1.2*r)-1); xx < min(n, int(x+1.2*r)+2); xx++ {
			dx, dy := float64(xx)+0.5-x, float64(yy)+0.5-y
			th := math.Atan2(dy, dx)
			rr := r * (1 + a1*math.Sin(3*th+p1) + a2*math.Sin(5*th+p2))
			q := math.Hypot(dx, dy) / rr
			if q >= 1 {
				continue
			}
			v := d * (0.75 + 0.25*(1-q*q))
			i := yy*n + xx
			dens[i] = math.Min(1, dens[i]+v*(1-dens[i]))
		}
	}
}

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}
