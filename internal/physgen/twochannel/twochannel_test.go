package twochannel

import (
	"bytes"
	"image"
	"image/png"
	"sort"
	"testing"
)

func enc(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterministicBySeed(t *testing.T) {
	a, err := Generate(2, 0, Options{W: 200, H: 160})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(2, 0, Options{W: 200, H: 160})
	if !bytes.Equal(enc(t, a.DAPI), enc(t, b.DAPI)) || !bytes.Equal(enc(t, a.Marker), enc(t, b.Marker)) || len(a.Nuclei) != len(b.Nuclei) {
		t.Fatal("same seed gave different fields")
	}
}

func gray(img image.Image, x, y int) float64 {
	v, _, _, _ := img.At(x, y).RGBA()
	return float64(v)
}

// Labels must match the nucleus list, and the rendered marker channel must
// separate positive from negative nuclei.
func TestTruthMatchesImage(t *testing.T) {
	sep := 0
	for i := 0; i < 6; i++ {
		f, err := Generate(11, i, Options{W: 320, H: 256})
		if err != nil {
			t.Fatal(err)
		}
		if f.DAPI.Bounds().Dx() != 320 || f.Labels.Bounds() != f.DAPI.Bounds() {
			t.Fatal("size mismatch")
		}
		area := map[int]int{}
		sum := map[int]float64{}
		for y := 0; y < 256; y++ {
			for x := 0; x < 320; x++ {
				id := int(f.Labels.Gray16At(x, y).Y)
				if id > len(f.Nuclei) {
					t.Fatalf("label %d > %d nuclei", id, len(f.Nuclei))
				}
				if id > 0 {
					area[id]++
					sum[id] += gray(f.Marker, x, y)
				}
			}
		}
		var pos, neg []float64
		for _, n := range f.Nuclei {
			if area[n.ID] != n.AreaPx || n.AreaPx == 0 {
				t.Fatalf("nucleus %d: area %d vs label pixels %d", n.ID, n.AreaPx, area[n.ID])
			}
			if n.AreaPx < 30 || n.Border || n.Mitotic {
				continue
			}
			m := sum[n.ID] / float64(n.AreaPx)
			if n.Positive {
				pos = append(pos, m)
			} else {
				neg = append(neg, m)
			}
		}
		if len(pos) < 2 || len(neg) < 2 {
			continue
		}
		sort.Float64s(pos)
		sort.Float64s(neg)
		if !(pos[len(pos)/2] > 1.5*neg[len(neg)/2]) {
			t.Fatalf("field %d: median positive marker %.0f vs negative %.0f", i, pos[len(pos)/2], neg[len(neg)/2])
		}
		sep++
	}
	if sep == 0 {
		t.Fatal("no field with both positive and negative nuclei")
	}
}
