package cells

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/histocount/histocount/imageio"
)

// dapiFieldSpec describes a synthetic DAPI field in the style of BBBC002
// (Drosophila Kc167 cells): irregular, often lobed nuclei with bright
// chromatin spots, some touching in pairs without a dark seam, on a dark
// background with haze and noise. The generator is here to catch
// over-splitting: a single lobed or textured nucleus must stay one object,
// while two touching nuclei must become two.
type dapiFieldSpec struct {
	w, h     int
	singles  int     // isolated nuclei (irregular, textured, some lobed)
	pairs    int     // touching pairs (2 nuclei each)
	radiusPx float64 // mean nucleus radius, px
	lobed    float64 // share of singles drawn bilobed/kidney-shaped (shallow notch)
	texture  float64 // relative amplitude of the chromatin texture (0.15 typical, 0.35 coarse)
	fold     float64 // depth (0..1) of a dark crease through each nucleus' centre (a fold or cleft), 0 for none
	dim      float64 // if > 0, the second partner of each pair is drawn this × as bright as the first
	tilt     float64 // brightness slope across each nucleus: × (1 + tilt·dx/r), so 0.5 is 3:1 edge to edge
	seed     int64
}

// dapiNucleus is one drawn nucleus: a radial outline R(θ) = r·(1 + Σ a_k
// cos(kθ + φ_k)), brightness peak, and chromatin spots (x, y, amplitude).
type dapiNucleus struct {
	cx, cy, r, peak float64
	amp, phase      [6]float64 // harmonics k = 0..5 (0 and 1 unused)
	spots           [][3]float64
}

// radius is the outline radius at angle theta.
func (n dapiNucleus) radius(theta float64) float64 {
	f := 1.0
	for k := 2; k < 6; k++ {
		f += n.amp[k] * math.Cos(float64(k)*theta+n.phase[k])
	}
	return n.r * f
}

// placeDAPI draws the nuclei of s; isolated ones stay at least 3 radii
// apart from every other, pair partners overlap by ~15 % of a diameter.
func placeDAPI(s dapiFieldSpec) []dapiNucleus {
	rng := rand.New(rand.NewSource(s.seed))
	var out []dapiNucleus
	r0 := s.radiusPx
	free := func(x, y, d float64) bool {
		if x < 2*r0 || y < 2*r0 || x > float64(s.w)-2*r0 || y > float64(s.h)-2*r0 {
			return false
		}
		for _, o := range out {
			if math.Hypot(o.cx-x, o.cy-y) < d+o.r {
				return false
			}
		}
		return true
	}
	make1 := func(x, y float64, lobed bool) dapiNucleus {
		n := dapiNucleus{cx: x, cy: y, r: r0 * (0.8 + 0.4*rng.Float64()), peak: 70 + 110*rng.Float64()}
		for k := 2; k < 6; k++ {
			n.amp[k] = 0.06 * rng.Float64() / float64(k-1)
			n.phase[k] = rng.Float64() * 2 * math.Pi
		}
		if lobed {
			// Bean / kidney: a strong 2nd and 3rd harmonic give one shallow
			// notch (depth ~0.2 r), as in irregular interphase nuclei.
			n.amp[2] = 0.12 + 0.06*rng.Float64()
			n.amp[3] = 0.08 + 0.05*rng.Float64()
		}
		for j := 2 + rng.Intn(4); j > 0; j-- {
			a, d := rng.Float64()*2*math.Pi, 0.6*n.r*math.Sqrt(rng.Float64())
			n.spots = append(n.spots, [3]float64{x + d*math.Cos(a), y + d*math.Sin(a), 0.25 + 0.35*rng.Float64()})
		}
		return n
	}
	for tries := 0; len(out) < 2*s.pairs && tries < 20000; tries++ {
		x, y := rng.Float64()*float64(s.w), rng.Float64()*float64(s.h)
		a := rng.Float64() * 2 * math.Pi
		d := 1.7 * r0
		x2, y2 := x+d*math.Cos(a), y+d*math.Sin(a)
		if !free(x, y, 3*r0) || !free(x2, y2, 3*r0) {
			continue
		}
		p, q := make1(x, y, false), make1(x2, y2, false)
		// Partners are round enough that their outlines meet at a neck.
		p.amp, q.amp = [6]float64{}, [6]float64{}
		p.r, q.r = r0*(0.9+0.2*rng.Float64()), r0*(0.9+0.2*rng.Float64())
		if s.dim > 0 {
			q.peak = s.dim * p.peak
		}
		out = append(out, p, q)
	}
	for tries := 0; len(out) < 2*s.pairs+s.singles && tries < 20000; tries++ {
		x, y := rng.Float64()*float64(s.w), rng.Float64()*float64(s.h)
		if !free(x, y, 3*r0) {
			continue
		}
		out = append(out, make1(x, y, rng.Float64() < s.lobed))
	}
	return out
}

