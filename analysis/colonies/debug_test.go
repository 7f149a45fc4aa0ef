//go:build colonydebug

package colonies

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/histocount/histocount/imageio"
	"math"
	"math/rand/v2"
)

// TestDebugPlates (go test -tags 'matprofile colonydebug') counts the plates
// listed in HC_PLATES and writes overlays to /tmp/cp.
func TestDebugPlates(t *testing.T) {
	debugDish = true

	for _, p := range strings.Fields(os.Getenv("HC_PLATES")) {
		img, err := imageio.Load(p, imageio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("HC_INVERT") != "" {
			for i := range img.Pix {
				img.Pix[i] = 255 - img.Pix[i]
			}
		}
		if f, _ := strconv.ParseFloat(os.Getenv("HC_PAD"), 64); f > 1 {
			img = pad(img, f)
		}
		if f, _ := strconv.Atoi(os.Getenv("HC_DOWN")); f > 1 {
			img = boxDown(img, f)
		}
		start := time.Now()
		res, err := Count(img, Options{Overlay: os.Getenv("HC_OVERLAY") != ""})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d colonies, %d rejected, dish %+v, pol %s, qc %v, %v", filepath.Base(p), len(res.Colonies), len(res.Rejected), res.Dish, res.Polarity, res.QC, time.Since(start))
		if res.Overlay != nil {
			f, _ := os.Create("/tmp/cp/ov_" + strings.TrimSuffix(filepath.Base(p), ".jpg") + ".png")
			png.Encode(f, res.Overlay)
			f.Close()
		}
	}
}

// TestDebugSynth writes the overlay of the synthetic case HC_SYNTH
// (sparse, medium, touching, noisy) to /tmp/cp.
func TestDebugSynth(t *testing.T) {
	debugDish = true
	specs := map[string]struct {
		seed uint64
		spec SynthSpec
	}{
		"sparse":   {1, SynthSpec{Colonies: 25, TouchingPairs: 3, Abortive: 10, Debris: 8, CellsSeeded: 500}},
		"medium":   {2, SynthSpec{Colonies: 60, TouchingPairs: 10, Abortive: 20, Debris: 10, CellsSeeded: 1000}},
		"touching": {3, SynthSpec{Colonies: 40, TouchingPairs: 15, Abortive: 5, Debris: 4, CellsSeeded: 400}},
		"noisy":    {4, SynthSpec{Colonies: 35, TouchingPairs: 5, Abortive: 10, Debris: 10, CellsSeeded: 700, NoiseSD: 6}},
	}
	for _, name := range strings.Fields(os.Getenv("HC_SYNTH")) {
		c := specs[name]
		img, truth := Synthesize(rand.New(rand.NewPCG(c.seed, 99)), c.spec)
		res, err := Count(img, Options{MinCells: 50, CellAreaUM2: 2000, Overlay: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d colonies (truth %d), %d rejected, qc %v", name, len(res.Colonies), truth.Colonies, len(res.Rejected), res.QC)
		for _, o := range truth.Objects {
			t.Logf("  truth %.0f,%.0f r=%.1f abortive=%v", o.X, o.Y, o.RadiusPx, o.Abortive)
		}
		for _, o := range res.Colonies {
			t.Logf("  col %d %.0f,%.0f d=%.1f", o.ID, o.CentroidXPx, o.CentroidYPx, o.EquivDiameterPx)
		}
		f, _ := os.Create("/tmp/cp/synth_" + name + ".png")
		png.Encode(f, res.Overlay)
		f.Close()
	}
}

// boxDown shrinks img by an integer factor f (box average), to mimic a
// lower-resolution camera.
func boxDown(img *imageio.Image, f int) *imageio.Image {
	w, h, c := img.Width/f, img.Height/f, img.Channels
	out := &imageio.Image{Width: w, Height: h, Channels: c, Pix: make([]byte, w*h*c)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for k := 0; k < c; k++ {
				s := 0
				for dy := 0; dy < f; dy++ {
					for dx := 0; dx < f; dx++ {
						s += int(img.Pix[((y*f+dy)*img.Width+x*f+dx)*c+k])
					}
				}
				out.Pix[(y*w+x)*c+k] = byte(s / (f * f))
			}
		}
	}
	return out
}

func TestDebugSynthMAPE(t *testing.T) {

	sum := 0.0
	n := 0
	for seed := uint64(1); seed <= 12; seed++ {
		r := rand.New(rand.NewPCG(seed, 1234))
		spec := SynthSpec{Colonies: 15 + r.IntN(120), Abortive: 5 + r.IntN(30), Debris: r.IntN(15), CellsSeeded: 1000, NoiseSD: 2 + 5*r.Float64()}
		spec.TouchingPairs = spec.Colonies / (4 + r.IntN(8))
		img, truth := Synthesize(r, spec)
		res, err := Count(img, Options{MinCells: 50, CellAreaUM2: 2000})
		if err != nil {
			t.Fatal(err)
		}
		ape := 100 * math.Abs(float64(len(res.Colonies)-truth.Colonies)) / float64(truth.Colonies)
		sum += ape
		n++
		for _, o := range truth.Objects {
			if o.Abortive {
				continue
			}
			hit := false
			for _, c := range res.Colonies {
				if math.Hypot(c.CentroidXPx-o.X, c.CentroidYPx-o.Y) < o.RadiusPx*0.6 {
					hit = true
				}
			}
			if !hit {
				t.Logf("   miss %.0f,%.0f r %.1f", o.X, o.Y, o.RadiusPx)
				for _, q := range truth.Objects {
					if d := math.Hypot(q.X-o.X, q.Y-o.Y); d < 60 && d > 0 {
						t.Logf("      near %.0f,%.0f r %.1f abortive %v", q.X, q.Y, q.RadiusPx, q.Abortive)
					}
				}
				for _, c := range res.Colonies {
					if d := math.Hypot(c.CentroidXPx-o.X, c.CentroidYPx-o.Y); d < 60 {
						t.Logf("      found %.0f,%.0f d %.1f", c.CentroidXPx, c.CentroidYPx, c.EquivDiameterPx)
					}
				}
			}
		}
		if os.Getenv("HC_SEED") == fmt.Sprint(seed) {
			res, _ := Count(img, Options{MinCells: 50, CellAreaUM2: 2000, Overlay: true})
			f, _ := os.Create("/tmp/cp/synthseed.png")
			png.Encode(f, res.Overlay)
			f.Close()
		}
		t.Logf("seed %d: %+v truth %d got %d (%.1f%%) cfe %.2f vs %.2f qc %v", seed, spec, truth.Colonies, len(res.Colonies), ape, CFE(len(res.Colonies), spec.CellsSeeded), truth.CFEPct, res.QC)
	}
	t.Logf("MAPE %.2f", sum/float64(n))
}

// pad centres img on a dark bench f times its size.
func pad(img *imageio.Image, f float64) *imageio.Image {
	w, h, c := int(float64(img.Width)*f), int(float64(img.Height)*f), img.Channels
	out := &imageio.Image{Width: w, Height: h, Channels: c, Pix: make([]byte, w*h*c)}
	for i := range out.Pix {
		out.Pix[i] = 25
	}
	ox, oy := (w-img.Width)/2, (h-img.Height)/2
	for y := 0; y < img.Height; y++ {
		copy(out.Pix[((y+oy)*w+ox)*c:((y+oy)*w+ox+img.Width)*c], img.Pix[y*img.Width*c:(y+1)*img.Width*c])
	}
	return out
}
