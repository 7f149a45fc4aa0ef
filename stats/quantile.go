package stats

import (
	"cmp"
	"math"
	"slices"
)

// QuantileFloor returns the q-quantile of v by floor rank, v[⌊q·(n−1)⌋]
// after sorting v in place; the zero value when v is empty.
func QuantileFloor[T cmp.Ordered](v []T, q float64) T {
	if len(v) == 0 {
		var zero T
		return zero
	}
	slices.Sort(v)
	return v[int(q*float64(len(v)-1))]
}

// HistQuantileFloor returns the bin of the q-quantile by floor rank of n
// values counted in hist: the first bin whose cumulative count exceeds
// ⌊q·(n−1)⌋; the last bin when none does (n = 0).
func HistQuantileFloor(hist []int, n int, q float64) int {
	target := int(q * float64(n-1))
	acc := 0
	for v, c := range hist {
		acc += c
		if acc > target {
			return v
		}
	}
	return len(hist) - 1
}

// HistQuantileCeil returns the bin of the q-quantile by the inverse ECDF
// of n values counted in hist: the first non-empty bin at which the
// cumulative count reaches ⌈q·n⌉; the last bin when none does.
func HistQuantileCeil(hist []int, n int, q float64) int {
	target := int(math.Ceil(q * float64(n)))
	acc := 0
	for v, c := range hist {
		acc += c
		if acc >= target && acc > 0 {
			return v
		}
	}
	return len(hist) - 1
}

// NthSmallest returns the k-th smallest element of v (0-based), what
// v[k] would be after sorting, reordering v in place: a median of a
// million dish pixels, or a percentile per nucleus, costs a linear pass
// rather than a full sort.
// It panics when k is out of range; v must hold no NaN.
func NthSmallest[T cmp.Ordered](v []T, k int) T {
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Three-way partition around the middle element: pixel values
		// repeat often, and equal runs must not degrade to quadratic.
		p := v[lo+(hi-lo)/2]
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case v[i] < p:
				v[lt], v[i] = v[i], v[lt]
				lt++
				i++
			case v[i] > p:
				v[i], v[gt] = v[gt], v[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return v[k]
}
