package imageio

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/histocount/histocount/models"
)

// Sentinel errors; wrap them so callers can test with errors.Is.
var (
	ErrEmpty       = errors.New("imageio: empty file")
	ErrTooLarge    = errors.New("imageio: image too large")
	ErrUnsupported = errors.New("imageio: not a supported image (png, jpeg, tiff, bmp)")
	ErrCorrupt     = errors.New("imageio: corrupt or truncated image")
	ErrTooSmall    = errors.New("imageio: image too small")
	ErrNotRegular  = errors.New("imageio: not a regular file")
	ErrAnimated    = errors.New("imageio: animated image (several frames)")
	ErrNoPage      = errors.New("imageio: no such page")
)

// Options bound what Load accepts.
type Options struct {
	MaxPixels    int64 // refuse width·height above this; default 150 MP
	MaxFileBytes int64 // refuse files above this; default 1 GiB
	MinSide      int   // refuse images whose shorter side is below this; default 8
	// MaxMemory refuses an image whose decoding would need more bytes
	// than this, estimated from its header before anything is
	// decompressed (see Header.DecodeBytes); default DefaultMaxMemory.
	MaxMemory int64
	// Page is the 1-based page of a multi-page TIFF to analyse; 0 = 1.
	Page int
	// BlackBackground composites transparent pixels over black (fluorescence)
	// instead of white (brightfield).
	BlackBackground bool
	// Fallback decodes the TIFF pages Go's decoder cannot (JPEG, YCbCr,
	// planar); nil uses the one registered with RegisterFallback.
	Fallback Decoder
}

// DefaultMaxMemory is the decoding budget per image when Options.MaxMemory
// is 0. It admits every image under the 150 MP pixel guard stored with
// 8-bit samples (a 150 MP RGB PNG needs about 1.1 GB) or 16-bit grey, and
// 16-bit colour up to about 120 MP; it refuses the 16-bit colour bombs of
// issue 15 (a 144 MP 16-bit RGBA PNG needs 2.5 GB).
const DefaultMaxMemory int64 = 2 << 30

func (o Options) withDefaults() Options {
	if o.MaxPixels <= 0 {
		o.MaxPixels = 150_000_000
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 1 << 30
	}
	if o.MinSide <= 0 {
		o.MinSide = 8
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.Page <= 0 {
		o.Page = 1
	}
	if o.Fallback == nil {
		o.Fallback = registeredFallback()
	}
	return o
}

// Image is a decoded, normalised 8-bit image.
type Image struct {
	Info        models.InputInfo
	Calibration models.Calibration // the file's own plausible calibration
	Width       int
	Height      int
	Channels    int    // 1 (grey) or 3 (BGR)
	Pix         []byte // interleaved, row stride Width·Channels; BGR order, as OpenCV expects
	QC          []string
	// Notes explain QC flags raised while reading (e.g. why a
	// calibration was rejected), one line each.
	Notes []string

	spread16 float64 // 16-bit input: 0.1–99.9 percentile spread ÷ 65535; -1 otherwise
	// full16 marks (one bit per sample of Pix) the samples of a 16-bit
	// input that were at 65535; nil when none was or the input had 8 bits.
	full16 []uint64
}

// RGBA returns the 8-bit grey or BGR image as an opaque RGBA image, one
// copy with the channels reordered: the canvas of an overlay, or an image
// to save. It fails when Pix does not hold Width×Height×Channels bytes of
// 1 or 3 channels.
func (img *Image) RGBA() (*image.RGBA, error) {
	if img.Channels != 1 && img.Channels != 3 || img.Width <= 0 || img.Height <= 0 ||
		len(img.Pix) != img.Width*img.Height*img.Channels {
		return nil, fmt.Errorf("imageio: %d bytes for %dx%dx%d", len(img.Pix), img.Width, img.Height, img.Channels)
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Width, img.Height))
	n := img.Width * img.Height
	dst := out.Pix[:4*n]
	if img.Channels == 1 {
		for i, v := range img.Pix[:n] {
			d := dst[4*i : 4*i+4 : 4*i+4]
			d[0], d[1], d[2], d[3] = v, v, v, 255
		}
		return out, nil
	}
	src := img.Pix[:3*n]
	for i := 0; i < n; i++ {
		s, d := src[3*i:3*i+3:3*i+3], dst[4*i:4*i+4:4*i+4]
		d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 255
	}
	return out, nil
}

