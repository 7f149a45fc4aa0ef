package study

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func tpAt(t *testing.T, g GroupReport, month float64) TimepointStats {
	t.Helper()
	for _, tp := range g.Timepoints {
		if tp.Month == month {
			return tp
		}
	}
	t.Fatalf("group %s: no time point at month %g", g.Group, month)
	return TimepointStats{}
}

func TestAnalyseSyntheticCohortRecoversGain(t *testing.T) {
	rows, ms, truth := SyntheticCohort(rand.New(rand.NewPCG(2024, 45)), DefaultCohort())
	rep, err := Analyse(rows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Images.Used != 45*6*3 || rep.Images.MatchRules[RuleSuffix] != 45*6*3 || len(rep.Groups) != 1 || rep.Groups[0].Group != "treated" {
		t.Fatalf("images %+v, groups %d", rep.Images, len(rep.Groups))
	}
	g := rep.Groups[0]
	for _, month := range []float64{1, 3, 6, 12, 24} {
		tp := tpAt(t, g, month)
		want := truth.MeanGainPct(month)
		// Section noise (5 %, 3 sections) adds ≈ 1 pp of SE to the mean of 45
		// subjects' changes; 3 pp is 3 SE.
		if tp.Paired != 45 || math.Abs(tp.ChangePct.Mean-want) > 3 {
			t.Errorf("month %g: paired %d, mean change %.2f %%, realised truth %.2f %%", month, tp.Paired, tp.ChangePct.Mean, want)
		}
	}
	tp := tpAt(t, g, 12)
	t.Logf("12 months: %.1f ± %.1f %% (95 %% CI %.1f to %.1f), t-test p %.2g, Wilcoxon p %.2g (%s)",
		tp.ChangePct.Mean, tp.ChangePct.SD, tp.ChangePct.CILow, tp.ChangePct.CIHigh, tp.TTest.P, tp.Wilcoxon.P, tp.Wilcoxon.Method)
	if tp.TTest.P >= 0.001 || tp.Wilcoxon.P >= 0.001 || tp.Wilcoxon.Method != "exact" {
		t.Errorf("12 months: t-test p %g, Wilcoxon p %g (%s), want both < 0.001, exact", tp.TTest.P, tp.Wilcoxon.P, tp.Wilcoxon.Method)
	}
	// The between-subject SD of the gain is 13.6 %; measurement noise adds
	// ≈ 6.6 pp in quadrature (≈ 15.1), so the reported SD must be near it.
	if tp.ChangePct.SD < 11 || tp.ChangePct.SD > 19.5 {
		t.Errorf("12 months: SD of change %.1f %%, want 11 to 19.5", tp.ChangePct.SD)
	}
	if !(tp.ChangePct.CILow < tp.ChangePct.Mean && tp.ChangePct.Mean < tp.ChangePct.CIHigh) {
		t.Errorf("CI [%g, %g] does not bracket mean %g", tp.ChangePct.CILow, tp.ChangePct.CIHigh, tp.ChangePct.Mean)
	}
	base := tpAt(t, g, 0)
	if base.Change != nil || base.TTest != nil || math.Abs(base.Value.Mean-1500) > 3*200/math.Sqrt(45) {
		t.Errorf("baseline time point: %+v", base)
	}
}

func TestAnalyseConfidenceIntervalCoverage(t *testing.T) {
	// The 95 % CI of the mean 12-month change must cover the population gain
	// (62.5 %) in about 95 % of cohorts; 200 cohorts give a binomial SD of
	// 1.5 pp, so [0.90, 0.99] fails a biased or mis-scaled interval.
	cfg := DefaultCohort()
	cfg.Months = []float64{0, 12}
	cfg.SectionsPerVisit = 1
	rng := rand.New(rand.NewPCG(7, 7))
	const reps = 200
	covered := 0
	for i := 0; i < reps; i++ {
		rows, ms, _ := SyntheticCohort(rng, cfg)
		rep, err := Analyse(rows, ms, Options{})
		if err != nil {
			t.Fatal(err)
		}
		cp := rep.Groups[0].Timepoints[1].ChangePct
		if cp.CILow <= 62.5 && 62.5 <= cp.CIHigh {
			covered++
		}
	}
	f := float64(covered) / reps
	t.Logf("coverage of the 95 %% CI: %.3f", f)
	if f < 0.90 || f > 0.99 {
		t.Errorf("coverage %.3f, want 0.90 to 0.99", f)
	}
}

func TestAnalyseMissingBaselineAndImages(t *testing.T) {
	cfg := DefaultCohort()
	cfg.Subjects = 12
	rows, ms, _ := SyntheticCohort(rand.New(rand.NewPCG(3, 3)), cfg)
	// S03 and S07 lost their baseline biopsies; S05's 12-month sections failed;
	// two results are not in the sheet; one sheet row was never scanned.
	var keptRows []SheetRow
	for _, r := range rows {
		if r.Month == 0 && (r.Subject == "S03" || r.Subject == "S07") {
			continue
		}
		keptRows = append(keptRows, r)
	}
	keptRows = append(keptRows, SheetRow{Line: 9000, Image: "m12/S12_9.tif", Subject: "S12", Month: 12, Group: "treated"})
	for i := range ms {
		if strings.Contains(ms[i].Image, "m12/S05_") {
			ms[i].Status = "error"
			ms[i].Metrics = nil
		}
	}
	ms = append(ms, Measurement{Line: 9001, Image: "/data/other/x.tif", Status: "ok", Metrics: map[string]float64{DefaultMetric: 1}})
	rep, err := Analyse(keptRows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Groups[0]
	if strings.Join(g.WithoutBaseline, ",") != "S03,S07" {
		t.Errorf("without baseline %v, want S03, S07", g.WithoutBaseline)
	}
	// Month-0 results of S03 and S07 are in the results but not in the sheet.
	if n := len(rep.Images.UnmatchedResults); n != 2*3+1 {
		t.Errorf("unmatched results %d, want 7", n)
	}
	if n := len(rep.Images.UnmatchedSheet); n != 1 || rep.Images.UnmatchedSheet[0].Line != 9000 {
		t.Errorf("unmatched sheet rows %+v, want line 9000", rep.Images.UnmatchedSheet)
	}
	if n := len(rep.Images.NotOK); n != 3 {
		t.Errorf("not ok %d, want 3", n)
	}
	tp := tpAt(t, g, 12)
	if tp.Subjects != 11 || tp.Paired != 9 || tp.ChangePct.N != 9 || tp.Wilcoxon.N != 9 || tp.TTest.N != 9 {
		t.Errorf("month 12: subjects %d paired %d, want 11 and 9", tp.Subjects, tp.Paired)
	}
	if tp6 := tpAt(t, g, 6); tp6.Subjects != 12 || tp6.Paired != 10 {
		t.Errorf("month 6: subjects %d paired %d, want 12 and 10", tp6.Subjects, tp6.Paired)
	}
	for _, s := range g.Subjects {
		if s.Subject == "S03" && (s.HasBaseline || s.Points[0].ChangePct != nil) {
			t.Errorf("S03 has a change without a baseline: %+v", s)
		}
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "2 subject(s) without a baseline") {
		t.Errorf("notes %q lack the missing-baseline note", rep.Notes)
	}
}

// handCohort builds sheet and results from subject → month → section values.
func handCohort(data map[string]map[float64][]float64, group func(subject string) string) ([]SheetRow, []Measurement) {
	var rows []SheetRow
	var ms []Measurement
	for s, byMonth := range data {
		for m, vals := range byMonth {
			for k, v := range vals {
				img := s + "_" + strings.ReplaceAll(num(m), ".", "p") + "_" + num(float64(k)) + ".png"
				g := ""
				if group != nil {
					g = group(s)
				}
				rows = append(rows, SheetRow{Line: len(rows) + 2, Image: img, Subject: s, Month: m, Group: g})
				ms = append(ms, Measurement{Line: len(ms) + 2, Image: img, Status: "ok", Metrics: map[string]float64{DefaultMetric: v}})
			}
		}
	}
	return rows, ms
}

func TestAnalyseZeroDifferencesAndTies(t *testing.T) {
	rows, ms := handCohort(map[string]map[float64][]float64{
		"A": {0: {1000}, 6: {1000}, 12: {1100}},
		"B": {0: {1200}, 6: {1200}, 12: {1300}},
		"C": {0: {900, 1100}, 6: {1000}, 12: {1100}}, // two sections average to 1000
		"D": {0: {1500}, 6: {1500}, 12: {1650}},
		"E": {0: {800}, 6: {850}, 12: {900}},
	}, nil)
	rep, err := Analyse(rows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Groups[0]
	if g.Group != GroupAll {
		t.Errorf("group %q, want %q", g.Group, GroupAll)
	}
	// Month 6: four zero differences and one of +50: Wilcoxon drops the zeros
	// (n = 1, p = 1); the t-test is defined (SD > 0) and far from significant.
	tp6 := tpAt(t, g, 6)
	if w := tp6.Wilcoxon; w == nil || w.Zeros != 4 || w.NonZero != 1 || w.P != 1 || w.V != 1 {
		t.Errorf("month 6 Wilcoxon %+v, want 4 zeros, V = 1, p = 1", w)
	}
	if tp6.TTest == nil || tp6.TTest.P < 0.3 {
		t.Errorf("month 6 t-test %+v, want p ≥ 0.3", tp6.TTest)
	}
	// Month 12: differences 100, 100, 100, 150, 100 — four tied ranks, all
	// positive: exact conditional p = 2/2⁵.
	tp12 := tpAt(t, g, 12)
	if w := tp12.Wilcoxon; w == nil || !w.Ties || w.V != 15 || math.Abs(w.P-2.0/32) > 1e-12 {
		t.Errorf("month 12 Wilcoxon %+v, want ties, V = 15, p = 0.0625", w)
	}
	for _, s := range g.Subjects {
		if s.Subject == "C" && (s.Baseline != 1000 || *s.Points[0].SectionsSD == 0 || s.Points[0].Sections != 2) {
			t.Errorf("C baseline %+v, want mean of two sections 1000", s)
		}
	}
	// All-zero change: no Wilcoxon, no t-test, notes say why.
	rows, ms = handCohort(map[string]map[float64][]float64{
		"A": {0: {1000}, 3: {1000}}, "B": {0: {1200}, 3: {1200}},
	}, nil)
	rep, err = Analyse(rows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tp := tpAt(t, rep.Groups[0], 3)
	if tp.Wilcoxon != nil || tp.TTest != nil || tp.ChangePct.Mean != 0 || len(rep.Notes) != 2 {
		t.Errorf("all-zero month: %+v, notes %q", tp, rep.Notes)
	}
}

func TestAnalyseBaselineChoice(t *testing.T) {
	data := map[string]map[float64][]float64{
		"A": {1: {1000}, 6: {1200}}, "B": {1: {1100}, 6: {1300}}, "C": {1: {900}, 6: {1150}},
	}
	rows, ms := handCohort(data, nil)
	rep, err := Analyse(rows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BaselineMonth != 1 || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "earliest month, 1") {
		t.Errorf("baseline %g notes %q, want fallback to month 1", rep.BaselineMonth, rep.Notes)
	}
	if tp := tpAt(t, rep.Groups[0], 6); tp.Paired != 3 || math.Abs(tp.Change.Mean-650.0/3) > 1e-9 {
		t.Errorf("month 6 change %+v", tp.Change)
	}
	if _, err := Analyse(rows, ms, Options{BaselineMonth: 3}); !errors.Is(err, ErrNoBaseline) {
		t.Errorf("explicit absent baseline: err = %v, want ErrNoBaseline", err)
	}
	rep, err = Analyse(rows, ms, Options{BaselineMonth: 6})
	if err != nil || rep.BaselineMonth != 6 {
		t.Fatalf("baseline 6: %v", err)
	}
	if tp := tpAt(t, rep.Groups[0], 1); tp.Change == nil || tp.Change.Mean >= 0 {
		t.Errorf("month 1 against a month-6 baseline should be a loss: %+v", tp.Change)
	}
}

func TestAnalyseGroupsAndFilters(t *testing.T) {
	cfg := DefaultCohort()
	cfg.Subjects = 20
	cfg.Months = []float64{0, 12}
	rows, ms, _ := SyntheticCohort(rand.New(rand.NewPCG(11, 12)), cfg)
	// Second half of the subjects are untreated controls: rewrite their
	// 12-month sections to the baseline thickness plus noise.
	rng := rand.New(rand.NewPCG(5, 5))
	base := map[string]float64{}
	for i, r := range rows {
		if r.Subject > "S10" {
			rows[i].Group = "control"
			if r.Month == 0 {
				base[r.Subject] += ms[i].Metrics[DefaultMetric] / 3
			}
		}
	}
	for i, r := range rows {
		if r.Subject > "S10" && r.Month == 12 {
			ms[i].Metrics[DefaultMetric] = base[r.Subject] * (1 + 0.05*rng.NormFloat64())
		}
	}
	// A trichrome section that the stain filter must drop.
	rows = append(rows, SheetRow{Line: 5000, Image: "tri/S01.tif", Subject: "S01", Month: 12, Stain: "trichrome", Group: "treated"})
	ms = append(ms, Measurement{Line: 5000, Image: "tri/S01.tif", Status: "ok", Metrics: map[string]float64{DefaultMetric: 99999}})
	rep, err := Analyse(rows, ms, Options{Stain: "he"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 2 || rep.Groups[0].Group != "control" || rep.Groups[1].Group != "treated" {
		t.Fatalf("groups %+v", rep.Groups)
	}
	if rep.Images.FilteredOut != 1 || len(rep.Images.UnmatchedResults) != 0 {
		t.Errorf("filtered %d, unmatched results %d: a filtered row's result must not count as unmatched", rep.Images.FilteredOut, len(rep.Images.UnmatchedResults))
	}
	ctl, trt := tpAt(t, rep.Groups[0], 12), tpAt(t, rep.Groups[1], 12)
	if ctl.Paired != 10 || trt.Paired != 10 {
		t.Errorf("paired %d and %d, want 10 each", ctl.Paired, trt.Paired)
	}
	if math.Abs(ctl.ChangePct.Mean) > 5 || ctl.TTest.P < 0.01 {
		t.Errorf("control change %.1f %% p %.3g, want ≈ 0 and not significant", ctl.ChangePct.Mean, ctl.TTest.P)
	}
	if trt.ChangePct.Mean < 50 || trt.TTest.P > 0.001 {
		t.Errorf("treated change %.1f %% p %.3g", trt.ChangePct.Mean, trt.TTest.P)
	}
	if len(rep.Comparisons) != 1 {
		t.Fatalf("comparisons %+v, want one (month 12)", rep.Comparisons)
	}
	if c := rep.Comparisons[0]; c.Design != "independent" || c.N != 20 || c.TTest == nil || c.TTest.Method != "welch" ||
		c.TTest.Estimate > -50 || c.TTest.P > 1e-4 || c.Wilcoxon != nil {
		t.Errorf("control vs treated: %+v %+v", c, c.TTest)
	}
	if _, err := Analyse(rows, ms, Options{Stain: "PAS"}); !errors.Is(err, ErrNoData) {
		t.Errorf("stain with no rows: err = %v, want ErrNoData", err)
	}
	if _, err := Analyse(rows, ms, Options{Metric: "dermis_area_um2"}); !errors.Is(err, ErrMetric) || !strings.Contains(err.Error(), "epidermis_thickness_mean_um") {
		t.Errorf("unknown metric: err = %v, want ErrMetric listing the metrics", err)
	}
	rep, err = Analyse(rows, ms, Options{Stain: "HE", Metric: "epidermis_thickness_mean_um"})
	if err != nil || math.Abs(tpAt(t, rep.Groups[1], 12).ChangePct.Mean) > 8 {
		t.Errorf("epidermis (unchanged by design): %v", err)
	}
}

func TestNaturalLess(t *testing.T) {
	want := []string{"A", "S01", "S1", "S2", "S2a", "S02b", "S10", "s3"}
	for i := range want {
		for j := range want {
			if got := naturalLess(want[i], want[j]); got != (i < j) {
				t.Errorf("naturalLess(%q, %q) = %v", want[i], want[j], got)
			}
		}
	}
}
