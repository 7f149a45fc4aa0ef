package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/pipeline"
)

const coloniesHelp = `
Usage: histocount colonies [flags] --out DIR INPUT...

Counts colonies in photographs of stained dishes (crystal violet: dark
colonies on a light dish) or agar plates (light colonies on dark agar).
INPUT is a file, a directory (searched recursively for .png .jpg .jpeg .tif
.tiff .bmp) or a glob pattern. The dish is found automatically and only its
inside is analysed (--roi overrides); the polarity is detected (--polarity
overrides). Touching colonies are split; clusters below the colony threshold
(a colony is ≥ 50 cells) and debris are rejected and listed separately.

Colony threshold, at most one of:
  --min-colony-area-px or --min-colony-diameter-px   input pixels
  --min-colony-area (µm²) or --min-colony-diameter (µm)
  --min-cells N with --cell-area (µm² per cell) or --cell-area-px (px² per cell)
The µm forms need the pixel size (--pixel-size, or TIFF/PNG calibration);
an image without one fails rather than being counted with another threshold.
Without any, only specks below 0.5 % of the dish diameter are rejected.
images.csv says which rule decided (size_rule) and the threshold in px².

With --plate-map (CSV with columns image, sample or donor, cells_seeded and
optionally replicate) every dish gets CFE % = colonies ÷ cells seeded × 100,
and every sample the pooled CFE with an exact Poisson 95 % interval and the
mean ± SD of its replicate dishes (samples.csv).

Outputs in DIR: images.csv, objects.csv (counted and rejected objects),
samples.csv (with --plate-map), results.json, overlays/<name>.png (counted
colonies outlined in green and numbered, rejected objects in red, dish in
yellow) and, with --save-labels, labels/<name>.png (16-bit: colonies 1..n,
then rejected objects).

Example:
  histocount colonies --plate-map testdata/samples/colonies/platemap.csv \
      --pixel-size 40 --min-cells 50 --cell-area 2000 \
      --out results/colonies testdata/samples/colonies
`

type coloniesOptions struct {
	batchFlags
	Polarity      string
	PixelSizeUM   float64
	MinDiameterUM float64
	MinAreaUM2    float64
	MinAreaPx     float64
	MinDiamPx     float64
	MinCells      int
	CellAreaUM2   float64
	CellAreaPx    float64
	ROI           string
	PlateMap      string
	SaveLabels    bool
	Overlays      bool
}

// threshold returns the colony options derived from the flags.
func (o coloniesOptions) countOptions(roi *colonies.ROI) colonies.Options {
	return colonies.Options{Polarity: o.Polarity, PixelSizeUM: o.PixelSizeUM, MinColonyDiameterUM: o.MinDiameterUM,
		MinColonyAreaUM2: o.MinAreaUM2, MinColonyAreaPx: o.MinAreaPx, MinCells: o.MinCells, CellAreaUM2: o.CellAreaUM2, CellAreaPx: o.CellAreaPx,
		ROI: roi, Overlay: o.Overlays, Labels: o.SaveLabels}
}

func runColoniesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o coloniesOptions
	fs := o.flagSet("colonies", coloniesHelp, stderr)
	fs.StringVar(&o.Polarity, "polarity", colonies.PolarityAuto, "auto, dark (dark colonies on a light dish, crystal violet) or light (light colonies on dark agar)")
	pixelSizeFlag(fs, &o.PixelSizeUM)
	floatFlag(fs, &o.MinDiameterUM, "min-colony-diameter", 0, 0, models.MaxColonyDiamUM, false, "smallest colony equivalent diameter, µm (needs a pixel size)")
	floatFlag(fs, &o.MinAreaUM2, "min-colony-area", 0, 0, models.MaxColonyAreaUM2, false, "smallest colony area, µm² (needs a pixel size)")
	floatFlag(fs, &o.MinAreaPx, "min-colony-area-px", 0, 0, models.MaxColonyAreaPx, false, "smallest colony area, px² of the input image")
	floatFlag(fs, &o.MinDiamPx, "min-colony-diameter-px", 0, 0, models.MaxColonyDiamPx, false, "smallest colony equivalent diameter, px of the input image")
	fs.IntVar(&o.MinCells, "min-cells", 0, "cells a cluster needs to count as a colony, usually 50 (with --cell-area)")
	floatFlag(fs, &o.CellAreaUM2, "cell-area", 0, 0, models.MaxCellAreaUM2, false, "projected area of one cell in a colony, µm² (with --min-cells; also gives estimated_cells)")
	floatFlag(fs, &o.CellAreaPx, "cell-area-px", 0, 0, models.MaxColonyAreaPx, false, "projected area of one cell in a colony, px² of the input (with --min-cells; no pixel size needed)")
	fs.StringVar(&o.ROI, "roi", "", "analyse only this region instead of the detected dish: 'cx,cy,r' in px, or a mask image of the input's size (non-zero = inside)")
	fs.StringVar(&o.PlateMap, "plate-map", "", "CSV with columns image, sample (or donor), cells_seeded[, replicate]: per-dish and per-sample CFE")
	fs.BoolVar(&o.SaveLabels, "save-labels", false, "write labels/<name>.png, 16-bit labels (colonies 1..n, then rejected objects)")
	fs.BoolVar(&o.Overlays, "overlays", true, "write overlays/<name>.png: colonies outlined and numbered, rejected objects in red, legend")
	withReport := fs.Bool("report", false, "also write report.html: CFE per sample, dishes, QC, overlay gallery (self-contained)")
	inputs, err := o.parse(fs, args)
	if err != nil {
		return err
	}
	switch o.Polarity {
	case colonies.PolarityAuto, colonies.PolarityDark, colonies.PolarityLight:
	default:
		return usageErrorf("--polarity must be auto, dark or light, got %q", o.Polarity)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"--pixel-size", o.PixelSizeUM}, {"--min-colony-diameter", o.MinDiameterUM}, {"--min-colony-area", o.MinAreaUM2},
		{"--min-colony-area-px", o.MinAreaPx}, {"--min-colony-diameter-px", o.MinDiamPx}, {"--cell-area", o.CellAreaUM2}, {"--cell-area-px", o.CellAreaPx},
		{"--min-cells", float64(o.MinCells)}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return usageErrorf("%s must be a finite number ≥ 0", f.name)
		}
	}
	if o.MinCells < 0 || o.MinCells > models.MaxMinCells {
		return usageErrorf("--min-cells must be 0..%d, got %d", int(models.MaxMinCells), o.MinCells)
	}
	var thresholds []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"--min-colony-area-px", o.MinAreaPx > 0}, {"--min-colony-diameter-px", o.MinDiamPx > 0}, {"--min-colony-area", o.MinAreaUM2 > 0},
		{"--min-colony-diameter", o.MinDiameterUM > 0}, {"--min-cells", o.MinCells > 0}} {
		if f.set {
			thresholds = append(thresholds, f.name)
		}
	}
	if len(thresholds) > 1 {
		return usageErrorf("give one colony threshold, not %s", strings.Join(thresholds, " and "))
	}
	if o.MinDiamPx > 0 {
		o.MinAreaPx = math.Pi / 4 * o.MinDiamPx * o.MinDiamPx
	}
	if o.MinCells > 0 && o.CellAreaUM2 == 0 && o.CellAreaPx == 0 {
		return usageErrorf("--min-cells needs --cell-area (µm² per cell) or --cell-area-px (px² per cell) to become a colony size")
	}
	if o.CellAreaUM2 > 0 && o.CellAreaPx > 0 {
		return usageErrorf("give --cell-area or --cell-area-px, not both")
	}
	roi, err := parseROI(o.ROI, o.MaxPixels)
	if err != nil {
		return err
	}
	var plates map[string]models.PlateEntry
	if o.PlateMap != "" {
		if plates, err = readPlateMapFile(o.PlateMap); err != nil {
			return err
		}
	}
	paths, err := o.expand("colonies", inputs)
	if err != nil {
		return err
	}
	if plates != nil && !o.Quiet {
		warnUnusedPlates(plates, paths, newLogger(o.LogFormat, stderr))
	}
	return finishBatch("colonies", o.batchFlags, *withReport, runColonies(ctx, o, paths, roi, plates, stderr), stdout, stderr)
}

// warnUnusedPlates logs the plate-map rows that match no input (or more
// than one): a dish missing from the photographs lowers its sample's
// replicate count.
func warnUnusedPlates(plates map[string]models.PlateEntry, paths []string, log *slog.Logger) {
	if _, _, unused := colonies.AssignPlates(plates, paths); len(unused) > 0 {
		log.Warn("plate map rows without an input image", "images", job.ListIDs(unused))
	}
}

func readPlateMapFile(name string) (map[string]models.PlateEntry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("--plate-map: %v", err)
	}
	defer f.Close()
	plates, err := colonies.ReadPlateMap(f)
	if err != nil {
		return nil, usageErrorf("--plate-map %s: %v", name, err)
	}
	for _, e := range plates {
		// 1e-300 cells would give a CFE of 1e302 %.
		if err := checkRange(e.CellsSeeded, models.MinCellsSeeded, models.MaxCellsSeeded, false); err != nil {
			return nil, usageErrorf("--plate-map %s: line %d: cells_seeded %g %v", name, e.Line, e.CellsSeeded, err)
		}
	}
	return plates, nil
}

