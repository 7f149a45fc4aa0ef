package dapi

import (
	"bytes"
	"testing"
)

func TestDeterministicBySeed(t *testing.T) {
	a, err := Generate(4, 2, 128)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(4, 2, 128)
	c, _ := Generate(5, 2, 128)
	if !bytes.Equal(a.Image.Pix, b.Image.Pix) || a.Count != b.Count {
		t.Fatal("same seed gave different fields")
	}
	if bytes.Equal(a.Image.Pix, c.Image.Pix) {
		t.Fatal("different seeds gave the same field")
	}
	if _, err := Generate(1, 0, 8); err == nil {
		t.Fatal("tiny size accepted")
	}
}

// Count must equal the distinct labels; every label is one connected
// body (lobed nuclei included); nuclei are brighter than background.
func TestTruthMatchesImage(t *testing.T) {
	for i := 0; i < 4; i++ {
		f, err := Generate(7, i, 0)
		if err != nil {
			t.Fatal(err)
		}
		W, H := 512, 512
		if f.Image.Bounds().Dx() != W || f.Labels.Bounds().Dy() != H {
			t.Fatal("size")
		}
		lab := make([]int, W*H)
		seen := map[int]bool{}
		var in, out float64
		var nin, nout int
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				v := int(f.Labels.Gray16At(x, y).Y)
				lab[y*W+x] = v
				if v > 0 {
					seen[v] = true
					in += float64(f.Image.Pix[y*W+x])
					nin++
				} else {
					out += float64(f.Image.Pix[y*W+x])
					nout++
				}
			}
		}
		if len(seen) != f.Count || f.Count < 10 {
			t.Fatalf("field %d: %d labels, count %d", i, len(seen), f.Count)
		}
		if !(in/float64(nin) > 2*out/float64(nout)) {
			t.Fatalf("field %d: nuclei mean %.1f vs background %.1f", i, in/float64(nin), out/float64(nout))
		}
		// Connected components per label (4-connectivity).
		comps := map[int]int{}
		done := make([]bool, W*H)
		for p0 := range lab {
			if lab[p0] == 0 || done[p0] {
				continue
			}
			comps[lab[p0]]++
			stack := []int{p0}
			done[p0] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				x, y := p%W, p/W
				for _, q := range [][2]int{{x + 1, y}, {x - 1, y}, {x, y + 1}, {x, y - 1}} {
					if q[0] < 0 || q[1] < 0 || q[0] >= W || q[1] >= H {
						continue
					}
					j := q[1]*W + q[0]
					if !done[j] && lab[j] == lab[p] {
						done[j] = true
						stack = append(stack, j)
					}
				}
			}
		}
		split := 0
		for _, c := range comps {
			if c > 1 {
				split++
			}
		}
		if !(float64(split) <= 0.03*float64(f.Count)) {
			t.Fatalf("field %d: %d of %d labels in several pieces", i, split, f.Count)
		}
	}
}
