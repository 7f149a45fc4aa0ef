package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/histocount/histocount/internal/tiffgen"
	"github.com/histocount/histocount/models"
)

// testPattern returns a w×h image of the kind (gray8, gray16, rgb8,
// rgb16) with gradients and a bright disc, so that strips, tiles and
// channel order all show in the pixels.
func testPattern(kind string, w, h int) image.Image {
	r := image.Rect(0, 0, w, h)
	val := func(x, y, c int) float64 { // 0..1
		v := 0.1 + 0.6*float64(x)/float64(w) + 0.2*float64(y)/float64(h) + 0.05*float64(c)
		if dx, dy := x-w/3, y-h/2; dx*dx+dy*dy < (h/4)*(h/4) {
			v = 0.95 - 0.3*float64(c)
		}
		return v
	}
	switch kind {
	case "gray8":
		m := image.NewGray(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetGray(x, y, color.Gray{uint8(255 * val(x, y, 0))})
			}
		}
		return m
	case "gray16":
		m := image.NewGray16(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetGray16(x, y, color.Gray16{uint16(4095 * val(x, y, 0))}) // a 12-bit camera
			}
		}
		return m
	case "rgb8":
		m := image.NewRGBA(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetRGBA(x, y, color.RGBA{uint8(255 * val(x, y, 0)), uint8(255 * val(x, y, 1)), uint8(255 * val(x, y, 2)), 255})
			}
		}
		return m
	case "rgb16":
		m := image.NewRGBA64(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetRGBA64(x, y, color.RGBA64{uint16(65535 * val(x, y, 0)), uint16(65535 * val(x, y, 1)), uint16(65535 * val(x, y, 2)), 65535})
			}
		}
		return m
	}
	panic(kind)
}

func mustTIFF(t testing.TB, o tiffgen.Options, pages ...tiffgen.Page) []byte {
	t.Helper()
	b, err := tiffgen.Encode(pages, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTIFFVariantsGo decodes every variant Go reads (with the container
// rewriting for BigTIFF and later pages) to the same pixels as the
// plain uncompressed strip file.
func TestTIFFVariantsGo(t *testing.T) {
	const w, h = 100, 70
	for _, kind := range []string{"gray8", "gray16", "rgb8", "rgb16"} {
		img := testPattern(kind, w, h)
		ref, err := Decode(mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: img}), Options{})
		if err != nil {
			t.Fatalf("%s reference: %v", kind, err)
		}
		if kind == "rgb8" { // the reference itself is right: BGR of the source
			c := img.(*image.RGBA).RGBAAt(60, 10)
			if p := ref.Pix[(10*w+60)*3:]; p[0] != c.B || p[1] != c.G || p[2] != c.R {
				t.Fatalf("reference pixel %v, source %v", p[:3], c)
			}
		}
		for _, comp := range []tiffgen.Compression{tiffgen.None, tiffgen.LZW, tiffgen.Deflate, tiffgen.PackBits} {
			for _, layout := range []string{"strips", "tiles", "one-strip"} {
				for _, o := range []tiffgen.Options{{}, {BigEndian: true}, {BigTIFF: true}} {
					name := fmt.Sprintf("%s/%d/%s/be=%v/big=%v", kind, comp, layout, o.BigEndian, o.BigTIFF)
					t.Run(name, func(t *testing.T) {
						p := tiffgen.Page{Img: img, Compression: comp}
						switch layout {
						case "strips":
							p.RowsPerStrip = 16
						case "tiles":
							p.TileSize = 32
						}
						got, err := Decode(mustTIFF(t, o, p), Options{})
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got.Pix, ref.Pix) || got.Channels != ref.Channels {
							t.Fatalf("pixels differ from the uncompressed strip file")
						}
						if wantCh := map[bool]int{true: 1, false: 3}[strings.HasPrefix(kind, "gray")]; got.Info.Channels != wantCh {
							t.Errorf("Info.Channels %d, want the stored %d", got.Info.Channels, wantCh)
						}
						if got.Info.Pages != 1 || got.Info.Page != 1 || got.Info.BitDepth != ref.Info.BitDepth {
							t.Errorf("pages %d page %d depth %d", got.Info.Pages, got.Info.Page, got.Info.BitDepth)
						}
					})
				}
			}
		}
	}
}

