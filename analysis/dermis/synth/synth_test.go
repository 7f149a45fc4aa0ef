package synth

import (
	"bytes"
	"math"
	"math/rand"
	"testing"
)

func TestGenerateTruth(t *testing.T) {
	for _, stain := range []string{StainHE, StainSilver, StainPAS} {
		p := Default()
		p.Width, p.Height, p.Stain = 400, 800, stain
		p.DermisUM = 400
		p.ReteAmplitudeUM = 12
		img, tr := Generate(p, rand.New(rand.NewSource(1)))
		if img.Width != 400 || img.Height != 800 || len(img.Pix) != 400*800*3 {
			t.Fatalf("%s: image %dx%d, %d bytes", stain, img.Width, img.Height, len(img.Pix))
		}
		// the ridges' mean over the surface in view shifts the truth by at
		// most their amplitude, in opposite directions for the two layers
		dE, dD := tr.EpidermisUM-p.EpidermisUM, tr.DermisUM-p.DermisUM
		if math.Abs(dE) > 1.35*p.ReteAmplitudeUM || math.Abs(dE+dD) > 1e-9 {
			t.Errorf("%s: truth epidermis %+.2f, dermis %+.2f µm off the parameters", stain, dE, dD)
		}
		var n [5]int
		for _, l := range tr.Labels.Pix {
			n[l]++
		}
		for l := LabelCorneum; l <= LabelHypodermis; l++ {
			if n[l] == 0 {
				t.Errorf("%s: no pixels of layer %d", stain, l)
			}
		}
		for i, v := range tr.Adnexa.Pix {
			if v != 0 && tr.Labels.Pix[i] != LabelDermis {
				t.Fatalf("%s: adnexa pixel %d labelled %d, want dermis", stain, i, tr.Labels.Pix[i])
			}
		}
		// mean colour of the dermis: PAS is magenta (blue above green),
		// H&E pink (red above blue), silver yellow-brown (red above blue)
		var sum [3]float64
		cnt := 0
		for i, l := range tr.Labels.Pix {
			if l == LabelDermis {
				for c := 0; c < 3; c++ {
					sum[c] += float64(img.Pix[3*i+2-c])
				}
				cnt++
			}
		}
		r, g, b := sum[0]/float64(cnt), sum[1]/float64(cnt), sum[2]/float64(cnt)
		if g >= r || g >= b {
			if stain != StainSilver {
				t.Errorf("%s: dermis mean RGB %.0f %.0f %.0f, want green lowest", stain, r, g, b)
			}
		}
		if stain == StainSilver && !(r > g && g > b) {
			t.Errorf("silver: dermis mean RGB %.0f %.0f %.0f, want yellow-brown (R > G > B)", r, g, b)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	p := Default()
	p.Width, p.Height = 200, 300
	a, _ := Generate(p, rand.New(rand.NewSource(7)))
	b, _ := Generate(p, rand.New(rand.NewSource(7)))
	c, _ := Generate(p, rand.New(rand.NewSource(8)))
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("same seed, different images")
	}
	if bytes.Equal(a.Pix, c.Pix) {
		t.Error("different seeds, same image")
	}
}
