// Command histocount-synth writes synthetic images with exact ground truth,
// for demos and for validating histocount on a new machine or version.
//
//	histocount-synth sections --out DIR [--subjects 6] [--months 0,3,12] [--gain 62.5] [--seed 1]
//	histocount-synth plates --out DIR [--kind dark-on-light] [--n 10] [--size 1000] [--seed 1]
//
// plates: randomised plate photographs (colonies.SynthesizePlate) with
// truth.csv (image,colonies,abortive,kind) in the layout of
// shared/data/colony-plates.
//
// sections: a longitudinal cohort of skin sections (H&E and silver; PAS on
// request) whose dermis grows by --gain % at 12 months (linearly before),
// with random tilt (±15°), rete ridges and the generator's default
// histology (basal layer, papillary dermis, lifted corneum, adnexa,
// vessels, stain variation, vignetting). Writes calibrated PNGs (pHYs chunk),
// sheet.csv (image,subject,month,stain) for `histocount study`, and
// truth.csv with the exact thickness of every section.
//
//	histocount-synth fields --out DIR [--n 10] [--seed 1] [--width 1600] [--height 1200] [--pixel-size 1.2]
//
// fields: whole trypan-blue hemocytometer fields with domain randomisation
// (analysis/cells/chambersynth): calibrated PNGs, truth.csv
// (image,live,dead,pixel_size_um,style) counted by the chamber rule, and
// cells.csv with every drawn cell (image,x_px,y_px,r_px,class,counted).
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/histocount/histocount/analysis/dermis/synth"
	"github.com/histocount/histocount/imageio"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "plates" {
		os.Exit(platesMain(os.Args[2:]))
	}
	if len(os.Args) >= 2 && os.Args[1] == "fields" {
		os.Exit(runFields(os.Args[2:]))
	}
	if len(os.Args) < 2 || os.Args[1] != "sections" {
		fmt.Fprintln(os.Stderr, "usage: histocount-synth sections --out DIR [--subjects N] [--months 0,3,12] [--gain PCT] [--seed S]")
		fmt.Fprintln(os.Stderr, "       histocount-synth plates --out DIR [--kind light-on-dark|dark-on-light|crystal-violet] [--n 10] [--size 1000] [--seed S]")
		fmt.Fprintln(os.Stderr, "       histocount-synth fields --out DIR [--n N] [--seed S] [--width 1600 --height 1200 --pixel-size 1.2]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("sections", flag.ExitOnError)
	out := fs.String("out", "", "output directory (required)")
	subjects := fs.Int("subjects", 6, "subjects in the cohort")
	monthsArg := fs.String("months", "0,3,12", "time points in months")
	gain := fs.Float64("gain", 62.5, "mean dermal thickness gain at 12 months, %")
	gainSD := fs.Float64("gain-sd", 13.6, "between-subject SD of the gain, percentage points")
	stains := fs.String("stains", "he,silver", "stains to draw, alternating over subjects: he, silver, pas")
	seed := fs.Int64("seed", 1, "random seed")
	_ = fs.Parse(os.Args[2:])
	if *out == "" || *subjects < 1 {
		fs.Usage()
		os.Exit(2)
	}
	for _, st := range strings.Split(*stains, ",") {
		switch st {
		case synth.StainHE, synth.StainSilver, synth.StainPAS:
		default:
			fmt.Fprintf(os.Stderr, "bad stain %q (want he, silver or pas)\n", st)
			os.Exit(2)
		}
	}
	var months []float64
	for _, m := range strings.Split(*monthsArg, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(m), 64)
		if err != nil || v < 0 {
			fmt.Fprintf(os.Stderr, "bad month %q\n", m)
			os.Exit(2)
		}
		months = append(months, v)
	}
	if err := writeCohort(*out, *subjects, months, *gain, *gainSD, strings.Split(*stains, ","), rand.New(rand.NewSource(*seed))); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-synth:", err)
		os.Exit(1)
	}
}

func writeCohort(dir string, subjects int, months []float64, gain, gainSD float64, stains []string, rng *rand.Rand) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sheet, truth := [][]string{{"image", "subject", "month", "stain"}}, [][]string{{"image", "subject", "month", "stain", "pixel_size_um", "epidermis_um", "dermis_um", "tilt_deg"}}
	for s := 0; s < subjects; s++ {
		subject := fmt.Sprintf("S%02d", s+1)
		stain := stains[s%len(stains)]
		baseDermis := 420 + 80*rng.Float64()
		subjGain := gain + gainSD*rng.NormFloat64()
		for _, m := range months {
			p := synth.Default()
			p.Stain = stain
			p.Width, p.Height = 1000, 1200
			p.PixelSizeUM = 1.25
			p.EpidermisUM = 40 + 10*rng.Float64()
			p.DermisUM = baseDermis * (1 + subjGain/100*min(m, 12)/12)
			p.Hypodermis = true
			p.TiltDeg = -15 + 30*rng.Float64()
			p.SurfaceYFrac = 0.2
			img, tr := synth.Generate(p, rng)
			name := fmt.Sprintf("%s_m%02g_%s.png", subject, m, stain)
			rgba, err := img.RGBA()
			if err != nil {
				return err
			}
			data, err := imageio.EncodePNG(rgba, p.PixelSizeUM)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return err
			}
			sheet = append(sheet, []string{name, subject, fmt.Sprint(m), stain})
			truth = append(truth, []string{name, subject, fmt.Sprint(m), stain, fmt.Sprint(p.PixelSizeUM),
				fmt.Sprintf("%.2f", tr.EpidermisUM), fmt.Sprintf("%.2f", tr.DermisUM), fmt.Sprintf("%.2f", p.TiltDeg)})
		}
	}
	for name, rows := range map[string][][]string{"sheet.csv": sheet, "truth.csv": truth} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := csv.NewWriter(f)
		_ = w.WriteAll(rows)
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
