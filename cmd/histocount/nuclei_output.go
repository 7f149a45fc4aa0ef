package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// Fluorescent nuclei are not live/dead cells in a counting chamber: their
// tables say nuclei and, when the pixel size is known, nuclei per mm² of
// imaged area, with no viability and no release verdict.
var (
	nucleiImageHeader = []string{"image", "sample", "status", "error", "nuclei", "imaged_area_mm2", "nuclei_per_mm2",
		"qc", "width", "height", "pixel_size_um", "calibration_source", "sha256"}
	nucleiSampleHeader = []string{"sample", "images", "failed_images", "nuclei", "imaged_area_mm2", "nuclei_per_mm2", "qc"}
)

// density is n per mm² rounded to 3 decimals, or "" when area is unknown.
func density(n int, areaMM2 float64) string {
	if !(areaMM2 > 0) {
		return ""
	}
	return report.F(models.Round3(float64(n) / areaMM2))
}

// writeNucleiRow writes one nuclei image's rows to images.csv, objects.csv
// and results.json; marker adds the proliferation-marker columns.
func writeNucleiRow(out *batchOutput, r models.CellsImage, marker bool) error {
	var n, area, dens string
	if r.Status == models.StatusOK {
		a := kinds.ImagedAreaMM2(r.Input, r.Calibration)
		n, area, dens = report.I(r.Total), report.FOpt(a, a > 0), density(r.Total, a)
	}
	row := []string{r.Image, r.Sample, r.Status, r.Error, n, area, dens,
		strings.Join(r.QC, ";"), intOpt(r.Input.Width), intOpt(r.Input.Height),
		report.FOpt(r.Calibration.PixelSizeUM, r.Calibration.Known()), string(r.Calibration.Source), r.Input.SHA256}
	if marker {
		ms := r.Marker
		if r.Status != models.StatusOK {
			ms = nil
		}
		row = append(row, markerSummaryCells(ms, true)...)
	}
	ms := r.MitoticIndex
	if r.Status != models.StatusOK {
		ms = nil
	}
	row = append(row, mitoticSummaryCells(ms)...)
	if err := out.row("images.csv", row); err != nil {
		return err
	}
	return writeCellsObjects(out, r, marker)
}

// nucleiSamplesCSV writes samples.csv of a nuclei run into its temporary
// file, for the caller to commit.
func nucleiSamplesCSV(dir string, samples []models.CellsSample, pool *kinds.CellsPool, marker bool) (*report.CSV, error) {
	header := nucleiSampleHeader
	if marker {
		header = append(append([]string{}, nucleiSampleHeader...), markerSampleCols...)
	}
	header = append(append([]string{}, header...), mitoticImageCols...)
	sc, err := report.NewCSV(filepath.Join(dir, "samples.csv"), header)
	if err != nil {
		return nil, err
	}
	for _, s := range samples {
		a := pool.AreaMM2(s.Sample)
		cols := []string{s.Sample, report.I(s.Images), report.I(s.FailedImages), report.I(s.Total),
			report.FOpt(a, a > 0), density(s.Total, a), strings.Join(s.QC, ";")}
		if marker {
			cols = append(cols, markerSummaryCells(s.Marker, false)...)
		}
		cols = append(cols, mitoticSummaryCells(s.MitoticIndex)...)
		if err := sc.Row(cols); err != nil {
			sc.Abort()
			return nil, err
		}
	}
	return sc, nil
}

// Mitotic-figure columns appended (after any marker columns) to images.csv
// and samples.csv, and to objects.csv, of fluorescent nuclei runs.
var (
	mitoticImageCols  = []string{"mitotic", "mitotic_index_pct", "mitotic_ci_low_pct", "mitotic_ci_high_pct"}
	mitoticObjectCols = []string{"mitotic"}
)

// mitoticSummaryCells are the mitotic columns of an image or sample; empty
// when it has no mitotic index (failed, or nuclei on a light background).
func mitoticSummaryCells(s *models.MitoticSummary) []string {
	if s == nil {
		return make([]string, len(mitoticImageCols))
	}
	return []string{report.I(s.Mitotic), report.F(s.IndexPct), report.F(s.CILowPct), report.F(s.CIHighPct)}
}

func mitoticObjectCell(m *bool) string {
	if m == nil {
		return ""
	}
	return fmt.Sprint(*m)
}
