package threshold

import "testing"

// The data span 255 grey levels from their minimum, so bin i holds lo + i
// exactly and the expected thresholds are exact bin edges.
func TestOtsu(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []float32
		want float32
	}{
		{"empty", nil, 0},
		{"single", []float32{3}, 3},
		{"constant", []float32{7, 7, 7}, 7},
		{"two groups", []float32{0, 1, 2, 250, 254, 255}, 2.5},
		{"offset", []float32{100, 101, 102, 350, 354, 355}, 102.5},
		{"3x3 image", []float32{
			0, 0, 255,
			0, 255, 255,
			0, 0, 255,
		}, 0.5},
		{"unbalanced", []float32{0, 0, 0, 0, 0, 0, 0, 10, 250, 255}, 10.5},
	} {
		if got := Otsu(tc.vals); got != tc.want {
			t.Errorf("%s: Otsu = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// 64 bins over a range of 63: bin i holds lo + i exactly.
func TestOtsu3(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vals   []float32
		t1, t2 float32
	}{
		{"empty", nil, 0, 0},
		{"constant", []float32{5, 5}, 5, 5},
		{"three groups", []float32{0, 0, 31, 31, 63, 63}, 0.5, 31.5},
		{"3x3 image", []float32{
			10, 10, 10,
			40, 41, 42,
			73, 73, 73,
		}, 10.5, 42.5}, // the first of equal splits: bins [0,1), [1,33), [33,64)
	} {
		t1, t2 := Otsu3(tc.vals)
		if t1 != tc.t1 || t2 != tc.t2 {
			t.Errorf("%s: Otsu3 = %v, %v, want %v, %v", tc.name, t1, t2, tc.t1, tc.t2)
		}
	}
}
