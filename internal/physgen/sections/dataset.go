package sections

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// Readme documents the data set written by WriteDataset.
const Readme = `# physgen sections: skin biopsy sections (H&E and silver)

Skin sections at x200, 0.4-0.6 um/px, tilted +-12 deg, rendered by
internal/physgen/sections from a layer geometry (see its doc.go): glass (may be
absent), stratum corneum (compact or basket-weave), epidermis with a basal layer
and rete ridges, dermis (H&E collagen bundles and fibroblast nuclei; silver:
brown-black fibres on a tan background), vessels, hypodermal fat (adipocytes
40-120 um, septa 2-4 um) in the bottom 5-25 % of the image (absent in ~15 %).
Folds, tears (cracks in the dermis, labelled background), blur, JPEG artefacts.

Images: images/section_NNN.png (8-bit RGB, pixel size in pHYs), even NNN H&E,
odd NNN silver. Masks: masks/section_NNN.png, 8-bit labels: 0 background
(glass, tears, vessel lumina are still 4), 1 keratin, 2 epidermis, 4 dermis, 5 fat.

## truth.csv
| column | meaning |
|---|---|
| image, mask | paths relative to this folder |
| stain | he or silver |
| width, height | pixels |
| pixel_size_um | um per pixel (also in pHYs) |
| tilt_deg | rotation of the skin surface against the image rows |
| corneum_um | mean stratum corneum thickness |
| epidermis_um, epidermis_sd_um | living epidermis (corneum base to the dermo-epidermal junction, rete ridges included), mean and SD over positions |
| dermis_um, dermis_sd_um | DEJ to the fat boundary (or to the image bottom when no fat: then dermis_lower_bound is true) |
| fat_present, dermis_lower_bound, glass_present, basketweave | booleans |
| folds, tears | counts of drawn folds (darker double-thickness bands) and tears |
| blur_sigma_px, jpeg_quality | camera (0 = no JPEG round trip) |
| n_positions | measurement positions (every 2 um along the surface where both boundaries are in the image) |

Thickness is measured along the normal to the mean surface line (the tilt
direction), in um; the surface undulates by <= 15 um over >= 400 um, so this is
within ~3 % of the local perpendicular.
`

// WriteDataset renders n sections into dir.
func WriteDataset(dir string, seed uint64, n int, opt Options) error {
	header := []string{"image", "mask", "stain", "width", "height", "pixel_size_um", "tilt_deg", "corneum_um", "epidermis_um", "epidermis_sd_um", "dermis_um", "dermis_sd_um",
		"fat_present", "dermis_lower_bound", "glass_present", "basketweave", "folds", "tears", "blur_sigma_px", "jpeg_quality", "n_positions"}
	var rows [][]string
	for i := 0; i < n; i++ {
		s, err := Generate(seed, i, opt)
		if err != nil {
			return fmt.Errorf("section %d: %w", i, err)
		}
		name := fmt.Sprintf("images/section_%03d.png", i)
		mname := fmt.Sprintf("masks/section_%03d.png", i)
		if err := raster.WritePNG(filepath.Join(dir, name), s.Image, s.Truth.PixelSizeUM); err != nil {
			return err
		}
		if err := raster.WritePNG(filepath.Join(dir, mname), s.Mask, s.Truth.PixelSizeUM); err != nil {
			return err
		}
		t := s.Truth
		b := s.Image.Bounds()
		rows = append(rows, []string{name, mname, t.Stain, strconv.Itoa(b.Dx()), strconv.Itoa(b.Dy()), raster.F(t.PixelSizeUM, 4), raster.F(t.TiltDeg, 2),
			raster.F(t.CorneumUM, 1), raster.F(t.EpidermisUM, 1), raster.F(t.EpidermisSDUM, 1), raster.F(t.DermisUM, 1), raster.F(t.DermisSDUM, 1),
			strconv.FormatBool(t.FatPresent), strconv.FormatBool(t.DermisLowerBound), strconv.FormatBool(t.GlassPresent), strconv.FormatBool(t.Basketweave),
			strconv.Itoa(t.Folds), strconv.Itoa(t.Tears), raster.F(t.BlurSigmaPx, 2), strconv.Itoa(t.JPEGQuality), strconv.Itoa(t.N)})
	}
	if err := raster.WriteCSV(filepath.Join(dir, "truth.csv"), header, rows); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(Readme), 0o644)
}
