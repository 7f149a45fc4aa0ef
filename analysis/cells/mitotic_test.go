package cells

import (
	"math"
	"math/rand"
	"testing"

	"github.com/histocount/histocount/imageio"
)

// mitoticShape is one drawn object of a synthetic mitosis field: an
// ellipse (semi-axes a, b, angle) of peak intensity above background.
type mitoticShape struct {
	cx, cy, a, b, angle, peak float64
	kind                      string // "interphase", "mitotic", "bead"
}

// synthMitoticField draws a dark-field DNA-stain image: interphase nuclei
// (radius r ± 15 %, peak 45–75 with ±15 % texture), mitotic figures of
// three kinds carrying 1.6–2 × a G1 nucleus' integrated intensity (compact
// prometaphase balls, metaphase plates, anaphase bar pairs), and clusters
// of 3–6 apoptotic beads (radius 0.22 r, near full scale). It returns the
// image and the shapes.
func synthMitoticField(seed int64, w, h int, r float64, interphase, mitoses, clusters int) (*imageio.Image, []mitoticShape) {
	rng := rand.New(rand.NewSource(seed))
	var shapes []mitoticShape
	var centres [][3]float64
	free := func(x, y, d float64) bool {
		if x < 2*r || y < 2*r || x > float64(w)-2*r || y > float64(h)-2*r {
			return false
		}
		for _, c := range centres {
			if math.Hypot(c[0]-x, c[1]-y) < d+c[2] {
				return false
			}
		}
		return true
	}
	place := func(d float64) (float64, float64, bool) {
		for range 5000 {
			x, y := rng.Float64()*float64(w), rng.Float64()*float64(h)
			if free(x, y, d) {
				centres = append(centres, [3]float64{x, y, d})
				return x, y, true
			}
		}
		return 0, 0, false
	}
	g1 := 60.0 // typical interphase peak; a G1 nucleus holds ≈ g1·πr²
	for range interphase {
		x, y, ok := place(1.6 * r)
		if !ok {
			break
		}
		rr := r * (0.85 + 0.3*rng.Float64())
		e := 1 + 0.25*rng.Float64()
		shapes = append(shapes, mitoticShape{x, y, rr * e, rr / e, rng.Float64() * math.Pi, 45 + 30*rng.Float64(), "interphase"})
	}
	for k := range mitoses {
		x, y, ok := place(2 * r)
		if !ok {
			break
		}
		dna := (1.6 + 0.4*rng.Float64()) * g1 * r * r // ∝ peak × a × b
		ang := rng.Float64() * math.Pi
		switch k % 3 {
		case 0: // prometaphase: a compact ball
			a := r * (0.55 + 0.1*rng.Float64())
			shapes = append(shapes, mitoticShape{x, y, a, a * 0.9, ang, dna / (a * a * 0.9), "mitotic"})
		case 1: // metaphase plate, side-on
			a, b := r*(1.0+0.2*rng.Float64()), r*(0.3+0.08*rng.Float64())
			shapes = append(shapes, mitoticShape{x, y, a, b, ang, dna / (a * b), "mitotic"})
		default: // anaphase: two parallel bars, half the DNA each
			a, b := r*(0.8+0.15*rng.Float64()), r*(0.28+0.06*rng.Float64())
			d := r * 0.75
			for _, s := range []float64{-1, 1} {
				shapes = append(shapes, mitoticShape{x + s*d*math.Cos(ang+math.Pi/2), y + s*d*math.Sin(ang+math.Pi/2), a, b, ang, dna / 2 / (a * b), "mitotic"})
			}
		}
	}
	for range clusters {
		x, y, ok := place(1.5 * r)
		if !ok {
			break
		}
		for range 3 + rng.Intn(4) {
			t, d := rng.Float64()*2*math.Pi, r*(0.5+0.7*rng.Float64())
			br := r * (0.18 + 0.08*rng.Float64())
			shapes = append(shapes, mitoticShape{x + d*math.Cos(t), y + d*math.Sin(t), br, br, 0, 200 + 40*rng.Float64(), "bead"})
		}
	}
	img := &imageio.Image{Width: w, Height: h, Channels: 1, Pix: make([]byte, w*h)}
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			v := 10.0
			for _, s := range shapes {
				dx, dy := fx-s.cx, fy-s.cy
				if math.Abs(dx) > s.a+3 || math.Abs(dy) > s.a+3 {
					continue
				}
				c, sn := math.Cos(s.angle), math.Sin(s.angle)
				u, q := (dx*c+dy*sn)/s.a, (-dx*sn+dy*c)/s.b
				rho := math.Sqrt(u*u + q*q)
				edgePx := 0.8 // soft edge
				if s.kind == "interphase" {
					edgePx = 1.5
				}
				edge := 1 / (1 + math.Exp((rho-1)*math.Min(s.a, s.b)/edgePx))
				tex := 1.0
				if s.kind == "interphase" {
					tex = 1 + 0.15*math.Sin(fx*1.3+s.cx)*math.Sin(fy*1.1+s.cy)
				}
				v = math.Max(v, 10+s.peak*edge*tex)
			}
			v += rng.NormFloat64() * 2
			img.Pix[y*w+x] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return img, shapes
}