// TestTIFFPages picks pages, flags a blank chosen page when another page
// has content, and reports the page count.
func TestTIFFPages(t *testing.T) {
	content := testPattern("gray8", 64, 48)
	blank := image.NewGray(image.Rect(0, 0, 64, 48))
	other := testPattern("rgb8", 40, 30)
	for _, big := range []bool{false, true} {
		data := mustTIFF(t, tiffgen.Options{BigTIFF: big},
			tiffgen.Page{Img: blank},
			tiffgen.Page{Img: content, Compression: tiffgen.LZW},
			tiffgen.Page{Img: other, Compression: tiffgen.Deflate, TileSize: 16})
		for _, c := range []struct {
			page      int
			w, ch     int
			wantBlank bool
			err       error
		}{
			{0, 64, 1, true, nil}, // default: first page, blank, page 2 is not
			{1, 64, 1, true, nil},
			{2, 64, 1, false, nil},
			{3, 40, 3, false, nil},
			{4, 0, 0, false, ErrNoPage},
		} {
			t.Run(fmt.Sprintf("big=%v/page=%d", big, c.page), func(t *testing.T) {
				img, err := Decode(data, Options{Page: c.page})
				if c.err != nil {
					if !errors.Is(err, c.err) {
						t.Fatalf("err %v, want %v", err, c.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if img.Width != c.w || img.Channels != c.ch || img.Info.Pages != 3 || img.Info.Page != max(c.page, 1) {
					t.Errorf("%dx%d ch %d page %d/%d", img.Width, img.Height, img.Channels, img.Info.Page, img.Info.Pages)
				}
				if got := slices.Contains(img.QC, models.QCBlankPage); got != c.wantBlank {
					t.Errorf("blank_page flag %v, want %v (QC %v, notes %v)", got, c.wantBlank, img.QC, img.Notes)
				}
			})
		}
	}
	// A blank single-page file and an all-blank stack are not flagged:
	// nothing better to choose.
	for _, data := range [][]byte{
		mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: blank}),
		mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: blank}, tiffgen.Page{Img: blank}),
	} {
		img, err := Decode(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(img.QC, models.QCBlankPage) {
			t.Errorf("blank_page raised with no page to choose instead")
		}
	}
	if _, err := Decode(pngWithPHYs(2_000_000), Options{Page: 2}); !errors.Is(err, ErrNoPage) {
		t.Errorf("page 2 of a PNG: %v", err)
	}
}

// TestTIFFCalibrationPerPage reads the calibration of the chosen page,
// from resolution tags or OME-XML, in classic TIFF and BigTIFF.
func TestTIFFCalibrationPerPage(t *testing.T) {
	img := testPattern("gray8", 32, 32)
	ome := `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels DimensionOrder="XYCZT" PhysicalSizeX="0.65" PhysicalSizeXUnit="µm" PhysicalSizeY="0.65" SizeX="32" SizeY="32" Type="uint8"/></Image></OME>`
	// OME-XML and ImageJ descriptions sit on the first plane only and hold
	// for the other planes of that size, not for a thumbnail.
	ij := "ImageJ=1.53t\nimages=3\nunit=micron\n"
	for _, c := range []struct {
		desc string
		xres uint32
		um   float64
		src  models.CalibrationSource
	}{{ome, 0, 0.65, models.CalibrationSourceOME}, {ij, 4, 0.25, models.CalibrationSourceImageJ}} {
		data := mustTIFF(t, tiffgen.Options{},
			tiffgen.Page{Img: img, Description: c.desc, XResNum: c.xres, XResDen: 1, ResUnit: 1},
			tiffgen.Page{Img: img, XResNum: c.xres, XResDen: 1, ResUnit: 1},
			tiffgen.Page{Img: testPattern("gray8", 16, 16), XResNum: c.xres, XResDen: 1, ResUnit: 1})
		for page, want := range map[int]float64{1: c.um, 2: c.um, 3: 0} {
			got, err := Decode(data, Options{Page: page})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Calibration.PixelSizeUM-want) > 1e-9 || (want > 0 && got.Calibration.Source != c.src) {
				t.Errorf("%s page %d: %+v, want %g", c.src, page, got.Calibration, want)
			}
		}
	}
	for _, big := range []bool{false, true} {
		data := mustTIFF(t, tiffgen.Options{BigTIFF: big},
			tiffgen.Page{Img: img, XResNum: 20000, XResDen: 1, ResUnit: 3},      // 0.5 µm/px
			tiffgen.Page{Img: img, Description: ome},                            // 0.65 µm/px
			tiffgen.Page{Img: img, XResNum: 1, XResDen: 1, ResUnit: 3},          // 10 000 µm/px: implausible
			tiffgen.Page{Img: img, XResNum: 4294967295, XResDen: 1, ResUnit: 3}) // 2.3e-6 µm/px
		for _, c := range []struct {
			page     int
			um       float64
			src      models.CalibrationSource
			rejected bool
		}{{1, 0.5, models.CalibrationSourceTIFF, false}, {2, 0.65, models.CalibrationSourceOME, false}, {3, 0, models.CalibrationSourceNone, true}, {4, 0, models.CalibrationSourceNone, true}} {
			got, err := Decode(data, Options{Page: c.page})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Calibration.PixelSizeUM-c.um) > 1e-9 || got.Calibration.Source != c.src {
				t.Errorf("big=%v page %d: %+v, want %g from %q", big, c.page, got.Calibration, c.um, c.src)
			}
			if r := slices.Contains(got.QC, models.QCCalibrationRejected); r != c.rejected {
				t.Errorf("big=%v page %d: rejected flag %v, want %v", big, c.page, r, c.rejected)
			}
		}
	}
}

