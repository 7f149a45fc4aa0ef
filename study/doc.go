// Package study computes the longitudinal statistics of a treatment study
// from per-section measurements: for each subject the change of a section
// metric (by default the mean dermal thickness, µm) from baseline at every
// later time point, and for each time point the cohort summary and the
// paired tests against baseline. It is the engine of `histocount study`.
//
// # Inputs
//
// A sample sheet (ReadSheet) names every section image with its subject and
// time point in months, optionally its stain, side/area and group
// (treated, untreated, control). The results of `histocount dermis`
// (ReadResults) give one row per image with a status and numeric metric
// columns; every numeric column is a metric.
//
// Sheet rows are matched to result rows by image name, trying in order and
// taking the first rule that gives a unique answer (package
// internal/imagename, the rule of every sheet histocount reads):
//
//  1. "path":   the same path after cleaning (\ → /, "./" removed);
//  2. "suffix": one path ends with the other at a "/" (sheet
//     "m12/S01.tif" matches result "/data/run/m12/S01.tif");
//  3. "base":   the same file name (case-sensitive);
//  4. "stem":   the same file name without extension, ignoring case
//     ("S01" or "s01.png" matches "S01.tif").
//
// Rules 3 and 4 need one side to be a bare file name: folders given on
// both sides must agree by rule 1 or 2.
//
// A sheet row whose candidates are not unique at the first rule that has any
// (or whose candidate is claimed by another row at that rule) is reported as
// ambiguous and not used; so is a result row no sheet row matched. Matched
// rows whose status is not "ok", or that lack the metric, are reported and
// excluded.
//
// # Computation
//
// For a subject s at month t, the value v(s,t) is the mean of the metric
// over its sections. The baseline is Options.BaselineMonth (default 0; when
// no section has month 0 the earliest month is the baseline and a note says
// so). For every other month,
//
//	change(s,t)     = v(s,t) − v(s,baseline)                 (metric units)
//	change_pct(s,t) = 100 · (v(s,t) − v(s,baseline)) / v(s,baseline)
//
// Per time point the report gives, across subjects: n, mean, SD, SEM and the
// Student-t 95 % CI of v (all subjects seen at t); and over the subjects with
// a baseline (paired): the same summary of change and change_pct, the paired
// t-test of v(t) against v(baseline) and the Wilcoxon signed-rank test of the
// same pairs (two-sided p; exact below 50 pairs, zeros dropped — see package
// stats). Subjects without a baseline are listed and excluded from every
// change statistic. When the sheet has a group column every group is
// analysed on its own (a subject with sections in two groups, as in a
// split-body design, appears in both); group labels are compared without
// case, rows without a group are "unassigned", and a sheet with no group at
// all forms the single group "all".
//
// With two or more groups, every pair is compared at every month by the
// percent change: paired (t-test and Wilcoxon signed-rank on the subjects
// the two groups share, the split-body design) when they share subjects,
// otherwise by Welch's t-test (parallel groups). These comparisons are in
// study.json only.
//
// The figure (WriteFigure) follows Fig. 3 of the study report: relative
// change (%) against months, mean ± 95 % CI per time point, with each
// subject's trajectory drawn faintly.
//
// # Outputs
//
// WriteCSV writes study_subjects.csv (one row per subject and month) and
// study_timepoints.csv (one row per group and month); WriteJSON writes
// study.json (schema_version 1.0.0, everything in Report). Every file is
// written to a temporary file in the same directory and renamed into place.
//
// # References
//
//   - Student (1908), Wilcoxon (1945): see package stats.
//   - Bland JM, Altman DG (1996). Measurement error proportional to the
//     mean. BMJ 313:106 (why change is also reported in %).
package study
