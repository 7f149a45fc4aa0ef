package plates

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"sort"
	"testing"
)

func lum(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func encode(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAgarDeterministicAndTruth(t *testing.T) {
	a, err := Agar(3, 1, 300)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Agar(3, 1, 300)
	if !bytes.Equal(encode(t, a.Image), encode(t, b.Image)) || a.Colonies != b.Colonies {
		t.Fatal("same seed gave different plates")
	}
	for i := 0; i < 5; i++ {
		p, err := Agar(9, i, 300)
		if err != nil {
			t.Fatal(err)
		}
		if p.Image.Bounds().Dx() != 300 || p.Colonies != len(p.Objects) || p.Colonies < 5 || p.Colonies > 1500 {
			t.Fatalf("plate %d: %v colonies %d objects %d", i, p.Image.Bounds(), p.Colonies, len(p.Objects))
		}
		// Colony centres (of colonies >= 3 px radius) are darker than the
		// agar just outside the dish centre region's median.
		dark, n := 0, 0
		for _, o := range p.Objects {
			if o.R < 3 {
				continue
			}
			n++
			ring := 0.0
			for k := 0; k < 8; k++ {
				a := float64(k) * math.Pi / 4
				ring += lum(p.Image, int(o.X+(o.R+6)*math.Cos(a)), int(o.Y+(o.R+6)*math.Sin(a)))
			}
			if lum(p.Image, int(o.X), int(o.Y)) < ring/8 {
				dark++
			}
		}
		if n > 0 && !(float64(dark)/float64(n) >= 0.85) {
			t.Fatalf("plate %d: dark colony centres %d/%d", i, dark, n)
		}
	}
}

func TestCrystalVioletTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	a, sa, _, err := CrystalViolet(4, 2, 400)
	if err != nil {
		t.Fatal(err)
	}
	b, sb, _, _ := CrystalViolet(4, 2, 400)
	if !bytes.Equal(encode(t, a.Image), encode(t, b.Image)) || sa != sb {
		t.Fatal("same seed gave different dishes")
	}
	// Replicates of one sample share the plate-map entry.
	s0, r0 := CVSample(4, 0)
	s3, r3 := CVSample(4, 3)
	s4, _ := CVSample(4, 4)
	if s0 != s3 || r0 == r3 || s0.Name == s4.Name {
		t.Fatalf("plate map: %v/%d %v/%d %v", s0, r0, s3, r3, s4)
	}
	n := 4
	if testing.Short() {
		n = 2
	}
	for i := 0; i < n; i++ {
		p, smp, _, err := CrystalViolet(1, i, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Colonies > smp.CellsSeeded {
			t.Fatal("more colonies than cells seeded")
		}
		d50 := 0.0
		// Background: the brightest decile inside the dish (dish floor).
		var vals []float64
		W := p.Image.Bounds().Dx()
		for y := 0; y < W; y += 9 {
			for x := 0; x < W; x += 9 {
				if math.Hypot(float64(x-W/2), float64(y-W/2)) < p.DishR*0.8 {
					vals = append(vals, lum(p.Image, x, y))
				}
			}
		}
		sort.Float64s(vals)
		bg := vals[len(vals)*9/10]
		for _, o := range p.Objects {
			if o.Abortive {
				if 2*o.R >= 12 {
					t.Fatalf("abortive cluster %.1f px across", 2*o.R)
				}
				continue
			}
			if o.Cells < 50 {
				t.Fatalf("colony with %d cells", o.Cells)
			}
			d50 = 2 * o.R / math.Sqrt(float64(o.Cells)/50)
			m := 0.0
			for dy := -3; dy <= 3; dy++ {
				for dx := -3; dx <= 3; dx++ {
					m += lum(p.Image, int(o.X)+dx, int(o.Y)+dy) / 49
				}
			}
			if m > 0.92*bg {
				t.Fatalf("colony (%d cells) centre not stained: mean %.0f, background %.0f", o.Cells, m, bg)
			}
		}
		if p.Colonies > 0 && !(d50 >= 27 && d50 <= 37) {
			t.Fatalf("d50 %.1f px", d50)
		}
	}
}
