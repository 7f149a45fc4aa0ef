package colonies

import "cmp"

// nthSmallest returns the k-th smallest element of v (0-based), what
// v[k] would be after sorting, reordering v in place: a median of a
// million dish pixels costs a linear pass rather than a full sort.
// It panics when k is out of range; v must hold no NaN.
func nthSmallest[T cmp.Ordered](v []T, k int) T {
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
