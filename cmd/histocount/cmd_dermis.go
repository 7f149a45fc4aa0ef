package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/pipeline"
	"github.com/histocount/histocount/report"
)

const dermisHelp = `
Usage: histocount dermis [flags] --out DIR INPUT...

Segments skin sections (H&E or silver impregnation) into stratum corneum,
epidermis, dermis and hypodermis, and measures epidermal and dermal
thickness perpendicular to the skin surface every --interval µm along it.
Also: dermal collagen/fibre area %, dermal nuclei per mm², QC flags.

Thickness is in µm when the pixel size is known (--pixel-size, or TIFF
resolution / ImageJ / OME-XML / PNG pHYs metadata); otherwise in pixels,
with QC flag no_calibration — never silently in µm.

Outputs in DIR: images.csv (one row per section), measurements.csv (one row
per perpendicular measurement), results.json, overlays/<name>.png and, with
--save-labels, labels/<name>.png (0 glass, 1 stratum corneum, 2 epidermis,
3 dermis, 4 hypodermis) and geojson/<name>.geojson (QuPath-importable).

Example:
  histocount dermis --stain auto --pixel-size 0.5 --save-labels --out sections/ biopsies/
  histocount study --sheet sheet.csv --results sections/
`

type dermisOptions struct {
	batchFlags
	Stain       string
	PixelSizeUM float64
	IntervalUM  float64
	SaveLabels  bool
	Overlays    bool
}

var (
	dermisImageHeader = []string{"image", "status", "error", "stain", "stain_detected", "unit", "pixel_size_um", "calibration_source",
		"epidermis_thickness_mean_um", "epidermis_thickness_sd_um", "epidermis_thickness_median_um", "epidermis_thickness_min_um", "epidermis_thickness_max_um", "epidermis_n",
		"dermis_thickness_mean_um", "dermis_thickness_sd_um", "dermis_thickness_median_um", "dermis_thickness_min_um", "dermis_thickness_max_um", "dermis_n",
		"stratum_corneum_thickness_mean_um", "epidermis_thickness_mean_px", "dermis_thickness_mean_px",
		"dermis_lower_bound", "hypodermis_present", "fibre_area_pct", "fibre_measure", "dermal_nuclei", "dermal_nuclei_per_mm2",
		"surface_length", "qc", "width", "height", "sha256"}
	dermisMeasurementHeader = []string{"image", "i", "surface_x_px", "surface_y_px", "normal_x", "normal_y",
		"stratum_corneum", "epidermis", "dermis", "unit", "dermis_lower_bound"}
)

func runDermisCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o dermisOptions
	fs := o.flagSet("dermis", dermisHelp, stderr)
	fs.StringVar(&o.Stain, "stain", "auto", "he, silver or auto")
	pixelSizeFlag(fs, &o.PixelSizeUM)
	floatFlag(fs, &o.IntervalUM, "interval", 50, models.MinIntervalUM, models.MaxIntervalUM, false, "spacing of the perpendicular measurements along the surface, µm (px when uncalibrated)")
	fs.BoolVar(&o.SaveLabels, "save-labels", false, "write labels/<name>.png (layer labels) and geojson/<name>.geojson")
	fs.BoolVar(&o.Overlays, "overlays", true, "write overlays/<name>.png with layer boundaries and measurement lines")
	withReport := fs.Bool("report", false, "also write report.html: thickness per section, QC, overlay gallery (self-contained)")
	inputs, err := o.parse(fs, args)
	if err != nil {
		return err
	}
	switch o.Stain {
	case dermis.StainHE, dermis.StainSilver, dermis.StainAuto:
	default:
		return usageErrorf("--stain must be he, silver or auto, got %q", o.Stain)
	}
	if o.PixelSizeUM < 0 || !(o.IntervalUM > 0) {
		return usageErrorf("--pixel-size must be ≥ 0 and --interval > 0")
	}
	paths, err := o.expand("dermis", inputs)
	if err != nil {
		return err
	}
	return finishBatch("dermis", o.batchFlags, *withReport, runDermis(ctx, o, paths, stderr), stdout, stderr)
}

