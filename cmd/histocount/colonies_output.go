package main

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

var (
	coloniesImageHeader = []string{"image", "status", "error", "colonies", "rejected", "covered_area_pct",
		"dish_found", "dish_source", "dish_shape", "dish_cx_px", "dish_cy_px", "dish_radius_px", "dish_area_px", "polarity",
		"sample", "replicate", "cells_seeded", "cfe_pct",
		"qc", "width", "height", "pixel_size_um", "calibration_source", "sha256",
		"size_rule", "min_colony_area_px", "estimated_colonies"}
	// class is counted or rejected; reason says why a rejected object was
	// not counted (abortive: below the colony threshold; debris).
	coloniesObjectHeader = []string{"image", "id", "class", "reason", "centroid_x_px", "centroid_y_px", "area_px", "area_um2",
		"equiv_diameter_px", "equiv_diameter_um", "circularity", "mean_intensity", "stain_contrast", "estimated_cells"}
	coloniesSampleHeader = []string{"sample", "images", "failed_images", "colonies", "cells_seeded", "cfe_pct",
		"cfe_ci_low_pct", "cfe_ci_high_pct", "mean_cfe_pct", "sd_cfe_pct", "qc"}
)

// writeColonyRows writes one dish's rows to images.csv, objects.csv and
// results.json.
func writeColonyRows(out *batchOutput, p models.ColonyPlateResult) error {
	ok := p.Status == models.StatusOK
	var colonyCount, rejected, covered, dishFound, source, shape, cx, cy, r, area, cfe, seeded string
	if ok {
		colonyCount, rejected = report.I(p.Colonies), report.I(p.RejectedClusters)
		covered, dishFound, source, shape = report.F(models.Round3(p.CoveredAreaPct)), fmt.Sprint(p.Dish.Found), p.Dish.Source, p.Dish.Shape
		if p.Dish.Found && p.Dish.Shape == "circle" {
			cx, cy, r = report.F(models.Round3(p.Dish.CXPx)), report.F(models.Round3(p.Dish.CYPx)), report.F(models.Round3(p.Dish.RadiusPx))
		}
		area = report.FOpt(models.Round3(p.Dish.AreaPx), p.Dish.AreaPx > 0)
		if _, valid, _ := colonies.DishCFE(p.Colonies, p.CellsSeeded); valid {
			cfe = report.F(p.CFEPct)
		}
	}
	if p.CellsSeeded > 0 {
		seeded = report.F(p.CellsSeeded)
	}
	if err := out.row("images.csv", []string{p.Image, p.Status, p.Error, colonyCount, rejected, covered,
		dishFound, source, shape, cx, cy, r, area, p.Polarity, p.Sample, p.Replicate, seeded, cfe,
		strings.Join(p.QC, ";"), intOpt(p.Input.Width), intOpt(p.Input.Height),
		report.FOpt(p.Calibration.PixelSizeUM, p.Calibration.Known()), string(p.Calibration.Source), p.Input.SHA256,
		p.SizeRule, report.FOpt(p.MinColonyAreaPx, ok && p.MinColonyAreaPx > 0), report.FOpt(float64(p.EstimatedColonies), ok)}); err != nil {
		return err
	}
	cal := p.Calibration.Known()
	for _, c := range p.Objects {
		class, reason := "counted", ""
		if c.Class != models.ColonyCounted {
			class, reason = "rejected", c.Class
		}
		if err := out.row("objects.csv", []string{p.Image, report.I(c.ID), class, reason, report.F(c.CentroidXPx), report.F(c.CentroidYPx),
			report.F(c.AreaPx), report.FOpt(c.AreaUM2, cal), report.F(c.EquivDiameterPx), report.FOpt(c.EquivDiameterUM, cal),
			report.F(c.Circularity), report.F(c.MeanIntensity), report.F(c.StainContrast),
			report.FOpt(c.EstimatedCells, c.EstimatedCells > 0)}); err != nil {
			return err
		}
	}
	return out.elem(p)
}

// cfeSamplesCSV writes samples.csv's rows into its temporary file, for the
// caller to commit.
func cfeSamplesCSV(dir string, samples []models.CFESample) (*report.CSV, error) {
	sc, err := report.NewCSV(filepath.Join(dir, "samples.csv"), coloniesSampleHeader)
	if err != nil {
		return nil, err
	}
	for _, s := range samples {
		pooled := s.Images > 0
		if err := sc.Row([]string{s.Sample, report.I(s.Images), report.I(s.FailedImages), report.I(s.Colonies),
			report.FOpt(s.CellsSeeded, pooled), report.FOpt(s.CFEPct, pooled), report.FOpt(s.CFECILowPct, pooled),
			report.FOpt(s.CFECIHighPct, pooled), report.FOpt(s.MeanCFEPct, pooled), report.FOpt(s.SDCFEPct, pooled && s.Images > 1),
			strings.Join(s.QC, ";")}); err != nil {
			sc.Abort()
			return nil, err
		}
	}
	return sc, nil
}

// maskOf turns a decoded mask image into a grey mask: non-zero in any
// channel is inside.
func maskOf(img *imageio.Image) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, img.Width, img.Height))
	for i := range m.Pix {
		for c := 0; c < img.Channels; c++ {
			if img.Pix[i*img.Channels+c] != 0 {
				m.Pix[i] = 255
				break
			}
		}
	}
	return m
}
