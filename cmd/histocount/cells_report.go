package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/cellsreport"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// ReportFile is the self-contained HTML report written with --report.
const ReportFile = "report.html"

// finishCells runs after `cells` has written its outputs: it prints the
// per-sample summary a person reads (unless --quiet) and, with --report,
// writes report.html. It changes nothing when the run itself did not
// finish (usage error, interruption, unwritable output).
func finishCells(o cellsOptions, withReport bool, runErr error, stdout, stderr io.Writer) error {
	var partial errPartial
	var all errAllFailed
	if runErr != nil && !errors.As(runErr, &partial) && !errors.As(runErr, &all) {
		return runErr
	}
	run, err := cellsrun.Load(o.Out)
	if err != nil {
		if runErr != nil {
			return runErr
		}
		return err
	}
	if !o.Quiet {
		printCellsSummary(stdout, run.CellsRun)
	}
	if withReport {
		if err := writeCellsReport(run); err != nil {
			if runErr != nil {
				return runErr
			}
			return fmt.Errorf("report: %w", err)
		}
		if !o.Quiet {
			fmt.Fprintf(stderr, "cells: report in %s\n", filepath.Join(o.Out, ReportFile))
		}
	}
	return runErr
}

func writeCellsReport(run *cellsrun.Run) error {
	paths := make([]string, len(run.Images))
	for i, im := range run.Images {
		paths[i] = im.Image
	}
	stems := outputStems(paths)
	overlay := func(i int) (string, []byte) {
		rel := filepath.Join("overlays", stems[i]+".png")
		p := filepath.Join(run.Dir, rel)
		if _, err := os.Stat(p); err != nil {
			return "", nil
		}
		th, err := htmlreport.Thumbnail(p, 180)
		if err != nil {
			return "", nil
		}
		return filepath.ToSlash(rel), th
	}
	html, err := htmlreport.Render(cellsreport.Page(run.CellsRun, overlay))
	if err != nil {
		return err
	}
	return report.WriteFile(filepath.Join(run.Dir, ReportFile), html)
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
	human.Table(w, []string{"sample", "fields", "live", "dead", "viability", "viable cells (95 % CI)", "release"}, rows,
		[]bool{false, true, true, true, true, true, false})
}
