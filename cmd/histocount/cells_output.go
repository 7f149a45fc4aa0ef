package main

import (
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/histocount/histocount/analysis/cells"
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

// cellsWriter streams the outputs of `histocount cells`.
type cellsWriter struct {
	images, objects *report.CSV
	json            *report.JSONStream
	prov            models.Provenance
	chamber         models.Chamber
	dir             string
	samples         map[string]*cells.SampleAccumulator
	order           []string
	ok, failed      int
	flagged         int
}

func newCellsWriter(dir string, prov models.Provenance, ch models.Chamber) (*cellsWriter, error) {
	w := &cellsWriter{dir: dir, prov: prov, chamber: ch, samples: map[string]*cells.SampleAccumulator{}}
	var err error
	if w.images, err = report.NewCSV(filepath.Join(dir, "images.csv"), cellsImageHeader); err != nil {
		return nil, err
	}
	if w.objects, err = report.NewCSV(filepath.Join(dir, "objects.csv"), cellsObjectHeader); err != nil {
		w.abort()
		return nil, err
	}
	if w.json, err = report.NewJSONStream(filepath.Join(dir, "results.json")); err != nil {
		w.abort()
		return nil, err
	}
	for _, f := range []struct {
		k string
		v any
	}{{"schema_version", models.SchemaVersion}, {"kind", "cells"}, {"provenance", prov}, {"chamber", ch}} {
		if err := w.json.Field(f.k, f.v); err != nil {
			w.abort()
			return nil, err
		}
	}
	if err := w.json.BeginArray("images"); err != nil {
		w.abort()
		return nil, err
	}
	return w, nil
}

func (w *cellsWriter) add(it cellsItem) error {
	r := it.row
	acc := w.samples[r.Sample]
	if acc == nil {
		acc = &cells.SampleAccumulator{Name: r.Sample}
		w.samples[r.Sample] = acc
		w.order = append(w.order, r.Sample)
	}
	if r.Status == models.StatusOK {
		w.ok++
		if len(models.Doubtful(r.QC)) > 0 {
			w.flagged++
		}
		acc.Add(r.Live, r.Dead, it.volumeUL, r.QC)
	} else {
		w.failed++
		acc.AddFailed()
	}
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
	err := w.images.Row([]string{r.Image, r.Sample, r.Status, r.Error, num(r.Live), num(r.Dead), num(r.Total), viab,
		strings.Join(r.QC, ";"), intOpt(r.Input.Width), intOpt(r.Input.Height),
		report.FOpt(r.Calibration.PixelSizeUM, r.Calibration.Known()), r.Calibration.Source, r.Input.SHA256})
	if err != nil {
		return err
	}
	for _, ob := range r.Objects {
		cal := r.Calibration.Known()
		if err := w.objects.Row([]string{r.Image, report.I(ob.ID), ob.Class, report.F(ob.CentroidXPx), report.F(ob.CentroidYPx),
			report.F(ob.AreaPx), report.FOpt(ob.AreaUM2, cal), report.F(ob.EquivDiameterPx), report.FOpt(ob.EquivDiameterUM, cal),
			report.F(ob.MeanIntensity), report.F(ob.Circularity)}); err != nil {
			return err
		}
	}
	return w.json.Elem(r)
}

func (w *cellsWriter) summary(inputs int, interrupted bool) models.RunSummary {
	s := models.RunSummary{Inputs: inputs, OK: w.ok, Failed: w.failed, Flagged: w.flagged, Interrupted: interrupted}
	// Inputs never reached by an interrupted run are neither ok nor failed.
	switch {
	case interrupted:
		s.ExitCode = ExitInterrupted
	case w.failed == inputs:
		s.ExitCode = ExitFailure
	case w.failed > 0:
		s.ExitCode = ExitPartial
	}
	return s
}

// commit writes samples and summary and renames every file into place.
func (w *cellsWriter) commit(sum models.RunSummary) error {
	var samples []models.CellsSample
	for _, name := range w.order {
		samples = append(samples, w.samples[name].Summary(w.chamber))
	}
	sc, err := report.NewCSV(filepath.Join(w.dir, "samples.csv"), cellsSampleHeader)
	if err != nil {
		return err
	}
	for _, s := range samples {
		conc := s.VolumeUL > 0
		if err := sc.Row([]string{s.Sample, report.I(s.Images), report.I(s.FailedImages), report.I(s.Live), report.I(s.Dead),
			report.I(s.Total), report.F(s.ViabilityPct), report.F(s.ViabilityCILowPct), report.F(s.ViabilityCIHighPct),
			report.FOpt(s.VolumeUL, conc), report.FOpt(s.ViablePerML, conc), report.FOpt(s.ViablePerMLCILow, conc),
			report.FOpt(s.ViablePerMLCIHigh, conc), report.FOpt(s.TotalPerML, conc), report.FOpt(s.TotalPerMLCILow, conc),
			report.FOpt(s.TotalPerMLCIHigh, conc), s.Release, report.F(s.MinViablePML), strings.Join(s.QC, ";")}); err != nil {
			sc.Abort()
			return err
		}
	}
	if err := w.json.EndArray(); err != nil {
		sc.Abort()
		return err
	}
	if samples == nil {
		samples = []models.CellsSample{}
	}
	w.prov.Finished = time.Now().UTC().Format(time.RFC3339)
	for _, f := range []struct {
		k string
		v any
	}{{"samples", samples}, {"summary", sum}, {"finished", w.prov.Finished}} {
		if err := w.json.Field(f.k, f.v); err != nil {
			sc.Abort()
			return err
		}
	}
	for _, c := range []func() error{w.images.Commit, w.objects.Commit, sc.Commit, w.json.Commit} {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// abort discards uncommitted files (a no-op after commit).
func (w *cellsWriter) abort() {
	if w.images != nil {
		w.images.Abort()
	}
	if w.objects != nil {
		w.objects.Abort()
	}
	if w.json != nil {
		w.json.Abort()
	}
}

func intOpt(v int) string {
	if v == 0 {
		return ""
	}
	return report.I(v)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
