package plates

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// ReadmeAgar documents the agar data set.
const ReadmeAgar = `# physgen plates/agar: webcam photographs of 90 mm agar plates

Rendered by internal/physgen/plates (see its doc comment): dark colonies on
light agar, 0.3-5 mm (<= 2 mm on crowded plates), 5-1500 per plate, overlapping
allowed, satellite colonies near large ones; distractors: rim reflections,
condensation droplets (refractive rings), debris specks, paper labels with
writing on the rim. 1000x1000 JPEG (quality 50-89), no calibration.

## truth.csv
| column | meaning |
|---|---|
| image | path relative to this folder |
| colonies | every colony drawn (touching/overlapping colonies counted separately; satellites included) |
| satellites | of which satellite colonies (0.3-0.6 mm) |
| dish_radius_px, mm_per_px | geometry (dish is 90 mm) |
| jpeg_quality, mean_colony_mm, droplets, labels | randomised parameters |

## colonies.csv
image, x_px, y_px, diameter_px, satellite
`

// ReadmeCV documents the crystal-violet data set.
const ReadmeCV = `# physgen plates/cv: crystal-violet stained 60 mm dishes (CFE)

Rendered by internal/physgen/plates: fibroblast colonies of 50-800 cells drawn cell by cell
(spindles ~5-9 px stamped with crystal-violet absorbance), colony diameter
d = d50*sqrt(cells/50) px with d50 = 28-36 px (a colony of >= 50 cells is
>= ~28 px across); abortive clusters of 2-9 cells (< 12 px). Colonies per dish
are Binomial(cells_seeded, true CFE). Distractors: scratches, marker writing
near the rim, uneven background stain, the dish rim. One dish per 8-bit RGB
PNG (1200-1500 px square), no calibration.

## truth.csv
| column | meaning |
|---|---|
| image | path relative to this folder |
| sample, replicate, cells_seeded | as in plate_map.csv |
| colonies | colonies (>= 50 cells) drawn |
| abortive | abortive clusters (< 50 cells) drawn |
| cfe_pct | 100*colonies/cells_seeded for this dish |
| true_cfe_pct | the sample's underlying plating efficiency (colonies are Binomial draws) |
| d50_px | diameter of a 50-cell colony, px |
| dish_radius_px, mm_per_px | geometry (dish is 60 mm) |
| scratches, marker_writing, background_stain | randomised distractors |

## plate_map.csv
image, sample, cells_seeded, replicate (the histocount plate-map format)

## colonies.csv
image, x_px, y_px, diameter_px, cells, class (colony or abortive)
`

// WriteDataset writes n agar plates to dir/agar and n crystal-violet
// dishes to dir/cv.
func WriteDataset(dir string, seed uint64, n int) error {
	if err := writeAgar(filepath.Join(dir, "agar"), seed, n); err != nil {
		return err
	}
	return writeCV(filepath.Join(dir, "cv"), seed, n)
}

func writeAgar(dir string, seed uint64, n int) error {
	var rows, objs [][]string
	for i := 0; i < n; i++ {
		p, err := Agar(seed, i, 0)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("images/agar_%03d.jpg", i)
		if err := raster.WriteJPEG(filepath.Join(dir, name), p.Image, 92); err != nil {
			return err
		}
		sat := 0
		for _, o := range p.Objects {
			if o.Satellite {
				sat++
			}
			objs = append(objs, []string{name, raster.F(o.X, 1), raster.F(o.Y, 1), raster.F(2*o.R, 1), strconv.FormatBool(o.Satellite)})
		}
		rows = append(rows, []string{name, strconv.Itoa(p.Colonies), strconv.Itoa(sat), raster.F(p.DishR, 1), raster.F(p.MMPerPx, 4),
			p.Params["jpeg_quality"], p.Params["mean_colony_mm"], p.Params["droplets"], p.Params["labels"]})
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"image", "colonies", "satellites", "dish_radius_px", "mm_per_px", "jpeg_quality", "mean_colony_mm", "droplets", "labels"}, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "colonies.csv"), []string{"image", "x_px", "y_px", "diameter_px", "satellite"}, objs); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(ReadmeAgar), 0o644)
}

func writeCV(dir string, seed uint64, n int) error {
	var rows, objs, pm [][]string
	for i := 0; i < n; i++ {
		p, smp, rep, err := CrystalViolet(seed, i, 0)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("images/dish_%03d.png", i)
		if err := raster.WritePNG(filepath.Join(dir, name), p.Image, 0); err != nil {
			return err
		}
		for _, o := range p.Objects {
			cls := "colony"
			if o.Abortive {
				cls = "abortive"
			}
			objs = append(objs, []string{name, raster.F(o.X, 1), raster.F(o.Y, 1), raster.F(2*o.R, 1), strconv.Itoa(o.Cells), cls})
		}
		cfe := 100 * float64(p.Colonies) / float64(smp.CellsSeeded)
		rows = append(rows, []string{name, smp.Name, strconv.Itoa(rep), strconv.Itoa(smp.CellsSeeded), strconv.Itoa(p.Colonies), strconv.Itoa(p.Abortive),
			raster.F(cfe, 3), raster.F(100*smp.TrueCFE, 3), p.Params["d50_px"], raster.F(p.DishR, 1), raster.F(p.MMPerPx, 4),
			p.Params["scratches"], p.Params["marker_writing"], p.Params["background_stain"]})
		pm = append(pm, []string{name, smp.Name, strconv.Itoa(smp.CellsSeeded), strconv.Itoa(rep)})
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"image", "sample", "replicate", "cells_seeded", "colonies", "abortive", "cfe_pct", "true_cfe_pct", "d50_px", "dish_radius_px", "mm_per_px", "scratches", "marker_writing", "background_stain"}, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "plate_map.csv"), []string{"image", "sample", "cells_seeded", "replicate"}, pm); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "colonies.csv"), []string{"image", "x_px", "y_px", "diameter_px", "cells", "class"}, objs); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(ReadmeCV), 0o644)
}
