package cvdecode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvtest"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/tiffgen"
	"github.com/histocount/histocount/models"
)

// The leak check is cvtest's: gocv.MatProfile exists only with -tags
// matprofile, and make bench builds these tests without it.
func TestMain(m *testing.M) { cvtest.TestMainLeakCheck(m) }

// plate draws a w×h light agar plate with dark colonies, grey or RGB.
func plate(w, h int, rgb bool) image.Image {
	r := image.Rect(0, 0, w, h)
	val := func(x, y int) float64 {
		v := 0.8 - 0.2*float64(x+y)/float64(w+h)
		for _, c := range [][3]int{{w / 4, h / 3, 6}, {w / 2, h / 2, 9}, {3 * w / 4, 2 * h / 3, 5}} {
			if dx, dy := x-c[0], y-c[1]; dx*dx+dy*dy < c[2]*c[2] {
				v = 0.15
			}
		}
		return v
	}
	if !rgb {
		g := image.NewGray(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.SetGray(x, y, color.Gray{uint8(255 * val(x, y))})
			}
		}
		return g
	}
	c := image.NewRGBA(r)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := val(x, y)
			c.SetRGBA(x, y, color.RGBA{uint8(250 * v), uint8(230 * v), uint8(180 * v), 255})
		}
	}
	return c
}

// meanAbsDiff compares a decoded BGR or grey buffer with the source.
func meanAbsDiff(img *imageio.Image, src image.Image) float64 {
	var sum float64
	n := 0
	for y := 0; y < img.Height; y++ {
		for x := 0; x < img.Width; x++ {
			r, g, b, _ := src.At(x, y).RGBA()
			if img.Channels == 1 {
				sum += math.Abs(float64(img.Pix[y*img.Width+x]) - float64(r>>8))
				n++
				continue
			}
			p := img.Pix[(y*img.Width+x)*3:]
			sum += math.Abs(float64(p[0])-float64(b>>8)) + math.Abs(float64(p[1])-float64(g>>8)) + math.Abs(float64(p[2])-float64(r>>8))
			n += 3
		}
	}
	return sum / float64(n)
}

// TestJPEGInTIFF decodes compression 7 (strips, tiles, JPEGTables) and
// 6 (old-style, one JFIF stream), grey and YCbCr, in classic TIFF and
// BigTIFF and on a later page, to within JPEG error of the source.
func TestJPEGInTIFF(t *testing.T) {
	const w, h = 200, 150
	for _, rgb := range []bool{false, true} {
		src := plate(w, h, rgb)
		for _, c := range []struct {
			name string
			comp tiffgen.Compression
			page tiffgen.Page
			o    tiffgen.Options
		}{
			{"jpeg7 one strip", tiffgen.JPEG, tiffgen.Page{}, tiffgen.Options{}},
			{"jpeg7 strips of 16", tiffgen.JPEG, tiffgen.Page{RowsPerStrip: 16}, tiffgen.Options{}},
			{"jpeg7 tiles 64", tiffgen.JPEG, tiffgen.Page{TileSize: 64}, tiffgen.Options{}},
			{"jpeg7 big-endian", tiffgen.JPEG, tiffgen.Page{RowsPerStrip: 32}, tiffgen.Options{BigEndian: true}},
			{"jpeg7 BigTIFF", tiffgen.JPEG, tiffgen.Page{RowsPerStrip: 32}, tiffgen.Options{BigTIFF: true}},
			{"ojpeg6", tiffgen.OldJPEG, tiffgen.Page{}, tiffgen.Options{}},
		} {
			for _, second := range []bool{false, true} {
				t.Run(fmt.Sprintf("rgb=%v/%s/page2=%v", rgb, c.name, second), func(t *testing.T) {
					p := c.page
					p.Img, p.Compression = src, c.comp
					p.XResNum, p.XResDen, p.ResUnit = 1000, 9, 3 // 90 µm/px, a webcam plate
					pages := []tiffgen.Page{p}
					opt := imageio.Options{}
					if second {
						pages = []tiffgen.Page{{Img: plate(64, 64, false), Compression: tiffgen.Deflate}, p}
						opt.Page = 2
					}
					data, err := tiffgen.Encode(pages, c.o)
					if err != nil {
						t.Fatal(err)
					}
					img, err := imageio.Decode(data, opt)
					if err != nil {
						t.Fatal(err)
					}
					wantCh := 1
					if rgb {
						wantCh = 3
					}
					if img.Width != w || img.Height != h || img.Channels != wantCh {
						t.Fatalf("%dx%d ch %d", img.Width, img.Height, img.Channels)
					}
					if d := meanAbsDiff(img, src); !(d <= 3) {
						t.Errorf("mean abs difference %.2f grey levels, want ≤ 3", d)
					}
					if math.Abs(img.Calibration.PixelSizeUM-90) > 1e-6 || img.Calibration.Source != models.CalibrationSourceTIFF {
						t.Errorf("calibration %+v, want 90 µm from TIFF tags", img.Calibration)
					}
					if img.Info.Pages != len(pages) {
						t.Errorf("pages %d", img.Info.Pages)
					}
				})
			}
		}
	}
}

