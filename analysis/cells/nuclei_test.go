package cells

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// nucleusSpec is one synthetic nucleus: an ellipse with centre, semi-axes
// (px), orientation (rad) and peak brightness above background.
type nucleusSpec struct {
	cx, cy, a, b, theta, peak float64
}

// nucleiFieldSpec describes a synthetic fluorescence field.
type nucleiFieldSpec struct {
	w, h     int
	n        int     // isolated nuclei
	pairs    int     // touching pairs (2 nuclei each)
	radiusPx float64 // mean semi-minor axis
	light    bool    // dark nuclei on a light background (brightfield-like)
	seed     int64
}

// nucleiCount is the true number of nuclei in a field.
func (s nucleiFieldSpec) nucleiCount() int { return s.n + 2*s.pairs }

// placeNuclei draws the ellipses of s: isolated nuclei kept at least two
// diameters apart, and pairs whose centres are 1.7 semi-minor axes apart
// side by side, so they touch along a short neck (as dividing or crowded
// nuclei do).
func placeNuclei(s nucleiFieldSpec) []nucleusSpec {
	rng := rand.New(rand.NewSource(s.seed))
	var out []nucleusSpec
	r := s.radiusPx
	free := func(x, y, d float64) bool {
		if x < 2*r || y < 2*r || x > float64(s.w)-2*r || y > float64(s.h)-2*r {
			return false
		}
		for _, o := range out {
			if math.Hypot(o.cx-x, o.cy-y) < d {
				return false
			}
		}
		return true
	}
	one := func(x, y, theta float64) nucleusSpec {
		b := r * (0.9 + 0.2*rng.Float64())
		return nucleusSpec{cx: x, cy: y, a: b * (1.1 + 0.3*rng.Float64()), b: b, theta: theta, peak: 100 + 100*rng.Float64()}
	}
	for tries := 0; len(out) < 2*s.pairs && tries < 10000; tries++ {
		x, y := rng.Float64()*float64(s.w), rng.Float64()*float64(s.h)
		theta := rng.Float64() * math.Pi
		// Partner along the minor axis (side by side).
		dx, dy := -math.Sin(theta)*1.7*r, math.Cos(theta)*1.7*r
		if !free(x, y, 6*r) || !free(x+dx, y+dy, 6*r) {
			continue
		}
		out = append(out, one(x, y, theta), one(x+dx, y+dy, theta))
	}
	for tries := 0; len(out) < 2*s.pairs+s.n && tries < 10000; tries++ {
		x, y := rng.Float64()*float64(s.w), rng.Float64()*float64(s.h)
		if !free(x, y, 4*r) {
			continue
		}
		out = append(out, one(x, y, rng.Float64()*math.Pi))
	}
	return out
}

// synthNucleiField renders s as an 8-bit grey image: a dark background of
// 20 with Gaussian noise (σ 4 grey levels), nuclei with soft edges and a
// slightly domed profile, and a faint illumination gradient. Touching
// nuclei overlap by taking the brighter value, so no dark seam helps.
func synthNucleiField(t testing.TB, s nucleiFieldSpec) *imageio.Image {
	t.Helper()
	nuc := placeNuclei(s)
	if len(nuc) != s.nucleiCount() {
		t.Fatalf("placed %d nuclei, want %d (field too small)", len(nuc), s.nucleiCount())
	}
	rng := rand.New(rand.NewSource(s.seed + 1))
	img := &imageio.Image{Width: s.w, Height: s.h, Channels: 1, Pix: make([]byte, s.w*s.h)}
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			v := 20 + 10*float64(x)/float64(s.w)
			for _, n := range nuc {
				dx, dy := float64(x)-n.cx, float64(y)-n.cy
				u := (dx*math.Cos(n.theta) + dy*math.Sin(n.theta)) / n.a
				w := (-dx*math.Sin(n.theta) + dy*math.Cos(n.theta)) / n.b
				rho := math.Sqrt(u*u + w*w) // 1 on the ellipse
				// Logistic edge about 1.5 px wide, dome 20 % brighter in the centre.
				edge := 1 / (1 + math.Exp((rho-1)*n.b/0.7))
				v = math.Max(v, 20+n.peak*edge*(1-0.2*rho*rho))
			}
			v += rng.NormFloat64() * 4
			if s.light {
				v = 255 - v
			}
			img.Pix[y*s.w+x] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return img
}

