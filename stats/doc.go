// Package stats holds the small set of descriptive and inferential
// statistics histocount reports: summaries of a sample, confidence intervals,
// paired and Welch t-tests, the Wilcoxon signed-rank test, and confidence
// intervals for proportions and counts. Functions take plain slices and
// return plain values; nothing is global and nothing is random.
//
// # Conventions
//
// Undefined quantities (the SD of one value, the mean of none) are NaN, never
// an error, so a summary of a thin time point can still be tabulated. Tests
// that cannot be computed (too few pairs, constant data) return an error that
// wraps one of the package's sentinel errors. Confidence levels are fractions
// (0.95), not percentages.
//
// # Descriptive statistics
//
//	mean  x̄ = Σxᵢ / n
//	SD    s = √( Σ(xᵢ − x̄)² / (n − 1) )          (sample, Bessel-corrected)
//	SEM   s / √n
//	CI    x̄ ± t(1−α/2; n−1) · s/√n                 (Student t, gonum distuv.StudentsT)
//
// PercentChange(baseline, value) = 100 · (value − baseline) / baseline.
//
// # t-tests
//
// PairedTTest(x, y) is the one-sample t-test of dᵢ = xᵢ − yᵢ against 0, as
// R's t.test(x, y, paired = TRUE): t = d̄ / (s_d/√n), df = n − 1, two-sided
// p = 2·P(T > |t|). WelchTTest uses the Welch–Satterthwaite degrees of
// freedom, as R's default t.test(x, y).
//
// # Wilcoxon signed-rank test
//
// The absolute differences |dᵢ| are ranked (mid-ranks for ties) and
// V = Σ rank over dᵢ > 0 (R's statistic "V"). Zero differences follow the
// chosen convention:
//
//   - ZeroWilcox (default, as R's wilcox.test): zeros are dropped before
//     ranking, n is the number of non-zero differences.
//   - ZeroPratt (Pratt 1959): zeros are ranked with the others, then their
//     ranks are dropped, which keeps the ranks of the non-zero differences
//     anchored to the full sample.
//
// The exact null distribution of V is computed, for fewer than 50 non-zero
// differences, by dynamic programming over the sums of doubled ranks (each
// rank enters with probability ½), which is exact also with ties: it is then
// the permutation distribution conditional on the observed mid-ranks
// (Hollander, Wolfe & Chicken 2014, §3.1; R's wilcox.test falls back to the
// normal approximation with ties, so the two differ there). The two-sided
// exact p is min(1, 2·min(P(V' ≤ V), P(V' ≥ V))), as R. From 50 non-zero
// differences on, the normal approximation is used:
//
//	E(V)   = Σ rᵢ / 2,   Var(V) = Σ rᵢ² / 4
//	z      = (V − E(V) − ½·sign(V − E(V))) / √Var(V)
//	p      = 2 · min(Φ(z), 1 − Φ(z))
//
// where the sums run over the ranks of the non-zero differences. With
// untied ranks 1..n these are the textbook n(n+1)/4 and n(n+1)(2n+1)/24;
// Σrᵢ²/4 already contains the tie correction −Σ(t³ − t)/48. The ½ is the
// continuity correction (disable with NoCorrection).
//
// # Proportions and counts
//
// Wilson score interval for x successes in n trials (Wilson 1927), with
// p̂ = x/n and z = Φ⁻¹(1 − α/2):
//
//	( p̂ + z²/2n ± z·√( p̂(1−p̂)/n + z²/4n² ) ) / (1 + z²/n)
//
// Clopper–Pearson exact interval (Clopper & Pearson 1934) from Beta
// quantiles: lower = B(α/2; x, n−x+1), upper = B(1−α/2; x+1, n−x), with 0 and
// 1 at x = 0 and x = n.
//
// Exact (Garwood 1936) interval for a Poisson count x, from χ² quantiles:
// lower = χ²(α/2; 2x)/2 (0 when x = 0), upper = χ²(1−α/2; 2x+2)/2.
//
// # Quantiles
//
// The image analyses take quantiles of grey levels, optical
// densities and thicknesses by one of two rank conventions, each with one
// home here (q in 0..1, n values):
//
//	floor rank    the value of 0-based rank ⌊q·(n−1)⌋ in sorted order
//	              (QuantileFloor on values, HistQuantileFloor on a histogram)
//	inverse ECDF  the smallest value v with #{x ≤ v} ≥ ⌈q·n⌉ (Hyndman & Fan
//	              type 1; HistQuantileCeil on a histogram)
//
// They differ by at most one rank: floor rank never interpolates and gives
// the minimum at q = 0 and the maximum at q = 1; the inverse ECDF is the
// textbook definition the colony background uses. Other conventions remain
// on purpose where they are the method's own and have one user each:
// nuclei percentile (nearest rank ⌊q·(n−1)⌉, by selection, once per
// nucleus), the marker score (rank ⌊q·n⌋, its 90th-percentile rule was
// tuned with it), imageio's 16-bit stretch (rank ⌊q·n⌋ on a 65 536-bin
// histogram), the dilution bootstrap (R's type 7, linear interpolation, as
// NIST COMET), and the medians that average the two middle values (cells
// marker, dermis thickness summaries). Changing any of them to another
// convention moves results in their last digits.
//
// # References
//
//   - Student (1908). The probable error of a mean. Biometrika 6:1–25.
//   - Welch BL (1947). The generalization of Student's problem when several
//     different population variances are involved. Biometrika 34:28–35.
//   - Wilcoxon F (1945). Individual comparisons by ranking methods.
//     Biometrics Bulletin 1:80–83.
//   - Pratt JW (1959). Remarks on zeros and ties in the Wilcoxon signed rank
//     procedures. JASA 54:655–667.
//   - Hollander M, Wolfe DA, Chicken E (2014). Nonparametric Statistical
//     Methods, 3rd ed. Wiley.
//   - Wilson EB (1927). Probable inference, the law of succession, and
//     statistical inference. JASA 22:209–212.
//   - Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits
//     illustrated in the case of the binomial. Biometrika 26:404–413.
//   - Garwood F (1936). Fiducial limits for the Poisson distribution.
//     Biometrika 28:437–442.
//   - Newcombe RG (1998). Two-sided confidence intervals for the single
//     proportion: comparison of seven methods. Stat Med 17:857–872.
//   - R Core Team. stats::t.test, stats::wilcox.test, stats::binom.test,
//     stats::poisson.test (reference values in the tests).
package stats