// TestWithoutFallback: a JPEG-TIFF without the OpenCV decoder is a clear
// "unsupported", not a crash.
func TestWithoutFallback(t *testing.T) {
	data, err := tiffgen.Encode([]tiffgen.Page{{Img: plate(64, 64, true), Compression: tiffgen.JPEG}}, tiffgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	imageio.RegisterFallback(nil)
	defer imageio.RegisterFallback(Decoder{})
	if _, err := imageio.Decode(data, imageio.Options{}); !errors.Is(err, imageio.ErrUnsupported) {
		t.Fatalf("err %v, want ErrUnsupported", err)
	}
	if _, err := imageio.Decode(data, imageio.Options{Fallback: Decoder{}}); err != nil {
		t.Fatalf("explicit fallback: %v", err)
	}
}

// TestCorruptJPEGTIFF: truncated and damaged JPEG strips give errors,
// never an abort.
func TestCorruptJPEGTIFF(t *testing.T) {
	data, err := tiffgen.Encode([]tiffgen.Page{{Img: plate(96, 96, true), Compression: tiffgen.JPEG, RowsPerStrip: 32}}, tiffgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{len(data) / 4, len(data) / 2, len(data) - 200} {
		d := append([]byte{}, data[:cut]...)
		if _, err := imageio.Decode(d, imageio.Options{}); err == nil {
			t.Errorf("cut at %d of %d bytes decoded without error", cut, len(data))
		}
	}
	bad := append([]byte{}, data...)
	for i := 300; i < len(bad)-300; i += 7 {
		bad[i] ^= 0x5a
	}
	_, _ = imageio.Decode(bad, imageio.Options{})
	// Bad headers are refused before OpenCV.
	if _, err := (Decoder{}).DecodeTIFF([]byte("not a tiff at all"), imageio.Header{Width: 8, Height: 8, Samples: 1, BitDepth: 8}); !errors.Is(err, imageio.ErrCorrupt) {
		t.Errorf("non-TIFF: %v", err)
	}
	if _, err := (Decoder{}).DecodeTIFF(data, imageio.Header{Width: 8, Height: 8, Samples: 3, BitDepth: 12}); !errors.Is(err, imageio.ErrUnsupported) {
		t.Errorf("12-bit: %v", err)
	}
	if _, err := (Decoder{}).DecodeTIFF(data, imageio.Header{Width: 95, Height: 96, Samples: 3, BitDepth: 8}); !errors.Is(err, imageio.ErrCorrupt) {
		t.Errorf("size mismatch: %v", err)
	}
}

// TestBlankJPEGPage: the blank-page flag also works through the fallback.
func TestBlankJPEGPage(t *testing.T) {
	data, err := tiffgen.Encode([]tiffgen.Page{
		{Img: image.NewGray(image.Rect(0, 0, 64, 64)), Compression: tiffgen.JPEG},
		{Img: plate(64, 64, false), Compression: tiffgen.JPEG},
	}, tiffgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := imageio.Decode(data, imageio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(img.QC, models.QCBlankPage) {
		t.Errorf("QC %v, want %s", img.QC, models.QCBlankPage)
	}
}

// BenchmarkDecodeJPEGTIFF1000 decodes a 1000² RGB JPEG-in-TIFF, the
// format of OpenCFU's webcam plates, through imageio and OpenCV.
func BenchmarkDecodeJPEGTIFF1000(b *testing.B) {
	data, err := tiffgen.Encode([]tiffgen.Page{{Img: plate(1000, 1000, true), Compression: tiffgen.JPEG, RowsPerStrip: 16}}, tiffgen.Options{})
	if err != nil {
		b.Fatal(err)
	}
	benchDecode(b, data)
}

// BenchmarkDecodeJPEG1000 is the same image as a plain JPEG file, decoded
// by Go: the baseline for the TIFF container and OpenCV.
func BenchmarkDecodeJPEG1000(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, plate(1000, 1000, true), &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	benchDecode(b, buf.Bytes())
}

func benchDecode(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := imageio.Decode(data, imageio.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeTIFF feeds damaged TIFFs through imageio into OpenCV: every
// input must end as an image or an error, never an abort or a Mat leak.
func FuzzDecodeTIFF(f *testing.F) {
	for _, p := range []tiffgen.Page{
		{Img: plate(40, 40, true), Compression: tiffgen.JPEG, RowsPerStrip: 16},
		{Img: plate(40, 40, false), Compression: tiffgen.JPEG, TileSize: 16},
		{Img: plate(40, 40, true), Compression: tiffgen.OldJPEG},
	} {
		for _, o := range []tiffgen.Options{{}, {BigTIFF: true}} {
			data, err := tiffgen.Encode([]tiffgen.Page{p}, o)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := imageio.Decode(data, imageio.Options{MaxPixels: 1 << 20, MaxMemory: 64 << 20})
		if err != nil {
			return
		}
		if len(img.Pix) != img.Width*img.Height*img.Channels {
			t.Fatalf("buffer %d bytes for %dx%dx%d", len(img.Pix), img.Width, img.Height, img.Channels)
		}
	})
}

// TestJPEGFixtures loads the committed camera-TIFF fixtures (generated by
// imageio's fixtures, `go test ./imageio -update-fixtures`).
func TestJPEGFixtures(t *testing.T) {
	for _, c := range []struct {
		file string
		ch   int
		um   float64
	}{
		{"tiff-jpeg-ycbcr-strips.tif", 3, 90},
		{"tiff-jpeg-grey-tiles.tif", 1, 0},
		{"tiff-ojpeg.tif", 3, 0},
	} {
		img, err := imageio.Load("../../testdata/"+c.file, imageio.Options{})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if img.Width != 64 || img.Height != 48 || img.Channels != c.ch || math.Abs(img.Calibration.PixelSizeUM-c.um) > 1e-9 {
			t.Errorf("%s: %dx%d ch %d, %g µm", c.file, img.Width, img.Height, img.Channels, img.Calibration.PixelSizeUM)
		}
	}
}

// TestLibtiffWrittenTIFF decodes TIFFs written by another writer —
// OpenCV's libtiff encoder (with its own tags, predictor and strip
// layout) — to exactly the pixels written, 8-bit BGR and 16-bit grey.
// (OpenCV 4.6 cannot write JPEG compression: its encoder throws.)
func TestLibtiffWrittenTIFF(t *testing.T) {
	for _, depth := range []gocv.MatType{gocv.MatTypeCV8UC3, gocv.MatTypeCV16UC1} {
		libtiffRoundTrip(t, depth)
	}
}

func libtiffRoundTrip(t *testing.T, depth gocv.MatType) {
	m := gocv.NewMatWithSize(70, 90, depth)
	defer m.Close()
	for y := 0; y < 70; y++ {
		for x := 0; x < 90; x++ {
			if depth == gocv.MatTypeCV16UC1 {
				m.SetShortAt(y, x, int16(40*x+7*y))
			} else {
				m.SetUCharAt(y, 3*x, uint8(2*x))
				m.SetUCharAt(y, 3*x+1, uint8(3*y))
				m.SetUCharAt(y, 3*x+2, uint8(x+y))
			}
		}
	}
	for _, comp := range []int{1, 5, 8, 32773} {
		buf, err := gocv.IMEncodeWithParams(".tiff", m, []int{259, comp})
		if err != nil {
			t.Fatal(err)
		}
		data := append([]byte{}, buf.GetBytes()...)
		buf.Close()
		img, err := imageio.Decode(data, imageio.Options{})
		if err != nil {
			t.Errorf("%v compression %d: %v", depth, comp, err)
			continue
		}
		if depth == gocv.MatTypeCV16UC1 {
			// 16-bit is rescaled: check order is kept along a row.
			if img.Info.BitDepth != 16 || img.Pix[10*90+80] <= img.Pix[10*90+10] {
				t.Errorf("16-bit compression %d: depth %d", comp, img.Info.BitDepth)
			}
			continue
		}
		src, _ := m.DataPtrUint8()
		if img.Channels != 3 || !bytes.Equal(img.Pix, src) {
			t.Errorf("8-bit compression %d: pixels differ from the Mat written", comp)
		}
	}
}

// TestGoRefusesLibtiffReads: a TIFF whose tags are out of order (Go's
// reader refuses it, libtiff only warns) decodes through the fallback;
// without the fallback it stays a clear error.
func TestGoRefusesLibtiffReads(t *testing.T) {
	src := plate(40, 30, false)
	data, err := tiffgen.Encode([]tiffgen.Page{{Img: src, Compression: tiffgen.Deflate}}, tiffgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Swap the first two 12-byte directory entries (ImageWidth, ImageLength).
	ifd := int(binary.LittleEndian.Uint32(data[4:8]))
	e := data[ifd+2 : ifd+2+24]
	var tmp [12]byte
	copy(tmp[:], e[:12])
	copy(e[:12], e[12:24])
	copy(e[12:24], tmp[:])
	if _, err := imageio.Decode(data, imageio.Options{Fallback: nilDecoder{}}); err == nil || !strings.Contains(err.Error(), "sorted") {
		t.Fatalf("Go alone: %v, want its unsorted-tags error", err)
	}
	img, err := imageio.Decode(data, imageio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 40 || img.Height != 30 || meanAbsDiff(img, src) != 0 {
		t.Errorf("%dx%d, differs from the source", img.Width, img.Height)
	}
}

// nilDecoder is a fallback that decodes nothing.
type nilDecoder struct{}

func (nilDecoder) DecodeTIFF([]byte, imageio.Header) (image.Image, error) {
	return nil, errors.New("no fallback")
}

// TestStripPastEOF: a strip that starts 16 bytes before the end of the
// file (a truncated camera file with its directory first: most of the
// strip is missing) is an error through Go and through the libtiff second
// chance alike — never a silently zero-padded image.
func TestStripPastEOF(t *testing.T) {
	for _, comp := range []tiffgen.Compression{tiffgen.None, tiffgen.Deflate, tiffgen.LZW, tiffgen.PackBits, tiffgen.JPEG} {
		data, err := tiffgen.Encode([]tiffgen.Page{{Img: plate(48, 40, true), Compression: comp}}, tiffgen.Options{})
		if err != nil {
			t.Fatal(err)
		}
		le := binary.LittleEndian
		ifd := int(le.Uint32(data[4:8]))
		n := int(le.Uint16(data[ifd:]))
		for i := 0; i < n; i++ {
			if e := data[ifd+2+12*i:]; le.Uint16(e) == 273 { // StripOffsets, one LONG inline
				le.PutUint32(e[8:], uint32(len(data)-16))
			}
		}
		if img, err := imageio.Decode(data, imageio.Options{}); err == nil {
			t.Errorf("compression %d: truncated strip decoded to %dx%d", comp, img.Width, img.Height)
		}
	}
}