// AtTypeMax reports whether sample i of Pix was at the largest value its
// file's sample type holds (255 for 8-bit, 65535 for 16-bit input): a
// clipped, saturated pixel. The 8-bit stretch of a 16-bit image puts its
// top 0.1 % at 255 too, so Pix alone cannot tell.
func (img *Image) AtTypeMax(i int) bool {
	if i < 0 || i >= len(img.Pix) {
		return false
	}
	if img.Info.BitDepth > 8 {
		return img.full16 != nil && img.full16[i/64]&(1<<(i%64)) != 0
	}
	return img.Pix[i] == 255
}

// OpenRegular opens path for reading only if it is a regular file (after
// following symlinks): a FIFO, socket or device named x.png would block
// or never end. O_NONBLOCK makes even a FIFO swapped in between the check
// and the open return at once; the opened file is checked again.
func OpenRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if _, rerr := os.ReadDir(path); rerr != nil {
			return nil, fmt.Errorf("%w: folder %s could not be read: %v", ErrNotRegular, DisplayName(path), rerr)
		}
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotRegular, DisplayName(path), modeName(st.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is %s", ErrNotRegular, DisplayName(path), modeName(st.Mode()))
	}
	return f, nil
}

func modeName(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// Load reads, checks and decodes the file at path. Only the header is read
// before the size, pixel and memory checks; the file is read whole only
// when they pass.
func Load(path string, opt Options) (*Image, error) {
	opt = opt.withDefaults()
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, ErrEmpty
	}
	if size > opt.MaxFileBytes {
		return nil, fmt.Errorf("%w: file is %d bytes, limit %d", ErrTooLarge, size, opt.MaxFileBytes)
	}
	h, err := ReadHeader(f, size, opt.Page)
	if err != nil {
		return nil, err
	}
	if err := h.check(opt, size); err != nil {
		return nil, err
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), data); err != nil {
		return nil, fmt.Errorf("%w: reading %d bytes: %v", ErrCorrupt, size, err)
	}
	img, err := Decode(data, opt)
	if err != nil {
		return nil, err
	}
	img.Info.Path = path
	return img, nil
}

// Decode checks and decodes an in-memory file.
func Decode(data []byte, opt Options) (img *Image, err error) {
	opt = opt.withDefaults()
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	r := bytes.NewReader(data)
	h, err := ReadHeader(r, int64(len(data)), opt.Page)
	if err != nil {
		return nil, err
	}
	if err := h.check(opt, int64(len(data))); err != nil {
		return nil, err
	}
	src, err := h.decode(data, opt, opt.Page)
	if err != nil {
		return nil, err
	}
	out := normalise(src, opt)
	sum := sha256.Sum256(data)
	out.Info.Format = h.Format
	out.Info.SHA256 = hex.EncodeToString(sum[:])
	out.Info.Bytes = int64(len(data))
	out.Info.Page, out.Info.Pages = h.Page, h.Pages
	if !h.palette && h.Samples >= 1 && h.Samples <= 4 {
		// What the file stores (RGB TIFFs decode to Go's RGBA: not 4 channels).
		out.Info.Channels = h.Samples
	}
	cal, why := ReadPixelSize(data, h.Format, h.Page)
	if why != "" {
		out.QC = append(out.QC, models.QCCalibrationRejected)
		out.Notes = append(out.Notes, "calibration ignored: "+why)
	}
	out.Calibration = cal
	if h.Pages > 1 {
		if other, blank := h.blankAmongPages(data, opt, out); blank {
			out.QC = append(out.QC, models.QCBlankPage)
			out.Notes = append(out.Notes, fmt.Sprintf("page %d of %d is blank but page %d is not: choose it with --page", h.Page, h.Pages, other))
		}
	}
	return out, nil
}

