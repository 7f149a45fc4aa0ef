package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/histocount/histocount/models"
)

func TestLoadFixtures(t *testing.T) {
	for _, c := range []struct {
		file    string
		wantErr error
		wantQC  string
		depth   int
		ch      int
	}{
		{"invalid-empty.png", ErrEmpty, "", 0, 0},
		{"invalid-not-an-image.png", ErrUnsupported, "", 0, 0},
		{"invalid-truncated.png", ErrCorrupt, "", 0, 0},
		{"invalid-truncated.jpg", ErrCorrupt, "", 0, 0},
		{"invalid-truncated.tif", ErrCorrupt, "", 0, 0},
		{"invalid-bomb-100000.png", ErrTooLarge, "", 0, 0},
		{"invalid-1x1.png", ErrTooSmall, "", 0, 0},
		{"edge-16bit.png", nil, models.QCHighBitDepth, 16, 1},
		{"edge-16bit.tif", nil, models.QCHighBitDepth, 16, 1},
		{"edge-rgba.png", nil, models.QCAlphaFlattened, 8, 4},
		{"edge-all-black.png", nil, "", 8, 1},
		{"edge-gradient.jpg", nil, "", 8, 3},
		{"tiff-lzw-tiles.tif", nil, "", 8, 3},
		{"tiff-packbits-16bit-be.tif", nil, models.QCHighBitDepth, 16, 1},
		{"tiff-deflate-bigtiff.tif", nil, "", 8, 3},
		{"tiff-ome-16bit.ome.tif", nil, models.QCHighBitDepth, 16, 1},
		{"tiff-multipage-blank-1.tif", nil, models.QCBlankPage, 8, 1},
		{"edge-calibration-2e32.tif", nil, models.QCCalibrationRejected, 8, 3},
		{"tiff-jpeg-ycbcr-strips.tif", ErrUnsupported, "", 0, 0}, // without analysis/cvdecode
	} {
		t.Run(c.file, func(t *testing.T) {
			img, err := Load(filepath.Join(fixtureDir, c.file), Options{})
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantQC != "" && !slices.Contains(img.QC, c.wantQC) {
				t.Errorf("QC %v, want %s", img.QC, c.wantQC)
			}
			if img.Info.BitDepth != c.depth || img.Info.Channels != c.ch {
				t.Errorf("depth %d channels %d, want %d %d", img.Info.BitDepth, img.Info.Channels, c.depth, c.ch)
			}
			if len(img.Pix) != img.Width*img.Height*img.Channels || len(img.Info.SHA256) != 64 {
				t.Errorf("bad buffer or hash")
			}
		})
	}
}

