// Package dilution evaluates a cell-counting method from a dilution series
// as ISO 20391-2:2019 ("Biotechnology — Cell counting — Part 2:
// Experimental design and statistical analysis to quantify counting method
// performance") prescribes, computing the same numbers as NIST's reference
// implementation COMET (github.com/usnistgov/COMET, R/utils.R), under the
// same metric names.
//
// Data. One observation per row: counting method, target dilution fraction
// (DF), optionally the measured DF, a replicate sample (stock extraction)
// and a concentration y (cells/ml). x is the measured DF when the data set
// has any, else the target DF (a missing measured DF is filled with the
// target DF). Per counting method, observations are grouped into replicate
// samples j by (stock solution, target DF, x, stock extraction), giving the
// mean ȳⱼ, the variance s²ⱼ and the count nⱼ (ISO 20391-2 §6, COMET rep_dat).
//
// Proportional model (ISO 20391-2 §7.2, variance ∝ concentration, COMET
// var_func 1): weighted least squares through the origin with weights
// wⱼ = nⱼ/xⱼ:
//
//	β = Σ wⱼxⱼȳⱼ / Σ wⱼxⱼ² = Σ nⱼȳⱼ / Σ nⱼxⱼ        (Prop.Const.x, cells/ml)
//	fⱼ = βxⱼ,  rⱼ = ȳⱼ − fⱼ
//	R² = Σ wⱼfⱼ² / (Σ wⱼfⱼ² + Σ wⱼrⱼ²)                (R.squared, uncentred)
//	Sum.Squared.Error = Σ rⱼ²,  Scaled… = Σ (rⱼ/fⱼ)²,  Sum.Absolute.Error = Σ |rⱼ|,  Scaled… = Σ |rⱼ/fⱼ|
//
// Smoothing model (ISO 20391-2 §7.3, the "flexible" fit): a polynomial with
// intercept of degree d = (number of distinct target DFs − 1) in x, weighted
// least squares with weights 1/xⱼ, fitted sⱼ; eⱼ = sⱼ − fⱼ is the departure
// of the smooth curve from proportionality. The proportionality indices (PI):
//
//	Smoothed.Scaled.Sum.Squared.Error = Σ (eⱼ/fⱼ)²     (the PI COMET shows first)
//	Smoothed.Sum.Squared.Error        = Σ eⱼ² / f₁²
//	Smoothed.Scaled.Sum.Absolute.Error = Σ |eⱼ/fⱼ|
//	Smoothed.Sum.Absolute.Error       = Σ |eⱼ| / f₁
//	Variance.Stabilized.Smoothed.Sum.Squared.Error  = Σ eⱼ²/|fⱼ|
//	Variance.Stabilized.Smoothed.Sum.Absolute.Error = Σ |eⱼ|/√|fⱼ|
//	Smoothed.R.squared = R² of the weighted regression of sⱼ on fⱼ through the origin (weights 1/xⱼ)
//
// where f₁ is the fitted value of the first replicate sample in COMET's
// order (stock solution, target DF, x, stock extraction ascending).
//
// Precision (ISO 20391-2 §7.4): per target DF,
// mean_CV_<DF> = Σ nⱼ·sⱼ/(ȳⱼ + 10⁻⁸) / Σ nⱼ over its replicate samples (a
// fraction, not %); when a replicate sample has a single observation the DF
// falls back to SD/mean of all its observations. mean_conc_<DF> is the mean
// of all observations at the DF.
//
// Design (ISO 20391-2 §5): at least 4 DFs, each with at least 3 replicate
// samples of at least 3 observations. It is checked and reported per method;
// an unmet design does not stop the analysis (COMET shows a warning).
//
// Bootstrap intervals (our resampling, documented here; COMET's depends on
// R's random numbers). For b = 1…B, per method and target DF, every
// observation slot keeps its replicate sample and x and receives the
// concentration of an observation drawn with replacement from the same
// method and target DF (COMET's nonpar.boot.simple resamples the same pool);
// the metrics are recomputed. The interval is value ± t(1−α/2, B−1)·SD of the
// bootstrap values, on the logit scale for R² metrics and the log scale for
// the error metrics (back-transformed), other metrics on their own scale,
// with the lower limit ≥ 0 — COMET's rule. Method-pair ratios
// metric₁/(metric₂ + 10⁻⁷) get percentile intervals (R's quantile type 7)
// of the bootstrap ratios. The random numbers come from math/rand/v2's PCG
// seeded with (seed, b), so a run is reproducible for a given seed.
//
// The point values equal COMET's (run_comet with var_func 1, smooth_df 0)
// to 1e-6 relative on COMET's three examples (tests).
package dilution
