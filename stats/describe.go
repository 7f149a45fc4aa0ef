package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Sentinel errors; returned errors wrap them.
var (
	ErrTooFew        = errors.New("stats: too few observations")
	ErrLength        = errors.New("stats: samples differ in length")
	ErrLevel         = errors.New("stats: confidence level must be in (0, 1)")
	ErrConstant      = errors.New("stats: data are constant")
	ErrNotFinite     = errors.New("stats: observation is NaN or infinite")
	ErrInvalidCount  = errors.New("stats: invalid count")
	ErrAllZero       = errors.New("stats: all differences are zero")
	ErrUnknownMethod = errors.New("stats: unknown method")
	ErrTooMany       = errors.New("stats: too many observations for the exact method")
)

// Mean returns the arithmetic mean of x, NaN when x is empty.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// SD returns the sample standard deviation of x (divisor n − 1), NaN when
// x has fewer than two values.
func SD(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m := Mean(x)
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

// SEM returns the standard error of the mean, SD/√n, NaN when x has fewer
// than two values.
func SEM(x []float64) float64 {
	return SD(x) / math.Sqrt(float64(len(x)))
}

// tQuantile returns the p quantile of Student's t with df degrees of freedom.
func tQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// tTwoSidedP returns 2·P(T > |t|) for Student's t with df degrees of freedom.
func tTwoSidedP(t, df float64) float64 {
	p := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
	return math.Min(p, 1)
}

func checkLevel(level float64) error {
	if !(level > 0 && level < 1) {
		return fmt.Errorf("%w: got %g", ErrLevel, level)
	}
	return nil
}

func checkFinite(x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: index %d", ErrNotFinite, i)
		}
	}
	return nil
}

// MeanCI returns the Student-t confidence interval of the mean of x at the
// given level (0.95 for 95 %): x̄ ± t(1−α/2; n−1)·SD/√n.
func MeanCI(x []float64, level float64) (lo, hi float64, err error) {
	if err := checkLevel(level); err != nil {
		return math.NaN(), math.NaN(), err
	}
	if len(x) < 2 {
		return math.NaN(), math.NaN(), fmt.Errorf("mean CI: %w: n = %d, need 2", ErrTooFew, len(x))
	}
	if err := checkFinite(x); err != nil {
		return math.NaN(), math.NaN(), fmt.Errorf("mean CI: %w", err)
	}
	m := Mean(x)
	half := tQuantile(1-(1-level)/2, float64(len(x)-1)) * SEM(x)
	return m - half, m + half, nil
}

// Summary describes a sample. Undefined fields are NaN (SD, SEM and the CI
// need two values) and are written as null in JSON.
type Summary struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"`
	SEM    float64 `json:"sem"`
	CILow  float64 `json:"ci_low"`  // Student-t interval of the mean
	CIHigh float64 `json:"ci_high"` // at Level
	Level  float64 `json:"ci_level"`
}

// Describe summarises x with a Student-t confidence interval of the mean at
// level (0.95 for 95 %).
func Describe(x []float64, level float64) Summary {
	s := Summary{N: len(x), Mean: Mean(x), SD: SD(x), SEM: SEM(x), Level: level}
	s.CILow, s.CIHigh, _ = MeanCI(x, level)
	return s
}

// MarshalJSON writes NaN and infinite fields as null, which encoding/json
// cannot do for a float64.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N      int      `json:"n"`
		Mean   *float64 `json:"mean"`
		SD     *float64 `json:"sd"`
		SEM    *float64 `json:"sem"`
		CILow  *float64 `json:"ci_low"`
		CIHigh *float64 `json:"ci_high"`
		Level  float64  `json:"ci_level"`
	}{s.N, nullable(s.Mean), nullable(s.SD), nullable(s.SEM), nullable(s.CILow), nullable(s.CIHigh), s.Level})
}

// UnmarshalJSON reads null fields back as NaN.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var v struct {
		N      int      `json:"n"`
		Mean   *float64 `json:"mean"`
		SD     *float64 `json:"sd"`
		SEM    *float64 `json:"sem"`
		CILow  *float64 `json:"ci_low"`
		CIHigh *float64 `json:"ci_high"`
		Level  float64  `json:"ci_level"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Summary{N: v.N, Mean: fromNullable(v.Mean), SD: fromNullable(v.SD), SEM: fromNullable(v.SEM),
		CILow: fromNullable(v.CILow), CIHigh: fromNullable(v.CIHigh), Level: v.Level}
	return nil
}

func nullable(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func fromNullable(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// PercentChange returns 100·(value − baseline)/baseline, NaN when baseline
// is 0.
func PercentChange(baseline, value float64) float64 {
	if baseline == 0 {
		return math.NaN()
	}
	return 100 * (value - baseline) / baseline
}
