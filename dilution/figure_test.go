package dilution

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"testing"
)

var writeFigure = flag.String("write-figure", "", "write example 2's figure PNG to this path")

func TestFigure(t *testing.T) {
	for _, n := range []int{1, 2} {
		a, err := Analyse(readExample(t, n), Options{Boot: 20, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Figure(a, "png")
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if w := img.Bounds().Dx(); w < 800 {
			t.Errorf("figure %d px wide", w)
		}
		svg, err := Figure(a, "svg")
		if err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Fatalf("svg: %v", err)
		}
		if n == 2 && *writeFigure != "" {
			os.WriteFile(*writeFigure, b, 0o644)
		}
	}
}