// synthDAPIField renders s as an 8-bit grey image: background 12 with a
// broad haze, Gaussian noise σ 3, nuclei with a 1 px soft edge, a flat
// profile with ±15 % fine texture and 2–5 bright chromatin spots each.
// Touching nuclei take the brighter value (no seam).
func synthDAPIField(t testing.TB, s dapiFieldSpec) (*imageio.Image, int) {
	t.Helper()
	nuc := placeDAPI(s)
	want := 2*s.pairs + s.singles
	if len(nuc) != want {
		t.Fatalf("placed %d nuclei, want %d (field too small)", len(nuc), want)
	}
	rng := rand.New(rand.NewSource(s.seed + 7))
	// Chromatin texture: noise on a 3×3 px grid, bilinearly interpolated.
	const cell = 3
	tw, th := s.w/cell+2, s.h/cell+2
	tex := make([]float64, tw*th)
	for i := range tex {
		tex[i] = rng.NormFloat64()
	}
	texAt := func(x, y int) float64 {
		fx, fy := float64(x)/cell, float64(y)/cell
		x0, y0 := int(fx), int(fy)
		ax, ay := fx-float64(x0), fy-float64(y0)
		return (1-ay)*((1-ax)*tex[y0*tw+x0]+ax*tex[y0*tw+x0+1]) + ay*((1-ax)*tex[(y0+1)*tw+x0]+ax*tex[(y0+1)*tw+x0+1])
	}
	img := &imageio.Image{Width: s.w, Height: s.h, Channels: 1, Pix: make([]byte, s.w*s.h)}
	hx, hy := rng.Float64()*float64(s.w), rng.Float64()*float64(s.h)
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			fx, fy := float64(x), float64(y)
			bgv := 12 + 10*math.Exp(-(math.Pow(fx-hx, 2)+math.Pow(fy-hy, 2))/(2*math.Pow(0.4*float64(s.w), 2)))
			v := bgv
			for _, n := range nuc {
				dx, dy := fx-n.cx, fy-n.cy
				if math.Abs(dx) > 2*n.r || math.Abs(dy) > 2*n.r {
					continue
				}
				rho := math.Hypot(dx, dy) / n.radius(math.Atan2(dy, dx))
				edge := 1 / (1 + math.Exp((rho-1)*n.r/0.8))
				if edge < 0.01 {
					continue
				}
				in := (1 + s.texture*texAt(x, y)) * (1 + s.tilt*dx/n.r)
				if s.fold > 0 {
					// Crease 1.5 px wide (σ) along the angle of the 2nd harmonic.
					d := dx*math.Sin(n.phase[2]) - dy*math.Cos(n.phase[2])
					in *= 1 - s.fold*math.Exp(-d*d/(2*1.5*1.5))
				}
				for _, sp := range n.spots {
					d2 := (fx-sp[0])*(fx-sp[0]) + (fy-sp[1])*(fy-sp[1])
					in += sp[2] * math.Exp(-d2/(2*1.3*1.3))
				}
				v = math.Max(v, bgv+n.peak*edge*in)
			}
			v += rng.NormFloat64() * 3
			img.Pix[y*s.w+x] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return img, want
}

// TestNucleiIrregularNotSplit: fields of isolated irregular, lobed and
// textured nuclei at three magnifications must count exactly (±1), and
// fields of touching round pairs must count both partners (within ~10 %).
// Without the neck/seam merge the r16 singles count 27 for 25.
// The two together pin "split only where the shape says so".
func TestNucleiIrregularNotSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	cases := []struct {
		name     string
		spec     dapiFieldSpec
		tolCount int
	}{
		{name: "singles r6", spec: dapiFieldSpec{w: 512, h: 512, singles: 40, radiusPx: 6, lobed: 0.5, texture: 0.35}, tolCount: 1},
		{name: "singles r10", spec: dapiFieldSpec{w: 512, h: 512, singles: 35, radiusPx: 10, lobed: 0.5, texture: 0.35}, tolCount: 1},
		{name: "singles r16", spec: dapiFieldSpec{w: 640, h: 640, singles: 25, radiusPx: 16, lobed: 0.5, texture: 0.35}, tolCount: 1},
		// A dim partner beside a bright one is sometimes lost (no marker of
		// its own): measured 31/34 and 20/22 on seed 1, exact elsewhere.
		{name: "pairs r10", spec: dapiFieldSpec{w: 512, h: 512, pairs: 12, singles: 10, radiusPx: 10, texture: 0.35}, tolCount: 3},
		{name: "pairs r16", spec: dapiFieldSpec{w: 640, h: 640, pairs: 8, singles: 6, radiusPx: 16, texture: 0.35}, tolCount: 2},
	}
	for _, c := range cases {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", c.name, seed), func(t *testing.T) {
				s := c.spec
				s.seed = seed
				img, want := synthDAPIField(t, s)
				res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical})
				if err != nil {
					t.Fatal(err)
				}
				got := len(res.Objects)
				if d := got - want; d > c.tolCount || d < -c.tolCount {
					t.Errorf("counted %d nuclei, drawn %d (tolerance ±%d)", got, want, c.tolCount)
				}
			})
		}
	}
}

