package imageio

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register decoders
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"

	"github.com/histocount/histocount/models"
)

// Sentinel errors; wrap them so callers can test with errors.Is.
var (
	ErrEmpty       = errors.New("imageio: empty file")
	ErrTooLarge    = errors.New("imageio: image too large")
	ErrUnsupported = errors.New("imageio: not a supported image (png, jpeg, tiff, bmp)")
	ErrCorrupt     = errors.New("imageio: corrupt or truncated image")
	ErrTooSmall    = errors.New("imageio: image too small")
)

// Options bound what Load accepts.
type Options struct {
	MaxPixels    int64 // refuse width·height above this; default 150 MP
	MaxFileBytes int64 // refuse files above this; default 1 GiB
	MinSide      int   // refuse images whose shorter side is below this; default 8
	// BlackBackground composites transparent pixels over black (fluorescence)
	// instead of white (brightfield).
	BlackBackground bool
}

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
	return o
}

// Image is a decoded, normalised 8-bit image.
type Image struct {
	Info        models.InputInfo
	Calibration models.Calibration
	Width       int
	Height      int
	Channels    int    // 1 (grey) or 3 (BGR)
	Pix         []byte // interleaved, row stride Width·Channels; BGR order, as OpenCV expects
	QC          []string
}

// Load reads, checks and decodes the file at path.
func Load(path string, opt Options) (*Image, error) {
	opt = opt.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if st.Size() == 0 {
		return nil, ErrEmpty
	}
	if st.Size() > opt.MaxFileBytes {
		return nil, fmt.Errorf("%w: file is %d bytes, limit %d", ErrTooLarge, st.Size(), opt.MaxFileBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, opt.MaxFileBytes+1))
	if err != nil {
		return nil, err
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
	sum := sha256.Sum256(data)
	cfg, format, err := decodeConfig(data)
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: header says %dx%d", ErrCorrupt, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > opt.MaxPixels {
		return nil, fmt.Errorf("%w: header says %dx%d (%d pixels, limit %d)", ErrTooLarge, cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), opt.MaxPixels)
	}
	if cfg.Width < opt.MinSide || cfg.Height < opt.MinSide {
		return nil, fmt.Errorf("%w: %dx%d, need at least %d px a side", ErrTooSmall, cfg.Width, cfg.Height, opt.MinSide)
	}
	src, err := safeDecode(data)
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%w: header %dx%d, pixels %dx%d", ErrCorrupt, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	out := normalise(src, opt)
	out.Info.Format = format
	out.Info.SHA256 = hex.EncodeToString(sum[:])
	out.Info.Bytes = int64(len(data))
	out.Calibration = ReadCalibration(data, format)
	return out, nil
}

func decodeConfig(data []byte) (cfg image.Config, format string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: header decoder failed: %v", ErrCorrupt, r)
		}
	}()
	cfg, format, err = image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return cfg, "", ErrUnsupported
	}
	if err != nil {
		return cfg, "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return cfg, format, nil
}

func safeDecode(data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoder failed: %v", ErrCorrupt, r)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return img, nil
}

// normalise converts any decoded image to 8-bit grey or BGR.
func normalise(src image.Image, opt Options) *Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	out := &Image{Width: w, Height: h}
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
func Expand(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err == nil && st.IsDir() {
			var files []string
			werr := filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
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
		matches, gerr := filepath.Glob(a)
		if gerr != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", a, gerr)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no such file, directory or matching pattern", a)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && !st.IsDir() {
				add(m)
			}
		}
	}
	return out, nil
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
		pix = make([]byte, w*h*3)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				o := (y*w + x) * 3
				pix[o], pix[o+1], pix[o+2] = bl, g, r
			}
		}
		return pix, true, false
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
