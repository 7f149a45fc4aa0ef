package imageio

import (
	"bytes"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/histocount/histocount/internal/tiffgen"
)

var updateFixtures = flag.Bool("update-fixtures", false, "rewrite testdata/invalid-* and testdata/edge-* fixtures")

// fixtureDir is the repository's shared testdata folder.
const fixtureDir = "../testdata"

// fixtures returns every bad or edge-case input the tools must survive,
// generated from code so they are reviewable and reproducible.
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	enc := func(img image.Image, kind string) []byte {
		var b bytes.Buffer
		var err error
		switch kind {
		case "png":
			err = png.Encode(&b, img)
		case "jpeg":
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
		case "tiff":
			err = tiff.Encode(&b, img, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	grad := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			grad.Set(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), 128, 255})
		}
	}
	g16 := image.NewGray16(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			g16.SetGray16(x, y, color.Gray16{Y: uint16(1000 + 900*x + 10*y)})
		}
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range rgba.Pix {
		rgba.Pix[i] = 200
	}
	for y := 0; y < 32; y++ {
		for x := 0; x < 64; x++ {
			rgba.SetNRGBA(x, y, color.NRGBA{200, 50, 50, 0}) // transparent half
		}
	}
	cam := func(o tiffgen.Options, pages ...tiffgen.Page) []byte {
		b, err := tiffgen.Encode(pages, o)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plate := testPattern("rgb8", 64, 48)
	cam16 := testPattern("gray16", 64, 48)
	ome := `<OME><Image><Pixels PhysicalSizeX="0.65" PhysicalSizeXUnit="µm" SizeX="64" SizeY="48"/></Image></OME>`
	pngData := enc(grad, "png")
	jpgData := enc(grad, "jpeg")
	tifData := enc(grad, "tiff")
	return map[string][]byte{
		"invalid-empty.png":        {},
		"invalid-not-an-image.png": []byte("this is a text file, not a picture\n"),
		"invalid-truncated.png":    pngData[:len(pngData)/2],
		"invalid-truncated.jpg":    jpgData[:len(jpgData)/2],
		"invalid-truncated.tif":    tifData[:len(tifData)/3],
		"invalid-bomb-100000.png":  pngHeaderBomb(100000, 100000),
		"invalid-1x1.png":          enc(image.NewGray(image.Rect(0, 0, 1, 1)), "png"),
		"edge-16bit.png":           enc(g16, "png"),
		"edge-16bit.tif":           enc(g16, "tiff"),
		"edge-rgba.png":            enc(rgba, "png"),
		"edge-all-black.png":       enc(image.NewGray(image.Rect(0, 0, 128, 128)), "png"),
		"edge-gradient.jpg":        jpgData,
		// Camera TIFF variants (issue 10), 64×48; the JPEG ones need analysis/cvdecode.
		"tiff-jpeg-ycbcr-strips.tif": cam(tiffgen.Options{}, tiffgen.Page{Img: plate, Compression: tiffgen.JPEG, RowsPerStrip: 16, XResNum: 10000, XResDen: 90, ResUnit: 3}),
		"tiff-jpeg-grey-tiles.tif":   cam(tiffgen.Options{}, tiffgen.Page{Img: testPattern("gray8", 64, 48), Compression: tiffgen.JPEG, TileSize: 32}),
		"tiff-ojpeg.tif":             cam(tiffgen.Options{}, tiffgen.Page{Img: plate, Compression: tiffgen.OldJPEG}),
		"tiff-lzw-tiles.tif":         cam(tiffgen.Options{}, tiffgen.Page{Img: plate, Compression: tiffgen.LZW, TileSize: 16}),
		"tiff-packbits-16bit-be.tif": cam(tiffgen.Options{BigEndian: true}, tiffgen.Page{Img: cam16, Compression: tiffgen.PackBits, RowsPerStrip: 8}),
		"tiff-deflate-bigtiff.tif":   cam(tiffgen.Options{BigTIFF: true}, tiffgen.Page{Img: plate, Compression: tiffgen.Deflate, XResNum: 20000, XResDen: 1, ResUnit: 3}),
		"tiff-ome-16bit.ome.tif":     cam(tiffgen.Options{}, tiffgen.Page{Img: cam16, Compression: tiffgen.LZW, Description: ome}),
		"tiff-multipage-blank-1.tif": cam(tiffgen.Options{}, tiffgen.Page{Img: image.NewGray(image.Rect(0, 0, 64, 48))}, tiffgen.Page{Img: plate, Compression: tiffgen.Deflate}),
		"edge-calibration-2e32.tif":  cam(tiffgen.Options{}, tiffgen.Page{Img: plate, XResNum: 4294967295, XResDen: 1, ResUnit: 3}),
	}
}

// pngHeaderBomb is a tiny PNG whose header claims w×h pixels.
func pngHeaderBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestFixturesUpToDate(t *testing.T) {
	// The bytes of Go's PNG and zlib encoders change between Go releases
	// (1.26 → 1.27 did), so the fixtures are compared with the generator
	// only under the Go they were written with: the Makefile's toolchain.
	verFile := filepath.Join(fixtureDir, "fixtures.goversion")
	if *updateFixtures {
		if err := os.WriteFile(verFile, []byte(runtime.Version()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if b, err := os.ReadFile(verFile); err != nil {
		t.Fatal(err)
	} else if v := strings.TrimSpace(string(b)); v != runtime.Version() {
		t.Skipf("fixtures were generated by %s, this is %s (make test runs the check with the Makefile's GOTOOLCHAIN)", v, runtime.Version())
	}
	for name, data := range fixtures(t) {
		p := filepath.Join(fixtureDir, name)
		if *updateFixtures {
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./imageio -update-fixtures)", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s differs from its generator (run go test ./imageio -update-fixtures)", name)
		}
	}
}
