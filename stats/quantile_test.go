package stats

import "testing"

// Nine values, as a 3×3 image: sorted 1 2 3 4 5 6 7 8 9 (grey levels).
var nine = []int{7, 1, 9, 4, 2, 8, 3, 6, 5}

func TestQuantileFloor(t *testing.T) {
	for _, tc := range []struct {
		q    float64
		want int
	}{
		{0, 1}, {0.1, 1}, {0.125, 2}, {0.5, 5}, {0.9, 8}, {0.99, 8}, {1, 9},
	} {
		v := append([]int(nil), nine...)
		if got := QuantileFloor(v, tc.q); got != tc.want {
			t.Errorf("QuantileFloor(%v, %g) = %d, want %d (rank ⌊q·8⌋)", nine, tc.q, got, tc.want)
		}
	}
	if got := QuantileFloor([]float32{}, 0.5); got != 0 {
		t.Errorf("empty: %v, want 0", got)
	}
	v := []float32{3, 1, 2}
	if got := QuantileFloor(v, 0.5); got != 2 || v[0] != 1 || v[2] != 3 {
		t.Errorf("float32 median %v, slice %v: want 2 and sorted in place", got, v)
	}
}

// hist9 counts nine: one value at each grey level 1..9 of 12 bins.
func hist9() []int {
	h := make([]int, 12)
	for _, v := range nine {
		h[v]++
	}
	return h
}

func TestHistQuantileFloor(t *testing.T) {
	for _, tc := range []struct {
		q    float64
		want int
	}{
		{0, 1}, {0.125, 2}, {0.5, 5}, {0.99, 8}, {1, 9},
	} {
		if got := HistQuantileFloor(hist9(), 9, tc.q); got != tc.want {
			t.Errorf("HistQuantileFloor(q=%g) = %d, want %d", tc.q, got, tc.want)
		}
		// the same answer as on the values themselves
		if v := append([]int(nil), nine...); QuantileFloor(v, tc.q) != HistQuantileFloor(hist9(), 9, tc.q) {
			t.Errorf("q=%g: histogram and values disagree", tc.q)
		}
	}
	if got := HistQuantileFloor(make([]int, 12), 0, 0.5); got != 11 {
		t.Errorf("no values: bin %d, want the last (11)", got)
	}
}

func TestHistQuantileCeil(t *testing.T) {
	for _, tc := range []struct {
		q    float64
		want int
	}{
		// smallest v with #{x ≤ v} ≥ ⌈9q⌉
		{0, 1}, {0.1, 1}, {0.12, 2}, {0.5, 5}, {0.9, 9}, {0.89, 9}, {0.88, 8}, {1, 9},
	} {
		if got := HistQuantileCeil(hist9(), 9, tc.q); got != tc.want {
			t.Errorf("HistQuantileCeil(q=%g) = %d, want %d", tc.q, got, tc.want)
		}
	}
	// ties: 0 0 0 5 → the median is 0 (3 of 4 values ≤ 0 ≥ ⌈2⌉)
	h := []int{3, 0, 0, 0, 0, 1}
	if got := HistQuantileCeil(h, 4, 0.5); got != 0 {
		t.Errorf("tied median %d, want 0", got)
	}
	if got := HistQuantileCeil(make([]int, 12), 0, 0.5); got != 11 {
		t.Errorf("no values: bin %d, want the last (11)", got)
	}
}
