package imageio

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestYCbCrToBGR compares the row walk with per-pixel YCbCr.At on every
// subsampling ratio, on sub-images with odd origins too.
func TestYCbCrToBGR(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	for _, ratio := range ratios {
		full := image.NewYCbCr(image.Rect(0, 0, 13, 9), ratio)
		for _, p := range [][]byte{full.Y, full.Cb, full.Cr} {
			for i := range p {
				p[i] = byte(rng.IntN(256))
			}
		}
		for _, m := range []*image.YCbCr{full, full.SubImage(image.Rect(3, 1, 12, 8)).(*image.YCbCr)} {
			got := ycbcrToBGR(m)
			b := m.Bounds()
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					c := m.At(b.Min.X+x, b.Min.Y+y).(color.YCbCr)
					r, g, bl := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					o := 3 * (y*b.Dx() + x)
					if got[o] != bl || got[o+1] != g || got[o+2] != r {
						t.Fatalf("ratio %v bounds %v at (%d,%d): got BGR %v, want %v", ratio, b, x, y, got[o:o+3], []byte{bl, g, r})
					}
				}
			}
		}
	}
}
