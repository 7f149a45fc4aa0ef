package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/histocount/histocount/internal/tiffgen"
)

// allocatedDuring returns the bytes allocated on the Go heap while f ran.
func allocatedDuring(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestFIFONamedPNG: a named pipe called x.png is refused at once instead
// of blocking the worker forever (issue 15).
func TestFIFONamedPNG(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.png")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(p, Options{}); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "FIFO") {
			t.Fatalf("err = %v, want ErrNotRegular naming the FIFO", err)
		}
	case <-time.After(5 * time.Second):
		// Unblock the reader so the test binary can end.
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("Load blocked on a FIFO")
	}
	// A folder holding it still lists it, so the batch reports an error row.
	got, err := Expand([]string{dir})
	if err != nil || len(got) != 1 {
		t.Fatalf("Expand = %v, %v", got, err)
	}
	if _, err := Load(dir, Options{}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory: %v", err)
	}
}

// TestHugeZeroFileReadsHeaderOnly: a 1000 MiB file of zeros is refused
// from its first bytes (it took 2.1 GB each before, read whole first).
func TestHugeZeroFileReadsHeaderOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zeros.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1000 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	var lerr error
	alloc := allocatedDuring(func() { _, lerr = Load(p, Options{}) })
	if !errors.Is(lerr, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", lerr)
	}
	if alloc > 1<<20 {
		t.Errorf("allocated %d bytes to refuse a file of zeros, want < 1 MiB", alloc)
	}
}

