package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

var (
	cellsImageHeader = []string{"image", "sample", "status", "error", "live", "dead", "total", "viability_pct",
		"qc", "width", "height", "pixel_size_um", "calibration_source", "sha256"}
	cellsObjectHeader = []string{"image", "id", "class", "centroid_x_px", "centroid_y_px", "area_px", "area_um2",
		"equiv_diameter_px", "equiv_diameter_um", "mean_intensity", "circularity"}
	cellsSampleHeader = []string{"sample", "images", "failed_images", "live", "dead", "total", "viability_pct",
		"viability_ci_low_pct", "viability_ci_high_pct", "imaged_volume_ul", "viable_per_ml", "viable_per_ml_ci_low",
		"viable_per_ml_ci_high", "total_per_ml", "total_per_ml_ci_low", "total_per_ml_ci_high", "release",
		"min_viable_per_ml", "qc"}
)

// cellsSampleList is the samples of a `cells` run, pooled by pool in the
// one chamber of the run: non-finite figures cleared, then each sample's
// marker fraction (with marker images) and mitotic index (fluorescent
// nuclei) added.
func cellsSampleList(pool *kinds.CellsPool, ch models.Chamber, marker, nuclei bool) []models.CellsSample {
	list := []models.CellsSample{}
	for _, name := range pool.Samples() {
		list = append(list, pool.Summary(name, ch))
	}
	list = kinds.FiniteSamples(list)
	for i := range list {
		name := list[i].Sample
		if marker {
			list[i].Marker, _ = pool.Marker(name)
		}
		if m := pool.Mitotic(name); nuclei && m != nil {
			list[i].MitoticIndex = m
		}
	}
	return list
}

// writeCellsRow writes one image's rows to images.csv, objects.csv and
// results.json.
func writeCellsRow(out *batchOutput, r models.CellsImage) error {
	var viab string
	if r.Status == models.StatusOK && r.Total > 0 {
		viab = report.F(r.ViabilityPct)
	}
	num := func(v int) string {
		if r.Status != models.StatusOK {
			return ""
		}
		return report.I(v)
	}
	imgRow := []string{r.Image, r.Sample, r.Status, r.Error, num(r.Live), num(r.Dead), num(r.Total), viab,
		strings.Join(r.QC, ";"), intOpt(r.Input.Width), intOpt(r.Input.Height),
		report.FOpt(r.Calibration.PixelSizeUM, r.Calibration.Known()), string(r.Calibration.Source), r.Input.SHA256}
	if err := out.row("images.csv", imgRow); err != nil {
		return err
	}
	return writeCellsObjects(out, r, false)
}

// writeCellsObjects writes an image's objects.csv rows and its element of
// results.json; marker adds the proliferation-marker columns.
func writeCellsObjects(out *batchOutput, r models.CellsImage, marker bool) error {
	cal := r.Calibration.Known()
	for _, ob := range r.Objects {
		cols := []string{r.Image, report.I(ob.ID), ob.Class, report.F(ob.CentroidXPx), report.F(ob.CentroidYPx),
			report.F(ob.AreaPx), report.FOpt(ob.AreaUM2, cal), report.F(ob.EquivDiameterPx), report.FOpt(ob.EquivDiameterUM, cal),
			report.F(ob.MeanIntensity), report.F(ob.Circularity)}
		if marker {
			cols = append(cols, markerObjectCells(ob.Marker)...)
		}
		if r.Stain == cells.StainFluorescence {
			cols = append(cols, mitoticObjectCell(ob.Mitotic))
		}
		if err := out.row("objects.csv", cols); err != nil {
			return err
		}
	}
	return out.elem(r)
}

// cellsSamplesCSV writes samples.csv's rows into its temporary file, for
// the caller to commit (with the other outputs: batchOutput.attach).
func cellsSamplesCSV(dir string, samples []models.CellsSample) (*report.CSV, error) {
	sc, err := report.NewCSV(filepath.Join(dir, "samples.csv"), cellsSampleHeader)
	if err != nil {
		return nil, err
	}
	for _, s := range samples {
		conc := s.VolumeUL > 0
		cols := []string{s.Sample, report.I(s.Images), report.I(s.FailedImages), report.I(s.Live), report.I(s.Dead),
			report.I(s.Total), report.F(s.ViabilityPct), report.F(s.ViabilityCILowPct), report.F(s.ViabilityCIHighPct),
			report.FOpt(s.VolumeUL, conc), report.FOpt(s.ViablePerML, conc), report.FOpt(s.ViablePerMLCILow, conc),
			report.FOpt(s.ViablePerMLCIHigh, conc), report.FOpt(s.TotalPerML, conc), report.FOpt(s.TotalPerMLCILow, conc),
			report.FOpt(s.TotalPerMLCIHigh, conc), s.Release, report.F(s.MinViablePML), strings.Join(s.QC, ";")}
		if err := sc.Row(cols); err != nil {
			sc.Abort()
			return nil, err
		}
	}
	return sc, nil
}

func intOpt(v int) string {
	if v == 0 {
		return ""
	}
	return report.I(v)
}

// noConcentrationNote says on the console which samples got no
// concentration and why: without a pixel size the imaged volume is
// unknown, and samples.csv's concentration columns stay empty.
func noConcentrationNote(w io.Writer, list []models.CellsSample, pixelSizeUM float64, skip func(string) bool) {
	var names []string
	for _, s := range list {
		if s.Images > 0 && !(s.VolumeUL > 0) && (skip == nil || !skip(s.Sample)) {
			names = append(names, s.Sample)
		}
	}
	if len(names) == 0 {
		return
	}
	why := "no pixel size: give --pixel-size (µm per pixel) or calibrated TIFF/PNG images"
	if pixelSizeUM > 0 {
		why = "the imaged volume is unknown"
	}
	fmt.Fprintf(w, "histocount: no concentration computed for %d of %d samples (%s): %s\n",
		len(names), len(list), job.ListIDs(names), why)
}
