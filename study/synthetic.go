package study

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// CohortConfig describes a synthetic longitudinal cohort with known truth,
// for tests and demonstrations.
type CohortConfig struct {
	Subjects         int
	Months           []float64           // time points; the first is the baseline
	BaselineMeanUM   float64             // dermal thickness at baseline, population mean, µm
	BaselineSDUM     float64             // and SD between subjects
	GainMeanPct      map[float64]float64 // true mean gain from baseline at each later month, %
	GainSDPct        map[float64]float64 // SD of the gain between subjects, %
	Responsiveness   float64             // correlation of a subject's gains across months, 0..1
	SectionsPerVisit int                 // sections measured per subject and month
	SectionCV        float64             // relative SD of one section's measurement (sampling + segmentation)
	ResultsPrefix    string              // prefix of image paths in the results (as an absolute run folder)
}

// DefaultCohort mirrors the published study: 45 subjects, biopsies at 0, 1,
// 3, 6, 12 and 24 months, baseline 1500 ± 200 µm, gain 62.5 ± 13.6 % at
// 12 months, smaller before, three sections per biopsy with 5 % noise.
func DefaultCohort() CohortConfig {
	return CohortConfig{
		Subjects:         45,
		Months:           []float64{0, 1, 3, 6, 12, 24},
		BaselineMeanUM:   1500,
		BaselineSDUM:     200,
		GainMeanPct:      map[float64]float64{1: 10, 3: 25, 6: 42, 12: 62.5, 24: 58},
		GainSDPct:        map[float64]float64{1: 6, 3: 9, 6: 11, 12: 13.6, 24: 15},
		Responsiveness:   0.8,
		SectionsPerVisit: 3,
		SectionCV:        0.05,
		ResultsPrefix:    "/data/dermis-run",
	}
}

// CohortTruth is what the synthetic cohort was generated from.
type CohortTruth struct {
	BaselineUM map[string]float64             // subject → true baseline thickness
	GainPct    map[string]map[float64]float64 // subject → month → true gain, %
}

// MeanGainPct returns the cohort's realised mean true gain at month.
func (t CohortTruth) MeanGainPct(month float64) float64 {
	var s float64
	for _, g := range t.GainPct {
		s += g[month]
	}
	return s / float64(len(t.GainPct))
}

// SyntheticCohort draws a cohort: a sample sheet with images
// "m<month>/S<nn>_<k>.tif" and dermis results whose image paths carry
// cfg.ResultsPrefix, so matching goes through the suffix rule. Each section
// measures true thickness × (1 + N(0, SectionCV)).
func SyntheticCohort(rng *rand.Rand, cfg CohortConfig) ([]SheetRow, []Measurement, CohortTruth) {
	truth := CohortTruth{BaselineUM: map[string]float64{}, GainPct: map[string]map[float64]float64{}}
	var rows []SheetRow
	var ms []Measurement
	r := cfg.Responsiveness
	indep := sqrt1m(r * r)
	for s := 1; s <= cfg.Subjects; s++ {
		subject := fmt.Sprintf("S%02d", s)
		base := cfg.BaselineMeanUM + cfg.BaselineSDUM*rng.NormFloat64()
		if base < 0.2*cfg.BaselineMeanUM {
			base = 0.2 * cfg.BaselineMeanUM // keep thickness physical
		}
		truth.BaselineUM[subject] = base
		truth.GainPct[subject] = map[float64]float64{}
		z := rng.NormFloat64()
		for mi, month := range cfg.Months {
			gain := 0.0
			if mi > 0 {
				gain = cfg.GainMeanPct[month] + cfg.GainSDPct[month]*(r*z+indep*rng.NormFloat64())
			}
			truth.GainPct[subject][month] = gain
			thick := base * (1 + gain/100)
			for k := 1; k <= cfg.SectionsPerVisit; k++ {
				img := fmt.Sprintf("m%g/%s_%d.tif", month, subject, k)
				rows = append(rows, SheetRow{Line: len(rows) + 2, Image: img, Subject: subject, Month: month, Stain: "HE", Group: "treated"})
				ms = append(ms, Measurement{
					Line:   len(ms) + 2,
					Image:  cfg.ResultsPrefix + "/" + img,
					Status: "ok",
					Metrics: map[string]float64{
						DefaultMetric:                 thick * (1 + cfg.SectionCV*rng.NormFloat64()),
						"epidermis_thickness_mean_um": 80 + 8*rng.NormFloat64(),
					},
				})
			}
		}
	}
	return rows, ms, truth
}

func sqrt1m(x float64) float64 {
	if x >= 1 {
		return 0
	}
	return math.Sqrt(1 - x)
}
