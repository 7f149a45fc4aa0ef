package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"sync"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Header is what a file says about its pixels before any is decoded.
type Header struct {
	Format      string // png, jpeg, tiff, bmp
	Width       int
	Height      int
	Samples     int // samples per pixel as stored (1 grey … 4 RGBA/CMYK)
	BitDepth    int // bits per sample
	Pages       int // TIFF directories; 1 for other formats
	Page        int // the page Load decodes, 1-based
	Compression int // TIFF compression tag; 0 for other formats
	BigTIFF     bool

	tiff    *tiffFile
	palette bool
}

// Decoder decodes TIFF pages that Go's decoder cannot (JPEG compression 6
// and 7, YCbCr, planar, grey+alpha). analysis/cvdecode implements it with
// OpenCV (libtiff), so that gocv stays inside analysis/.
type Decoder interface {
	// DecodeTIFF decodes the first directory of the classic TIFF data,
	// whose header h has already passed the size and memory checks.
	DecodeTIFF(data []byte, h Header) (image.Image, error)
}

var fallback struct {
	sync.RWMutex
	d Decoder
}

// RegisterFallback makes d the Decoder used when Options.Fallback is nil
// (analysis/cvdecode registers itself when imported).
func RegisterFallback(d Decoder) {
	fallback.Lock()
	defer fallback.Unlock()
	fallback.d = d
}

func registeredFallback() Decoder {
	fallback.RLock()
	defer fallback.RUnlock()
	return fallback.d
}

// fallbackCompressions are the TIFF compressions handed to the fallback
// decoder; anything else is refused before it reaches C code.
var fallbackCompressions = map[int]string{
	tiffNone: "none", tiffCCITT: "CCITT", tiffG3: "G3", tiffG4: "G4", tiffLZW: "LZW",
	tiffOldJPEG: "old-style JPEG", tiffJPEG: "JPEG", tiffDeflate: "Deflate",
	tiffDeflateOld: "Deflate", tiffPackBits: "PackBits",
}

// ReadHeader reads the header of the file in r (size bytes) and of its
// page (1-based; TIFF only, others have one page), reading only the bytes
// the header needs.
func ReadHeader(r io.ReaderAt, size int64, page int) (h Header, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: header decoder failed: %v", ErrCorrupt, p)
		}
	}()
	if size <= 0 {
		return h, ErrEmpty
	}
	if page <= 0 {
		page = 1
	}
	var magic [8]byte
	n, _ := r.ReadAt(magic[:], 0)
	m := string(magic[:n])
	h.Pages, h.Page = 1, 1
	switch {
	case len(m) >= 8 && m == "\x89PNG\r\n\x1a\n":
		h.Format = "png"
		pi, err := readPNGInfo(r, size)
		if err != nil {
			return h, err
		}
		if pi.frames > 1 {
			return h, fmt.Errorf("%w: APNG with %d frames; only its default image would be read", ErrAnimated, pi.frames)
		}
		h.Width, h.Height, h.BitDepth = clampInt(pi.width), clampInt(pi.height), pi.bitDepth
		h.Samples = pngChannels(pi.colourType)
		h.palette = pi.colourType == 3
		if h.Samples == 0 {
			return h, fmt.Errorf("%w: PNG colour type %d", ErrCorrupt, pi.colourType)
		}
	case len(m) >= 3 && m[:3] == "\xff\xd8\xff":
		h.Format = "jpeg"
		cfg, err := jpeg.DecodeConfig(io.NewSectionReader(r, 0, size))
		if err != nil {
			return h, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		h.setConfig(cfg)
	case len(m) >= 2 && m[:2] == "BM":
		h.Format = "bmp"
		cfg, err := bmp.DecodeConfig(io.NewSectionReader(r, 0, size))
		if err != nil {
			return h, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		h.setConfig(cfg)
	case len(m) >= 4 && (m[:4] == "II*\x00" || m[:4] == "MM\x00*" || m[:4] == "II+\x00" || m[:4] == "MM\x00+"):
		h.Format = "tiff"
		t, err := parseTIFF(r, size)
		if err != nil {
			return h, err
		}
		h.tiff, h.BigTIFF, h.Pages = t, t.bigTIFF, len(t.pages)
		if page > len(t.pages) {
			return h, fmt.Errorf("%w: page %d asked, the TIFF has %d", ErrNoPage, page, len(t.pages))
		}
		h.Page = page
		p := t.pages[page-1]
		h.Width, h.Height = clampInt(p.width), clampInt(p.height)
		h.Samples, h.BitDepth, h.Compression = p.samples, p.bitsPerSample, p.compression
		h.palette = p.photometric == 3
		if p.sampleFormat != 1 {
			return h, fmt.Errorf("%w: TIFF with floating-point or signed samples (SampleFormat %d)", ErrUnsupported, p.sampleFormat)
		}
		if h.BitDepth != 1 && h.BitDepth != 8 && h.BitDepth != 16 {
			return h, fmt.Errorf("%w: TIFF with %d bits per sample (1, 8 or 16 are read)", ErrUnsupported, h.BitDepth)
		}
		if h.Samples < 1 || h.Samples > 4 {
			return h, fmt.Errorf("%w: TIFF with %d samples per pixel", ErrUnsupported, h.Samples)
		}
	case len(m) >= 6 && (m[:6] == "GIF87a" || m[:6] == "GIF89a"):
		return h, fmt.Errorf("%w: GIF (often animated: only one frame would be analysed); export the frame as PNG or TIFF", ErrUnsupported)
	default:
		return h, ErrUnsupported
	}
	if page != 1 && h.Format != "tiff" {
		return h, fmt.Errorf("%w: page %d asked of a single-page %s", ErrNoPage, page, h.Format)
	}
	return h, nil
}

func clampInt(v int64) int {
	return int(min(max(v, 0), 1<<31-1))
}

func (h *Header) setConfig(cfg image.Config) {
	h.Width, h.Height, h.BitDepth = cfg.Width, cfg.Height, 8
	switch cfg.ColorModel {
	case color.GrayModel:
		h.Samples = 1
	case color.Gray16Model:
		h.Samples, h.BitDepth = 1, 16
	case color.CMYKModel:
		h.Samples = 4
	case color.RGBAModel, color.NRGBAModel:
		h.Samples = 4
	default:
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			h.Samples, h.palette = 1, true
		} else {
			h.Samples = 3
		}
	}
}

