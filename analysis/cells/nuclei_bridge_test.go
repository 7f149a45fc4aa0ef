package cells

import (
	"math"
	"testing"
)

// TestSplitAtDimBridges: two nuclei that do not touch, joined by a dim
// bridge of foreground, are cut in two (each part holds its own disc);
// the same pair with a bridge nearly as bright as the dimmer nucleus stays
// one, and so does a nucleus crossed by a dark crease whose foreground
// region keeps the convex outline of one nucleus.
func TestSplitAtDimBridges(t *testing.T) {
	t.Parallel()
	const w, h, bg = 220, 100, 10
	inDisc := func(x, y int, cx, cy, r float64) bool { return math.Hypot(float64(x)-cx, float64(y)-cy) <= r }
	cases := []struct {
		name       string
		bridge     float32 // signal on the bridge between the pair
		wantPieces int     // objects the pair or the creased nucleus ends as
	}{
		{"dim bridge", 35, 2},
		{"bright bridge", 85, 1},
	}
	for _, c := range cases {
		lab := make([]int32, w*h)
		sm := make([]float32, w*h)
		for i := range sm {
			sm[i] = bg
		}
		set := func(l int32, v float32, in func(x, y int) bool) {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					if in(x, y) {
						lab[y*w+x], sm[y*w+x] = l, v
					}
				}
			}
		}
		// Four single nuclei set the median area (π 8² ≈ 200 px).
		for j := 0; j < 4; j++ {
			set(int32(j+1), 100, func(x, y int) bool { return inDisc(x, y, float64(15+25*j), 15, 8) })
		}
		// The pair: discs 22 px apart (a 6 px gap), a 6 px wide bridge.
		set(5, float32(c.bridge), func(x, y int) bool { return x >= 60 && x <= 82 && y >= 67 && y <= 72 })
		set(5, 100, func(x, y int) bool { return inDisc(x, y, 60, 70, 8) })
		set(5, 90, func(x, y int) bool { return inDisc(x, y, 82, 70, 8) })
		// A nucleus crossed by a 2 px dark crease through its centre.
		set(6, 100, func(x, y int) bool { return inDisc(x, y, 160, 60, 11) })
		for y := 0; y < h; y++ {
			for x := 159; x <= 160; x++ {
				if lab[y*w+x] == 6 {
					sm[y*w+x] = 30
				}
			}
		}
		pre := append([]int32(nil), lab...)
		n := splitAtDimBridges(lab, 6, w, sm, bg, pre)
		pieces := func(cx, cy []int) int {
			seen := map[int32]bool{}
			for i := range cx {
				seen[lab[cy[i]*w+cx[i]]] = true
			}
			return len(seen)
		}
		if got := pieces([]int{60, 82}, []int{70, 70}); got != c.wantPieces {
			t.Errorf("%s: the pair's centres lie in %d objects, want %d", c.name, got, c.wantPieces)
		}
		if got := pieces([]int{154, 166}, []int{60, 60}); got != 1 {
			t.Errorf("%s: the creased nucleus' halves lie in %d objects, want 1", c.name, got)
		}
		if want := 5 + c.wantPieces; n != want {
			t.Errorf("%s: %d objects, want %d", c.name, n, want)
		}
		if c.wantPieces == 2 {
			a, b := lab[70*w+60], lab[70*w+82]
			var na, nb int
			for _, l := range lab {
				na += int(b2i(l == a))
				nb += int(b2i(l == b))
			}
			// Each disc (201 px) with about half the bridge (6 × 6 px).
			for _, got := range []int{na, nb} {
				if got < 201 || got > 201+50 {
					t.Errorf("%s: a part holds %d px, want its disc and half the bridge (~220)", c.name, got)
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
