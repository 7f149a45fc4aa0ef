package stats_test

import (
	"fmt"

	"github.com/histocount/histocount/stats"
)

func ExamplePairedTTest() {
	// Dermal thickness (µm) of four subjects at 12 months and at baseline.
	month12 := []float64{2410, 2280, 2655, 2390}
	baseline := []float64{1480, 1420, 1630, 1510}
	r, err := stats.PairedTTest(month12, baseline, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean gain %.1f µm, t = %.2f, df = %g, p = %.2g\n", r.Estimate, r.T, r.DF, r.P)
	// Output: mean gain 923.8 µm, t = 25.09, df = 3, p = 0.00014
}

func ExampleWilcoxonSignedRank() {
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	r, _ := stats.WilcoxonSignedRank(x, y, stats.WilcoxonOptions{})
	fmt.Printf("V = %g, p = %.5f (%s)\n", r.V, r.P, r.Method)
	// Output: V = 40, p = 0.03906 (exact)
}

func ExampleDescribe() {
	s := stats.Describe([]float64{55.1, 71.3, 62.0, 48.9, 76.4}, 0.95)
	fmt.Printf("%.1f ± %.1f %% (95 %% CI %.1f to %.1f, n = %d)\n", s.Mean, s.SD, s.CILow, s.CIHigh, s.N)
	// Output: 62.7 ± 11.3 % (95 % CI 48.7 to 76.8, n = 5)
}

func ExamplePoissonCI() {
	lo, hi, _ := stats.PoissonCI(10, 0.95)
	fmt.Printf("10 colonies: 95 %% CI %.2f to %.2f\n", lo, hi)
	// Output: 10 colonies: 95 % CI 4.80 to 18.39
}

func ExampleWilsonCI() {
	lo, hi, _ := stats.WilsonCI(81, 263, 0.95)
	fmt.Printf("%.4f to %.4f\n", lo, hi)
	// Output: 0.2553 to 0.3662
}