func nucleiUniform(w, h int, v byte) *imageio.Image {
	img := &imageio.Image{Width: w, Height: h, Channels: 3, Pix: make([]byte, w*h*3)}
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

// checkNucleiLabels verifies the contract of the label image: labels
// 1..n all present, n equal to the objects, all of class nucleus.
func checkNucleiLabels(t *testing.T, res *Result) {
	t.Helper()
	if res.Labels == nil {
		t.Fatal("no label image")
	}
	seen := map[uint16]bool{}
	b := res.Labels.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if v := res.Labels.Gray16At(x, y).Y; v != 0 {
				seen[v] = true
			}
		}
	}
	if len(seen) != len(res.Objects) {
		t.Errorf("%d distinct labels, %d objects", len(seen), len(res.Objects))
	}
	for i, o := range res.Objects {
		if o.ID != i+1 || !seen[uint16(o.ID)] {
			t.Errorf("object %d has id %d (labels must be 1..n)", i, o.ID)
		}
		if o.Class != models.ClassNucleus {
			t.Errorf("object %d class %q, want %q", o.ID, o.Class, models.ClassNucleus)
		}
	}
}

func TestNucleiSyntheticCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	cases := []struct {
		name string
		spec nucleiFieldSpec
		tol  int // allowed |count − true|
	}{
		{"isolated", nucleiFieldSpec{w: 256, h: 256, n: 20, radiusPx: 8, seed: 1}, 1},
		{"touching pairs", nucleiFieldSpec{w: 384, h: 384, n: 12, pairs: 8, radiusPx: 9, seed: 2}, 2},
		{"small nuclei", nucleiFieldSpec{w: 256, h: 256, n: 40, radiusPx: 4, seed: 3}, 2},
		{"large nuclei", nucleiFieldSpec{w: 640, h: 512, n: 12, pairs: 3, radiusPx: 22, seed: 4}, 1},
		{"dark on light", nucleiFieldSpec{w: 320, h: 320, n: 15, pairs: 4, radiusPx: 9, light: true, seed: 5}, 2},
		{"single nucleus", nucleiFieldSpec{w: 128, h: 128, n: 1, radiusPx: 10, seed: 6}, 0},
	}
	for _, m := range nucleiMethods {
		for _, c := range cases {
			t.Run(m.name+"/"+c.name, func(t *testing.T) {
				img := synthNucleiField(t, c.spec)
				res, err := Count(img, Options{Stain: StainFluorescence, Labels: true, NucleiMethod: m.method})
				if err != nil {
					t.Fatal(err)
				}
				want := c.spec.nucleiCount()
				if got := res.Live + res.Dead; abs(got-want) > c.tol {
					t.Errorf("counted %d nuclei, want %d ± %d", got, want, c.tol)
				}
				if res.Dead != 0 {
					t.Errorf("nuclei counted as dead: %d", res.Dead)
				}
				checkNucleiLabels(t, res)
				for _, f := range res.QC {
					if f == models.QCBlank || f == models.QCOutOfFocus {
						t.Errorf("unexpected QC flag %q", f)
					}
				}
			})
		}
	}
}

// Touching pairs must come out as two nuclei each, not as one clump.
func TestNucleiTouchingPairsSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	spec := nucleiFieldSpec{w: 384, h: 384, pairs: 10, radiusPx: 10, seed: 7}
	for _, m := range nucleiMethods {
		res, err := Count(synthNucleiField(t, spec), Options{Stain: StainFluorescence, NucleiMethod: m.method})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Live; abs(got-20) > 2 {
			t.Errorf("%s: 10 touching pairs counted as %d nuclei, want 20 ± 2", m.name, got)
		}
	}
}

// The size of segmented nuclei must follow the drawn size at every scale.
func TestNucleiAreaMatchesDrawn(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	for _, m := range nucleiMethods {
		for _, r := range []float64{5, 10, 20} {
			checkNucleusAreas(t, m.name, r, Options{Stain: StainFluorescence, NucleiMethod: m.method})
		}
	}
}

