package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/analysis/cells/chambersynth"
	"github.com/histocount/histocount/imageio"
)

// runFields writes generated hemocytometer fields and their truth.
func runFields(args []string) int {
	fs := flag.NewFlagSet("fields", flag.ContinueOnError)
	out := fs.String("out", "", "output directory (required)")
	n := fs.Int("n", 10, "number of fields")
	seed := fs.Int64("seed", 1, "seed of the first field (field k uses seed+k)")
	p := chambersynth.DefaultParams()
	fs.IntVar(&p.Width, "width", p.Width, "field width, px")
	fs.IntVar(&p.Height, "height", p.Height, "field height, px")
	fs.Float64Var(&p.PixelSizeUM, "pixel-size", p.PixelSizeUM, "µm per pixel")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || *n < 1 || *n > 100000 || !(p.PixelSizeUM > 0.05 && p.PixelSizeUM < 20) {
		fmt.Fprintln(os.Stderr, "histocount-synth fields: need --out, 1 ≤ --n ≤ 100000, 0.05 < --pixel-size < 20")
		return 2
	}
	if err := writeFields(*out, *n, *seed, p); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-synth:", err)
		return 1
	}
	return 0
}

func writeFields(dir string, n int, seed int64, p chambersynth.Params) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	truth := [][]string{{"image", "live", "dead", "pixel_size_um", "style"}}
	cellRows := [][]string{{"image", "x_px", "y_px", "r_px", "class", "counted"}}
	for k := 0; k < n; k++ {
		f, err := chambersynth.Generate(p, seed+int64(k))
		if err != nil {
			return err
		}
		name := fmt.Sprintf("field-%06d.png", seed+int64(k))
		data, err := imageio.EncodePNG(f.Encodable(), f.PixelSizeUM)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
		truth = append(truth, []string{name, strconv.Itoa(f.Live), strconv.Itoa(f.Dead), strconv.FormatFloat(f.PixelSizeUM, 'g', -1, 64), f.Style})
		w, h := float64(f.Image.Width), float64(f.Image.Height)
		for _, c := range f.Cells {
			class := "live"
			if c.Dead {
				class = "dead"
			}
			cellRows = append(cellRows, []string{name, strconv.FormatFloat(c.X, 'f', 2, 64), strconv.FormatFloat(c.Y, 'f', 2, 64),
				strconv.FormatFloat(c.R, 'f', 2, 64), class, strconv.FormatBool(chambersynth.Counted(c, 0, 0, w, h))})
		}
	}
	for name, rows := range map[string][][]string{"truth.csv": truth, "cells.csv": cellRows} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if err := cw.WriteAll(rows); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
