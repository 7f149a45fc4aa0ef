package eval

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
)

// MitoticRate is how often `cells` calls nuclei mitotic on a set of real
// fluorescence images without mitosis truth (the DSB2018 dev set): a
// plausibility check, mitoses being a few percent of nuclei at most.
type MitoticRate struct {
	Images, Nuclei, Mitotic int
	Flagged                 []MitoticFlag // every mitotic call, for inspection
}

// MitoticFlag is one nucleus called mitotic.
type MitoticFlag struct {
	Image    string
	ID       int
	X, Y     float64
	Features cells.MitoticFeatures
}

// DSBMitoticRate runs cells.Count on the fluorescence images of the
// DSB2018 dev set in dir and counts the mitotic calls. When cropDir is
// not empty it writes a 4×-enlarged crop around every call (the nucleus
// outlined in red) for eyeballing.
func DSBMitoticRate(dir, cropDir string) (MitoticRate, error) {
	var out MitoticRate
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return out, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return out, fmt.Errorf("read truth.csv: %w", err)
	}
	opt := cells.Options{Stain: cells.StainFluorescence, Labels: cropDir != ""}
	for _, row := range rows[1:] {
		img, err := imageio.Load(filepath.Join(dir, row[0]), imageio.Options{BlackBackground: true})
		if err != nil {
			return out, err
		}
		if nucleiModality(img) != "fluorescence" {
			continue
		}
		res, err := cells.Count(img, opt)
		if err != nil {
			return out, fmt.Errorf("%s: %w", row[0], err)
		}
		if res.Mitotic == nil {
			continue
		}
		out.Images++
		out.Nuclei += res.Mitotic.Nuclei
		out.Mitotic += res.Mitotic.Mitotic
		for _, o := range res.Objects {
			if o.Mitotic == nil || !*o.Mitotic {
				continue
			}
			fl := MitoticFlag{Image: row[0], ID: o.ID, X: o.CentroidXPx, Y: o.CentroidYPx, Features: res.MitoticFeatures[o.ID-1]}
			out.Flagged = append(out.Flagged, fl)
			if cropDir != "" {
				if err := writeMitoticCrop(cropDir, img, res.Labels, fl, len(out.Flagged)); err != nil {
					return out, err
				}
			}
		}
	}
	return out, nil
}

// writeMitoticCrop writes a 64 px square around the flagged nucleus, 4×
// enlarged, its outline in red.
func writeMitoticCrop(dir string, img *imageio.Image, lab *image.Gray16, fl MitoticFlag, k int) error {
	const half, zoom = 32, 4
	x0, y0 := int(fl.X)-half, int(fl.Y)-half
	out := image.NewRGBA(image.Rect(0, 0, 2*half*zoom, 2*half*zoom))
	for y := range 2 * half {
		for x := range 2 * half {
			sx, sy := x0+x, y0+y
			c := color.RGBA{A: 255}
			if sx >= 0 && sy >= 0 && sx < img.Width && sy < img.Height {
				i := (sy*img.Width + sx) * img.Channels
				v := img.Pix[i]
				if img.Channels == 3 {
					v = max(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
				}
				c = color.RGBA{v, v, v, 255}
				l := lab.Gray16At(sx, sy).Y
				if int(l) == fl.ID && (lab.Gray16At(sx-1, sy).Y != l || lab.Gray16At(sx+1, sy).Y != l ||
					lab.Gray16At(sx, sy-1).Y != l || lab.Gray16At(sx, sy+1).Y != l) {
					c = color.RGBA{255, 0, 0, 255}
				}
			}
			for dy := range zoom {
				for dx := range zoom {
					out.SetRGBA(x*zoom+dx, y*zoom+dy, c)
				}
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("mitotic_%03d.png", k)))
	if err != nil {
		return err
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
