package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/study"
)

const studyHelp = `
Usage: histocount study --sheet SHEET.csv --results DIR [--out DIR] [flags]

Joins per-section results of 'histocount dermis' (DIR/images.csv) with a
sample sheet (columns image, subject, month; optional stain, side, group)
and reports, per subject, the % change of a metric from baseline, and per
time point the mean ± SD, 95 % CI, n, and paired t-test and Wilcoxon
signed-rank test against baseline.

Outputs in --out (default: the results directory): study_subjects.csv,
study_timepoints.csv, study.json, study_change.png and study_change.svg.

Example:
  histocount study --sheet sheet.csv --results sections/ --metric dermis_thickness_mean_um
`

type studyOptions struct {
	Sheet, Results, Out, Metric, Stain, Side string
	BaselineMonth, Level                     float64
	Subjects                                 bool
}

func runStudyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o studyOptions
	fs := newFlagSet("study", studyHelp, stderr)
	fs.StringVar(&o.Sheet, "sheet", "", "sample sheet CSV (required)")
	fs.StringVar(&o.Results, "results", "", "results `dir` of histocount dermis, or its images.csv (required)")
	fs.StringVar(&o.Out, "out", "", "output `dir` (default: the results directory)")
	fs.StringVar(&o.Metric, "metric", study.DefaultMetric, "results column to analyse")
	floatFlag(fs, &o.BaselineMonth, "baseline-month", 0, 0, models.MaxMonths, false, "baseline time point in months (0: month 0, else the earliest)")
	fs.StringVar(&o.Stain, "stain", "", "keep only sheet rows with this stain")
	fs.StringVar(&o.Side, "side", "", "keep only sheet rows with this side/area")
	floatFlag(fs, &o.Level, "level", 0.95, 0.5, 0.9999, false, "confidence level of the intervals, 0.5–0.9999")
	fs.BoolVar(&o.Subjects, "subject-lines", true, "draw each subject's trajectory faintly in the figure")
	withReport := fs.Bool("report", false, "also write study_report.html (self-contained)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("study takes no positional arguments, got %v", rest)
	}
	if o.Sheet == "" || o.Results == "" {
		return usageErrorf("--sheet and --results are required")
	}
	if o.Level <= 0 || o.Level >= 1 {
		return usageErrorf("--level must be in (0, 1)")
	}
	if o.Out == "" {
		o.Out = o.Results
		if st, err := os.Stat(o.Results); err == nil && !st.IsDir() {
			o.Out = filepath.Dir(o.Results)
		}
	}
	f, err := os.Open(o.Sheet)
	if err != nil {
		return usageErrorf("--sheet: %v", err)
	}
	defer f.Close()
	rows, err := study.ReadSheet(f)
	if err != nil {
		return usageErrorf("--sheet %s: %v", o.Sheet, err)
	}
	ms, err := study.ReadResults(o.Results)
	if err != nil {
		return usageErrorf("--results %s: %v", o.Results, err)
	}
	rep, err := study.Analyse(rows, ms, study.Options{Metric: o.Metric, BaselineMonth: o.BaselineMonth, Stain: o.Stain, Side: o.Side, Level: o.Level})
	if err != nil {
		return err
	}
	if err := kinds.CheckEncodable(rep); err != nil {
		return fmt.Errorf("study: %v; nothing written (a baseline or value out of range?)", err)
	}
	if err := study.WriteCSV(o.Out, rep); err != nil {
		return err
	}
	if err := study.WriteJSON(o.Out, rep); err != nil {
		return err
	}
	if err := study.WriteFigure(o.Out, rep, study.FigureOptions{Subjects: o.Subjects}); err != nil {
		return err
	}
	if err := finishStudy(o.Out, rep, *withReport, stdout); err != nil {
		return err
	}
	im := rep.Images
	fmt.Fprintf(stderr, "study: %d sheet rows, %d results, %d matched, %d used; outputs in %s\n",
		im.SheetRows, im.Results, im.Matched, im.Used, o.Out)
	for _, n := range rep.Notes {
		fmt.Fprintf(stderr, "study: note: %s\n", n)
	}
	for _, group := range [][]study.ImageIssue{im.NotOK, im.MissingMetric, im.UnmatchedSheet, im.UnmatchedResults} {
		for _, is := range group {
			fmt.Fprintf(stderr, "study: %+v\n", is)
		}
	}
	if problems := len(im.NotOK) + len(im.MissingMetric) + len(im.UnmatchedSheet); problems > 0 {
		return errPartial{problems, im.SheetRows, fmt.Sprintf("study: %d sheet rows not used (failed, no metric or no result; listed above and in study.json)", problems)}
	}
	return nil
}