// DecodeBytes estimates the peak bytes held while decoding and normalising
// the image of h from a file of fileBytes: the file itself, the decoded
// image in Go's layout (grey 1 sample, anything else 4) × bytes per
// sample, the largest decompressed TIFF strip, the 16-bit staging buffer
// and the 8-bit result; through the fallback decoder also a copy of the
// file, OpenCV's Mat and libtiff's RGBA raster.
func (h Header) DecodeBytes(fileBytes int64, viaFallback bool) int64 {
	px := satMul(int64(h.Width), int64(h.Height))
	bps := int64(1)
	if h.BitDepth > 8 {
		bps = 2
	}
	goCh, outCh := int64(4), int64(3)
	if h.Format == "jpeg" && h.Samples == 3 {
		goCh = 3 // YCbCr planes, at most 4:4:4
	}
	if h.Samples == 1 {
		goCh, outCh = 1, 1
		if h.palette {
			outCh = 3
		}
	}
	total := fileBytes
	total += satMul(px, goCh*bps)
	total += satMul(px, outCh)
	if bps == 2 {
		total += satMul(px, outCh*2)
	}
	if h.tiff != nil {
		p := h.tiff.pages[h.Page-1]
		if p.compression != tiffNone || bps == 2 {
			total += p.stripBytes()
		}
		if viaFallback {
			total += fileBytes
			total += satMul(px, int64(max(h.Samples, 1))*bps)
			total += satMul(px, 4)
		}
	}
	if total < 0 {
		return 1<<63 - 1
	}
	return total
}

// viaFallback reports whether page h.Page needs the fallback decoder.
func (h Header) viaFallback() bool {
	return h.tiff != nil && !h.tiff.pages[h.Page-1].goDecodes()
}

// check applies the size, pixel and memory limits to h.
func (h Header) check(opt Options, fileBytes int64) error {
	if h.Width <= 0 || h.Height <= 0 {
		return fmt.Errorf("%w: header says %dx%d", ErrCorrupt, h.Width, h.Height)
	}
	pixels := int64(h.Width) * int64(h.Height)
	if pixels > opt.MaxPixels {
		return fmt.Errorf("%w: header says %dx%d (%d pixels, limit %d)", ErrTooLarge, h.Width, h.Height, pixels, opt.MaxPixels)
	}
	if h.Width < opt.MinSide || h.Height < opt.MinSide {
		return fmt.Errorf("%w: %dx%d, need at least %d px a side", ErrTooSmall, h.Width, h.Height, opt.MinSide)
	}
	if h.viaFallback() {
		name, ok := fallbackCompressions[h.Compression]
		if !ok {
			return fmt.Errorf("%w: TIFF compression %d", ErrUnsupported, h.Compression)
		}
		if opt.Fallback == nil {
			return fmt.Errorf("%w: TIFF with %s compression needs the OpenCV decoder (import analysis/cvdecode)", ErrUnsupported, name)
		}
	}
	if need := h.DecodeBytes(fileBytes, h.viaFallback()); need > opt.MaxMemory {
		return fmt.Errorf("%w: %dx%d, %d×%d-bit needs about %d MiB to decode, limit %d MiB (--max-memory)",
			ErrTooLarge, h.Width, h.Height, h.Samples, h.BitDepth, need>>20, opt.MaxMemory>>20)
	}
	return nil
}

