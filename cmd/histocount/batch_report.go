package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/batchreport"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
	"github.com/histocount/histocount/study"
)

// ReportFile is the self-contained HTML report written with --report;
// study writes StudyReportFile, as its --out is usually the dermis
// results folder that has its own report.html.
const (
	ReportFile      = "report.html"
	StudyReportFile = "study_report.html"
)

// finishBatch runs after a batch command (cells, colonies, dermis) has
// written its outputs: it prints the summary a person reads (unless
// --quiet) and, with --report, writes report.html from results.json. It
// changes nothing when the run did not finish (usage error, interruption,
// unwritable output): then runErr is returned as it is.
func finishBatch(kind string, b batchFlags, withReport bool, runErr error, stdout, stderr io.Writer) error {
	var partial errPartial
	var all errAllFailed
	if runErr != nil && !errors.As(runErr, &partial) && !errors.As(runErr, &all) {
		return runErr
	}
	path := filepath.Join(b.Out, "results.json")
	if _, err := os.Stat(path); err != nil {
		if runErr != nil {
			return runErr
		}
		return err
	}
	// results.json holds every object of every image: it is streamed one
	// image at a time, and objects are kept only for the report's
	// histograms, so that memory stays flat however long the batch.
	var page htmlreport.Page
	var paths []string
	switch kind {
	case "cells":
		var run models.CellsRun
		err := decodeRunImages(path, &run, &run.Images, func(im *models.CellsImage) string {
			if !withReport {
				im.Objects = nil // only the report's histograms need them
			}
			return im.Image
		}, &paths)
		if err != nil {
			return errors.Join(runErr, err)
		}
		if !b.Quiet {
			printCellsSummary(stdout, run)
		}
		if withReport {
			page = batchreport.Page(run, overlayThumbs(b.Out, paths))
		}
	case "colonies":
		var run models.ColoniesRun
		err := decodeRunImages(path, &run, &run.Images, func(im *models.ColonyPlateResult) string {
			if !withReport {
				im.Objects = nil // only the report's histograms need them
			}
			return im.Image
		}, &paths)
		if err != nil {
			return errors.Join(runErr, err)
		}
		if !b.Quiet {
			printColoniesSummary(stdout, run)
		}
		if withReport {
			page = batchreport.ColoniesPage(run, overlayThumbs(b.Out, paths))
		}
	case "dermis":
		var run batchreport.DermisRun
		err := decodeRunImages(path, &run, &run.Images, func(im *models.DermisSection) string { return im.Image }, &paths)
		if err != nil {
			return errors.Join(runErr, err)
		}
		if !b.Quiet {
			printDermisSummary(stdout, run)
		}
		if withReport {
			page = batchreport.DermisPage(run, overlayThumbs(b.Out, paths))
		}
	}
	if withReport {
		html, err := htmlreport.Render(page)
		if err == nil {
			err = report.WriteFile(filepath.Join(b.Out, ReportFile), html)
		}
		if err != nil {
			return errors.Join(runErr, fmt.Errorf("report: %w", err))
		}
		if !b.Quiet {
			fmt.Fprintf(stderr, "%s: report in %s\n", kind, filepath.Join(b.Out, ReportFile))
		}
	}
	return runErr
}

// decodeRunImages streams results.json into run, appending its images one
// by one to *images; keep trims an image before it is kept and returns its
// input path, appended to *paths.
func decodeRunImages[T any](path string, run any, images *[]T, keep func(*T) string, paths *[]string) error {
	return decodeRunStreaming(path, run, func(dec *json.Decoder) error {
		var im T
		if err := dec.Decode(&im); err != nil {
			return err
		}
		*paths = append(*paths, keep(&im))
		*images = append(*images, im)
		return nil
	})
}