func runDermis(ctx context.Context, o dermisOptions, paths []string, stderr io.Writer) error {
	stems := outputStems(paths)
	params := map[string]string{"stain": o.Stain, "pixel_size_um": fmt.Sprint(o.PixelSizeUM), "interval_um": fmt.Sprint(o.IntervalUM),
		"max_pixels": fmt.Sprint(o.MaxPixels)}
	out, err := newBatchOutput(o.Out, []table{{"images.csv", dermisImageHeader}, {"measurements.csv", dermisMeasurementHeader}},
		[]field{{"schema_version", models.SchemaVersion}, {"kind", "dermis"}, {"provenance", provenance(time.Now(), params)}})
	if err != nil {
		return err
	}
	defer out.abort()
	opt := dermis.Options{Stain: o.Stain, PixelSizeUM: o.PixelSizeUM, IntervalUM: o.IntervalUM, Overlay: o.Overlays, Labels: o.SaveLabels}
	work := func(ctx context.Context, i int, path string) (kinds.DermisItem, error) {
		return kinds.Dermis(ctx, i, path, kinds.Output{Dir: o.Out, Stem: stems[i]}, opt, o.limits())
	}
	emit := func(r pipeline.Result[kinds.DermisItem]) (string, string, []string, error) {
		it := r.Value
		s := &it.Section
		s.Index = r.Index
		if s.Image == "" {
			s.Image = paths[r.Index]
		}
		if r.Err != nil {
			*s = models.DermisSection{Index: r.Index, Image: paths[r.Index], Status: models.StatusError, Error: kinds.OneLine(r.Err.Error()),
				Stain: o.Stain, Input: s.Input}
			it.Measurements = nil
		}
		return s.Image, s.Status, s.QC, writeDermisRows(out, it)
	}
	finish := func(sum models.RunSummary) error {
		return out.commit([]field{{"summary", sum}})
	}
	return batch(ctx, o.batchFlags, paths, out, stderr, work, emit, finish)
}

func writeDermisRows(out *batchOutput, it kinds.DermisItem) error {
	s := it.Section
	ok := s.Status == models.StatusOK
	um := ok && s.Unit == models.UnitUM
	px := s.Calibration.PixelSizeUM
	layer := func(l models.LayerThickness) []string {
		if !um || l.N == 0 {
			return []string{"", "", "", "", "", report.I(l.N)}
		}
		return []string{report.F(r3(l.Mean)), report.F(r3(l.SD)), report.F(r3(l.Median)), report.F(r3(l.Min)), report.F(r3(l.Max)), report.I(l.N)}
	}
	inPx := func(l models.LayerThickness) string {
		if !ok || l.N == 0 {
			return ""
		}
		return report.F(r3(l.MeanPx))
	}
	var sc string
	if um && s.StratumCorneum != nil {
		sc = report.F(r3(s.StratumCorneum.Mean))
	}
	rec := []string{s.Image, s.Status, s.Error, s.Stain, s.StainDetected, s.Unit,
		report.FOpt(px, s.Calibration.Known()), string(s.Calibration.Source)}
	if ok {
		rec = append(rec, layer(s.Epidermis)...)
		rec = append(rec, layer(s.Dermis)...)
	} else {
		rec = append(rec, make([]string, 12)...)
	}
	rec = append(rec, sc, inPx(s.Epidermis), inPx(s.Dermis))
	if ok {
		rec = append(rec, fmt.Sprint(s.DermisLowerBound), fmt.Sprint(s.HypodermisPresent), report.F(r3(s.FibreAreaPct)), s.FibreMeasure,
			report.I(s.DermalNuclei), report.FOpt(r3(s.NucleiPerMM2), s.NucleiPerMM2 > 0), report.F(r3(s.SurfaceLength)))
	} else {
		rec = append(rec, make([]string, 7)...)
	}
	rec = append(rec, strings.Join(s.QC, ";"), intOpt(s.Input.Width), intOpt(s.Input.Height), s.Input.SHA256)
	if err := out.row("images.csv", rec); err != nil {
		return err
	}
	scale := 1.0 // measurements are in input px; report them in the section's unit
	if um {
		scale = px
	}
	for i, m := range it.Measurements {
		if err := out.row("measurements.csv", []string{s.Image, report.I(i), report.F(r3(m.Surface.X)), report.F(r3(m.Surface.Y)),
			report.F(r3(m.Normal.X)), report.F(r3(m.Normal.Y)), report.F(r3(m.CorneumPx * scale)), report.F(r3(m.EpidermisPx * scale)),
			finiteOrEmpty(m.DermisPx * scale), s.Unit, fmt.Sprint(m.DermisLowerBound)}); err != nil {
			return err
		}
	}
	return out.elem(s)
}

func finiteOrEmpty(v float64) string {
	if v != v || v > 1e300 || v < -1e300 {
		return ""
	}
	return report.F(r3(v))
}

func r3(v float64) float64 { return models.Round3(v) }
