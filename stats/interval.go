package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

func checkBinomial(x, n int) error {
	if n <= 0 || x < 0 || x > n {
		return fmt.Errorf("%w: %d successes in %d trials", ErrInvalidCount, x, n)
	}
	return nil
}

// WilsonCI returns the Wilson score interval for the proportion x/n at
// level (0.95 for 95 %), as fractions in [0, 1].
func WilsonCI(x, n int, level float64) (lo, hi float64, err error) {
	if err := checkLevel(level); err != nil {
		return math.NaN(), math.NaN(), err
	}
	if err := checkBinomial(x, n); err != nil {
		return math.NaN(), math.NaN(), fmt.Errorf("wilson CI: %w", err)
	}
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	nf := float64(n)
	p := float64(x) / nf
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return math.Max(0, centre-half), math.Min(1, centre+half), nil
}

// ClopperPearsonCI returns the exact (Clopper–Pearson) interval for the
// proportion x/n at level, as R's binom.test.
func ClopperPearsonCI(x, n int, level float64) (lo, hi float64, err error) {
	if err := checkLevel(level); err != nil {
		return math.NaN(), math.NaN(), err
	}
	if err := checkBinomial(x, n); err != nil {
		return math.NaN(), math.NaN(), fmt.Errorf("clopper-pearson CI: %w", err)
	}
	alpha := 1 - level
	lo, hi = 0, 1
	if x > 0 {
		lo = distuv.Beta{Alpha: float64(x), Beta: float64(n - x + 1)}.Quantile(alpha / 2)
	}
	if x < n {
		hi = distuv.Beta{Alpha: float64(x + 1), Beta: float64(n - x)}.Quantile(1 - alpha/2)
	}
	return lo, hi, nil
}

// PoissonCI returns the exact (Garwood) interval for the mean of a Poisson
// variable of which x events were counted, at level, as R's poisson.test.
// Divide by the exposure (volume, area, time) for a rate.
func PoissonCI(x int, level float64) (lo, hi float64, err error) {
	if err := checkLevel(level); err != nil {
		return math.NaN(), math.NaN(), err
	}
	if x < 0 {
		return math.NaN(), math.NaN(), fmt.Errorf("poisson CI: %w: count %d", ErrInvalidCount, x)
	}
	alpha := 1 - level
	if x > 0 {
		lo = distuv.ChiSquared{K: float64(2 * x)}.Quantile(alpha/2) / 2
	}
	hi = distuv.ChiSquared{K: float64(2*x + 2)}.Quantile(1-alpha/2) / 2
	return lo, hi, nil
}