// decodeRunStreaming decodes a results.json object into run, except its
// "images" array, whose elements are handed one by one to image (which
// decodes them from dec).
func decodeRunStreaming(path string, run any, image func(dec *json.Decoder) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("%s: not a JSON object", path)
	}
	rest := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		key, _ := t.(string)
		if key != "images" {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("%s: %s: %w", path, key, err)
			}
			rest[key] = raw
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return fmt.Errorf("%s: images is not an array", path)
		}
		for dec.More() {
			if err := image(dec); err != nil {
				return fmt.Errorf("%s: images: %w", path, err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	b, err := json.Marshal(rest)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, run)
}

// overlayThumbs finds the overlay a batch command wrote for input i
// (overlays/<stem>.png, stems as the command named them) and makes its
// thumbnail.
func overlayThumbs(out string, paths []string) batchreport.Overlay {
	stems := outputStems(paths)
	return func(i int) (string, []byte) {
		rel := filepath.Join("overlays", stems[i]+".png")
		p := filepath.Join(out, rel)
		if _, err := os.Stat(p); err != nil {
			return "", nil
		}
		th, err := htmlreport.Thumbnail(p, 180)
		if err != nil {
			return "", nil
		}
		return filepath.ToSlash(rel), th
	}
}

// printCellsSummary prints one aligned line per sample, numbers as people
// write them.
func printCellsSummary(w io.Writer, run models.CellsRun) {
	var rows [][]string
	for _, s := range run.Samples {
		viable := "–"
		if s.VolumeUL > 0 {
			viable = human.PerML(s.ViablePerML) + "  (" + human.Range(s.ViablePerMLCILow, s.ViablePerMLCIHigh, 3) + ")"
		}
		fields := fmt.Sprint(s.Images)
		if s.FailedImages > 0 {
			fields += fmt.Sprintf(" +%d failed", s.FailedImages)
		}
		rows = append(rows, []string{s.Sample, fields, human.Int(int64(s.Live)), human.Int(int64(s.Dead)), human.Pct(s.ViabilityPct), viable, s.Release})
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	rows, more := capRows(rows)
	human.Table(w, []string{"sample", "fields", "live", "dead", "viability", "viable cells (95 % CI)", "release"}, rows,
		[]bool{false, true, true, true, true, true, false})
	moreLine(w, more, "samples.csv")
}

// maxSummaryRows bounds the terminal table; the CSVs hold everything.
const maxSummaryRows = 40

func capRows(rows [][]string) ([][]string, int) {
	if len(rows) <= maxSummaryRows {
		return rows, 0
	}
	return rows[:maxSummaryRows], len(rows) - maxSummaryRows
}

func moreLine(w io.Writer, more int, file string) {
	if more > 0 {
		fmt.Fprintf(w, "… and %d more in %s\n", more, file)
	}
}

func printColoniesSummary(w io.Writer, run models.ColoniesRun) {
	var rows [][]string
	if len(run.Samples) > 0 {
		for _, s := range run.Samples {
			rows = append(rows, []string{s.Sample, fmt.Sprint(s.Images), human.Int(int64(s.Colonies)), human.Sci(s.CellsSeeded, 3),
				human.Pct(s.CFEPct) + "  (" + human.Fixed(s.CFECILowPct, 1) + " – " + human.Fixed(s.CFECIHighPct, 1) + ")"})
		}
		fmt.Fprintln(w)
		rows, more := capRows(rows)
		human.Table(w, []string{"sample", "dishes", "colonies", "seeded", "CFE (95 % CI)"}, rows, []bool{false, true, true, true, true})
		moreLine(w, more, "samples.csv")
		return
	}
	for _, im := range run.Images {
		if im.Status != models.StatusOK {
			rows = append(rows, []string{filepath.Base(im.Image), "failed", "", ""})
			continue
		}
		rows = append(rows, []string{filepath.Base(im.Image), fmt.Sprint(im.Colonies), fmt.Sprint(im.RejectedClusters), strings.Join(im.QC, ", ")})
	}
	if len(rows) > 0 {
		fmt.Fprintln(w)
		rows, more := capRows(rows)
		human.Table(w, []string{"dish", "colonies", "rejected", "QC"}, rows, []bool{false, true, true, false})
		moreLine(w, more, "images.csv")
	}
}

func printDermisSummary(w io.Writer, run batchreport.DermisRun) {
	var rows [][]string
	for _, d := range run.Images {
		if d.Status != models.StatusOK {
			rows = append(rows, []string{filepath.Base(d.Image), "failed", "", "", ""})
			continue
		}
		u := map[string]string{"um": "µm", "px": "px"}[d.Unit]
		th := func(l models.LayerThickness) string {
			if l.N == 0 {
				return "–"
			}
			return human.Sig(l.Mean, 3) + " ± " + human.Sig(l.SD, 2) + " " + u
		}
		dermis := th(d.Dermis)
		if d.DermisLowerBound && d.Dermis.N > 0 {
			dermis = "≥ " + dermis
		}
		rows = append(rows, []string{filepath.Base(d.Image), th(d.Epidermis), dermis, human.Pct(d.FibreAreaPct), strings.Join(models.Doubtful(d.QC), ", ")})
	}
	if len(rows) > 0 {
		fmt.Fprintln(w)
		rows, more := capRows(rows)
		human.Table(w, []string{"section", "epidermis", "dermis", "fibre", "QC"}, rows, []bool{false, true, true, true, false})
		moreLine(w, more, "images.csv")
	}
}

// finishStudy prints the per-time-point table and, with --report, writes
// report.html beside study.json.
func finishStudy(out string, rep *study.Report, withReport bool, stdout io.Writer) error {
	var rows [][]string
	for _, g := range rep.Groups {
		for _, tp := range g.Timepoints {
			change, p := "baseline", ""
			if c := tp.ChangePct; c != nil {
				change = fmt.Sprintf("%s %%  (%s – %s)", human.Fixed(c.Mean, 1), human.Fixed(c.CILow, 1), human.Fixed(c.CIHigh, 1))
			}
			if tp.TTest != nil {
				p = human.Sig(tp.TTest.P, 2)
				if tp.TTest.P < 0.001 {
					p = "< 0.001"
				}
			}
			rows = append(rows, []string{g.Group, fmt.Sprint(tp.Month), fmt.Sprint(tp.Subjects), human.Sig(tp.Value.Mean, 3), change, p})
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(stdout)
		human.Table(stdout, []string{"group", "month", "subjects", "mean " + rep.Metric, "change (95 % CI)", "paired t p"}, rows,
			[]bool{false, true, true, true, true, true})
	}
	if !withReport {
		return nil
	}
	svg, _ := os.ReadFile(filepath.Join(out, study.FigureSVG))
	html, err := htmlreport.Render(batchreport.StudyPage(rep, svg))
	if err != nil {
		return err
	}
	return report.WriteFile(filepath.Join(out, StudyReportFile), html)
}
