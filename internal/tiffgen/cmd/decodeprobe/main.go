// Command decodeprobe loads each file given with imageio (and the OpenCV
// TIFF fallback) and prints one line per file: size, channels, depth,
// pages, calibration and QC, or the error.
//
//	go run -tags matprofile ./internal/tiffgen/cmd/decodeprobe /tmp/variants/*
package main

import (
	"fmt"
	"os"
	"time"

	_ "github.com/histocount/histocount/analysis/cvdecode"
	"github.com/histocount/histocount/imageio"
)

func main() {
	for _, p := range os.Args[1:] {
		t := time.Now()
		img, err := imageio.Load(p, imageio.Options{})
		d := time.Since(t)
		if err != nil {
			fmt.Printf("%s\tERROR\t%v\n", p, err)
			continue
		}
		fmt.Printf("%s\tok\t%dx%d ch %d→%d depth %d page %d/%d\t%.3g µm (%s)\tQC %v\t%v\n", p, img.Width, img.Height,
			img.Info.Channels, img.Channels, img.Info.BitDepth, img.Info.Page, img.Info.Pages, img.Calibration.PixelSizeUM, img.Calibration.Source, img.QC, d.Round(time.Millisecond))
	}
}
