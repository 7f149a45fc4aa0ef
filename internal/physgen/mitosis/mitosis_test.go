package mitosis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Every stage must have the sizes of the physical description (µm) and
// the stages their intended frequencies.
func TestFigureGeometry(t *testing.T) {
	const um = 0.5                           // µm per px
	nucArea := math.Pi * 8 * 5.5 / (um * um) // 16 × 11 µm interphase nucleus, px²
	r := rand.New(rand.NewPCG(3, 4))
	in := func(v, lo, hi float64) bool { return v >= lo-1e-9 && v <= hi+1e-9 }
	count := map[string]int{}
	const n = 4000
	for k := 0; k < n; k++ {
		f := NewMitotic(r, 100, 100, um, nucArea, 2)
		count[f.Stage]++
		p := f.Pieces[0]
		l := p.Lobes[0]
		switch f.Stage {
		case StageProphase:
			if a := math.Pi * l.A * l.B / nucArea; !in(a, 0.3*0.85, 0.6) {
				t.Fatalf("prophase area %.2f of interphase", a)
			}
		case StageMetaphase:
			if !in(2*l.A*um, 8, 14) || !in(2*l.B*um, 2, 4) {
				t.Fatalf("plate %.1f × %.1f µm", 2*l.A*um, 2*l.B*um)
			}
		case StageEndOn:
			if !in(2*l.A*um, 5, 8) || f.petals < 6 {
				t.Fatalf("rosette %.1f µm, %d arms", 2*l.A*um, f.petals)
			}
		case StageAnaphase:
			a, b := p.Lobes[0], p.Lobes[1]
			if len(f.Pieces) != 1 || len(p.Lobes) != 2 || a.Theta != b.Theta || !in(math.Hypot(a.X-b.X, a.Y-b.Y)*um, 4, 8) {
				t.Fatalf("anaphase bars %+v %+v", a, b)
			}
		case StageTelophase:
			if len(f.Pieces) != 2 {
				t.Fatalf("telophase %d pieces", len(f.Pieces))
			}
			a, b := f.Pieces[0], f.Pieces[1]
			if d := math.Hypot(a.X-b.X, a.Y-b.Y) * um; !in(d, 6, 12) || !in(a.Lobes[0].A*um, 2, 3.5) {
				t.Fatalf("daughters %.1f µm apart, radius %.1f µm", d, a.Lobes[0].A*um)
			}
		default:
			t.Fatalf("stage %q", f.Stage)
		}
		if f.Stage != StageTelophase && len(f.Pieces) != 1 {
			t.Fatalf("%s: %d pieces", f.Stage, len(f.Pieces))
		}
		if !in(f.Bright, 2*math.Exp(-0.5), 2*math.Exp(0.5)) || f.Class != ClassMitotic {
			t.Fatalf("brightness %.2f class %s", f.Bright, f.Class)
		}
	}
	for s, want := range map[string]float64{StageProphase: 0.25, StageMetaphase: 0.35, StageEndOn: 0.1, StageAnaphase: 0.1, StageTelophase: 0.2} {
		if got := float64(count[s]) / n; math.Abs(got-want) > 0.03 {
			t.Errorf("%s frequency %.3f, want %.2f", s, got, want)
		}
	}
	for k := 0; k < 500; k++ {
		a := NewApoptotic(r, 50, 50, um)
		ls := a.Pieces[0].Lobes
		if a.Class != ClassApoptotic || len(a.Pieces) != 1 || len(ls) < 2 || len(ls) > 5 || !in(a.Bright, 3, 5) {
			t.Fatalf("apoptotic %+v", a)
		}
		for _, l := range ls {
			if !in(l.A*um, 0.7, 1.8) || math.Hypot(l.X-50, l.Y-50)*um > 4 {
				t.Fatalf("bead radius %.2f µm at %.1f µm", l.A*um, math.Hypot(l.X-50, l.Y-50)*um)
			}
		}
	}
}

// Render must cover the shape's area (within the anti-aliased edge) and
// Plan must reach its target and keep figures apart from other nuclei.
func TestRenderAndPlan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tex := raster.NewFBm(r, 2, 2)
	for k := 0; k < 50; k++ {
		f := NewMitotic(r, 64, 64, 0.4, 900, 2)
		img := make([]float32, 128*128)
		f.Render(img, 128, 128, 1, tex)
		var sum, want float64
		for _, v := range img {
			sum += float64(v)
		}
		for _, p := range f.Pieces {
			for _, l := range p.Lobes {
				want += math.Pi * l.A * l.B
			}
		}
		// Texture means lie between 0.75 and 1.05; anaphase bars and apoptotic beads never overlap much.
		if !(sum > 0.6*want && sum < 1.3*want) {
			t.Fatalf("%s: rendered %.0f for area %.0f", f.Stage, sum, want)
		}
	}
	var spots []Spot
	for y := 20.0; y < 500; y += 40 {
		for x := 20.0; x < 500; x += 40 {
			spots = append(spots, Spot{X: x, Y: y, R: 10, AreaPx: 300})
		}
	}
	order := r.Perm(len(spots))
	figs, apo := Plan(r, spots, order, 20, 4, 500, 500, 0.8, 2, 0.8)
	if len(figs) != 20 || len(apo) != 4 {
		t.Fatalf("%d figures, %d apoptotic", len(figs), len(apo))
	}
	for i, f := range figs {
		for j, s := range spots {
			if j != i && math.Hypot(s.X-f.X, s.Y-f.Y) < 0.8*(s.R+f.Radius()) {
				t.Fatalf("figure at nucleus %d overlaps nucleus %d", i, j)
			}
		}
	}
}
