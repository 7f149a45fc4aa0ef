package kc167

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Readme documents the data set.
const Readme = `# physgen kc167: widefield DAPI fields of Drosophila Kc167 cells (BBBC002-style)

512x512 8-bit greyscale PNG fields rendered by internal/physgen/kc167 from a physical
description (see its doc comment): 30-120 small irregular nuclei (8-20 px across) per
field in loose clumps, touching and slightly overlapping; granular chromatin with
chromocentres and nucleoli; G1/S/G2 sizes and brightness; mitotic and apoptotic cells;
nuclei out of the focal plane; widefield haze, uneven illumination, Poisson and read
noise, low dynamic range, small debris specks. No calibration (no pHYs).
labels/field_NNN.png: 16-bit instance mask, 0 background, 1..n one cell each.

## What is counted (the annotators' convention)
One per cell. An interphase nucleus, a nucleus out of focus (dim and blurred), a mitotic
cell (its condensed chromosomes, an anaphase included, are ONE label) and an apoptotic
cell (all its fragmented bright bodies are ONE label, possibly in several pieces) each
count once. Debris specks are not labelled and not counted. A cell counts when its
label has at least one pixel in the field. Where nuclei overlap, the pixel goes to the
nucleus it lies deeper in; the fluorescence of both adds up.

## truth.csv
| column | meaning |
|---|---|
| image, labels | paths relative to this folder |
| nuclei | exact count: cells (labels) with at least one pixel in the field |
| nuclei_inside | of which not touching the image border |
| mitotic, apoptotic, out_of_focus | of the counted cells, how many are of each kind |
| debris | specks drawn (not counted) |
| diameter_px, psf_sigma_px, brightness_sd_log, clump_prob, kidney_prob, haze_frac, peak_level, photons_full_scale | randomised parameters |

## objects.csv (one row per label)
| column | meaning |
|---|---|
| image, id | the image path and label value |
| class | interphase, mitotic or apoptotic |
| phase | G1, S, G2 (interphase), M (mitotic), apoptotic |
| out_of_focus | the nucleus lies outside the focal plane |
| x_px, y_px | centre of the drawn cell |
| area_px, border | label pixels; label touches the image border |
`

// WriteDataset renders n fields into dir.
func WriteDataset(dir string, seed uint64, n int) error {
	var rows, orows [][]string
	for i := 0; i < n; i++ {
		f, err := Generate(seed, i, 0)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("images/field_%03d.png", i)
		ln := fmt.Sprintf("labels/field_%03d.png", i)
		if err := raster.WritePNG(filepath.Join(dir, name), f.Image, 0); err != nil {
			return err
		}
		if err := raster.WritePNG(filepath.Join(dir, ln), f.Labels, 0); err != nil {
			return err
		}
		rows = append(rows, []string{name, ln, strconv.Itoa(f.Count), strconv.Itoa(f.Inside),
			strconv.Itoa(f.Mitotic), strconv.Itoa(f.Apoptotic), strconv.Itoa(f.OutOfFocus), strconv.Itoa(f.Debris),
			f.Params["diameter_px"], f.Params["psf_sigma_px"], f.Params["brightness_sd_log"], f.Params["clump_prob"],
			f.Params["kidney_prob"], f.Params["haze_frac"], f.Params["peak_level"], f.Params["photons_full_scale"]})
		for _, o := range f.Objects {
			orows = append(orows, []string{name, strconv.Itoa(o.ID), o.Class, o.Phase, strconv.FormatBool(o.OutOfFocus),
				raster.F(o.X, 1), raster.F(o.Y, 1), strconv.Itoa(o.AreaPx), strconv.FormatBool(o.Border)})
		}
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"image", "labels", "nuclei", "nuclei_inside",
		"mitotic", "apoptotic", "out_of_focus", "debris", "diameter_px", "psf_sigma_px", "brightness_sd_log", "clump_prob",
		"kidney_prob", "haze_frac", "peak_level", "photons_full_scale"}, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "objects.csv"), []string{"image", "id", "class", "phase", "out_of_focus",
		"x_px", "y_px", "area_px", "border"}, orows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
