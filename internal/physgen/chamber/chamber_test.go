package chamber

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/histocount/histocount/imageio"
)

func lum(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func TestDeterministicBySeed(t *testing.T) {
	opt := Options{W: 320, H: 240}
	a, err := Generate(7, 3, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(7, 3, opt)
	c, _ := Generate(8, 3, opt)
	var ba, bb, bc bytes.Buffer
	_ = png.Encode(&ba, a.Image)
	_ = png.Encode(&bb, b.Image)
	_ = png.Encode(&bc, c.Image)
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) || len(a.Cells) != len(b.Cells) {
		t.Fatal("same seed gave different fields")
	}
	if bytes.Equal(ba.Bytes(), bc.Bytes()) {
		t.Fatal("different seeds gave the same field")
	}
}

func TestSizesAndRanges(t *testing.T) {
	for i := 0; i < 6; i++ {
		f, err := Generate(1, i, Options{W: 400, H: 300})
		if err != nil {
			t.Fatal(err)
		}
		if b := f.Image.Bounds(); b.Dx() != 400 || b.Dy() != 300 {
			t.Fatalf("size %v", b)
		}
		if !(f.PixelSizeUM >= 0.8 && f.PixelSizeUM <= 1.6) {
			t.Fatalf("pixel size %v", f.PixelSizeUM)
		}
		for _, c := range f.Cells {
			dUM := 2 * c.R * f.PixelSizeUM
			lo, hi := 10.0, 18.0
			if c.Dead {
				hi = 20
			}
			if dUM < lo-1e-9 || dUM > hi+1e-9 {
				t.Fatalf("cell diameter %.2f um outside %v-%v (dead=%v)", dUM, lo, hi, c.Dead)
			}
		}
	}
	if _, err := Generate(1, 0, Options{W: 4, H: 4}); err == nil {
		t.Fatal("tiny size accepted")
	}
}

func TestFullSizeDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size field")
	}
	f, err := Generate(1, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := f.Image.Bounds()
	if b.Dx() < 1280 || b.Dx() > 2048 || b.Dy()*4 != b.Dx()*3 {
		t.Fatalf("size %v", b)
	}
}

// The rendered image must agree with the truth: dead cells are darker and
// bluer at their centre than the local background; live cells have a dark
// rim; the counts follow the edge rule.
func TestTruthMatchesImage(t *testing.T) {
	var deadOK, deadN, rimOK, rimN int
	for i := 0; i < 4; i++ {
		f, err := Generate(3, i, Options{W: 480, H: 360})
		if err != nil {
			t.Fatal(err)
		}
		img := f.Image
		w, h := 480, 360
		var bg []float64
		for y := 5; y < h; y += 17 {
			for x := 5; x < w; x += 17 {
				bg = append(bg, lum(img, x, y))
			}
		}
		sort.Float64s(bg)
		med := bg[len(bg)/2]
		for _, c := range f.Cells {
			if !c.Inside(w, h) || c.Clump > 0 || c.Blurred || c.R < 4 {
				continue
			}
			x, y := int(c.X), int(c.Y)
			if c.Dead {
				deadN++
				r, _, b, _ := img.At(x, y).RGBA()
				if lum(img, x, y) < med && (b > r || f.Params["greyscale"] == "true") {
					deadOK++
				}
				continue
			}
			// Darkest point on a ring at 0.8..1.05 R must be below background.
			minv := math.Inf(1)
			for a := 0.0; a < 2*math.Pi; a += 0.3 {
				for _, rr := range []float64{0.8, 0.88, 0.95, 1.02} {
					px, py := int(c.X+rr*c.R*math.Cos(a)), int(c.Y+rr*c.R*math.Sin(a))
					minv = math.Min(minv, lum(img, px, py))
				}
			}
			rimN++
			if minv < med*0.92 {
				rimOK++
			}
		}
		live, dead, li, di, _, _ := f.Counts()
		if li > live || di > dead {
			t.Fatalf("inside counts %d/%d exceed edge-rule counts %d/%d", li, di, live, dead)
		}
	}
	if deadN == 0 || rimN == 0 {
		t.Fatal("no cells to check")
	}
	if !(float64(deadOK)/float64(deadN) >= 0.9) {
		t.Fatalf("dead cells dark and blue: %d/%d", deadOK, deadN)
	}
	if !(float64(rimOK)/float64(rimN) >= 0.9) {
		t.Fatalf("live cells with a dark rim: %d/%d", rimOK, rimN)
	}
}

func TestEdgeRule(t *testing.T) {
	w, h := 100, 80
	cases := []struct {
		c               Cell
		counted, inside bool
	}{
		{Cell{X: 50, Y: 40, R: 5}, true, true},
		{Cell{X: 2, Y: 40, R: 5}, true, false},   // cut by left
		{Cell{X: 50, Y: 2, R: 5}, true, false},   // cut by top
		{Cell{X: 98, Y: 40, R: 5}, false, false}, // cut by right
		{Cell{X: 50, Y: 78, R: 5}, false, false}, // cut by bottom
		{Cell{X: 2, Y: 78, R: 5}, false, false},  // cut by left and bottom
		{Cell{X: -6, Y: 40, R: 5}, false, false}, // off the image
		{Cell{X: 94.9, Y: 40, R: 5}, true, true}, // just inside
	}
	for i, tc := range cases {
		if tc.c.Counted(w, h) != tc.counted || tc.c.Inside(w, h) != tc.inside {
			t.Errorf("case %d: counted %v inside %v", i, tc.c.Counted(w, h), tc.c.Inside(w, h))
		}
	}
}

func TestWriteDataset(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDataset(dir, 1, 2, Options{W: 200, H: 150}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"truth.csv", "cells.csv", "README.md", "images/field_000.png", "images/field_001.png"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "images/field_000.png"))
	if err != nil {
		t.Fatal(err)
	}
	cal := imageio.ReadCalibration(data, "png")
	f, _ := Generate(1, 0, Options{W: 200, H: 150})
	if !(math.Abs(cal.PixelSizeUM-f.PixelSizeUM) <= 0.002*f.PixelSizeUM) {
		t.Fatalf("pHYs pixel size %v, want %v", cal.PixelSizeUM, f.PixelSizeUM)
	}
}
