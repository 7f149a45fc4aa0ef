package cells

import (
	"math/rand"
	"slices"
	"testing"
)

// randomLabelImage draws rectangles of labels −1..n+1 (some labels in
// several pieces, some overlapping, negative and out-of-range ones) on a
// w×h image, so edge, interior and multi-piece cases all occur.
func randomLabelImage(rng *rand.Rand, w, h, n int) []int32 {
	lab := make([]int32, w*h)
	for k := rng.Intn(3 * n); k >= 0; k-- {
		l := int32(rng.Intn(n+3) - 1)
		x0, y0 := rng.Intn(w), rng.Intn(h)
		x1, y1 := min(w, x0+1+rng.Intn(8)), min(h, y0+1+rng.Intn(8))
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				lab[y*w+x] = l
			}
		}
	}
	return lab
}

// nearestLabelRef is nearestLabel as it was before labelledEdge: every
// labelled pixel starts in the front.
func nearestLabelRef(labels []int32, w, h, maxDist int) (owner []int32, dist []int) {
	owner = append([]int32(nil), labels...)
	dist = make([]int, w*h)
	var front []int
	for i, l := range labels {
		if l != 0 {
			front = append(front, i)
		}
	}
	for d := 1; d <= maxDist && len(front) > 0; d++ {
		var next []int
		for _, i := range front {
			x, y := i%w, i/w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					if j := ny*w + nx; owner[j] == 0 {
						owner[j], dist[j] = owner[i], d
						next = append(next, j)
					}
				}
			}
		}
		front = next
	}
	return owner, dist
}

// labelPiecesRef counts the distinct (label, 8-connected piece) pairs
// with a map lookup per pixel, as labelPieces did.
func labelPiecesRef(lab []int32, n, w, h int) []int {
	fg := make([]bool, len(lab))
	for i, l := range lab {
		fg[i] = l > 0
	}
	cc, _, _ := components(fg, w, h)
	seen := map[[2]int32]bool{}
	pieces := make([]int, n+1)
	for i, l := range lab {
		if k := [2]int32{l, cc[i]}; l > 0 && int(l) <= n && !seen[k] {
			seen[k] = true
			pieces[l]++
		}
	}
	return pieces
}

func TestNearestLabelMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for trial := range 400 {
		w, h, n := 1+rng.Intn(40), 1+rng.Intn(40), 1+rng.Intn(12)
		lab := randomLabelImage(rng, w, h, n)
		maxDist := rng.Intn(6)
		owner, dist := nearestLabel(lab, w, h, maxDist)
		wantOwner, wantDist := nearestLabelRef(lab, w, h, maxDist)
		if !slices.Equal(owner, wantOwner) || !slices.Equal(dist, wantDist) {
			t.Fatalf("trial %d (%d×%d, max %d): owners or distances differ from the reference", trial, w, h, maxDist)
		}
	}
}

func TestLabelPiecesMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	multi := 0
	for trial := range 400 {
		w, h, n := 1+rng.Intn(40), 1+rng.Intn(40), 1+rng.Intn(12)
		lab := randomLabelImage(rng, w, h, n)
		got, want := labelPieces(lab, n, w, h), labelPiecesRef(lab, n, w, h)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (%d×%d, n %d): pieces %v, reference %v", trial, w, h, n, got, want)
		}
		for _, p := range want {
			if p > 1 {
				multi++
			}
		}
	}
	if multi == 0 {
		t.Fatal("no label in several pieces: the test would not see the map path")
	}
}

// discLabels is a w×h image of discs of radius r on a grid of pitch
// 3r, labelled 1..n in raster order: a fluorescence field's layout.
func discLabels(w, h, r int) ([]int32, int) {
	lab := make([]int32, w*h)
	n := int32(0)
	for cy := r; cy+r < h; cy += 3 * r {
		for cx := r; cx+r < w; cx += 3 * r {
			n++
			for y := cy - r; y <= cy+r; y++ {
				for x := cx - r; x <= cx+r; x++ {
					if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
						lab[y*w+x] = n
					}
				}
			}
		}
	}
	return lab, int(n)
}

func BenchmarkNearestLabel(b *testing.B) {
	lab, _ := discLabels(1024, 1024, 10)
	for _, c := range []struct {
		name string
		f    func([]int32, int, int, int) ([]int32, []int)
	}{{"edge", nearestLabel}, {"all", nearestLabelRef}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				c.f(lab, 1024, 1024, mitoticRimPx)
			}
		})
	}
}

func BenchmarkLabelPieces(b *testing.B) {
	lab, n := discLabels(1024, 1024, 10)
	for _, c := range []struct {
		name string
		f    func([]int32, int, int, int) []int
	}{{"first", labelPieces}, {"map", labelPiecesRef}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				c.f(lab, n, 1024, 1024)
			}
		})
	}
}