// TestNucleiDimBesideBright: a nucleus a third as bright as the one it
// touches lies below the level that makes cores for that clump, so it had
// no marker and was trimmed away with the bright one's edge (main at
// 2129407 counts 36 for 52 on all three seeds: every dim partner lost;
// now 49, 49, 47). Its own local maximum gives it a core, the brightness
// step keeps the two apart, and a whole nucleus passes the contrast test
// though dim. Lobed, textured singles alongside must not split. Still
// weak: at r16 only 4–6 of 14 dim partners are found (37–38 for 46).
func TestNucleiDimBesideBright(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	const maxMissed = 6 // of 16 dim partners
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			s := dapiFieldSpec{w: 512, h: 512, pairs: 16, singles: 20, radiusPx: 10, lobed: 0.5, texture: 0.35, dim: 0.35, seed: seed}
			img, want := synthDAPIField(t, s)
			res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Objects); got < want-maxMissed || got > want+1 {
				t.Errorf("counted %d nuclei, drawn %d (%d touching a partner a third as bright; want %d-%d)", got, want, s.pairs, want-maxMissed, want+1)
			}
		})
	}
}

// TestNucleiTiltedNotSplit: a single nucleus three times brighter on one
// side than the other (uneven staining, a tilted or half-defocused
// nucleus) must stay one: the dim side's own core touches the bright
// side's, and the brightness-step rule only keeps apart whole regions that
// the cores already separated.
func TestNucleiTiltedNotSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	for _, r := range []float64{6, 10, 16} {
		for seed := int64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprintf("r%g/seed%d", r, seed), func(t *testing.T) {
				s := dapiFieldSpec{w: 640, h: 640, singles: 25, radiusPx: r, lobed: 0.5, texture: 0.35, tilt: 0.5, seed: seed}
				img, want := synthDAPIField(t, s)
				res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical})
				if err != nil {
					t.Fatal(err)
				}
				if got := len(res.Objects); got < want-1 || got > want+1 {
					t.Errorf("counted %d nuclei, drawn %d tilted singles (tolerance ±1)", got, want)
				}
			})
		}
	}
}

// TestNucleiOnBrightBody: nuclei packed in the cortex of a bright body (an
// embryo, a large cell) must be counted one by one, not as one object the
// size of the body (DSB2018 embryo images counted 1–2 for 199–375 nuclei).
func TestNucleiOnBrightBody(t *testing.T) {
	t.Parallel()
	const w, h, r, step = 400, 300, 5.0, 16.0
	rng := rand.New(rand.NewSource(5))
	img := &imageio.Image{Width: w, Height: h, Channels: 1, Pix: make([]byte, w*h)}
	var centres [][2]float64
	cx, cy, ax, ay := 200.0, 150.0, 160.0, 110.0
	for y := step / 2; y < h; y += step {
		for x := step / 2; x < w; x += step {
			u, v := (x-cx)/ax, (y-cy)/ay
			if d := u*u + v*v; d < 0.95 && d > 0.4 { // a shell of nuclei, as in a blastoderm
				centres = append(centres, [2]float64{x + rng.Float64() - 0.5, y + rng.Float64() - 0.5})
			}
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x), float64(y)
			u, v := (fx-cx)/ax, (fy-cy)/ay
			val := 10 + 30/(1+math.Exp((math.Sqrt(u*u+v*v)-1)*30)) // the body
			for _, c := range centres {
				if d := math.Hypot(fx-c[0], fy-c[1]); d < 2*r {
					val += 110 / (1 + math.Exp((d-r)/0.8))
				}
			}
			img.Pix[y*w+x] = uint8(math.Max(0, math.Min(255, val+rng.NormFloat64()*3)))
		}
	}
	res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical})
	if err != nil {
		t.Fatal(err)
	}
	want := len(centres)
	if got := len(res.Objects); math.Abs(float64(got-want)) > 0.05*float64(want) {
		t.Errorf("counted %d nuclei on the body, drawn %d (tolerance 5 %%)", got, want)
	}
}
