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
`

// WriteDataset renders n fields into dir.
func WriteDataset(dir string, seed uint64, n int) error {
	var rows [][]string
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
		rows = append(rows, []string{name, ln, strconv.Itoa(f.Count), strconv.Itoa(f.Inside), strconv.Itoa(f.Lobed),
			f.Params["radius_px"], f.Params["psf_sigma_px"], f.Params["brightness_sd_log"], f.Params["cluster_prob"]})
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"image", "labels", "nuclei", "nuclei_inside", "lobed", "radius_px", "psf_sigma_px", "brightness_sd_log", "cluster_prob"}, rows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
