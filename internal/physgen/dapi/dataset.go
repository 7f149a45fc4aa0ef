package dapi

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Readme documents the data set.
const Readme = `# physgen dapi: BBBC002-like DAPI fields (Drosophila Kc167)

512x512 8-bit greyscale PNG fields of small, irregular, often lobed and touching
nuclei rendered by internal/physgen/dapi (see its doc comment); no calibration.
labels/field_NNN.png: 16-bit instance mask, 0 background, 1..n one nucleus each.

## truth.csv
| column | meaning |
|---|---|
| image, labels | paths relative to this folder |
| nuclei | exact count: nuclei with at least one pixel in the image |
| nuclei_inside | of which not touching the image border |
| lobed | nuclei drawn with 2-3 lobes (still one nucleus each) |
| radius_px, psf_sigma_px, brightness_sd_log, cluster_prob | randomised parameters |
| mitotic | mitotic figures with a pixel in the image; a telophase pair is ONE figure |
| mitotic_index | mitotic / nuclei |
| apoptotic | apoptotic cells (clusters of 2-5 bright beads, one label each; NOT nuclei, NOT mitotic) |
| mitotic_fraction_target, mitotic_brightness_ratio | randomised parameters (empty without -mitotic) |

Counting convention: nuclei counts labels of interphase and mitotic nuclei.
A prophase, metaphase (side-on or end-on) or anaphase figure is one label and one
nucleus (anaphase: one label in two pieces, the two bars); a telophase pair is two
labels and two nuclei but one mitotic figure. Apoptotic cells are labelled after
the nuclei (ids nuclei+1 .. nuclei+apoptotic) and counted in neither nuclei nor
mitotic. Hence mitotic_index = figures / nuclei.

## objects.csv (one row per label)
| column | meaning |
|---|---|
| image, id | the image path and label value |
| class | interphase, mitotic or apoptotic |
| stage | mitotic only: prophase, metaphase, metaphase_endon, anaphase, telophase |
| figure | mitotic figure number within the image (telophase daughters share it), 0 otherwise |
| x_px, y_px | centre of the drawn shape |
| area_px, border | label pixels; label touches the image border |
`

// WriteDataset renders n fields into dir without mitotic figures.
func WriteDataset(dir string, seed uint64, n int) error {
	return WriteDatasetOpt(dir, seed, n, Options{})
}

// WriteDatasetOpt renders n fields into dir.
func WriteDatasetOpt(dir string, seed uint64, n int, opt Options) error {
	var rows, orows [][]string
	opt.Size = 0
	for i := 0; i < n; i++ {
		f, err := GenerateOpt(seed, i, opt)
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
		rows = append(rows, []string{name, ln, strconv.Itoa(f.Count), strconv.Itoa(f.Inside), strconv.Itoa(f.Lobed),
			f.Params["radius_px"], f.Params["psf_sigma_px"], f.Params["brightness_sd_log"], f.Params["cluster_prob"],
			strconv.Itoa(f.Mitotic), raster.F(f.MitoticIndex, 4), strconv.Itoa(f.Apoptotic), f.Params["mitotic_fraction_target"], f.Params["mitotic_brightness_ratio"]})
		for _, o := range f.Objects {
			orows = append(orows, []string{name, strconv.Itoa(o.ID), o.Class, o.Stage, strconv.Itoa(o.Figure), raster.F(o.X, 1), raster.F(o.Y, 1), strconv.Itoa(o.AreaPx), strconv.FormatBool(o.Border)})
		}
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"image", "labels", "nuclei", "nuclei_inside", "lobed", "radius_px", "psf_sigma_px", "brightness_sd_log", "cluster_prob",
		"mitotic", "mitotic_index", "apoptotic", "mitotic_fraction_target", "mitotic_brightness_ratio"}, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "objects.csv"), []string{"image", "id", "class", "stage", "figure", "x_px", "y_px", "area_px", "border"}, orows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
