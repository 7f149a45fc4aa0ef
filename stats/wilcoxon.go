package stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// ZeroMethod says how the Wilcoxon signed-rank test treats zero differences.
type ZeroMethod int

const (
	// ZeroWilcox drops zero differences before ranking (R's wilcox.test).
	ZeroWilcox ZeroMethod = iota
	// ZeroPratt ranks zeros with the other differences, then drops them.
	ZeroPratt
)

func (z ZeroMethod) String() string {
	switch z {
	case ZeroWilcox:
		return "wilcox"
	case ZeroPratt:
		return "pratt"
	}
	return fmt.Sprintf("ZeroMethod(%d)", int(z))
}

// WilcoxonMethod selects how the p-value is computed.
type WilcoxonMethod int

const (
	// WilcoxonAuto is exact below ExactMaxN non-zero differences, normal above.
	WilcoxonAuto WilcoxonMethod = iota
	// WilcoxonExact always enumerates the null distribution.
	WilcoxonExact
	// WilcoxonNormal always uses the normal approximation.
	WilcoxonNormal
)

// ExactMaxN is the number of non-zero differences below which WilcoxonAuto
// computes the exact p-value (as R's wilcox.test).
const ExactMaxN = 50

// ExactHardMax bounds WilcoxonExact: the DP takes about n³ steps.
const ExactHardMax = 300

// WilcoxonOptions configure WilcoxonSignedRank. The zero value is R's
// default: zeros dropped, exact below 50, continuity correction on.
type WilcoxonOptions struct {
	Zero         ZeroMethod
	Method       WilcoxonMethod
	NoCorrection bool // no continuity correction in the normal approximation
}

// Wilcoxon is the result of a two-sided Wilcoxon signed-rank test.
type Wilcoxon struct {
	N       int     `json:"n"`       // pairs
	NonZero int     `json:"nonzero"` // non-zero differences (those with a sign)
	Zeros   int     `json:"zeros"`   // zero differences
	Ties    bool    `json:"ties"`    // tied |differences| among the ranked ones
	V       float64 `json:"v"`       // sum of the ranks of positive differences
	Z       float64 `json:"z"`       // normal score; 0 when exact
	P       float64 `json:"p"`       // two-sided p-value
	Method  string  `json:"method"`  // "exact" or "normal"
	Zero    string  `json:"zero_method"`
}

// WilcoxonSignedRank tests whether the differences xᵢ − yᵢ are symmetric
// about 0 (two-sided), as R's wilcox.test(x, y, paired = TRUE). See the
// package documentation for zeros, ties and the exact distribution.
func WilcoxonSignedRank(x, y []float64, opt WilcoxonOptions) (Wilcoxon, error) {
	if len(x) != len(y) {
		return Wilcoxon{}, fmt.Errorf("wilcoxon: %w: %d and %d", ErrLength, len(x), len(y))
	}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	return WilcoxonSignedRankDiffs(d, opt)
}

// WilcoxonSignedRankDiffs is WilcoxonSignedRank on the differences d.
func WilcoxonSignedRankDiffs(d []float64, opt WilcoxonOptions) (Wilcoxon, error) {
	r := Wilcoxon{N: len(d), Zero: opt.Zero.String()}
	if err := checkFinite(d); err != nil {
		return r, fmt.Errorf("wilcoxon: %w", err)
	}
	if opt.Zero != ZeroWilcox && opt.Zero != ZeroPratt {
		return r, fmt.Errorf("wilcoxon: %w: zero method %d", ErrUnknownMethod, int(opt.Zero))
	}
	// Rank |d| over the differences the zero convention keeps for ranking.
	type obs struct {
		abs float64
		pos bool
		neg bool
	}
	var ranked []obs
	for _, v := range d {
		if v == 0 {
			r.Zeros++
			if opt.Zero == ZeroWilcox {
				continue
			}
		}
		ranked = append(ranked, obs{abs: math.Abs(v), pos: v > 0, neg: v < 0})
	}
	r.NonZero = len(d) - r.Zeros
	if r.NonZero == 0 {
		return r, fmt.Errorf("wilcoxon: %w (n = %d)", ErrAllZero, len(d))
	}
	sort.Slice(ranked, func(i, j int) bool { return ranked[i].abs < ranked[j].abs })
	ranks := make([]float64, len(ranked))
	for i := 0; i < len(ranked); {
		j := i
		for j+1 < len(ranked) && ranked[j+1].abs == ranked[i].abs {
			j++
		}
		mid := float64(i+j)/2 + 1 // mid-rank of positions i..j (1-based)
		for k := i; k <= j; k++ {
			ranks[k] = mid
		}
		if j > i && ranked[i].abs != 0 {
			r.Ties = true
		}
		i = j + 1
	}
	// Only signed (non-zero) differences carry a rank into V and its null.
	var signed []float64
	for i, o := range ranked {
		if o.pos || o.neg {
			signed = append(signed, ranks[i])
			if o.pos {
				r.V += ranks[i]
			}
		}
	}

	method := opt.Method
	if method == WilcoxonAuto {
		method = WilcoxonNormal
		if r.NonZero < ExactMaxN {
			method = WilcoxonExact
		}
	}
	switch method {
	case WilcoxonExact:
		if r.NonZero > ExactHardMax {
			return r, fmt.Errorf("wilcoxon: %w: exact p for %d > %d non-zero differences", ErrTooMany, r.NonZero, ExactHardMax)
		}
		r.Method = "exact"
		r.P = signedRankExactP(signed, r.V)
	case WilcoxonNormal:
		r.Method = "normal"
		var e, v float64
		for _, rk := range signed {
			e += rk / 2
			v += rk * rk / 4
		}
		diff := r.V - e
		if !opt.NoCorrection && diff != 0 {
			diff -= math.Copysign(0.5, diff)
		}
		r.Z = diff / math.Sqrt(v)
		p := 2 * math.Min(distuv.UnitNormal.CDF(r.Z), distuv.UnitNormal.Survival(r.Z))
		r.P = math.Min(p, 1)
	default:
		return r, fmt.Errorf("wilcoxon: %w: %d", ErrUnknownMethod, int(opt.Method))
	}
	return r, nil
}

// signedRankExactP returns the two-sided exact p-value of V = v given the
// ranks that enter with a random sign. Ranks are mid-ranks, so doubled ranks
// are integers and the null distribution of 2V is a subset-sum count.
func signedRankExactP(ranks []float64, v float64) float64 {
	total := 0
	w := make([]int, len(ranks))
	for i, rk := range ranks {
		w[i] = int(math.Round(2 * rk))
		total += w[i]
	}
	// dist[s] = P(2V' = s) under H0, each rank positive with probability ½.
	dist := make([]float64, total+1)
	dist[0] = 1
	hi := 0
	for _, wi := range w {
		for s := hi; s >= 0; s-- {
			if dist[s] != 0 {
				dist[s+wi] += dist[s] * 0.5
				dist[s] *= 0.5
			}
		}
		hi += wi
	}
	obs := int(math.Round(2 * v))
	var lower, upper float64
	for s, p := range dist {
		if s <= obs {
			lower += p
		}
		if s >= obs {
			upper += p
		}
	}
	return math.Min(1, 2*math.Min(lower, upper))
}