func checkNucleusAreas(t *testing.T, method string, r float64, opt Options) {
	t.Helper()
	spec := nucleiFieldSpec{w: 512, h: 512, n: 8, radiusPx: r, seed: 8}
	nuc := placeNuclei(spec)
	var want float64
	for _, n := range nuc {
		want += math.Pi * n.a * n.b / float64(len(nuc))
	}
	res, err := Count(synthNucleiField(t, spec), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != len(nuc) {
		t.Errorf("%s r=%.0f: %d objects, want %d", method, r, len(res.Objects), len(nuc))
		return
	}
	var got float64
	for _, o := range res.Objects {
		got += o.AreaPx / float64(len(res.Objects))
	}
	if math.Abs(got-want)/want > 0.2 {
		t.Errorf("%s r=%.0f: mean area %.0f px², drawn %.0f px² (tolerance 20 %%)", method, r, got, want)
	}
}

func TestNucleiDeterministic(t *testing.T) {
	t.Parallel()
	img := synthNucleiField(t, nucleiFieldSpec{w: 256, h: 256, n: 10, pairs: 4, radiusPx: 8, seed: 9})
	a, err := Count(img, Options{Stain: StainFluorescence, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Count(img, Options{Stain: StainFluorescence, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Labels.Pix, b.Labels.Pix) {
		t.Error("two runs gave different label images")
	}
	// Scan order: the first pixel of label k comes before that of k+1.
	first := map[uint16]int{}
	for i := 0; i < len(a.Labels.Pix)/2; i++ {
		v := uint16(a.Labels.Pix[2*i])<<8 | uint16(a.Labels.Pix[2*i+1])
		if _, ok := first[v]; v != 0 && !ok {
			first[v] = i
		}
	}
	for k := uint16(1); int(k) < len(first); k++ {
		if first[k] > first[k+1] {
			t.Errorf("label %d starts after label %d: not in scan order", k, k+1)
		}
	}
}

// Calibration bounds the accepted size: with 1 µm pixels and a minimum
// diameter of 12 µm, nuclei drawn 8 px across are rejected.
func TestNucleiCalibratedMinDiameter(t *testing.T) {
	t.Parallel()
	img := synthNucleiField(t, nucleiFieldSpec{w: 256, h: 256, n: 12, radiusPx: 4, seed: 10})
	res, err := Count(img, Options{Stain: StainFluorescence, PixelSizeUM: 1})
	if err != nil {
		t.Fatal(err)
	}
	if abs(res.Live-12) > 1 {
		t.Errorf("default bounds: %d nuclei, want 12 ± 1", res.Live)
	}
	res, err = Count(img, Options{Stain: StainFluorescence, PixelSizeUM: 1, MinDiameterUM: 12})
	if err != nil {
		t.Fatal(err)
	}
	if res.Live != 0 {
		t.Errorf("min diameter 12 µm: %d nuclei of ~9 µm kept, want 0", res.Live)
	}
	if len(res.Objects) > 0 && res.Objects[0].EquivDiameterUM == 0 {
		t.Error("calibrated run lacks µm diameters")
	}
}

func TestNucleiEdgeCases(t *testing.T) {
	t.Parallel()
	noisy := &imageio.Image{Width: 8, Height: 8, Channels: 1, Pix: make([]byte, 64)}
	rng := rand.New(rand.NewSource(11))
	for i := range noisy.Pix {
		noisy.Pix[i] = byte(rng.Intn(256))
	}
	one := &imageio.Image{Width: 9, Height: 8, Channels: 3, Pix: make([]byte, 9*8*3)}
	for c := 0; c < 3; c++ {
		one.Pix[(4*9+4)*3+c] = 255
	}
	cases := []struct {
		name      string
		img       *imageio.Image
		wantBlank bool
		maxCount  int
	}{
		{"all black", nucleiUniform(64, 64, 0), true, 0},
		{"all white", nucleiUniform(64, 64, 255), true, 0},
		{"mid grey", nucleiUniform(300, 200, 128), true, 0},
		{"8x8 noise", noisy, false, 64},
		{"single bright pixel", one, true, 0}, // 1 px of 72 is below the 99.5th percentile
		{"16-bit rescaled", nuclei16Bit(t), false, 30},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Count(c.img, Options{Stain: StainFluorescence, Labels: true, Overlay: true})
			if err != nil {
				t.Fatal(err)
			}
			checkNucleiLabels(t, res)
			if got := slices.Contains(res.QC, models.QCBlank); got != c.wantBlank {
				t.Errorf("blank flag %v, want %v (QC %v)", got, c.wantBlank, res.QC)
			}
			if res.Live > c.maxCount {
				t.Errorf("%d nuclei, want at most %d", res.Live, c.maxCount)
			}
		})
	}
}

// nuclei16Bit encodes a synthetic field as a 16-bit PNG using only the
// lowest 1/16 of the range (as a dim camera frame would) and decodes it
// through imageio, which rescales it to 8 bits.
func nuclei16Bit(t *testing.T) *imageio.Image {
	src := synthNucleiField(t, nucleiFieldSpec{w: 200, h: 160, n: 10, radiusPx: 7, seed: 12})
	g := image.NewGray16(image.Rect(0, 0, src.Width, src.Height))
	for i, v := range src.Pix {
		g.SetGray16(i%src.Width, i/src.Width, color.Gray16{Y: uint16(v) * 16})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		t.Fatal(err)
	}
	img, err := imageio.Decode(buf.Bytes(), imageio.Options{BlackBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(img.QC, models.QCHighBitDepth) {
		t.Fatalf("decoder did not rescale 16-bit input: QC %v", img.QC)
	}
	return img
}

func TestNuclei16BitCount(t *testing.T) {
	t.Parallel()
	for _, m := range nucleiMethods {
		res, err := Count(nuclei16Bit(t), Options{Stain: StainFluorescence, NucleiMethod: m.method})
		if err != nil {
			t.Fatal(err)
		}
		if abs(res.Live-10) > 1 {
			t.Errorf("%s: 16-bit field: %d nuclei, want 10 ± 1", m.name, res.Live)
		}
	}
}

func TestNucleiOutOfFocus(t *testing.T) {
	t.Parallel()
	spec := nucleiFieldSpec{w: 256, h: 256, n: 15, radiusPx: 5, seed: 13}
	sharp := synthNucleiField(t, spec)
	res, err := Count(sharp, Options{Stain: StainFluorescence})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.QC, models.QCOutOfFocus) {
		t.Errorf("sharp field flagged out of focus")
	}
	// Defocus: a box blur 11 px wide, applied six times (≈ Gaussian σ 7.7 px).
	blurred := &imageio.Image{Width: sharp.Width, Height: sharp.Height, Channels: 1, Pix: slices.Clone(sharp.Pix)}
	for range 6 {
		blurred.Pix = boxBlur(blurred.Pix, blurred.Width, blurred.Height, 5)
	}
	res, err = Count(blurred, Options{Stain: StainFluorescence})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.QC, models.QCOutOfFocus) {
		t.Errorf("defocused field not flagged out of focus (QC %v)", res.QC)
	}
}

// boxBlur averages over a (2k+1)² window, clamping at the borders.
func boxBlur(pix []byte, w, h, k int) []byte {
	out := make([]byte, len(pix))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s, n := 0, 0
			for yy := max(0, y-k); yy <= min(h-1, y+k); yy++ {
				for xx := max(0, x-k); xx <= min(w-1, x+k); xx++ {
					s += int(pix[yy*w+xx])
					n++
				}
			}
			out[y*w+x] = byte((s + n/2) / n)
		}
	}
	return out
}

