package study

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/stats"
)

// Output file names.
const (
	SubjectsCSV   = "study_subjects.csv"
	TimepointsCSV = "study_timepoints.csv"
	ReportJSON    = "study.json"
	FigurePNG     = "study_change.png"
	FigureSVG     = "study_change.svg"
)

// writeAtomic writes path through a temporary file renamed into place
// only when write succeeded (report.WriteWith).
func writeAtomic(path string, write func(io.Writer) error) error {
	return report.WriteWith(path, write)
}

// WriteCSV writes study_subjects.csv and study_timepoints.csv into dir.
func WriteCSV(dir string, r *Report) error {
	if err := writeAtomic(filepath.Join(dir, SubjectsCSV), func(w io.Writer) error { return WriteSubjectsCSV(w, r) }); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, TimepointsCSV), func(w io.Writer) error { return WriteTimepointsCSV(w, r) })
}

// WriteJSON writes study.json into dir.
func WriteJSON(dir string, r *Report) error {
	return writeAtomic(filepath.Join(dir, ReportJSON), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}

// SubjectsHeader is the header of study_subjects.csv; value, baseline_value
// and change are in the metric's unit, change_pct in %.
var SubjectsHeader = []string{"metric", "group", "subject", "month", "sections", "value", "sections_sd", "baseline_value", "change", "change_pct"}

// TimepointsHeader is the header of study_timepoints.csv. mean … ci_high
// describe the value across subjects; change_* the paired subjects' change
// from baseline; p_ttest and p_wilcoxon are two-sided, against baseline.
var TimepointsHeader = []string{"metric", "group", "month", "subjects", "sections",
	"mean", "sd", "sem", "ci_low", "ci_high",
	"paired", "change_mean", "change_sd", "change_ci_low", "change_ci_high",
	"change_pct_mean", "change_pct_sd", "change_pct_sem", "change_pct_ci_low", "change_pct_ci_high",
	"t", "df", "p_ttest", "wilcoxon_v", "p_wilcoxon", "wilcoxon_method"}

// writeSafe writes a record with every cell defused against spreadsheet
// formula injection (report.SafeCell): subjects and groups come from the
// sample sheet.
func writeSafe(cw *csv.Writer, rec []string) {
	for i := range rec {
		rec[i] = report.SafeCell(rec[i])
	}
	cw.Write(rec)
}

// WriteSubjectsCSV writes one row per group, subject and month.
func WriteSubjectsCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	writeSafe(cw, SubjectsHeader)
	for _, g := range r.Groups {
		for _, s := range g.Subjects {
			base := ""
			if s.HasBaseline {
				base = num(s.Baseline)
			}
			for _, p := range s.Points {
				writeSafe(cw, []string{r.Metric, g.Group, s.Subject, num(p.Month), strconv.Itoa(p.Sections),
					num(p.Value), numPtr(p.SectionsSD), base, numPtr(p.Change), numPtr(p.ChangePct)})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTimepointsCSV writes one row per group and month.
func WriteTimepointsCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	writeSafe(cw, TimepointsHeader)
	for _, g := range r.Groups {
		for _, tp := range g.Timepoints {
			rec := []string{r.Metric, g.Group, num(tp.Month), strconv.Itoa(tp.Subjects), strconv.Itoa(tp.Sections),
				num(tp.Value.Mean), num(tp.Value.SD), num(tp.Value.SEM), num(tp.Value.CILow), num(tp.Value.CIHigh),
				strconv.Itoa(tp.Paired)}
			c, cp := tp.Change, tp.ChangePct
			if c == nil {
				c, cp = &stats.Summary{}, &stats.Summary{}
				*c = stats.Describe(nil, r.Level)
				*cp = *c
			}
			rec = append(rec, num(c.Mean), num(c.SD), num(c.CILow), num(c.CIHigh),
				num(cp.Mean), num(cp.SD), num(cp.SEM), num(cp.CILow), num(cp.CIHigh))
			if t := tp.TTest; t != nil {
				rec = append(rec, num(t.T), num(t.DF), num(t.P))
			} else {
				rec = append(rec, "", "", "")
			}
			if wx := tp.Wilcoxon; wx != nil {
				rec = append(rec, num(wx.V), num(wx.P), wx.Method)
			} else {
				rec = append(rec, "", "", "")
			}
			writeSafe(cw, rec)
		}
	}
	cw.Flush()
	return cw.Error()
}

// num formats x with six significant digits, without trailing zeros; NaN
// is an empty cell. Small magnitudes (p-values) use exponent notation.
func num(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return ""
	case x == 0:
		return "0"
	case math.Abs(x) < 1e-3 || math.Abs(x) >= 1e12:
		return strconv.FormatFloat(x, 'e', 5, 64)
	}
	dec := 5 - int(math.Floor(math.Log10(math.Abs(x))))
	if dec < 0 {
		dec = 0
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func numPtr(p *float64) string {
	if p == nil {
		return ""
	}
	return num(*p)
}