// normalise converts any decoded image to 8-bit grey or BGR.
func normalise(src image.Image, opt Options) *Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := &Image{Width: w, Height: h, spread16: -1}
	out.Info.Width, out.Info.Height = w, h
	grey, depth, alpha := describe(src)
	out.Info.BitDepth = depth
	switch {
	case grey:
		out.Info.Channels = 1
	case alpha:
		out.Info.Channels = 4
	default:
		out.Info.Channels = 3
	}
	// Read every pixel as 16-bit non-premultiplied values once.
	ch := 3
	if grey {
		ch = 1
	}
	if pix, ok, translucent := fast8(src, grey, opt); ok {
		out.Channels, out.Pix = ch, pix
		if translucent {
			out.QC = append(out.QC, models.QCAlphaFlattened)
		}
		return out
	}
	vals := make([]uint16, w*h*ch)
	var bg uint32 = 0xffff
	if opt.BlackBackground {
		bg = 0
	}
	translucent := false
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := src.At(x, y).RGBA() // premultiplied
			if a != 0xffff {
				translucent = true
				// over: c + bg·(1-a)
				r = r + bg*(0xffff-a)/0xffff
				g = g + bg*(0xffff-a)/0xffff
				bl = bl + bg*(0xffff-a)/0xffff
			}
			if grey {
				vals[i] = uint16(r)
				i++
			} else {
				vals[i], vals[i+1], vals[i+2] = uint16(bl), uint16(g), uint16(r) // BGR
				i += 3
			}
		}
	}
	if translucent {
		out.QC = append(out.QC, models.QCAlphaFlattened)
	}
	out.Channels = ch
	out.Pix = make([]byte, len(vals))
	if depth > 8 {
		lo, hi := percentiles(vals, 0.001, 0.999)
		if hi <= lo {
			hi = lo + 1
		}
		out.spread16 = float64(hi-lo) / 65535
		for j, v := range vals {
			if v == 0xffff {
				if out.full16 == nil {
					out.full16 = make([]uint64, (len(vals)+63)/64)
				}
				out.full16[j/64] |= 1 << (j % 64)
			}
		}
		scale := 255.0 / float64(hi-lo)
		for j, v := range vals {
			f := (float64(v) - float64(lo)) * scale
			if f < 0 {
				f = 0
			} else if f > 255 {
				f = 255
			}
			out.Pix[j] = uint8(f + 0.5)
		}
		out.QC = append(out.QC, models.QCHighBitDepth)
	} else {
		for j, v := range vals {
			out.Pix[j] = uint8(v >> 8)
		}
	}
	return out
}

// describe reports whether src is greyscale, its bits per sample and whether
// its colour model carries alpha.
func describe(src image.Image) (grey bool, depth int, alpha bool) {
	switch src.(type) {
	case *image.Gray:
		return true, 8, false
	case *image.Gray16:
		return true, 16, false
	case *image.RGBA64, *image.NRGBA64:
		return false, 16, true
	case *image.RGBA, *image.NRGBA:
		return false, 8, true
	case *image.Paletted, *image.YCbCr, *image.CMYK:
		return false, 8, false
	}
	switch src.ColorModel() {
	case color.Gray16Model:
		return true, 16, false
	case color.GrayModel:
		return true, 8, false
	case color.RGBA64Model, color.NRGBA64Model:
		return false, 16, true
	}
	return false, 8, true
}

func percentiles(vals []uint16, lo, hi float64) (uint16, uint16) {
	var hist [65536]int
	for _, v := range vals {
		hist[v]++
	}
	n := len(vals)
	loN, hiN := int(lo*float64(n)), int(hi*float64(n))
	var acc int
	var a, b uint16
	found := false
	for v := 0; v < 65536; v++ {
		acc += hist[v]
		if !found && acc > loN {
			a, found = uint16(v), true
		}
		if acc > hiN {
			b = uint16(v)
			break
		}
		b = uint16(v)
	}
	return a, b
}

// IsImageFile reports whether name has an extension histocount reads.
func IsImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp":
		return true
	}
	return false
}