// pngHeaderOnly is a PNG whose IHDR claims w×h pixels of the colour type
// and depth, with an empty image stream.
func pngHeaderOnly(w, h uint32, depth, colourType byte, extra ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colourType
	chunk("IHDR", ihdr)
	for _, e := range extra {
		chunk(string(e[:4]), e[4:])
	}
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestMemoryBudget: images under the pixel guard whose decoding would
// take gigabytes (issue 15: a 144 MP 16-bit RGBA PNG took 6.2 GB, a
// deflate TIFF 3.9 GB) are refused from the header, before allocating.
func TestMemoryBudget(t *testing.T) {
	tif := func(w, h uint32, bits, spp uint16) []byte {
		var b bytes.Buffer
		le := binary.LittleEndian
		b.WriteString("II")
		binary.Write(&b, le, uint16(42))
		binary.Write(&b, le, uint32(8))
		binary.Write(&b, le, uint16(8))
		e := func(tag, typ uint16, v uint32) {
			binary.Write(&b, le, tag)
			binary.Write(&b, le, typ)
			binary.Write(&b, le, uint32(1))
			binary.Write(&b, le, v)
		}
		e(256, 4, w)
		e(257, 4, h)
		e(258, 3, uint32(bits))
		e(259, 3, 8) // deflate
		e(262, 3, 2)
		e(273, 4, 200)
		e(277, 3, uint32(spp))
		e(279, 4, 10)
		binary.Write(&b, le, uint32(0))
		b.Write(make([]byte, 300))
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"png 144MP 16-bit RGBA", pngHeaderOnly(12000, 12000, 16, 6), false},
		{"tiff 144MP 16-bit RGB deflate", tif(12000, 12000, 16, 3), false},
		{"png 100MP 8-bit grey", pngHeaderOnly(10000, 10000, 8, 0), true},
		{"png 36MP 8-bit RGB", pngHeaderOnly(6000, 6000, 8, 2), true},
		{"png 150MP 8-bit RGB", pngHeaderOnly(15000, 10000, 8, 2), true},
		{"png 40MP 16-bit RGB", pngHeaderOnly(8000, 5000, 16, 2), true},
		{"png 144MP 16-bit RGB", pngHeaderOnly(12000, 12000, 16, 2), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := allocatedDuring(func() { _, err = Decode(c.data, Options{}) })
			if c.ok {
				if errors.Is(err, ErrTooLarge) {
					t.Fatalf("refused by budget: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max-memory") {
				t.Fatalf("err = %v, want ErrTooLarge naming --max-memory", err)
			}
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", alloc)
			}
			if _, err := ReadHeader(bytes.NewReader(c.data), int64(len(c.data)), 1); err != nil {
				t.Errorf("header: %v", err)
			}
		})
	}
	// The budget is an option: a small one refuses a small image.
	if _, err := Decode(mustTIFF(t, tiffgen.Options{}, tiffgen.Page{Img: testPattern("rgb8", 100, 100)}), Options{MaxMemory: 50_000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxMemory 50 kB: %v", err)
	}
}

// TestAnimatedRefused: an animated GIF or an APNG named .png is refused,
// not silently analysed on its first frame.
func TestAnimatedRefused(t *testing.T) {
	var g bytes.Buffer
	anim := &gif.GIF{}
	for i := 0; i < 3; i++ {
		fr := image.NewPaletted(image.Rect(0, 0, 32, 32), palette.Plan9)
		fr.SetColorIndex(i, i, uint8(10*i))
		anim.Image = append(anim.Image, fr)
		anim.Delay = append(anim.Delay, 10)
	}
	if err := gif.EncodeAll(&g, anim); err != nil {
		t.Fatal(err)
	}
	actl := append([]byte("acTL"), 0, 0, 0, 3, 0, 0, 0, 0)
	apng := pngHeaderOnly(32, 32, 8, 0, actl)
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{{"gif.png", g.Bytes(), ErrUnsupported}, {"apng.png", apng, ErrAnimated}} {
		p := filepath.Join(t.TempDir(), c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p, Options{}); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// A one-frame acTL is an ordinary PNG.
	one := pngHeaderOnly(32, 32, 8, 0, append([]byte("acTL"), 0, 0, 0, 1, 0, 0, 0, 0))
	if _, err := ReadHeader(bytes.NewReader(one), int64(len(one)), 1); err != nil {
		t.Errorf("one-frame APNG: %v", err)
	}
}

// TestDisplayName keeps ordinary names and makes the rest valid UTF-8.
func TestDisplayName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plate 01.tif", "plate 01.tif"},
		{"Zellzählung µm.png", "Zellzählung µm.png"},
		{"caf\xe9.png", `caf\xE9.png`}, // Latin-1 é
		{"a\nb.png", `a\x0Ab.png`},
		{"\xff\xfe", `\xFF\xFE`},
		{"", ""},
	} {
		got := DisplayName(c.in)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("DisplayName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSixteenBitAndAlphaDocumented: 16-bit grey and RGBA are reported
// with their stored depth and channels, rescaled/flattened with a flag.
func TestSixteenBitAndAlphaDocumented(t *testing.T) {
	g := image.NewNRGBA64(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			g.SetNRGBA64(x, y, color.NRGBA64{uint16(4000 * x), 1000, 2000, uint16(4369 * y)})
		}
	}
	data, err := EncodePNG(g, 0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Decode(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Info.BitDepth != 16 || img.Info.Channels != 4 || img.Channels != 3 {
		t.Errorf("depth %d channels %d→%d", img.Info.BitDepth, img.Info.Channels, img.Channels)
	}
	if !strings.Contains(strings.Join(img.QC, ","), "rescaled_16bit") || !strings.Contains(strings.Join(img.QC, ","), "alpha_flattened") {
		t.Errorf("QC %v", img.QC)
	}
}

// TestExpandHostile: issue 15's listing cases. The same file under three
// spellings is listed once; a broken and a looping symlink named
// explicitly, and an unreadable sub-folder, are listed so that Load gives
// each an error row, and the rest of the batch goes on.
func TestExpandHostile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	for _, d := range []string{in, filepath.Join(in, "locked")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	x := filepath.Join(in, "x.png")
	if err := os.WriteFile(x, pngWithPHYs(2_000_000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "locked", "y.png"), pngWithPHYs(2_000_000), 0o644); err != nil {
		t.Fatal(err)
	}
	broken, loop := filepath.Join(dir, "broken.png"), filepath.Join(dir, "loop.png")
	if err := os.Symlink(filepath.Join(dir, "missing.png"), broken); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	got, err := Expand([]string{"in/", "./in/x.png", "in//x.png", broken, loop})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"in/locked/y.png", "in/x.png", broken, loop}
	if os.Geteuid() != 0 { // root reads any folder: only then can "locked" be locked
		if err := os.Chmod(filepath.Join(in, "locked"), 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(in, "locked"), 0o755)
		got, err = Expand([]string{"in/", "./in/x.png", "in//x.png", broken, loop})
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"in/locked", "in/x.png", broken, loop}
		if _, err := Load("in/locked", Options{}); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "could not be read") {
			t.Errorf("unreadable folder: %v", err)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Expand = %q, want %q", got, want)
	}
	for _, p := range []string{broken, loop} {
		if _, err := Load(p, Options{}); err == nil {
			t.Errorf("%s loaded", p)
		}
	}
}
