package cells

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/analysis/internal/dnn"
)

// nucleiMethods are the default segmenter and the classical one it falls
// back to; the synthetic accuracy tests hold for both. The network alone
// (NucleiUNet) is tested in TestNucleiUNetSynthetic: it merges touching
// synthetic pairs that the classical method splits.
var nucleiMethods = []struct{ name, method string }{{"default", ""}, {"classical", NucleiClassical}}

// TestNucleiUNetSynthetic checks the network on its own (every image, also
// fluorescence) on synthetic fields it handles; tolerances as in
// TestNucleiSyntheticCounts.
func TestNucleiUNetSynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	cases := []struct {
		name string
		spec nucleiFieldSpec
		tol  int
	}{
		{"isolated", nucleiFieldSpec{w: 256, h: 256, n: 20, radiusPx: 8, seed: 1}, 1},
		{"small nuclei", nucleiFieldSpec{w: 256, h: 256, n: 40, radiusPx: 4, seed: 3}, 2},
		{"dark on light", nucleiFieldSpec{w: 320, h: 320, n: 15, pairs: 4, radiusPx: 9, light: true, seed: 5}, 2},
		{"single nucleus", nucleiFieldSpec{w: 128, h: 128, n: 1, radiusPx: 10, seed: 6}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Count(synthNucleiField(t, c.spec), Options{Stain: StainFluorescence, Labels: true, NucleiMethod: NucleiUNet})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := res.Live, c.spec.nucleiCount(); abs(got-want) > c.tol {
				t.Errorf("counted %d nuclei, want %d ± %d", got, want, c.tol)
			}
			checkNucleiLabels(t, res)
		})
	}
}

// TestNucleiFromMaps checks the post-processing of the network's maps:
// touching nuclei split at their seeds, a seedless blob kept whole, debris
// dropped.
func TestNucleiFromMaps(t *testing.T) {
	t.Parallel()
	const w, h = 80, 60
	pf := make([]float32, w*h)
	pd := make([]float32, w*h)
	discs := []struct{ cx, cy, r float64 }{{20, 30, 10}, {37, 30, 10}} // overlapping pair
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			for _, d := range discs {
				if dist := math.Hypot(float64(x)-d.cx, float64(y)-d.cy); dist < d.r {
					pf[i] = 0.9
					pd[i] = max(pd[i], float32(1-dist/d.r))
				}
			}
			if math.Hypot(float64(x)-65, float64(y)-15) < 6 { // no confident centre
				pf[i], pd[i] = 0.8, 0.3
			}
			if x >= 60 && x < 62 && y >= 50 && y < 52 { // 4 px of debris
				pf[i], pd[i] = 0.9, 0.9
			}
		}
	}
	lab, n := nucleiFromMaps(pf, pd, w, h, 10)
	if n != 3 {
		t.Fatalf("%d nuclei, want 3 (two halves of the pair and the seedless blob)", n)
	}
	area := make([]int, n+1)
	for _, l := range lab {
		area[l]++
	}
	// Labels are in scan order: the blob (top right) first, then the pair.
	if a := area[1]; math.Abs(float64(a)-math.Pi*36) > 20 {
		t.Errorf("seedless blob area %d px², want ≈ %.0f", a, math.Pi*36)
	}
	if d := area[2] - area[3]; d > 40 || d < -40 {
		t.Errorf("pair split unevenly: %d vs %d px²", area[2], area[3])
	}
	if lab[51*w+60] != 0 {
		t.Errorf("debris kept as label %d", lab[51*w+60])
	}
}

// A model that cannot be loaded is an error when asked for explicitly.
func TestNucleiModelPathErrors(t *testing.T) {
	t.Parallel()
	img := synthNucleiField(t, nucleiFieldSpec{w: 128, h: 128, n: 5, radiusPx: 8, seed: 21})
	if _, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiUNet, NucleiModelPath: filepath.Join(t.TempDir(), "missing.onnx")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing model: err = %v, want not-exist", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.onnx")
	if err := os.WriteFile(bad, []byte("definitely not protobuf \xff\xff\xff"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiUNet, NucleiModelPath: bad}); !errors.Is(err, dnn.ErrModel) {
		t.Errorf("corrupt model: err = %v, want dnn.ErrModel", err)
	}
}

// The embedded network loads, and NucleiClassical really bypasses it.
func TestNucleiEmbeddedModelLoads(t *testing.T) {
	t.Parallel()
	if _, err := nucleiNet(""); err != nil {
		t.Fatalf("embedded nuclei model: %v", err)
	}
	img := synthNucleiField(t, nucleiFieldSpec{w: 200, h: 200, n: 8, pairs: 2, radiusPx: 7, seed: 22})
	src, gray := img.Pix, img.Pix
	light := lightBackground(gray)
	sig := nucleusSignal(src, gray, 1, light)
	want, wantN, _, err := segmentNucleusSignal(sig, img.Width, img.Height, light, false, areaBounds{})
	if err != nil {
		t.Fatal(err)
	}
	if _, n, _, ok, err := segmentNucleiLearned(sig, img.Width, img.Height, light, false, areaBounds{}, ""); err != nil || !ok || abs(n-12) > 2 {
		t.Errorf("network path: %d nuclei, ok %v, err %v; want 12 ± 2 from the network itself", n, ok, err)
	}
	res, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: NucleiClassical, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != wantN {
		t.Fatalf("NucleiClassical: %d objects, classical segmenter %d", len(res.Objects), wantN)
	}
	for i, l := range want {
		if int32(res.Labels.Gray16At(i%img.Width, i/img.Width).Y) != l {
			t.Fatalf("NucleiClassical labels differ from the classical segmenter at pixel %d", i)
		}
	}
}

func TestNucleiUnknownMethod(t *testing.T) {
	t.Parallel()
	img := synthNucleiField(t, nucleiFieldSpec{w: 64, h: 64, n: 1, radiusPx: 6, seed: 23})
	if _, err := Count(img, Options{Stain: StainFluorescence, NucleiMethod: "magic"}); !errors.Is(err, ErrUnknownNucleiMethod) {
		t.Errorf("err = %v, want ErrUnknownNucleiMethod", err)
	}
}

func BenchmarkCellsNucleiUNet1024(b *testing.B) {
	img := synthNucleiField(b, nucleiFieldSpec{w: 1024, h: 1024, n: 150, pairs: 30, radiusPx: 10, seed: 16})
	b.ResetTimer()
	for range b.N {
		if _, err := Count(img, Options{Stain: StainFluorescence, Labels: true, NucleiMethod: NucleiUNet}); err != nil {
			b.Fatal(err)
		}
	}
}
