package raster

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/imageio"
)

func TestBlurKeepsMeanAndSpreads(t *testing.T) {
	m := New(41, 41, 1)
	m.Pix[20*41+20] = 1
	m.Blur(2)
	var s float64
	for _, v := range m.Pix {
		s += float64(v)
	}
	if !(math.Abs(s-1) <= 1e-4) {
		t.Fatalf("blur sum %v, want 1", s)
	}
	// Central value of a unit impulse blurred by σ=2: 1/(2πσ²) ≈ 0.0398.
	if c := float64(m.Pix[20*41+20]); !(math.Abs(c-0.0398) <= 0.002) {
		t.Fatalf("centre %v", c)
	}
}

func TestNoiseRangeAndDeterminism(t *testing.T) {
	a, b := NewFBm(RNG(1, "x", 0), 10, 3), NewFBm(RNG(1, "x", 0), 10, 3)
	for i := 0; i < 500; i++ {
		x, y := float64(i)*1.7, float64(i)*0.3
		v := a.At(x, y)
		if !(v >= 0 && v <= 1) || v != b.At(x, y) {
			t.Fatalf("fbm(%v,%v) = %v / %v", x, y, v, b.At(x, y))
		}
	}
	if RNG(1, "x", 0).Uint64() == RNG(1, "x", 1).Uint64() || RNG(1, "x", 0).Uint64() == RNG(1, "y", 0).Uint64() {
		t.Fatal("streams not independent")
	}
}

func TestWritePNGCalibration(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.png")
	if err := WritePNG(p, New(8, 8, 3, 0.5, 0.5, 0.5).RGBA(), 0.65); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if c := imageio.ReadCalibration(data, "png"); !(math.Abs(c.PixelSizeUM-0.65) <= 0.001) {
		t.Fatalf("pixel size %v", c.PixelSizeUM)
	}
}