func TestNucleiCrowded(t *testing.T) {
	t.Parallel()
	// A sheet of nuclei covering most of the field.
	spec := nucleiFieldSpec{w: 200, h: 200, radiusPx: 8, seed: 14}
	img := &imageio.Image{Width: spec.w, Height: spec.h, Channels: 1, Pix: make([]byte, spec.w*spec.h)}
	rng := rand.New(rand.NewSource(spec.seed))
	for y := 0; y < spec.h; y++ {
		for x := 0; x < spec.w; x++ {
			// Hexagonal lattice of overlapping discs of radius 9 at spacing 14.
			v := 20.0
			for j := -1; j <= spec.h/12+1; j++ {
				for i := -1; i <= spec.w/14+1; i++ {
					cx := float64(i*14) + 7*float64(j%2)
					cy := float64(j * 12)
					if math.Hypot(float64(x)-cx, float64(y)-cy) < 9 {
						v = 160
					}
				}
			}
			img.Pix[y*spec.w+x] = uint8(v + rng.NormFloat64()*4)
		}
	}
	res, err := Count(img, Options{Stain: StainFluorescence})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.QC, models.QCCrowded) {
		t.Errorf("confluent sheet not flagged crowded (QC %v)", res.QC)
	}
	// A sparse field is not crowded.
	res, err = Count(synthNucleiField(t, nucleiFieldSpec{w: 256, h: 256, n: 10, radiusPx: 8, seed: 15}), Options{Stain: StainFluorescence})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.QC, models.QCCrowded) {
		t.Errorf("sparse field flagged crowded")
	}
}

func TestNucleiRejectsBadMats(t *testing.T) {
	t.Parallel()
	if _, err := Count(&imageio.Image{Width: 4, Height: 4, Channels: 2, Pix: make([]byte, 32)}, Options{Stain: StainFluorescence}); err == nil {
		t.Error("2-channel image accepted")
	}
}

func BenchmarkCellsNuclei1024(b *testing.B) {
	img := synthNucleiField(b, nucleiFieldSpec{w: 1024, h: 1024, n: 150, pairs: 30, radiusPx: 10, seed: 16})
	b.ResetTimer()
	for range b.N {
		if _, err := Count(img, Options{Stain: StainFluorescence, Labels: true}); err != nil {
			b.Fatal(err)
		}
	}
}
