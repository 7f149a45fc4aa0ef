package imageio

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// pngImages are the types the analyses write, with content like theirs
// (runs, edges, noise) and a sub-image whose bounds do not start at 0,0.
func pngImages() map[string]image.Image {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 67, 41
	gray, gray16 := image.NewGray(image.Rect(0, 0, w, h)), image.NewGray16(image.Rect(0, 0, w, h))
	rgba, nrgba := image.NewRGBA(image.Rect(0, 0, w, h)), image.NewNRGBA(image.Rect(0, 0, w, h))
	translucent, premul := image.NewNRGBA(image.Rect(0, 0, w, h)), image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(r.IntN(256))
			if x/9%2 == 0 {
				v = uint8(x * y) // runs and ramps beside noise
			}
			gray.SetGray(x, y, color.Gray{v})
			gray16.SetGray16(x, y, color.Gray16{uint16(x/7+y/5*10) * 257})
			c := color.RGBA{v, 255 - v, uint8(x), 255}
			rgba.SetRGBA(x, y, c)
			nrgba.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, 255})
			translucent.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, uint8(y * 6)})
			premul.SetRGBA(x, y, color.RGBA{c.R / 2, c.G / 2, c.B / 2, 128})
		}
	}
	return map[string]image.Image{"gray": gray, "gray16": gray16, "rgba": rgba, "nrgba": nrgba,
		"nrgba-translucent": translucent, "rgba-translucent": premul,
		"rgba-sub": rgba.SubImage(image.Rect(5, 3, 60, 40)), "gray16-sub": gray16.SubImage(image.Rect(1, 2, 66, 41)),
		"one-pixel": gray16.SubImage(image.Rect(3, 3, 4, 4)), "paletted": image.NewPaletted(image.Rect(0, 0, 3, 3), color.Palette{color.Black})}
}

// WritePNG's files decode to exactly what image/png's decode to: same type,
// bounds (moved to 0,0 as PNG has no origin) and every pixel.
func TestWritePNGSamePixelsAsImagePNG(t *testing.T) {
	for name, img := range pngImages() {
		var ours, std bytes.Buffer
		if err := WritePNG(&ours, img); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&std, img); err != nil {
			t.Fatal(err)
		}
		a, err := png.Decode(&ours)
		if err != nil {
			t.Fatalf("%s: our PNG does not decode: %v", name, err)
		}
		b, _ := png.Decode(&std)
		if ta, tb := typeName(a), typeName(b); ta != tb || a.Bounds() != b.Bounds() {
			t.Fatalf("%s: decodes to %s %v, image/png's to %s %v", name, ta, a.Bounds(), tb, b.Bounds())
		}
		bb := b.Bounds()
		for y := bb.Min.Y; y < bb.Max.Y; y++ {
			for x := bb.Min.X; x < bb.Max.X; x++ {
				if ca, cb := color.RGBA64Model.Convert(a.At(x, y)), color.RGBA64Model.Convert(b.At(x, y)); ca != cb {
					t.Fatalf("%s: pixel %d,%d is %v, image/png's %v", name, x, y, ca, cb)
				}
			}
		}
	}
}

func typeName(m image.Image) string {
	switch m.(type) {
	case *image.Gray:
		return "Gray"
	case *image.Gray16:
		return "Gray16"
	case *image.RGBA:
		return "RGBA"
	case *image.NRGBA:
		return "NRGBA"
	case *image.RGBA64:
		return "RGBA64"
	case *image.NRGBA64:
		return "NRGBA64"
	case *image.Paletted:
		return "Paletted"
	}
	return "other"
}

// A large label image spans several IDAT chunks and recycled compressors.
func TestWritePNGLargeAndRepeated(t *testing.T) {
	img := image.NewGray16(image.Rect(0, 0, 700, 500))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256)) // incompressible: > 64 KiB of IDAT
	}
	for range 3 {
		var buf bytes.Buffer
		if err := WritePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.(*image.Gray16).Pix, img.Pix) {
			t.Fatal("pixels differ after a round trip")
		}
	}
}

// The analyses' overlays: a 1388×1040 opaque RGBA image (the largest DSB2018
// size), WritePNG against image/png at BestSpeed.
func BenchmarkWritePNGOverlay(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1388, 1040))
	r := rand.New(rand.NewPCG(5, 6))
	for i := range img.Pix {
		img.Pix[i] = uint8(i / 4 % 1388 / 8)
		if i%4 == 3 {
			img.Pix[i] = 255
		} else if r.IntN(4) == 0 {
			img.Pix[i] += uint8(r.IntN(8))
		}
	}
	b.Run("imageio", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			if err := WritePNG(&buf, img); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image-png", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
				b.Fatal(err)
			}
		}
	})
}
