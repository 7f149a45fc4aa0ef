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

## nuclei.csv
| column | meaning |
|---|---|
| image | the dapi path |
| id | label value in labels/ |
| x_px, y_px | centre |
| area_px | label pixels |
| positive, mitotic, border | booleans |
| pattern | marker pattern of this nucleus |
| marker_mean, dapi_mean | noise-free signal over the label (before PSF, background, bleed-through), 0..1 of full scale |
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
			nrows = append(nrows, []string{dn, strconv.Itoa(nu.ID), raster.F(nu.X, 1), raster.F(nu.Y, 1), strconv.Itoa(nu.AreaPx), strconv.FormatBool(nu.Positive),
				strconv.FormatBool(nu.Mitotic), strconv.FormatBool(nu.Border), nu.Pattern, raster.F(nu.MarkerMean, 4), raster.F(nu.DAPIMean, 4)})
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
			strconv.Itoa(pos), raster.F(frac, 4), strconv.Itoa(posIn), f.Params["marker"], f.Params["pattern"], f.Params["mixed_patterns"], f.Params["bleed_through"], f.Params["psf_sigma_px"]})
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), []string{"dapi", "marker", "labels", "width", "height", "pixel_size_um", "bit_depth", "nuclei", "nuclei_inside",
		"positive", "positive_fraction", "positive_inside", "marker_name", "pattern", "mixed_patterns", "bleed_through", "psf_sigma_px"}, rows); err != nil {
		return err
	}
	if err := raster.WriteCSV(filepath.Join(dir, "nuclei.csv"), []string{"image", "id", "x_px", "y_px", "area_px", "positive", "mitotic", "border", "pattern", "marker_mean", "dapi_mean"}, nrows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