func TestSixteenBitRescaleUsesRange(t *testing.T) {
	img, err := Load(filepath.Join(fixtureDir, "edge-16bit.png"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := 255, 0
	for _, v := range img.Pix {
		lo, hi = min(lo, int(v)), max(hi, int(v))
	}
	if lo > 2 || hi < 253 {
		t.Errorf("16-bit data rescaled to [%d, %d], want about [0, 255]", lo, hi)
	}
}

func TestAlphaBackground(t *testing.T) {
	for _, black := range []bool{false, true} {
		img, err := Load(filepath.Join(fixtureDir, "edge-rgba.png"), Options{BlackBackground: black})
		if err != nil {
			t.Fatal(err)
		}
		want := byte(255)
		if black {
			want = 0
		}
		if img.Pix[0] != want { // top half is fully transparent
			t.Errorf("black=%v: transparent pixel became %d, want %d", black, img.Pix[0], want)
		}
	}
}

func TestMaxPixelsOption(t *testing.T) {
	_, err := Load(filepath.Join(fixtureDir, "edge-gradient.jpg"), Options{MaxPixels: 100})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

// tiffWithCalibration builds an uncompressed 8×8 grey TIFF with an
// XResolution rational, a ResolutionUnit and an ImageDescription.
func tiffWithCalibration(order binary.ByteOrder, num, den uint32, unit uint16, desc string) []byte {
	var b bytes.Buffer
	if order == binary.LittleEndian {
		b.WriteString("II")
	} else {
		b.WriteString("MM")
	}
	w16 := func(v uint16) { binary.Write(&b, order, v) }
	w32 := func(v uint32) { binary.Write(&b, order, v) }
	w16(42)
	w32(8)
	const n = 11
	ifdEnd := 8 + 2 + n*12 + 4
	resOff := uint32(ifdEnd)
	descOff := resOff + 16
	d := append([]byte(desc), 0)
	pixOff := descOff + uint32(len(d))
	w16(n)
	entry := func(tag, typ uint16, count, val uint32) { w16(tag); w16(typ); w32(count); w32(val) }
	short := func(tag uint16, v uint16) {
		w16(tag)
		w16(3)
		w32(1)
		w16(v)
		w16(0)
	}
	entry(256, 4, 1, 8)                    // width
	entry(257, 4, 1, 8)                    // height
	short(258, 8)                          // bits per sample
	short(259, 1)                          // no compression
	short(262, 1)                          // black is zero
	entry(270, 2, uint32(len(d)), descOff) // description
	entry(273, 4, 1, pixOff)               // strip offset
	entry(278, 4, 1, 8)                    // rows per strip
	entry(279, 4, 1, 64)                   // strip bytes
	entry(282, 5, 1, resOff)               // x resolution
	short(296, unit)
	w32(0)
	w32(num)
	w32(den)
	w32(num)
	w32(den)
	b.Write(d)
	b.Write(make([]byte, 64))
	return b.Bytes()
}

func pngWithPHYs(ppm uint32) []byte {
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	png.Encode(&b, img)
	data := b.Bytes()
	// Insert pHYs right after IHDR (8-byte signature + 25-byte IHDR chunk).
	body := make([]byte, 9)
	binary.BigEndian.PutUint32(body[0:], ppm)
	binary.BigEndian.PutUint32(body[4:], ppm)
	body[8] = 1
	var c bytes.Buffer
	binary.Write(&c, binary.BigEndian, uint32(9))
	c.WriteString("pHYs")
	c.Write(body)
	binary.Write(&c, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("pHYs"), body...)))
	out := append([]byte{}, data[:33]...)
	out = append(out, c.Bytes()...)
	return append(out, data[33:]...)
}

func TestCalibration(t *testing.T) {
	le, be := binary.ByteOrder(binary.LittleEndian), binary.ByteOrder(binary.BigEndian)
	for _, c := range []struct {
		name   string
		data   []byte
		format string
		um     float64
		source models.CalibrationSource // the strings results carry
	}{
		{"tiff cm", tiffWithCalibration(le, 20000, 1, 3, ""), "tiff", 0.5, "tiff-resolution"},
		{"tiff inch big-endian", tiffWithCalibration(be, 50800, 1, 2, ""), "tiff", 0.5, "tiff-resolution"},
		{"tiff inch rational", tiffWithCalibration(le, 254000, 10, 2, ""), "tiff", 1, "tiff-resolution"},
		{"tiff 72 dpi default ignored", tiffWithCalibration(le, 72, 1, 2, ""), "tiff", 0, ""},
		{"tiff no unit ignored", tiffWithCalibration(le, 3, 1, 1, ""), "tiff", 0, ""},
		{"imagej micron", tiffWithCalibration(le, 4, 1, 1, "ImageJ=1.53t\nunit=micron\n"), "tiff", 0.25, "imagej"},
		{"imagej mm", tiffWithCalibration(le, 2000, 1, 1, "ImageJ=1.53t\nunit=mm\n"), "tiff", 0.5, "imagej"},
		{"ome µm", tiffWithCalibration(le, 72, 1, 2, `<OME><Image><Pixels PhysicalSizeX="0.325" PhysicalSizeXUnit="µm"/></Image></OME>`), "tiff", 0.325, "ome"},
		{"ome nm", tiffWithCalibration(le, 72, 1, 2, `<OME><Pixels PhysicalSizeX="650" PhysicalSizeXUnit="nm"/></OME>`), "tiff", 0.65, "ome"},
		{"ome default unit", tiffWithCalibration(le, 72, 1, 2, `<Pixels PhysicalSizeX="1.5"/>`), "tiff", 1.5, "ome"},
		{"png pHYs", pngWithPHYs(2_000_000), "png", 0.5, "png-phys"},
		{"png 72 dpi ignored", pngWithPHYs(2835), "png", 0, ""},
		{"garbage", []byte("II*\x00\xff\xff\xff\xff"), "tiff", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cal := ReadCalibration(c.data, c.format)
			if math.Abs(cal.PixelSizeUM-c.um) > 1e-9 || cal.Source != c.source {
				t.Errorf("got %+v, want %g µm from %q", cal, c.um, c.source)
			}
		})
	}
	// The whole decode path keeps the calibration.
	img, err := Decode(tiffWithCalibration(le, 20000, 1, 3, ""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Calibration.PixelSizeUM != 0.5 || img.Info.Format != "tiff" {
		t.Errorf("decoded TIFF calibration %+v format %s", img.Calibration, img.Info.Format)
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b/2.png", "b/1.tif", "a.jpg", "notes.txt", "c/d/3.bmp"} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte("x"), 0o644)
	}
	got, err := Expand([]string{filepath.Join(dir, "b"), filepath.Join(dir, "*.jpg"), dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b/1.tif", "b/2.png", "a.jpg", "c/d/3.bmp"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != filepath.Join(dir, want[i]) {
			t.Errorf("got[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := Expand([]string{filepath.Join(dir, "missing*.png")}); err == nil {
		t.Error("a pattern matching nothing must be an error")
	}
}

func FuzzDecode(f *testing.F) {
	for _, d := range fixtures(f) {
		f.Add(d)
	}
	f.Add(tiffWithCalibration(binary.LittleEndian, 20000, 1, 3, "ImageJ=1\nunit=micron\n"))
	f.Add(pngWithPHYs(1000))
	for _, d := range tiffSeeds(f) {
		f.Add(d)
	}
	f.Add(pngHeaderOnly(32, 32, 8, 0, append([]byte("acTL"), 0, 0, 0, 3, 0, 0, 0, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, Options{MaxPixels: 1 << 20, MaxMemory: 64 << 20})
		if err != nil {
			return
		}
		if len(img.Pix) != img.Width*img.Height*img.Channels {
			t.Fatalf("buffer %d bytes for %dx%dx%d", len(img.Pix), img.Width, img.Height, img.Channels)
		}
		if img.Info.Pages < 1 || img.Info.Page < 1 || img.Info.Page > img.Info.Pages {
			t.Fatalf("page %d of %d", img.Info.Page, img.Info.Pages)
		}
		if c := img.Calibration; c.Known() && !models.PlausibleFilePixelSizeUM(c.PixelSizeUM) {
			t.Fatalf("implausible calibration %+v kept", c)
		}
		_ = ReadCalibration(data, "tiff")
		_ = ReadCalibration(data, "png")
	})
}

func TestEncodePNGRoundTripsCalibration(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for _, um := range []float64{0, 0.5, 1.25} {
		data, err := EncodePNG(img, um)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := Decode(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(dec.Calibration.PixelSizeUM-um) > 1e-3*um {
			t.Errorf("pixel size %g µm came back as %g", um, dec.Calibration.PixelSizeUM)
		}
	}
}

// TestImageRGBA: grey is repeated in R, G and B, BGR is reordered, alpha
// is opaque; a buffer of the wrong size or channel count is refused.
func TestImageRGBA(t *testing.T) {
	for _, tc := range []struct {
		img  Image
		want []byte
	}{
		{Image{Width: 2, Height: 1, Channels: 1, Pix: []byte{7, 200}}, []byte{7, 7, 7, 255, 200, 200, 200, 255}},
		{Image{Width: 1, Height: 2, Channels: 3, Pix: []byte{1, 2, 3, 4, 5, 6}}, []byte{3, 2, 1, 255, 6, 5, 4, 255}},
	} {
		got, err := tc.img.RGBA()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Pix, tc.want) {
			t.Errorf("%d channels: %v, want %v", tc.img.Channels, got.Pix, tc.want)
		}
	}
	for _, bad := range []Image{
		{Width: 2, Height: 2, Channels: 3, Pix: make([]byte, 5)},
		{Width: 1, Height: 1, Channels: 4, Pix: make([]byte, 4)},
	} {
		if _, err := bad.RGBA(); err == nil {
			t.Errorf("%d bytes, %d channels accepted", len(bad.Pix), bad.Channels)
		}
	}
}