// parseROI reads --roi: "cx,cy,r" in input pixels or the path of a mask
// image (non-zero = analyse).
func parseROI(s string, maxPixels int64) (*colonies.ROI, error) {
	if s == "" {
		return nil, nil
	}
	if parts := strings.Split(s, ","); len(parts) == 3 {
		var v [3]float64
		for i, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, usageErrorf("--roi %q: want cx,cy,r in px or a mask image", s)
			}
			if math.Abs(f) > models.MaxROICoordPx {
				return nil, usageErrorf("--roi %q: coordinates must be within ±%g px", s, models.MaxROICoordPx)
			}
			v[i] = f
		}
		if !(v[2] >= 1) {
			return nil, usageErrorf("--roi %q: the radius must be ≥ 1 px", s)
		}
		return &colonies.ROI{CX: v[0], CY: v[1], R: v[2]}, nil
	}
	if _, err := os.Stat(s); err != nil {
		return nil, usageErrorf("--roi %q: neither cx,cy,r nor a readable mask image: %v", s, err)
	}
	img, err := imageio.Load(s, imageio.Options{MaxPixels: maxPixels}) // the same bomb guard as the inputs
	if err != nil {
		return nil, usageErrorf("--roi mask %s: %v", s, err)
	}
	return &colonies.ROI{Mask: maskOf(img)}, nil
}

func runColonies(ctx context.Context, o coloniesOptions, paths []string, roi *colonies.ROI, plates map[string]models.PlateEntry, stderr io.Writer) error {
	stems := outputStems(paths)
	out, err := newBatchOutput(o.Out, []table{{"images.csv", coloniesImageHeader}, {"objects.csv", coloniesObjectHeader}},
		[]field{{"schema_version", models.SchemaVersion}, {"kind", models.KindColonies},
			{"provenance", provenance(time.Now(), coloniesParams(o))}})
	if err != nil {
		return err
	}
	defer out.abort()
	copt := o.countOptions(roi)
	cfe := &kinds.CFERows{}
	var entries []models.PlateEntry
	var found []bool
	if plates != nil {
		entries, found, _ = colonies.AssignPlates(plates, paths)
	}
	work := func(ctx context.Context, i int, path string) (models.ColonyPlateResult, error) {
		p := models.ColonyPlateResult{Index: i, Image: path, Input: models.InputInfo{Path: path}}
		if plates != nil && found[i] {
			e := entries[i]
			p.Sample, p.Replicate, p.CellsSeeded = e.Sample, e.Replicate, e.CellsSeeded
		}
		return kinds.Colonies(p, path, kinds.Output{Dir: o.Out, Stem: stems[i]}, copt, o.limits(), plates != nil)
	}
	emit := func(r pipeline.Result[models.ColonyPlateResult]) (string, string, []string, error) {
		p := r.Value
		if r.Err != nil {
			p = failedPlate(p, r.Index, paths[r.Index], r.Err)
		} else {
			p.Status = models.StatusOK
		}
		if plates != nil && p.Sample != "" {
			cfe.Add(p)
		}
		return p.Image, p.Status, p.QC, writeColonyRows(out, p)
	}
	finish := func(sum models.RunSummary) error {
		tail := []field{}
		if plates != nil {
			samples := cfe.Summaries()
			sc, err := cfeSamplesCSV(o.Out, samples)
			if err != nil {
				return err
			}
			out.attach(sc)
			tail = append(tail, field{"samples", samples})
		}
		return out.commit(append(tail, field{"summary", sum}))
	}
	return batch(ctx, o.batchFlags, paths, out, stderr, work, emit, finish)
}

// failedPlate turns a failed dish into its error row: counts cleared, the
// plate-map entry and input description kept, the reason on one line.
func failedPlate(p models.ColonyPlateResult, index int, path string, err error) models.ColonyPlateResult {
	return models.ColonyPlateResult{Index: index, Image: path, Sample: p.Sample, Replicate: p.Replicate, CellsSeeded: p.CellsSeeded,
		Status: models.StatusError, Error: kinds.OneLine(err.Error()), Input: p.Input}
}

func coloniesParams(o coloniesOptions) map[string]string {
	return map[string]string{"polarity": o.Polarity, "pixel_size_um": fmt.Sprint(o.PixelSizeUM),
		"min_colony_diameter_um": fmt.Sprint(o.MinDiameterUM), "min_colony_area_um2": fmt.Sprint(o.MinAreaUM2),
		"min_colony_area_px": fmt.Sprint(o.MinAreaPx), "min_colony_diameter_px": fmt.Sprint(o.MinDiamPx), "min_cells": fmt.Sprint(o.MinCells), "cell_area_um2": fmt.Sprint(o.CellAreaUM2), "cell_area_px": fmt.Sprint(o.CellAreaPx),
		"roi": o.ROI, "plate_map": o.PlateMap, "max_pixels": fmt.Sprint(o.MaxPixels)}
}
