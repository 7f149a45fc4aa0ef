// Package growth turns a passage sheet — per donor and passage the cells
// seeded, the cells harvested and the days in culture — into population
// doublings, doubling times and the cumulative doublings of each donor's
// culture, and draws the growth curve.
//
// Formulas (Hayflick's population-doubling level, per passage i):
//
//	PD_i  = log2(harvested_i / seeded_i)              population doublings
//	DT_i  = days_i · 24 / PD_i                        doubling time, hours (PD_i > 0 only)
//	CPD_k = Σ_{i ≤ k} PD_i                            cumulative population doublings
//	mean DT = Σ days_i · 24 / Σ PD_i                  over the donor's valid passages with PD > 0
//
// PD assumes every seeded cell attached and the harvest counted every
// cell: with attachment efficiency a < 1 the true doublings are
// log2(harvested / (a·seeded)), so PD is a lower bound. A passage whose
// harvest is not above its seeding (PD ≤ 0) is kept, flagged no_growth,
// and has no doubling time. A row that cannot be used (missing or
// non-numeric values, counts outside 1…10¹⁵ cells, days outside 0…3650 (0 excluded), a passage number repeated
// for the donor) is reported with its line and left out; the donor's
// cumulative curve then has a gap, flagged passage_gap, and the rest goes
// on.
//
// Reference: Hayflick L, Moorhead PS (1961) Exp Cell Res 25:585–621;
// Cristofalo VJ et al. (1998) PNAS 95:10614 for CPD of dermal fibroblasts.
package growth
