package stats

import (
	"fmt"
	"math"
)

// TTest is the result of a two-sided t-test.
type TTest struct {
	N        int     `json:"n"`        // pairs (paired, one-sample) or n₁ + n₂ (Welch)
	Estimate float64 `json:"estimate"` // mean difference x − y (paired, Welch) or mean − μ₀ (one-sample)
	T        float64 `json:"t"`        // test statistic
	DF       float64 `json:"df"`       // degrees of freedom (fractional for Welch)
	P        float64 `json:"p"`        // two-sided p-value
	CILow    float64 `json:"ci_low"`   // confidence interval of Estimate
	CIHigh   float64 `json:"ci_high"`  //
	Level    float64 `json:"ci_level"` // e.g. 0.95
	Method   string  `json:"method"`   // "paired", "one-sample" or "welch"
}

// OneSampleTTest tests whether the mean of x equals mu (two-sided), with a
// confidence interval of mean(x) − mu at level.
func OneSampleTTest(x []float64, mu, level float64) (TTest, error) {
	r := TTest{N: len(x), Level: level, Method: "one-sample"}
	if err := checkLevel(level); err != nil {
		return r, err
	}
	if len(x) < 2 {
		return r, fmt.Errorf("t-test: %w: n = %d, need 2", ErrTooFew, len(x))
	}
	if err := checkFinite(x); err != nil {
		return r, fmt.Errorf("t-test: %w", err)
	}
	m := Mean(x)
	se := SEM(x)
	if !(se > 0) || se < 1e-14*math.Abs(m) {
		return r, fmt.Errorf("t-test: %w", ErrConstant)
	}
	df := float64(len(x) - 1)
	r.Estimate = m - mu
	r.T = r.Estimate / se
	r.DF = df
	r.P = tTwoSidedP(r.T, df)
	half := tQuantile(1-(1-level)/2, df) * se
	r.CILow, r.CIHigh = r.Estimate-half, r.Estimate+half
	return r, nil
}

// PairedTTest tests whether the mean of dᵢ = xᵢ − yᵢ is 0 (two-sided), as
// R's t.test(x, y, paired = TRUE). Estimate is mean(x − y).
func PairedTTest(x, y []float64, level float64) (TTest, error) {
	if len(x) != len(y) {
		return TTest{Method: "paired"}, fmt.Errorf("paired t-test: %w: %d and %d", ErrLength, len(x), len(y))
	}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	r, err := OneSampleTTest(d, 0, level)
	r.Method = "paired"
	if err != nil {
		return r, fmt.Errorf("paired %w", err)
	}
	return r, nil
}

// WelchTTest tests whether two independent samples have equal means without
// assuming equal variances (Welch–Satterthwaite df), as R's default
// t.test(x, y). Estimate is mean(x) − mean(y).
func WelchTTest(x, y []float64, level float64) (TTest, error) {
	r := TTest{N: len(x) + len(y), Level: level, Method: "welch"}
	if err := checkLevel(level); err != nil {
		return r, err
	}
	if len(x) < 2 || len(y) < 2 {
		return r, fmt.Errorf("welch t-test: %w: n = %d and %d, need 2 each", ErrTooFew, len(x), len(y))
	}
	if err := checkFinite(x); err != nil {
		return r, fmt.Errorf("welch t-test: %w", err)
	}
	if err := checkFinite(y); err != nil {
		return r, fmt.Errorf("welch t-test: %w", err)
	}
	vx := SD(x) * SD(x) / float64(len(x))
	vy := SD(y) * SD(y) / float64(len(y))
	se := math.Sqrt(vx + vy)
	if !(se > 0) {
		return r, fmt.Errorf("welch t-test: %w", ErrConstant)
	}
	r.Estimate = Mean(x) - Mean(y)
	r.T = r.Estimate / se
	r.DF = (vx + vy) * (vx + vy) / (vx*vx/float64(len(x)-1) + vy*vy/float64(len(y)-1))
	r.P = tTwoSidedP(r.T, r.DF)
	half := tQuantile(1-(1-level)/2, r.DF) * se
	r.CILow, r.CIHigh = r.Estimate-half, r.Estimate+half
	return r, nil
}
