package cells

// forest is a union-find over the labels 0..n with path halving. Callers
// join roots themselves (f[child] = root): which root survives decides the
// label the merged object keeps, and that rule differs by caller.
type forest[T ~int | ~int32] []T

// newForest returns n+1 singletons.
func newForest[T ~int | ~int32](n int) forest[T] {
	f := make(forest[T], n+1)
	for i := range f {
		f[i] = T(i)
	}
	return f
}

// find returns x's root, halving the path on the way.
func (f forest[T]) find(x T) T {
	for f[x] != x {
		f[x] = f[f[x]]
		x = f[x]
	}
	return x
}
