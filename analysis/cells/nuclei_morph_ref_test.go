package cells

import (
	"math"
	"math/rand"
	"testing"
)

// TestFloodKeyOrder: keys sort exactly as (level, insertion order), with
// −0 equal to +0, infinities and the extremes of float32 included.
func TestFloodKeyOrder(t *testing.T) {
	levels := []float32{float32(math.Inf(-1)), -math.MaxFloat32, -3.5, -1, -math.SmallestNonzeroFloat32,
		float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, 0.25, 1, 7, math.MaxFloat32, float32(math.Inf(1))}
	orders := []uint32{0, 1, 2, 1 << 20, math.MaxUint32}
	rng := rand.New(rand.NewSource(3))
	for range 2000 {
		levels = append(levels, float32(rng.NormFloat64()*10))
	}
	for range 20000 {
		la, lb := levels[rng.Intn(len(levels))], levels[rng.Intn(len(levels))]
		oa, ob := orders[rng.Intn(len(orders))], orders[rng.Intn(len(orders))]
		want := la < lb || la == lb && oa < ob
		if got := floodKey(la, oa) < floodKey(lb, ob); got != want {
			t.Fatalf("(%v,%d) < (%v,%d): got %v want %v", la, oa, lb, ob, got, want)
		}
	}
}

// referenceWatershed is watershed with the queue as a plain slice scanned
// for its least (level, insertion order) item: slow, obviously right.
func referenceWatershed(relief []float32, markers []int32, fg []bool, w, h int) []int32 {
	type item struct {
		level float32
		order int
		idx   int
	}
	lab := append([]int32(nil), markers...)
	queued := make([]bool, len(markers))
	var q []item
	order := 0
	push := func(i int) { q = append(q, item{relief[i], order, i}); order++ }
	for i, l := range markers {
		if l > 0 {
			queued[i] = true
			push(i)
		}
	}
	for len(q) > 0 {
		best := 0
		for k, it := range q {
			if it.level < q[best].level || it.level == q[best].level && it.order < q[best].order {
				best = k
			}
		}
		it := q[best]
		q = append(q[:best], q[best+1:]...)
		x, y := it.idx%w, it.idx/w
		for _, o := range [4][2]int{{0, -1}, {-1, 0}, {1, 0}, {0, 1}} {
			nx, ny := x+o[0], y+o[1]
			if nx < 0 || nx >= w || ny < 0 || ny >= h {
				continue
			}
			j := ny*w + nx
			if !fg[j] || queued[j] {
				continue
			}
			queued[j] = true
			lab[j] = lab[it.idx]
			push(j)
		}
	}
	return lab
}

// TestWatershedMatchesReference: random reliefs with many ties (a few
// levels, −0 and +0 among them), random markers and foreground.
func TestWatershedMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	levels := []float32{-2, -1, float32(math.Copysign(0, -1)), 0, 0.5, 3}
	for trial := range 300 {
		w, h := 1+rng.Intn(30), 1+rng.Intn(30)
		relief := make([]float32, w*h)
		markers := make([]int32, w*h)
		fg := make([]bool, w*h)
		for i := range relief {
			if trial%2 == 0 {
				relief[i] = levels[rng.Intn(len(levels))]
			} else {
				relief[i] = float32(rng.NormFloat64())
			}
			fg[i] = rng.Float64() < 0.8
			if fg[i] && rng.Float64() < 0.03 {
				markers[i] = int32(1 + rng.Intn(5))
			}
		}
		want := referenceWatershed(relief, markers, fg, w, h)
		got := watershed(relief, markers, fg, w, h)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d %dx%d: label at (%d,%d) %d, want %d", trial, w, h, i%w, i/w, got[i], want[i])
			}
		}
	}
}

// referenceReconstruct is reconstruction by dilation from its definition:
// dilate the marker by the 3×3 square, clip under the mask, until nothing
// changes.
func referenceReconstruct(marker, mask []float32, w, h int) []float32 {
	rec := make([]float32, len(marker))
	for i := range rec {
		rec[i] = min(marker[i], mask[i])
	}
	next := make([]float32, len(rec))
	for changed := true; changed; {
		changed = false
		for y := range h {
			for x := range w {
				m := rec[y*w+x]
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						if nx, ny := x+dx, y+dy; nx >= 0 && nx < w && ny >= 0 && ny < h {
							m = max(m, rec[ny*w+nx])
						}
					}
				}
				next[y*w+x] = min(m, mask[y*w+x])
				changed = changed || next[y*w+x] != rec[y*w+x]
			}
		}
		rec, next = next, rec
	}
	return rec
}

// TestReconstructByDilationMatchesReference: random masks (smooth and
// rough, with plateaus) and markers a random depth below them, as
// hMaximaMarkers builds them, plus 1-pixel-wide and -high images.
func TestReconstructByDilationMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for trial := range 300 {
		w, h := 1+rng.Intn(40), 1+rng.Intn(40)
		mask := make([]float32, w*h)
		marker := make([]float32, w*h)
		for i := range mask {
			if trial%3 == 0 {
				mask[i] = float32(rng.Intn(4)) // plateaus and ties
			} else {
				x, y := float64(i%w), float64(i/w)
				mask[i] = float32(math.Sin(x/3)*math.Cos(y/4)*5 + rng.Float64())
			}
		}
		hgt := float32(rng.Float64() * 2)
		for i, v := range mask {
			marker[i] = v - hgt
			if trial%4 == 1 && rng.Float64() < 0.1 {
				marker[i] = v // some markers touch the mask
			}
		}
		want := referenceReconstruct(marker, mask, w, h)
		got := reconstructByDilation(marker, mask, w, h)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d %dx%d at (%d,%d): got %v want %v", trial, w, h, i%w, i/w, got[i], want[i])
			}
		}
	}
}
