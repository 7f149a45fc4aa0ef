package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
)

// platesMain writes --n randomised plates of one kind and their truth.
func platesMain(args []string) int {
	fs := flag.NewFlagSet("plates", flag.ContinueOnError)
	out := fs.String("out", "", "output directory (required)")
	kind := fs.String("kind", colonies.PlateDarkOnLight, "light-on-dark, dark-on-light or crystal-violet")
	n := fs.Int("n", 10, "plates to draw")
	size := fs.Int("size", 1000, "image side, px")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil || *out == "" || *n < 1 || *n > 10000 || *size < 64 || *size > 8000 {
		fmt.Fprintln(os.Stderr, "usage: histocount-synth plates --out DIR [--kind K] [--n 1..10000] [--size 64..8000] [--seed S]")
		return 2
	}
	switch *kind {
	case colonies.PlateLightOnDark, colonies.PlateDarkOnLight, colonies.PlateViolet:
	default:
		fmt.Fprintf(os.Stderr, "bad kind %q\n", *kind)
		return 2
	}
	if err := os.MkdirAll(filepath.Join(*out, "images"), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-synth:", err)
		return 1
	}
	rows := [][]string{{"image", "colonies", "abortive", "kind", "dish_cx_px", "dish_cy_px", "dish_radius_px"}}
	for i := 0; i < *n; i++ {
		img, tr := colonies.SynthesizePlate(rand.New(rand.NewPCG(*seed, uint64(i))), colonies.PlateSpec{Kind: *kind, SizePx: *size})
		name := fmt.Sprintf("images/plate%03d.png", i+1)
		rgba := image.NewRGBA(image.Rect(0, 0, img.Width, img.Height))
		for p := 0; p < img.Width*img.Height; p++ {
			// imageio keeps BGR.
			rgba.Pix[4*p], rgba.Pix[4*p+1], rgba.Pix[4*p+2], rgba.Pix[4*p+3] = img.Pix[3*p+2], img.Pix[3*p+1], img.Pix[3*p], 255
		}
		data, err := imageio.EncodePNG(rgba, 0)
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, name), data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "histocount-synth:", err)
			return 1
		}
		rows = append(rows, []string{name, fmt.Sprint(tr.Colonies), fmt.Sprint(tr.Abortive), tr.Kind,
			fmt.Sprintf("%.1f", tr.Dish.CXPx), fmt.Sprintf("%.1f", tr.Dish.CYPx), fmt.Sprintf("%.1f", tr.Dish.RadiusPx)})
	}
	f, err := os.Create(filepath.Join(*out, "truth.csv"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "histocount-synth:", err)
		return 1
	}
	w := csv.NewWriter(f)
	_ = w.WriteAll(rows)
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-synth:", err)
		return 1
	}
	return 0
}
