package chamber

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Readme documents the data set written by WriteDataset.
const Readme = `# physgen chamber: trypan-blue haemocytometer fields

Whole brightfield fields of a Neubauer-improved chamber (ruling 3x3 mm; central
1 mm square in 5x5 groups of 200 um bounded by triple lines, each 4x4 squares of
50 um; corner squares 4x4 of 250 um), random phase and rotation (+-3 deg).
Rendered by internal/physgen/chamber from a physical model (see its doc.go):
live cells are phase objects (bright centre, dark refractile rim, optional halo,
depending on focus), dead cells absorb trypan blue (Beer-Lambert, blue to
blue-grey), debris particles 1-6 um are not counted.

Images: images/field_NNN.png, 8-bit RGB PNG, pixel size in the pHYs chunk.

## truth.csv (one row per image)
| column | meaning |
|---|---|
| image | path relative to this folder |
| width, height | pixels |
| pixel_size_um | um per pixel (also in pHYs) |
| live, dead | counts by the edge rule: a cell whose disc meets the image counts unless it is cut by the bottom or right edge (cells cut only by the top/left edge count) |
| live_inside, dead_inside | cells whose whole disc is inside the image |
| live_centre, dead_centre | cells whose centre lies inside the image |
| viability_pct | 100*live/(live+dead) by the edge rule |
| clumped | counted cells that belong to a clump of 2-6 touching cells |
| debris | debris particles drawn (not cells) |
| focus, rim_darkness, rim_width_frac, halo, dye_density, psf_sigma_px, greyscale, jpeg_quality, grid_* ... | the randomised rendering parameters |

## cells.csv (one row per generated cell, including cells off the image)
| column | meaning |
|---|---|
| image | as in truth.csv |
| id | cell number within the image |
| x_px, y_px | centre, pixels (origin top-left corner of the image, x right, y down; pixel (i,j) covers [i,i+1)x[j,j+1)) |
| radius_px | mean radius, pixels (cells are slightly elliptical, aspect <= 1.12) |
| class | live or dead |
| clump | 0 = single, else clump id within the image |
| out_of_focus | true for cells drawn out of the focal plane |
| visible, counted, inside | the disc meets the image / counts by the edge rule / lies wholly inside |
`

var paramCols = []string{"focus", "rim_darkness", "rim_width_frac", "halo", "dye_density", "psf_sigma_px", "greyscale", "jpeg_quality", "grid_rotation_deg", "grid_line_um", "grid_bright", "dead_fraction", "clump_fraction", "density_per_mm2"}

// WriteDataset renders n fields into dir (images/, truth.csv, cells.csv,
// README.md).
func WriteDataset(dir string, seed uint64, n int, opt Options) error {
	header := append([]string{"image", "width", "height", "pixel_size_um", "live", "dead", "live_inside", "dead_inside", "live_centre", "dead_centre", "viability_pct", "clumped", "debris"}, paramCols...)
	var rows, cellRows [][]string
	for i := 0; i < n; i++ {
		f, err := Generate(seed, i, opt)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("images/field_%03d.png", i)
		if err := raster.WritePNG(filepath.Join(dir, name), f.Image, f.PixelSizeUM); err != nil {
			return err
		}
		b := f.Image.Bounds()
		w, h := b.Dx(), b.Dy()
		live, dead, li, di, lc, dc := f.Counts()
		clumped := 0
		for _, c := range f.Cells {
			if c.Counted(w, h) && c.Clump > 0 {
				clumped++
			}
			cls := "live"
			if c.Dead {
				cls = "dead"
			}
			cellRows = append(cellRows, []string{name, strconv.Itoa(c.ID), raster.F(c.X, 2), raster.F(c.Y, 2), raster.F(c.R, 2), cls, strconv.Itoa(c.Clump),
				strconv.FormatBool(c.Blurred), strconv.FormatBool(c.Visible(w, h)), strconv.FormatBool(c.Counted(w, h)), strconv.FormatBool(c.Inside(w, h))})
		}
		via := 0.0
		if live+dead > 0 {
			via = 100 * float64(live) / float64(live+dead)
		}
		row := []string{name, strconv.Itoa(w), strconv.Itoa(h), raster.F(f.PixelSizeUM, 4), strconv.Itoa(live), strconv.Itoa(dead), strconv.Itoa(li), strconv.Itoa(di), strconv.Itoa(lc), strconv.Itoa(dc), raster.F(via, 2), strconv.Itoa(clumped), strconv.Itoa(f.Debris)}
		for _, k := range paramCols {
			row = append(row, f.Params[k])
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a][0] < rows[b][0] })
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), header, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "cells.csv"), []string{"image", "id", "x_px", "y_px", "radius_px", "class", "clump", "out_of_focus", "visible", "counted", "inside"}, cellRows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