// Expand turns files, directories (walked recursively) and glob patterns
// into a sorted-within-argument, de-duplicated list of image files. Order
// follows the arguments, so output rows follow the user's order.
//
// One file reached through several spellings (in/ and ./in/x and in//x)
// is listed once, under its first spelling. Explicitly named files are
// listed even when they cannot be read (a broken or looping symlink, a
// FIFO), and an unreadable sub-folder is listed as itself, so that each
// becomes an error row from Load instead of vanishing or stopping the
// batch; only a named folder that cannot be read at all is an error.
func Expand(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(key); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err == nil && st.IsDir() {
			var files []string
			werr := filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					if p == a {
						return err
					}
					files = append(files, p) // unreadable sub-folder: an error row
					if d != nil && d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if !d.IsDir() && IsImageFile(p) {
					files = append(files, p)
				}
				return nil
			})
			if werr != nil {
				return nil, werr
			}
			sort.Strings(files)
			for _, f := range files {
				add(f)
			}
			continue
		}
		if err == nil {
			add(a) // an explicit file is taken as is, so a bad one gets an error row
			continue
		}
		if _, lerr := os.Lstat(a); lerr == nil {
			add(a) // a broken or looping symlink: Load reports why
			continue
		}
		matches, gerr := filepath.Glob(a)
		if gerr != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", a, gerr)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no such file, directory or matching pattern", a)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if st, err := os.Stat(m); err != nil || !st.IsDir() {
				add(m)
			}
		}
	}
	return out, nil
}

// ycbcrToBGR converts a JPEG's YCbCr image to packed BGR. The chroma
// offset of every subsampling ratio is a row part plus a column part, so
// the column parts are tabulated once and each row is a linear walk: the
// per-pixel YOffset and COffset calls cost as much as the conversion on a
// 6 MP plate photograph.
func ycbcrToBGR(m *image.YCbCr) []byte {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	pix := make([]byte, w*h*3)
	c0 := m.COffset(b.Min.X, b.Min.Y)
	cdx := make([]int, w)
	for x := range cdx {
		cdx[x] = m.COffset(b.Min.X+x, b.Min.Y) - c0
	}
	for y := 0; y < h; y++ {
		yi := m.YOffset(b.Min.X, b.Min.Y+y)
		ci := m.COffset(b.Min.X, b.Min.Y+y)
		yrow, out := m.Y[yi:yi+w], pix[3*y*w:3*(y+1)*w]
		for x, d := range cdx {
			r, g, bl := color.YCbCrToRGB(yrow[x], m.Cb[ci+d], m.Cr[ci+d])
			out[3*x], out[3*x+1], out[3*x+2] = bl, g, r
		}
	}
	return pix
}

// fast8 converts the common 8-bit image types without the per-pixel
// interface calls of image.At (10–20× faster on a 6 MP photograph).
func fast8(src image.Image, grey bool, opt Options) (pix []byte, ok, translucent bool) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := src.(type) {
	case *image.Gray:
		pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			copy(pix[y*w:(y+1)*w], m.Pix[y*m.Stride:y*m.Stride+w])
		}
		return pix, true, false
	case *image.YCbCr:
		return ycbcrToBGR(m), true, false
	case *image.NRGBA:
		if grey {
			return nil, false, false
		}
		var bg uint32 = 255
		if opt.BlackBackground {
			bg = 0
		}
		pix = make([]byte, w*h*3)
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				r, g, bl, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
				if a != 255 {
					translucent = true
					r = (r*a + bg*(255-a) + 127) / 255
					g = (g*a + bg*(255-a) + 127) / 255
					bl = (bl*a + bg*(255-a) + 127) / 255
				}
				o := (y*w + x) * 3
				pix[o], pix[o+1], pix[o+2] = byte(bl), byte(g), byte(r)
			}
		}
		return pix, true, translucent
	case *image.RGBA:
		if grey {
			return nil, false, false
		}
		pix = make([]byte, w*h*3)
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				if row[4*x+3] != 255 {
					return nil, false, false // premultiplied alpha: take the general path
				}
				o := (y*w + x) * 3
				pix[o], pix[o+1], pix[o+2] = row[4*x+2], row[4*x+1], row[4*x]
			}
		}
		return pix, true, false
	}
	return nil, false, false
}
