package sections

import (
	"bytes"
	"image/png"
	"math"
	"testing"
)

var small = Options{MaxW: 300, MaxH: 700}

func TestDeterministicBySeed(t *testing.T) {
	a, err := Generate(5, 1, small)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(5, 1, small)
	var ba, bb bytes.Buffer
	_ = png.Encode(&ba, a.Image)
	_ = png.Encode(&bb, b.Image)
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) || !bytes.Equal(a.Mask.Pix, b.Mask.Pix) || a.Truth != b.Truth {
		t.Fatal("same seed gave different sections")
	}
}

// The mask must agree with the truth: the mean vertical run of epidermis
// (label 2) in the columns, times cos(tilt), ≈ epidermis_um; the same for
// the dermis; fat only when fat_present.
func TestMaskMatchesTruth(t *testing.T) {
	for i := 0; i < 4; i++ {
		s, err := Generate(2, i, small)
		if err != nil {
			t.Fatal(err)
		}
		tr := s.Truth
		b := s.Image.Bounds()
		if b.Dx() > small.MaxW || b.Dy() > small.MaxH || b != s.Mask.Bounds() {
			t.Fatalf("size %v mask %v", b, s.Mask.Bounds())
		}
		if (tr.Stain == "he") != (i%2 == 0) {
			t.Fatalf("stain %s for index %d", tr.Stain, i)
		}
		if !(tr.PixelSizeUM >= 0.4 && tr.PixelSizeUM <= 0.6 && math.Abs(tr.TiltDeg) <= 12) {
			t.Fatalf("pixel size %v tilt %v", tr.PixelSizeUM, tr.TiltDeg)
		}
		W, H := b.Dx(), b.Dy()
		var epi, fat int
		counts := map[uint8]int{}
		for _, v := range s.Mask.Pix {
			counts[v]++
		}
		epi, fat = counts[LabelEpidermis], counts[LabelFat]
		for l := range counts {
			if l != 0 && l != 1 && l != 2 && l != 4 && l != 5 {
				t.Fatalf("unexpected label %d", l)
			}
		}
		if (fat > 0) != tr.FatPresent {
			t.Fatalf("fat pixels %d, fat_present %v", fat, tr.FatPresent)
		}
		// Area / width along the surface ≈ mean thickness (only columns
		// fully crossing the layer count, so allow 25 %).
		widthUM := float64(W) * tr.PixelSizeUM / math.Cos(tr.TiltDeg*math.Pi/180)
		epiUM := float64(epi) * tr.PixelSizeUM * tr.PixelSizeUM / widthUM
		if !(math.Abs(epiUM-tr.EpidermisUM) <= 0.25*tr.EpidermisUM) {
			t.Errorf("image %d: epidermis area/width %.1f um, truth %.1f um", i, epiUM, tr.EpidermisUM)
		}
		if !(tr.EpidermisUM >= 20 && tr.EpidermisUM <= 200) {
			t.Errorf("epidermis %.1f um out of range", tr.EpidermisUM)
		}
		_ = H
	}
}

func TestFullSizeRanges(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size sections")
	}
	for i := 0; i < 2; i++ {
		s, err := Generate(1, i, Options{})
		if err != nil {
			t.Fatal(err)
		}
		tr := s.Truth
		if !(tr.EpidermisUM >= 30 && tr.EpidermisUM <= 170) || !(tr.DermisUM >= 600 && tr.DermisUM <= 1700) {
			t.Errorf("image %d: epidermis %.1f dermis %.1f um", i, tr.EpidermisUM, tr.DermisUM)
		}
		if b := s.Image.Bounds(); b.Dx() > 2000 || b.Dy() > 4000 {
			t.Errorf("size %v", b)
		}
	}
}