// TestAbsurdCalibrations: issue 15's broken calibrations are flagged and
// treated as unknown; plausible ones pass.
func TestAbsurdCalibrations(t *testing.T) {
	for _, c := range []struct {
		name     string
		data     []byte
		format   string
		um       float64
		rejected bool
	}{
		{"tiff 2^32-1 px/cm", tiffWithCalibration(binaryLE, 4294967295, 1, 3, ""), "tiff", 0, true},
		{"tiff 1e14 µm/px", tiffWithCalibration(binaryLE, 1, 3937007874, 2, ""), "tiff", 0, true}, // 2.54e-10 px per inch
		{"ome 1e308 mm", tiffWithCalibration(binaryLE, 72, 1, 2, `<Pixels PhysicalSizeX="1e308" PhysicalSizeXUnit="mm"/>`), "tiff", 0, true},
		{"ome 1e14 µm", tiffWithCalibration(binaryLE, 72, 1, 2, `<Pixels PhysicalSizeX="1e14"/>`), "tiff", 0, true},
		{"ome single quotes, entity µ", tiffWithCalibration(binaryLE, 72, 1, 2, `<Pixels PhysicalSizeX='0.5' PhysicalSizeXUnit='&#181;m'/>`), "tiff", 0.5, false},
		{"ome NaN", tiffWithCalibration(binaryLE, 72, 1, 2, `<Pixels PhysicalSizeX="NaN"/>`), "tiff", 0, false},
		{"png 1 px/m", pngWithPHYs(1), "png", 0, true},
		{"png 0.5 µm", pngWithPHYs(2_000_000), "png", 0.5, false},
		{"tiff webcam plate 90 µm", tiffWithCalibration(binaryLE, 10000, 90, 3, ""), "tiff", 90, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cal, why := ReadPixelSize(c.data, c.format, 1)
			if math.Abs(cal.PixelSizeUM-c.um) > 1e-9 || (why != "") != c.rejected {
				t.Errorf("got %+v (%q), want %g rejected=%v", cal, why, c.um, c.rejected)
			}
			img, err := Decode(c.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(img.QC, models.QCCalibrationRejected) != c.rejected || math.IsInf(img.Calibration.PixelSizeUM, 0) {
				t.Errorf("QC %v calibration %+v", img.QC, img.Calibration)
			}
			if c.rejected && (img.Calibration.Known() || len(img.Notes) == 0 || !strings.Contains(img.Notes[0], "outside")) {
				t.Errorf("rejected calibration kept or unexplained: %+v %v", img.Calibration, img.Notes)
			}
		})
	}
}

var binaryLE binary.ByteOrder = binary.LittleEndian

