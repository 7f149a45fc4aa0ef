package dilution

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// Output file names in --out.
const (
	MetricsCSV    = "dilution_metrics.csv"
	CVCSV         = "dilution_cv.csv"
	MeansCSV      = "dilution_means.csv"
	ReplicatesCSV = "dilution_replicates.csv"
	CompareCSV    = "dilution_compare.csv"
	DesignCSV     = "dilution_design.csv"
	ResultJSON    = "dilution.json"
	FigurePNG     = "dilution.png"
	FigureSVG     = "dilution.svg"
)

// Run turns the analysis into the versioned JSON document.
func (a *Analysis) Run(prov models.Provenance, in models.DilutionInput) models.DilutionRun {
	in.Observations = len(a.Observations)
	in.Dropped = a.Dropped
	in.MeasuredDF = a.MeasuredDF
	r := models.DilutionRun{SchemaVersion: models.SchemaVersion, Kind: "dilution", Provenance: prov, Input: in,
		Options: models.DilutionOptions{Boot: a.Options.Boot, Seed: a.Options.Seed, ConfidenceLevel: a.Options.Level,
			VarianceModel: "proportional", SmoothDegree: a.SmoothDegree},
		Design: a.Design, DesignMet: a.DesignMet, Comparisons: a.Comparisons, Notes: a.Notes}
	for _, m := range a.Methods {
		r.Methods = append(r.Methods, m.DilutionMethod)
	}
	for _, o := range a.Observations {
		ob := models.DilutionObserved{CountingMethod: o.CountingMethod, TargetDF: o.TargetDF, RandomSample: o.RandomSample,
			ReplicateSample: o.ReplicateSample, StockSolution: o.StockSolution, StockExtraction: o.StockExtraction,
			Observation: o.Observation, CellConc: o.CellConc, Images: o.Images}
		if !math.IsNaN(o.MeasuredDF) {
			v := o.MeasuredDF
			ob.MeasuredDF = &v
		}
		r.Observations = append(r.Observations, ob)
	}
	return r
}

// Files renders every table and the JSON of run into memory, so that the
// command can write them all or nothing (report.WriteAll).
func Files(run models.DilutionRun) ([]report.File, error) {
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return report.F(*p)
	}
	var files []report.File
	add := func(name string, header []string, rows [][]string) error {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		if err := w.Write(header); err != nil {
			return err
		}
		for _, r := range rows { // names come from the template: no formulas
			for i := range r {
				r[i] = report.SafeCell(r[i])
			}
		}
		if err := w.WriteAll(rows); err != nil {
			return err
		}
		files = append(files, report.File{Name: name, Data: b.Bytes()})
		return nil
	}
	var metrics, cvs, means, reps, design [][]string
	for _, m := range run.Methods {
		for _, v := range m.Metrics {
			metrics = append(metrics, []string{m.CountingMethod, v.Name, report.F(v.Value), opt(v.Lower), opt(v.Upper)})
		}
		for _, v := range m.CV {
			cvs = append(cvs, []string{m.CountingMethod, FormatDF(v.TargetDF), report.F(v.Value), opt(v.Lower), opt(v.Upper)})
		}
		for _, v := range m.Means {
			means = append(means, []string{m.CountingMethod, FormatDF(v.TargetDF), report.F(v.Value), opt(v.Lower), opt(v.Upper)})
		}
		for _, r := range m.ReplicateSamples {
			reps = append(reps, []string{m.CountingMethod, r.StockSolution, FormatDF(r.TargetDF), report.F(r.X), r.StockExtraction,
				strconv.Itoa(r.N), report.F(r.MeanConc), opt(r.VarConc), report.F(r.Fitted), report.F(r.Residual), report.F(r.Smoothed)})
		}
	}
	for _, d := range run.Design {
		for _, p := range d.PerDF {
			design = append(design, []string{d.CountingMethod, FormatDF(p.TargetDF), strconv.Itoa(p.ReplicateSamples),
				strconv.Itoa(p.SamplesWith3Obs), strconv.Itoa(p.MinObservations), strconv.FormatBool(p.SamplesWith3Obs >= 3), strconv.FormatBool(d.Met)})
		}
	}
	for _, t := range []struct {
		name   string
		header []string
		rows   [][]string
	}{
		{MetricsCSV, []string{"counting_method", "metric", "value", "lower", "upper"}, metrics},
		{CVCSV, []string{"counting_method", "target_dilution_fraction", "mean_cv", "lower", "upper"}, cvs},
		{MeansCSV, []string{"counting_method", "target_dilution_fraction", "mean_conc", "lower", "upper"}, means},
		{ReplicatesCSV, []string{"counting_method", "stock_solution", "target_dilution_fraction", "dilution_fraction", "stock_extraction",
			"n", "mean_conc", "var_conc", "proportional_fit", "residual", "smoothing_fit"}, reps},
		{DesignCSV, []string{"counting_method", "target_dilution_fraction", "replicate_samples", "samples_with_3_observations",
			"min_observations", "df_meets_design", "method_meets_design"}, design},
	} {
		if err := add(t.name, t.header, t.rows); err != nil {
			return nil, err
		}
	}
	if len(run.Methods) > 1 {
		var rows [][]string
		for _, c := range run.Comparisons {
			rows = append(rows, []string{c.Metric, c.Level1, c.Level2, report.F(c.Ratio), opt(c.Lower), opt(c.Upper)})
		}
		if err := add(CompareCSV, []string{"metric", "level1", "level2", "ratio", "lower", "upper"}, rows); err != nil {
			return nil, err
		}
	}
	js, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, report.File{Name: ResultJSON, Data: append(js, '\n')})
	return files, nil
}
