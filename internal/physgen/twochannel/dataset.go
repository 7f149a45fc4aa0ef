package twochannel

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Readme documents the data set.
const Readme = `# physgen twochannel: DAPI + proliferation marker fields

Widefield fluorescence of fibroblast nuclei rendered by
internal/physgen/twochannel (see its doc comment). Two single-channel PNGs per
field (8-bit, or 16-bit holding 12-bit data), pixel size in pHYs:
images/field_NNN_dapi.png, images/field_NNN_marker.png; labels/field_NNN.png is a
16-bit instance mask (0 background, 1..n one nucleus each, same ids as nuclei.csv).
Marker: Ki-67 (diffuse, speckled or nucleolar) or EdU (diffuse or speckled),
positive fraction 0-40 %, sometimes mixed patterns; DAPI bleed-through into the
marker channel, autofluorescence, vignetting, PSF blur, shot/read noise.

## truth.csv
| column | meaning |
|---|---|
| dapi, marker, labels | paths relative to this folder |
| width, height, pixel_size_um, bit_depth | image geometry; bit_depth 8 or 16 |
| nuclei | nuclei with at least one pixel in the image (border-touching included) |
| nuclei_inside | of which not touching the image border |
| positive, positive_fraction | marker-positive nuclei (all nuclei) |
| positive_inside | positive nuclei not touching the border |
| marker_name, pattern, mixed_patterns, bleed_through, psf_sigma_px | parameters |
| mitotic | mitotic figures with a pixel in the image; a telophase pair is ONE figure |
| mitotic_index | mitotic / nuclei |
| apoptotic | apoptotic cells (clusters of 2-5 bright beads, one label each; NOT nuclei, NOT mitotic) |
| mitotic_fraction_target, mitotic_brightness_ratio | parameters (empty with -mitotic 0) |

Counting convention: nuclei counts labels of interphase and mitotic nuclei. A
prophase, metaphase (side-on or end-on) or anaphase figure is one label and one
nucleus (anaphase: one label in two pieces, the two bars); a telophase pair is two
labels and two nuclei but one mitotic figure. Apoptotic cells are labelled after
the nuclei (ids nuclei+1 ..), listed in nuclei.csv with class apoptotic, and
counted in neither nuclei, positive nor mitotic. mitotic_index = figures / nuclei.
Mitotic figures are Ki-67 positive (pattern chromosomal); with EdU they keep the
drawn status. With -mitotic 0 the fields are the earlier generator's: about 2 % of
nuclei are crude mitotic ellipses (class mitotic, no stage).

## nuclei.csv
| column | meaning |
|---|---|
| image | the dapi path |
| id | label value in labels/ |
| x_px, y_px | centre |
| area_px | label pixels |
| positive, mitotic, border | booleans |
| pattern | marker pattern of this nucleus (chromosomal: Ki-67 on a mitotic figure) |
| marker_mean, dapi_mean | noise-free signal over the label (before PSF, background, bleed-through), 0..1 of full scale |
| class | interphase, mitotic or apoptotic |
| stage | staged mitotic figures: prophase, metaphase, metaphase_endon, anaphase, telophase |
| figure | mitotic figure number within the image (telophase daughters share it), 0 otherwise |
`

// WriteDataset renders n fields into dir.
func WriteDataset(dir string, seed uint64, n int, opt Options) error {
	var rows, nrows [][]string
	for i := 0; i < n; i++ {
		f, err := Generate(seed, i, opt)
		if err != nil {
			return err
		}
		dn := fmt.Sprintf("images/field_%03d_dapi.png", i)
		mn := fmt.Sprintf("images/field_%03d_marker.png", i)
		ln := fmt.Sprintf("labels/field_%03d.png", i)
		if err := raster.WritePNG(filepath.Join(dir, dn), f.DAPI, f.PixelSizeUM); err != nil {
			return err
		}
		if err := raster.WritePNG(filepath.Join(dir, mn), f.Marker, f.PixelSizeUM); err != nil {
			return err
		}
		if err := raster.WritePNG(filepath.Join(dir, ln), f.Labels, f.PixelSizeUM); err != nil {
			return err
		}
		pos, all := f.Positive()
		inside, posIn := 0, 0
		for _, nu := range f.Nuclei {
			if !nu.Border {
				inside++
				if nu.Positive {
					posIn++
				}
			}
		}
		for _, nu := range append(append([]Nucleus(nil), f.Nuclei...), f.Apoptotic...) {
			nrows = append(nrows, []string{dn, strconv.Itoa(nu.ID), raster.F(nu.X, 1), raster.F(nu.Y, 1), strconv.Itoa(nu.AreaPx), strconv.FormatBool(nu.Positive),
				strconv.FormatBool(nu.Mitotic), strconv.FormatBool(nu.Border), nu.Pattern, raster.F(nu.MarkerMean, 4), raster.F(nu.DAPIMean, 4), nu.Class, nu.Stage, strconv.Itoa(nu.Figure)})
		}
		frac := 0.0
		if all > 0 {
			frac = float64(pos) / float64(all)
		}
		depth := "8"
		if f.Marker16 {
			depth = "16"
		}
		b := f.DAPI.Bounds()
		rows = append(rows, []string{dn, mn, ln, strconv.Itoa(b.Dx()), strconv.Itoa(b.Dy()), raster.F(f.PixelSizeUM, 4), depth, strconv.Itoa(all), strconv.Itoa(inside),
			strconv.Itoa(pos), raster.F(frac, 4), strconv.Itoa(posIn), f.Params["marker"], f.Params["pattern"], f.Params["mixed_patterns"], f.Params["bleed_through"], f.Params["psf_sigma_px"],
			strconv.Itoa(f.Mitotic), raster.F(f.MitoticIndex, 4), strconv.Itoa(len(f.Apoptotic)), f.Params["mitotic_fraction_target"], f.Params["mitotic_brightness_ratio"]})
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"dapi", "marker", "labels", "width", "height", "pixel_size_um", "bit_depth", "nuclei", "nuclei_inside",
		"positive", "positive_fraction", "positive_inside", "marker_name", "pattern", "mixed_patterns", "bleed_through", "psf_sigma_px",
		"mitotic", "mitotic_index", "apoptotic", "mitotic_fraction_target", "mitotic_brightness_ratio"}, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "nuclei.csv"), []string{"image", "id", "x_px", "y_px", "area_px", "positive", "mitotic", "border", "pattern", "marker_mean", "dapi_mean", "class", "stage", "figure"}, nrows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
