package dilution

import (
	"fmt"
	"strconv"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// ReportHTML is the file name of the HTML report in --out.
const ReportHTML = "report.html"

// Page builds the human-readable report of a run: the design check, the
// key metrics per method with their intervals, the figure, the CV and mean
// tables, method ratios and provenance.
func Page(run models.DilutionRun, figureSVG []byte) htmlreport.Page {
	ci := func(lo, hi *float64, f func(float64) string) string {
		if lo == nil || hi == nil {
			return ""
		}
		return f(*lo) + " – " + f(*hi)
	}
	num := func(v float64) string { return human.Sci(v, 4) }
	p := htmlreport.Page{
		Title:    "Counting-method performance (ISO 20391-2)",
		Subtitle: "Dilution-series analysis; metrics and names as NIST COMET",
		Meta: []htmlreport.KV{{Key: "input", Value: run.Input.Path}, {Key: "observations", Value: strconv.Itoa(run.Input.Observations)},
			{Key: "x", Value: map[bool]string{true: "measured dilution fraction", false: "target dilution fraction"}[run.Input.MeasuredDF]},
			{Key: "bootstrap", Value: fmt.Sprintf("%d replicates, seed %d, %g %% intervals", run.Options.Boot, run.Options.Seed, 100*run.Options.ConfidenceLevel)}},
	}
	// Design check first: an unmet design qualifies every number below.
	ds := htmlreport.Section{ID: "design", Heading: "Experimental design"}
	if run.DesignMet {
		ds.Banner = &htmlreport.Banner{Text: "Design meets ISO 20391-2", OK: true, Sub: "≥ 4 dilution fractions × ≥ 3 replicate samples × ≥ 3 observations for every method"}
	} else {
		ds.Banner = &htmlreport.Banner{Text: "Design does NOT meet ISO 20391-2", Sub: "the standard asks for ≥ 4 dilution fractions, each with ≥ 3 replicate samples of ≥ 3 observations; the metrics below are computed anyway"}
	}
	dt := htmlreport.Table{Header: []string{"method", "target DF", "replicate samples", "with ≥ 3 observations", "fewest observations"}, Right: []bool{false, true, true, true, true}}
	for _, d := range run.Design {
		for _, r := range d.PerDF {
			dt.Rows = append(dt.Rows, []string{d.CountingMethod, FormatDF(r.TargetDF), strconv.Itoa(r.ReplicateSamples), strconv.Itoa(r.SamplesWith3Obs), strconv.Itoa(r.MinObservations)})
			dt.Flag = append(dt.Flag, r.SamplesWith3Obs < 3)
		}
	}
	ds.Tables = []htmlreport.Table{dt}
	p.Sections = append(p.Sections, ds)

	key := []string{PropConst, RSquared, SmoothedScaledSSE, SmoothedR2, SmoothedSSE, ScaledSSE}
	label := map[string]string{PropConst: "proportionality constant β (cells/ml)", RSquared: "R² (proportional fit)",
		SmoothedScaledSSE: "PI: smoothed scaled SSE", SmoothedR2: "smoothed R²", SmoothedSSE: "smoothed SSE / f₁²", ScaledSSE: "scaled SSE"}
	mt := htmlreport.Table{Caption: "Key metrics (point value and bootstrap interval)", Header: []string{"method", "metric", "COMET name", "value", "interval"}, Right: []bool{false, false, false, true, true}}
	for _, m := range run.Methods {
		for _, k := range key {
			for _, v := range m.Metrics {
				if v.Name == k {
					mt.Rows = append(mt.Rows, []string{m.CountingMethod, label[k], k, num(v.Value), ci(v.Lower, v.Upper, num)})
				}
			}
		}
	}
	ms := htmlreport.Section{ID: "metrics", Heading: "Proportionality and precision", Tables: []htmlreport.Table{mt},
		Lead: []string{"β is the slope of the proportional fit through the origin (weights n/x); R² and the proportionality index (PI) measure how far the series departs from proportionality — smaller PI is better; the mean CV per dilution fraction measures precision."}}
	if len(figureSVG) > 0 {
		ms.Figures = []htmlreport.Figure{{SVG: figureSVG, Caption: "Top: concentration vs dilution fraction, proportional fit (solid) and smoothing fit (dashed). Middle: departure of replicate samples and of the smoothing fit from proportionality. Bottom: mean CV per target dilution fraction."}}
	}
	cv := htmlreport.Table{Caption: "Mean CV and mean concentration per target dilution fraction", Header: []string{"method", "target DF", "mean CV", "CV interval", "mean concentration (cells/ml)", "interval"}, Right: []bool{false, true, true, true, true, true}}
	pct := func(v float64) string { return human.Pct(100 * v) }
	for _, m := range run.Methods {
		for i, c := range m.CV {
			row := []string{m.CountingMethod, FormatDF(c.TargetDF), pct(c.Value), ci(c.Lower, c.Upper, pct), "", ""}
			if i < len(m.Means) {
				row[4], row[5] = num(m.Means[i].Value), ci(m.Means[i].Lower, m.Means[i].Upper, num)
			}
			cv.Rows = append(cv.Rows, row)
		}
	}
	ms.Tables = append(ms.Tables, cv)
	p.Sections = append(p.Sections, ms)
	if len(run.Comparisons) > 0 {
		ct := htmlreport.Table{Caption: "Method ratios (level 1 / level 2)", Header: []string{"metric", "level 1", "level 2", "ratio", "interval"}, Right: []bool{false, false, false, true, true}}
		for _, c := range run.Comparisons {
			if c.Metric == PropConst || c.Metric == RSquared || c.Metric == SmoothedScaledSSE {
				ct.Rows = append(ct.Rows, []string{c.Metric, c.Level1, c.Level2, human.Sig(c.Ratio, 4), ci(c.Lower, c.Upper, func(v float64) string { return human.Sig(v, 3) })})
			}
		}
		p.Sections = append(p.Sections, htmlreport.Section{ID: "compare", Heading: "Method comparison", Tables: []htmlreport.Table{ct},
			Notes: []string{"All ratios are in dilution_compare.csv."}})
	}
	prov := run.Provenance
	notes := append([]string{}, run.Notes...)
	notes = append(notes, "Full tables: dilution_metrics.csv, dilution_cv.csv, dilution_means.csv, dilution_replicates.csv, dilution_design.csv, dilution.json (schema: histocount schema dilution).")
	p.Sections = append(p.Sections, htmlreport.Section{ID: "provenance", Heading: "Provenance", Notes: notes,
		KVs: []htmlreport.KV{{Key: "histocount", Value: prov.Version + " " + prov.Commit}, {Key: "input sha256", Value: run.Input.SHA256}, {Key: "run", Value: prov.Started}}})
	p.Footer = "histocount " + prov.Version + " · ISO 20391-2:2019 · metrics as NIST COMET (var_func 1, smoothing degree " + strconv.Itoa(run.Options.SmoothDegree) + ")"
	return p
}
