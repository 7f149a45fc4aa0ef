package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// Student's sleep data (R datasets::sleep): extra hours of sleep for ten
// patients under drug 1 and drug 2.
var (
	sleep1 = []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	sleep2 = []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
)

// Hollander & Wolfe depression scores (the R wilcox.test example).
var (
	depX = []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	depY = []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		x                          []float64
		mean, sd, sem, lo, hi, tol float64
	}{
		// R: mean(sleep1) 0.75, sd 1.78901, t.test CI -0.5297804 2.0297804.
		{"sleep1", sleep1, 0.75, 1.789010, 0.5657345, -0.5297804, 2.0297804, 1e-6},
		{"pair", []float64{1, 3}, 2, math.Sqrt2, 1, 2 - 12.7062047, 2 + 12.7062047, 1e-6},
	} {
		s := Describe(tc.x, 0.95)
		if s.N != len(tc.x) || !near(s.Mean, tc.mean, tc.tol) || !near(s.SD, tc.sd, tc.tol) ||
			!near(s.SEM, tc.sem, tc.tol) || !near(s.CILow, tc.lo, tc.tol) || !near(s.CIHigh, tc.hi, tc.tol) {
			t.Errorf("%s: got %+v, want mean %g sd %g sem %g CI [%g, %g]", tc.name, s, tc.mean, tc.sd, tc.sem, tc.lo, tc.hi)
		}
	}
	one := Describe([]float64{5}, 0.95)
	if one.Mean != 5 || !math.IsNaN(one.SD) || !math.IsNaN(one.CILow) {
		t.Errorf("n=1: got %+v, want mean 5 and NaN spread", one)
	}
	if !math.IsNaN(Mean(nil)) {
		t.Error("Mean(nil) is not NaN")
	}
	if _, _, err := MeanCI([]float64{1, 2}, 95); !errors.Is(err, ErrLevel) {
		t.Errorf("level 95: err = %v, want ErrLevel", err)
	}
	if _, _, err := MeanCI([]float64{1, math.NaN()}, 0.95); !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN input: err = %v, want ErrNotFinite", err)
	}
}

func TestTQuantile(t *testing.T) {
	// R: qt(0.975, c(1, 9, 44)).
	for _, tc := range []struct{ df, want float64 }{{1, 12.7062047}, {9, 2.2621572}, {44, 2.0153675}} {
		if got := tQuantile(0.975, tc.df); !near(got, tc.want, 1e-6) {
			t.Errorf("qt(0.975, %g) = %.7f, want %.7f", tc.df, got, tc.want)
		}
	}
}

func TestTTests(t *testing.T) {
	type want struct{ est, t, df, p, lo, hi float64 }
	for _, tc := range []struct {
		name string
		run  func() (TTest, error)
		w    want
		tol  float64
	}{
		// R: t.test(sleep1, sleep2, paired = TRUE)
		//   t = -4.0621, df = 9, p-value = 0.002833, CI -2.4598858 -0.7001142
		{"paired sleep", func() (TTest, error) { return PairedTTest(sleep1, sleep2, 0.95) },
			want{-1.58, -4.0621, 9, 0.002833, -2.4598858, -0.7001142}, 1e-4},
		// R: t.test(sleep1): t = 1.3257, df = 9, p-value = 0.2176
		{"one-sample sleep1", func() (TTest, error) { return OneSampleTTest(sleep1, 0, 0.95) },
			want{0.75, 1.3257, 9, 0.2176, -0.5297804, 2.0297804}, 1e-4},
		// R: t.test(extra ~ group, data = sleep)
		//   t = -1.8608, df = 17.776, p-value = 0.07939, CI -3.3654832 0.2054832
		{"welch sleep", func() (TTest, error) { return WelchTTest(sleep1, sleep2, 0.95) },
			want{-1.58, -1.8608, 17.776, 0.07939, -3.3654832, 0.2054832}, 1e-3},
	} {
		r, err := tc.run()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		w := tc.w
		if !near(r.Estimate, w.est, tc.tol) || !near(r.T, w.t, tc.tol) || !near(r.DF, w.df, tc.tol) ||
			!near(r.P, w.p, tc.tol*w.p+1e-6) || !near(r.CILow, w.lo, tc.tol) || !near(r.CIHigh, w.hi, tc.tol) {
			t.Errorf("%s: got %+v, want %+v", tc.name, r, w)
		}
	}
	if _, err := PairedTTest([]float64{1, 2, 3}, []float64{0, 1, 2}, 0.95); !errors.Is(err, ErrConstant) {
		t.Errorf("constant differences: err = %v, want ErrConstant", err)
	}
	if _, err := PairedTTest([]float64{1, 2}, []float64{1}, 0.95); !errors.Is(err, ErrLength) {
		t.Errorf("length mismatch: err = %v, want ErrLength", err)
	}
	if _, err := OneSampleTTest([]float64{1}, 0, 0.95); !errors.Is(err, ErrTooFew) {
		t.Errorf("n=1: err = %v, want ErrTooFew", err)
	}
}

func TestWilcoxonReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		x, y    []float64
		opt     WilcoxonOptions
		v, p    float64
		ptol    float64
		method  string
		nonzero int
	}{
		// R: wilcox.test(depX, depY, paired = TRUE): V = 40, p-value = 0.03906 (= 20/512).
		{"depression exact", depX, depY, WilcoxonOptions{}, 40, 20.0 / 512, 1e-12, "exact", 9},
		// R: wilcox.test(sleep1, sleep2, paired = TRUE) (ties and a zero, so R
		// uses the corrected normal approximation): V = 0, p-value = 0.009091.
		{"sleep normal", sleep1, sleep2, WilcoxonOptions{Method: WilcoxonNormal}, 0, 0.009091, 2e-6, "normal", 9},
		// Pratt: zero ranked (rank 1), remaining mid-ranks 2..10 with a tie;
		// E = 27, Var = 383.5/4, z = (0 − 27 + ½)/√95.875 = −2.70641, p = 0.006800.
		{"sleep pratt normal", sleep1, sleep2, WilcoxonOptions{Zero: ZeroPratt, Method: WilcoxonNormal}, 0, 0.006800, 2e-6, "normal", 9},
		// All nine differences negative with untied ranks would give 2/512;
		// here the tie makes the conditional exact p 2·P(V' = 0) = 2/512 as well.
		{"sleep exact conditional", sleep1, sleep2, WilcoxonOptions{}, 0, 2.0 / 512, 1e-12, "exact", 9},
	} {
		r, err := WilcoxonSignedRank(tc.x, tc.y, tc.opt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.V != tc.v || !near(r.P, tc.p, tc.ptol) || r.Method != tc.method || r.NonZero != tc.nonzero {
			t.Errorf("%s: got V=%g p=%.7g method %s nonzero %d, want V=%g p=%.7g %s %d",
				tc.name, r.V, r.P, r.Method, r.NonZero, tc.v, tc.p, tc.method, tc.nonzero)
		}
	}
}

// bruteSignedRankP enumerates all 2ⁿ sign patterns of the given ranks: an
// independent check of the dynamic programme.
func bruteSignedRankP(ranks []float64, v float64) float64 {
	n := len(ranks)
	var lower, upper, total float64
	for mask := 0; mask < 1<<n; mask++ {
		var s float64
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				s += ranks[i]
			}
		}
		total++
		if s <= v+1e-9 {
			lower++
		}
		if s >= v-1e-9 {
			upper++
		}
	}
	return math.Min(1, 2*math.Min(lower, upper)/total)
}

func TestWilcoxonExactMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(14)
		d := make([]float64, n)
		for i := range d {
			// Coarse values force ties and zeros.
			d[i] = float64(rng.IntN(9) - 3)
		}
		for _, zm := range []ZeroMethod{ZeroWilcox, ZeroPratt} {
			r, err := WilcoxonSignedRankDiffs(d, WilcoxonOptions{Zero: zm, Method: WilcoxonExact})
			if errors.Is(err, ErrAllZero) {
				continue
			}
			if err != nil {
				t.Fatalf("%v: %v", d, err)
			}
			ranks := signedRanksForTest(d, zm)
			if want := bruteSignedRankP(ranks, r.V); !near(r.P, want, 1e-12) {
				t.Errorf("d=%v zero=%v: exact p %.12g, enumeration %.12g", d, zm, r.P, want)
			}
		}
	}
}

// signedRanksForTest ranks |d| the slow way (count smaller + half of equal).
func signedRanksForTest(d []float64, zm ZeroMethod) []float64 {
	var keep []float64
	for _, v := range d {
		if v != 0 || zm == ZeroPratt {
			keep = append(keep, math.Abs(v))
		}
	}
	var out []float64
	for i, a := range keep {
		if a == 0 {
			continue
		}
		less, equal := 0, 0
		for j, b := range keep {
			if b < a {
				less++
			} else if b == a && j != i {
				equal++
			}
		}
		out = append(out, float64(less)+1+float64(equal)/2)
	}
	return out
}

func TestWilcoxonNormalApproachesExact(t *testing.T) {
	// 40 untied differences, 27 positive: exact and corrected normal p agree
	// to a few per cent of p.
	d := make([]float64, 40)
	for i := range d {
		d[i] = float64(i + 1)
		if i%3 == 0 {
			d[i] = -d[i]
		}
	}
	ex, err := WilcoxonSignedRankDiffs(d, WilcoxonOptions{Method: WilcoxonExact})
	if err != nil {
		t.Fatal(err)
	}
	nm, err := WilcoxonSignedRankDiffs(d, WilcoxonOptions{Method: WilcoxonNormal})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ex.P-nm.P) > 0.05*ex.P {
		t.Errorf("exact p %.5g vs normal p %.5g differ by more than 5 %%", ex.P, nm.P)
	}
	auto, _ := WilcoxonSignedRankDiffs(append(d, d[:10]...), WilcoxonOptions{})
	if auto.Method != "normal" || auto.NonZero != 50 {
		t.Errorf("n=50 auto: method %s nonzero %d, want normal 50", auto.Method, auto.NonZero)
	}
	if _, err := WilcoxonSignedRankDiffs([]float64{0, 0, 0}, WilcoxonOptions{}); !errors.Is(err, ErrAllZero) {
		t.Errorf("all zero: err = %v, want ErrAllZero", err)
	}
	one, err := WilcoxonSignedRankDiffs([]float64{0, 2.5}, WilcoxonOptions{})
	if err != nil || one.P != 1 || one.Zeros != 1 {
		t.Errorf("single non-zero: %+v %v, want p = 1, one zero", one, err)
	}
}

