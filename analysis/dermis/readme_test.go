package dermis

import (
	"bytes"
	"flag"
	"image"
	"image/color/palette"
	"image/draw"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/analysis/dermis/synth"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite testdata/readme-overlay.png")

// readmeOverlay measures a calibrated synthetic H&E section (tilted,
// curved, with adnexa, vessels and a lifted corneum) and returns its
// overlay as a paletted image small enough for the README.
func readmeOverlay(t *testing.T) *image.Paletted {
	p := synth.Default()
	p.Width, p.Height, p.PixelSizeUM = 900, 640, 1.25
	p.TiltDeg, p.CurvatureRadiusUM = -8, 4000
	p.DermisUM, p.HypodermisUM = 480, 300
	p.NoiseSD = 1
	p.Adnexa = 4
	img, _ := synth.Generate(p, rand.New(rand.NewSource(2024)))
	r, err := Measure(img, Options{Overlay: true})
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewPaletted(r.Overlay.Bounds(), palette.Plan9)
	draw.FloydSteinberg.Draw(out, out.Bounds(), r.Overlay, image.Point{})
	return out
}

// TestReadmeOverlay keeps testdata/readme-overlay.png in step with the
// code: it must decode, have the size drawn here and stay under 300 KB.
// Regenerate with go test -tags matprofile -run ReadmeOverlay -update-readme.
func TestReadmeOverlay(t *testing.T) {
	path := filepath.Join("testdata", "readme-overlay.png")
	if *updateReadme {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, readmeOverlay(t)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with -update-readme)", err)
	}
	if len(data) > 300<<10 {
		t.Errorf("%s is %d KB, want < 300 KB", path, len(data)>>10)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 900 || cfg.Height != 640 {
		t.Errorf("%s is %d×%d, want 900×640", path, cfg.Width, cfg.Height)
	}
}
