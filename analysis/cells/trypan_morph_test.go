package cells

import (
	"math"
	"math/rand"
	"slices"
	"testing"
)

// TestTrypanDistanceToBackground compares the separable distance transform
// with brute force on random masks, the image border counting as
// background.
func TestTrypanDistanceToBackground(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 20; trial++ {
		w, h := 3+rng.Intn(30), 3+rng.Intn(30)
		mask := make([]byte, w*h)
		for i := range mask {
			if rng.Float64() < 0.8 {
				mask[i] = 1
			}
		}
		got := trypDistanceToBackground(mask, w, h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				want := 0.0
				if mask[y*w+x] != 0 {
					// Nearest pixel outside the image is one step past the
					// nearest edge.
					want = float64(min(x+1, y+1, w-x, h-y))
					for yy := 0; yy < h; yy++ {
						for xx := 0; xx < w; xx++ {
							if mask[yy*w+xx] == 0 {
								want = math.Min(want, math.Hypot(float64(x-xx), float64(y-yy)))
							}
						}
					}
				}
				if d := math.Abs(float64(got[y*w+x]) - want); d > 1e-4 {
					t.Fatalf("%dx%d at (%d,%d): got %.4f want %.4f", w, h, x, y, got[y*w+x], want)
				}
			}
		}
	}
}

// TestTrypanRunningMedian compares the sliding-histogram median with sorting.
func TestTrypanRunningMedian(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	var hist [512]int32
	for trial := 0; trial < 50; trial++ {
		n, half := 1+rng.Intn(60), rng.Intn(20)
		vals := make([]int16, n)
		for i := range vals {
			vals[i] = int16(rng.Intn(512))
			if trial%2 == 0 {
				vals[i] = int16(100 + rng.Intn(5)) // many ties
			}
		}
		out := make([]int16, n)
		trypRunningMedian(vals, 0, 1, n, half, out, &hist)
		for k := 0; k < n; k++ {
			win := slices.Clone(vals[max(0, k-half):min(n, k+half+1)])
			slices.Sort(win)
			if want := win[(len(win)-1)/2]; out[k] != want {
				t.Fatalf("n=%d half=%d k=%d: got %d want %d", n, half, k, out[k], want)
			}
		}
	}
}

// TestTrypanFillHoles fills a ring's hole but not a hole larger than the
// limit nor the background touching the border.
func TestTrypanFillHoles(t *testing.T) {
	const w, h = 20, 20
	ring := func() []byte {
		m := make([]byte, w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if d := math.Hypot(float64(x)-10, float64(y)-10); d >= 4 && d <= 6 {
					m[y*w+x] = 1
				}
			}
		}
		return m
	}
	m := ring()
	trypFillHoles(m, w, h, 100)
	if m[10*w+10] != 1 || m[0] != 0 {
		t.Errorf("hole not filled or background filled")
	}
	m = ring()
	trypFillHoles(m, w, h, 10) // the hole has ≈ 45 px
	if m[10*w+10] != 0 {
		t.Errorf("hole above the area limit was filled")
	}
}
