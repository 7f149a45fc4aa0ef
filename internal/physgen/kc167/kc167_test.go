package kc167

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
	if !bytes.Equal(a.Image.Pix, b.Image.Pix) || !bytes.Equal(a.Labels.Pix, b.Labels.Pix) || a.Count != b.Count {
		t.Fatal("same seed gave different fields")
	}
	if bytes.Equal(a.Image.Pix, c.Image.Pix) {
		t.Fatal("different seeds gave the same field")
	}
	if _, err := Generate(1, 0, 16); err == nil {
		t.Fatal("tiny size accepted")
	}
}

// The count is the number of distinct labels (one per cell, apoptotic
// fragments included), within the described 30–120 range; cells are
// brighter than background; the kinds sum up.
func TestTruthMatchesLabels(t *testing.T) {
	apoPieces := 0
	for i := 0; i < 6; i++ {
		f, err := Generate(11, i, 0)
		if err != nil {
			t.Fatal(err)
		}
		const W = 512
		seen := map[int]int{}
		var in, out float64
		var nin, nout int
		for j := 0; j < W*W; j++ {
			v := int(f.Labels.Pix[2*j])<<8 | int(f.Labels.Pix[2*j+1])
			if v > 0 {
				seen[v]++
				in += float64(f.Image.Pix[j])
				nin++
			} else {
				out += float64(f.Image.Pix[j])
				nout++
			}
		}
		if len(seen) != f.Count || len(f.Objects) != f.Count || f.Count < 25 || f.Count > 130 {
			t.Fatalf("field %d: %d labels, %d objects, count %d", i, len(seen), len(f.Objects), f.Count)
		}
		for _, o := range f.Objects {
			if seen[o.ID] != o.AreaPx {
				t.Fatalf("field %d label %d: %d px, objects.csv says %d", i, o.ID, seen[o.ID], o.AreaPx)
			}
			if o.Class == ClassApoptotic && components(f, o.ID) > 1 {
				apoPieces++
			}
		}
		if !(in/float64(nin) > 2*out/float64(nout)) {
			t.Fatalf("field %d: cells mean %.1f vs background %.1f", i, in/float64(nin), out/float64(nout))
		}
		if f.Mitotic+f.Apoptotic+f.OutOfFocus > f.Count || f.Inside > f.Count {
			t.Fatalf("field %d: kinds %d+%d+%d, inside %d of %d", i, f.Mitotic, f.Apoptotic, f.OutOfFocus, f.Inside, f.Count)
		}
	}
	if apoPieces == 0 {
		t.Fatal("no apoptotic cell drawn in several pieces under one label")
	}
}

// components counts the 8-connected pieces of label id.
func components(f *Field, id int) int {
	const W = 512
	at := func(j int) bool { return int(f.Labels.Pix[2*j])<<8|int(f.Labels.Pix[2*j+1]) == id }
	seen := make([]bool, W*W)
	n := 0
	for j := 0; j < W*W; j++ {
		if seen[j] || !at(j) {
			continue
		}
		n++
		stack := []int{j}
		seen[j] = true
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := k%W, k/W
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= W || yy >= W {
						continue
					}
					if q := yy*W + xx; !seen[q] && at(q) {
						seen[q] = true
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return n
}
