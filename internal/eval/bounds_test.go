package eval

import (
	"math"

	"testing"
)

func TestCheckBounds(t *testing.T) {
	m := map[string]float64{"f1": 0.9, "err": 4, "nan": math.NaN()}
	cases := []struct {
		b    Bound
		fail bool
	}{
		{Floor("f1", 0.85), false},
		{Floor("f1", 0.95), true},
		{Ceiling("err", 5), false},
		{Ceiling("err", 3), true},
		{Floor("missing", 0), true},
		{Ceiling("missing", 1e9), true},
		{Floor("nan", 0), true},
		{Ceiling("nan", 1e9), true},
	}
	for i, c := range cases {
		got := len(CheckBounds(m, []Bound{c.b})) > 0
		if got != c.fail {
			t.Errorf("case %d %+v: failed=%v, want %v", i, c.b, got, c.fail)
		}
	}
}