// TestMitoticSynthetic: mitotic figures of each kind are found, beads and
// interphase nuclei are not called; the nuclei and their other measures
// are those of a run without the mitotic call.
func TestMitoticSynthetic(t *testing.T) {
	var tp, fn, fpInter, fpBead, mitTruth int
	for seed := int64(1); seed <= 4; seed++ {
		r := []float64{9, 12, 16, 12}[seed-1]
		img, shapes := synthMitoticField(seed, 640, 640, r, 40, 9, 3)
		res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mitotic == nil || res.Mitotic.Nuclei != len(res.Objects) {
			t.Fatalf("seed %d: mitotic summary %+v for %d objects", seed, res.Mitotic, len(res.Objects))
		}
		hit := map[int]bool{}
		for _, o := range res.Objects {
			best, kind := math.Inf(1), ""
			bi := -1
			for i, s := range shapes {
				if d := math.Hypot(o.CentroidXPx-s.cx, o.CentroidYPx-s.cy); d < best {
					best, kind, bi = d, s.kind, i
				}
			}
			if best > r {
				kind = "none"
			}
			m := o.Mitotic != nil && *o.Mitotic
			switch {
			case kind == "mitotic" && m:
				if !hit[bi] {
					tp++
				}
				hit[bi] = true
			case kind == "interphase" && m:
				fpInter++
			case (kind == "bead" || kind == "none") && m:
				t.Logf("seed %d: %s object %d called mitotic: %+v", seed, kind, o.ID, res.MitoticFeatures[o.ID-1])
				fpBead++
			}
		}
		for i, s := range shapes {
			if s.kind == "mitotic" {
				mitTruth++
				if !hit[i] {
					fn++
				}
			}
		}
	}
	recall := float64(tp) / float64(mitTruth)
	t.Logf("mitotic shapes %d: found %d (recall %.2f), missed %d; false: %d interphase, %d beads/debris", mitTruth, tp, recall, fn, fpInter, fpBead)
	if recall < 0.8 || fpInter > 2 || fpBead > 0 {
		t.Errorf("recall %.2f (want ≥ 0.8), %d interphase (≤ 2) and %d beads (0) called mitotic", recall, fpInter, fpBead)
	}
}

// TestMitoticSummaryOf: the index and its Wilson interval.
func TestMitoticSummaryOf(t *testing.T) {
	s := MitoticSummaryOf(3, 120)
	if s.IndexPct != 2.5 || !(s.CILowPct > 0.8 && s.CILowPct < 0.9) || !(s.CIHighPct > 7.0 && s.CIHighPct < 7.2) {
		t.Errorf("3/120: %+v (want 2.5 %%, Wilson 0.855–7.09 %%)", s)
	}
	if z := MitoticSummaryOf(0, 0); z.IndexPct != 0 || z.CIHighPct != 0 {
		t.Errorf("0/0: %+v", z)
	}
}

// TestMitoticFewNuclei: below five nuclei there is no reference, no call.
func TestMitoticFewNuclei(t *testing.T) {
	img, _ := synthMitoticField(9, 200, 200, 12, 2, 1, 0)
	res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mitotic == nil || res.Mitotic.Mitotic != 0 {
		t.Errorf("few nuclei: %+v", res.Mitotic)
	}
}

// TestMitoticOverlay: mitotic nuclei are outlined in their own colour.
func TestMitoticOverlay(t *testing.T) {
	img, _ := synthMitoticField(2, 400, 400, 12, 20, 4, 0)
	res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical, Overlay: true})
	if err != nil {
		t.Fatal(err)
	}
	red := 0
	for i := 0; i+3 < len(res.Overlay.Pix); i += 4 {
		if res.Overlay.Pix[i] == mitoticColour[0] && res.Overlay.Pix[i+1] == mitoticColour[1] && res.Overlay.Pix[i+2] == mitoticColour[2] {
			red++
		}
	}
	if res.Mitotic.Mitotic == 0 || red < 10*res.Mitotic.Mitotic {
		t.Errorf("%d mitotic figures, %d outline pixels", res.Mitotic.Mitotic, red)
	}
}
