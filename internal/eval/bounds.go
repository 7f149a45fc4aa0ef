package eval

import (
	"math"
	"sort"
	"strconv"
	"testing"
)

// Bound is one accuracy guard: Key must be present in the metrics, finite,
// and on the right side of Limit. Written as !(v >= floor) so that a
// missing key or a NaN fails instead of passing.
type Bound struct {
	Key    string
	Limit  float64
	AtMost bool // false: v >= Limit (a floor); true: v <= Limit (a ceiling)
}

// Floor is a lower bound on a metric.
func Floor(key string, limit float64) Bound { return Bound{Key: key, Limit: limit} }

// Ceiling is an upper bound on a metric.
func Ceiling(key string, limit float64) Bound { return Bound{Key: key, Limit: limit, AtMost: true} }

// CheckBounds returns one message per violated bound, in key order.
func CheckBounds(m map[string]float64, bounds []Bound) []string {
	var bad []string
	for _, b := range bounds {
		v, ok := m[b.Key]
		switch {
		case !ok:
			bad = append(bad, b.Key+": missing from the metrics")
		case math.IsNaN(v) || math.IsInf(v, 0):
			bad = append(bad, b.Key+": not finite")
		case !b.AtMost && !(v >= b.Limit):
			bad = append(bad, b.Key+": "+fmtF(v)+" below floor "+fmtF(b.Limit))
		case b.AtMost && !(v <= b.Limit):
			bad = append(bad, b.Key+": "+fmtF(v)+" above ceiling "+fmtF(b.Limit))
		}
	}
	sort.Strings(bad)
	return bad
}

// RequireBounds fails t for every violated bound.
func RequireBounds(t testing.TB, m map[string]float64, bounds ...Bound) {
	t.Helper()
	for _, msg := range CheckBounds(m, bounds) {
		t.Error(msg)
	}
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