// decode decodes page (1-based) of data, whose header is h.
func (h Header) decode(data []byte, opt Options, page int) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: decoder failed: %v", ErrCorrupt, r)
		}
	}()
	r := bytes.NewReader(data)
	switch h.Format {
	case "png":
		img, err = png.Decode(r)
	case "jpeg":
		img, err = jpeg.Decode(r)
	case "bmp":
		img, err = bmp.Decode(r)
	case "tiff":
		img, err = h.decodeTIFF(data, opt, page)
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	b := img.Bounds()
	pg := h.tiff
	wantW, wantH := h.Width, h.Height
	if pg != nil && page != h.Page {
		p := pg.pages[page-1]
		wantW, wantH = clampInt(p.width), clampInt(p.height)
	}
	if b.Dx() != wantW || b.Dy() != wantH {
		return nil, fmt.Errorf("%w: header %dx%d, pixels %dx%d", ErrCorrupt, wantW, wantH, b.Dx(), b.Dy())
	}
	return img, nil
}

func (h Header) decodeTIFF(data []byte, opt Options, page int) (image.Image, error) {
	t := h.tiff
	v, err := t.view(bytes.NewReader(data), int64(len(data)), page-1)
	if err != nil {
		return nil, err
	}
	p := t.pages[page-1]
	ph := h
	ph.Page, ph.Width, ph.Height = page, clampInt(p.width), clampInt(p.height)
	ph.Samples, ph.BitDepth, ph.Compression = p.samples, p.bitsPerSample, p.compression
	if p.goDecodes() {
		img, err := tiff.Decode(io.NewSectionReader(v, 0, v.Size()))
		// Go's reader is stricter than libtiff (unsorted tags, odd
		// ExtraSamples): a file it refuses gets a second chance through
		// the fallback, if that fits the memory budget too.
		if err == nil || opt.Fallback == nil || ph.DecodeBytes(int64(len(data)), true) > opt.MaxMemory {
			return img, err
		}
		img2, err2 := opt.Fallback.DecodeTIFF(mustBytes(v), ph)
		if err2 != nil {
			return nil, err // Go's reason is the clearer one
		}
		return img2, nil
	}
	if opt.Fallback == nil {
		return nil, fmt.Errorf("%w: TIFF compression %d needs the OpenCV decoder", ErrUnsupported, p.compression)
	}
	if _, ok := fallbackCompressions[p.compression]; !ok {
		return nil, fmt.Errorf("%w: TIFF compression %d", ErrUnsupported, p.compression)
	}
	b, err := v.Bytes()
	if err != nil {
		return nil, err
	}
	return opt.Fallback.DecodeTIFF(b, ph)
}

// mustBytes materialises v; a failure leaves nil, which the fallback
// refuses as not a TIFF.
func mustBytes(v *pageView) []byte {
	b, _ := v.Bytes()
	return b
}

// blankSpread is the largest 0.1–99.9 percentile spread, as a fraction of
// the full scale of the samples, that still counts as a blank page
// (≤ 2 of 255 grey levels).
const blankSpread = 2.0 / 255

// blankAmongPages reports whether the decoded page out is blank while
// another page of the TIFF (checked in order, at most 64) is not, and
// which one. It decodes other pages only when out is blank, one at a time
// and within the same memory budget, so the usual case costs nothing.
func (h Header) blankAmongPages(data []byte, opt Options, out *Image) (int, bool) {
	if h.tiff == nil || spread(out) > blankSpread {
		return 0, false
	}
	for i := 1; i <= h.Pages && i <= 64; i++ {
		if i == h.Page {
			continue
		}
		p := h.tiff.pages[i-1]
		ph := h
		ph.Page, ph.Width, ph.Height = i, clampInt(p.width), clampInt(p.height)
		ph.Samples, ph.BitDepth, ph.Compression = p.samples, p.bitsPerSample, p.compression
		if ph.check(opt, int64(len(data))) != nil {
			continue
		}
		src, err := ph.decode(data, opt, i)
		if err != nil {
			continue
		}
		if o := normalise(src, opt); spread(o) > blankSpread {
			return i, true
		}
	}
	return 0, false
}

// spread is the 0.1–99.9 percentile spread of img's samples as a fraction
// of their full scale (16-bit input: of 65535, before rescaling).
func spread(img *Image) float64 {
	if img.spread16 >= 0 {
		return img.spread16
	}
	var hist [256]int
	for _, v := range img.Pix {
		hist[v]++
	}
	n := len(img.Pix)
	loN, hiN := n/1000, n-n/1000-1
	lo, hi, acc := -1, 0, 0
	for v := range 256 {
		acc += hist[v]
		if lo < 0 && acc > loN {
			lo = v
		}
		if acc > hiN {
			hi = v
			break
		}
	}
	return float64(hi-max(lo, 0)) / 255
}