// tiffSeeds are small fuzz seeds of every TIFF variant tiffgen writes.
func tiffSeeds(t testing.TB) [][]byte {
	var out [][]byte
	ome := `<OME><Image><Pixels PhysicalSizeX="0.5" PhysicalSizeXUnit="µm"/></Image></OME>`
	for _, kind := range []string{"gray8", "rgb16"} {
		img := testPattern(kind, 20, 18)
		for _, comp := range []tiffgen.Compression{tiffgen.None, tiffgen.LZW, tiffgen.Deflate, tiffgen.PackBits} {
			out = append(out, mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: img, Compression: comp, RowsPerStrip: 8}))
		}
		out = append(out,
			mustTIFF(t, tiffgen.Options{BigTIFF: true}, tiffgen.Page{Img: img, TileSize: 16, Compression: tiffgen.Deflate, Description: ome}),
			mustTIFF(t, tiffgen.Options{BigEndian: true}, tiffgen.Page{Img: img, XResNum: 20000, XResDen: 1, ResUnit: 3}, tiffgen.Page{Img: img, Compression: tiffgen.LZW}))
	}
	g := testPattern("gray8", 24, 24)
	out = append(out,
		mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: g, Compression: tiffgen.JPEG}),
		mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: g, Compression: tiffgen.OldJPEG}))
	return out
}

// TestTIFFHostileChain: a chain of thousands of pages that all point at
// one 1 MiB description is parsed within the file-wide caps, quickly.
func TestTIFFHostileChain(t *testing.T) {
	const pages = 3000
	le := binary.LittleEndian
	desc := bytes.Repeat([]byte("x"), 1<<20)
	var b []byte
	b = append(b, 'I', 'I', 42, 0)
	b = le.AppendUint32(b, uint32(8+len(desc)+64))
	b = append(b, desc...)
	pix := uint32(len(b))
	b = append(b, make([]byte, 64)...)
	for i := 0; i < pages; i++ {
		next := uint32(len(b) + 2 + 6*12 + 4)
		if i == pages-1 {
			next = 0
		}
		b = le.AppendUint16(b, 6)
		for _, e := range [][3]uint32{{256, 4, 8}, {257, 4, 8}, {262, 3, 1}, {270, 2, 0}, {273, 4, pix}, {279, 4, 64}} {
			b = le.AppendUint16(b, uint16(e[0]))
			b = le.AppendUint16(b, uint16(e[1]))
			if e[0] == 270 {
				b = le.AppendUint32(b, uint32(len(desc)))
				b = le.AppendUint32(b, 8)
				continue
			}
			b = le.AppendUint32(b, 1)
			b = le.AppendUint32(b, e[2])
		}
		b = le.AppendUint32(b, next)
	}
	var img *Image
	var err error
	start := time.Now()
	alloc := allocatedDuring(func() { img, err = Decode(b, Options{Page: pages}) })
	if err != nil {
		t.Fatal(err)
	}
	if img.Info.Pages != pages || img.Info.Page != pages {
		t.Errorf("page %d of %d", img.Info.Page, img.Info.Pages)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d MiB for %d directories sharing one description", alloc>>20, pages)
	}
	t.Logf("%d pages in %v, %d MiB allocated", pages, time.Since(start), alloc>>20)
}

// TestFixtureCalibrations reads the pixel size of each committed
// camera-TIFF fixture that Go decodes (cvdecode checks the JPEG ones).
func TestFixtureCalibrations(t *testing.T) {
	for _, c := range []struct {
		file  string
		um    float64
		src   models.CalibrationSource
		pages int
	}{
		{"tiff-deflate-bigtiff.tif", 0.5, models.CalibrationSourceTIFF, 1},
		{"tiff-ome-16bit.ome.tif", 0.65, models.CalibrationSourceOME, 1},
		{"tiff-lzw-tiles.tif", 0, models.CalibrationSourceNone, 1},
		{"tiff-packbits-16bit-be.tif", 0, models.CalibrationSourceNone, 1},
		{"tiff-multipage-blank-1.tif", 0, models.CalibrationSourceNone, 2},
		{"edge-calibration-2e32.tif", 0, models.CalibrationSourceNone, 1},
	} {
		img, err := Load(filepath.Join(fixtureDir, c.file), Options{})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if math.Abs(img.Calibration.PixelSizeUM-c.um) > 1e-9 || img.Calibration.Source != c.src || img.Info.Pages != c.pages {
			t.Errorf("%s: %+v, %d pages; want %g µm from %q, %d pages", c.file, img.Calibration, img.Info.Pages, c.um, c.src, c.pages)
		}
	}
}