func TestProportionIntervals(t *testing.T) {
	// Newcombe (1998), Table II, methods 3 (Wilson) and 5 (Clopper–Pearson),
	// printed to 4 decimals; R binom.test(682, 925) for the last row.
	for _, tc := range []struct {
		x, n                      int
		wLo, wHi, cpLo, cpHi, tol float64
	}{
		{81, 263, 0.2553, 0.3662, 0.2527, 0.3676, 6e-5},
		{15, 148, 0.0624, 0.1605, 0.0578, 0.1617, 6e-5},
		{0, 20, 0.0000, 0.1611, 0.0000, 0.1684, 6e-5},
		{1, 29, 0.0061, 0.1718, 0.0009, 0.1776, 6e-5},
	} {
		lo, hi, err := WilsonCI(tc.x, tc.n, 0.95)
		if err != nil || !near(lo, tc.wLo, tc.tol) || !near(hi, tc.wHi, tc.tol) {
			t.Errorf("Wilson %d/%d = [%.5f, %.5f] %v, want [%.4f, %.4f]", tc.x, tc.n, lo, hi, err, tc.wLo, tc.wHi)
		}
		lo, hi, err = ClopperPearsonCI(tc.x, tc.n, 0.95)
		if err != nil || !near(lo, tc.cpLo, tc.tol) || !near(hi, tc.cpHi, tc.tol) {
			t.Errorf("Clopper-Pearson %d/%d = [%.5f, %.5f] %v, want [%.4f, %.4f]", tc.x, tc.n, lo, hi, err, tc.cpLo, tc.cpHi)
		}
	}
	lo, hi, err := ClopperPearsonCI(682, 925, 0.95)
	if err != nil || !near(lo, 0.7076683, 1e-6) || !near(hi, 0.7654066, 1e-6) {
		t.Errorf("binom.test(682, 925) CI = [%.7f, %.7f] %v, want [0.7076683, 0.7654066]", lo, hi, err)
	}
	if lo, hi, _ := ClopperPearsonCI(10, 10, 0.95); hi != 1 || !near(lo, 0.6915029, 1e-6) {
		t.Errorf("10/10: [%g, %g], want [0.6915029, 1]", lo, hi)
	}
	if _, _, err := WilsonCI(3, 2, 0.95); !errors.Is(err, ErrInvalidCount) {
		t.Errorf("3/2: err = %v, want ErrInvalidCount", err)
	}
	if _, _, err := WilsonCI(0, 0, 0.95); !errors.Is(err, ErrInvalidCount) {
		t.Errorf("0/0: err = %v, want ErrInvalidCount", err)
	}
	// The viabilities the cells package reports (formerly its own copy).
	for _, tc := range []struct {
		x, n   int
		lo, hi float64
	}{
		{8, 10, 0.490162, 0.943318},
		{95, 100, 0.888250, 0.978456},
	} {
		lo, hi, err := WilsonCI(tc.x, tc.n, 0.95)
		if err != nil || !near(lo, tc.lo, 1e-5) || !near(hi, tc.hi, 1e-5) {
			t.Errorf("Wilson %d/%d = [%.6f, %.6f] %v, want [%.6f, %.6f]", tc.x, tc.n, lo, hi, err, tc.lo, tc.hi)
		}
	}
}

func TestPoissonCI(t *testing.T) {
	for _, tc := range []struct {
		x           int
		lo, hi, tol float64
	}{
		{0, 0, 3.688879, 1e-5}, // −ln 0.025
		{1, 0.02531781, 5.571643, 1e-5},
		{10, 4.795389, 18.390356, 1e-5},
		{100, 81.364, 121.627, 1e-3}, // tables give 3 decimals
		// R: poisson.test(137, 24.19893): rate CI 4.753125 6.692709.
		{137, 4.753125 * 24.19893, 6.692709 * 24.19893, 2e-4},
	} {
		lo, hi, err := PoissonCI(tc.x, 0.95)
		if err != nil || !near(lo, tc.lo, tc.tol) || !near(hi, tc.hi, tc.tol) {
			t.Errorf("PoissonCI(%d) = [%.6f, %.6f] %v, want [%.6f, %.6f]", tc.x, lo, hi, err, tc.lo, tc.hi)
		}
	}
	if _, _, err := PoissonCI(-1, 0.95); !errors.Is(err, ErrInvalidCount) {
		t.Errorf("negative count: err = %v", err)
	}
}

func TestPercentChange(t *testing.T) {
	if got := PercentChange(1500, 2437.5); !near(got, 62.5, 1e-12) {
		t.Errorf("PercentChange(1500, 2437.5) = %g, want 62.5", got)
	}
	if !math.IsNaN(PercentChange(0, 1)) {
		t.Error("PercentChange from 0 is not NaN")
	}
}

func TestSummaryJSONNull(t *testing.T) {
	b, err := Describe([]float64{3}, 0.95).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":1,"mean":3,"sd":null,"sem":null,"ci_low":null,"ci_high":null,"ci_level":0.95}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var s Summary
	if err := s.UnmarshalJSON(b); err != nil || s.Mean != 3 || !math.IsNaN(s.SD) {
		t.Errorf("round trip: %+v %v", s, err)
	}
}
