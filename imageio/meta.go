package imageio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/histocount/histocount/models"
)

// ReadCalibration returns the pixel size stored in the file (first page of
// a TIFF), or a zero Calibration. It never fails: unreadable or implausible
// metadata means "unknown" (ReadPixelSize says why).
func ReadCalibration(data []byte, format string) models.Calibration {
	c, _ := ReadPixelSize(data, format, 1)
	return c
}

// ReadPixelSize returns the calibration stored for page (1-based, TIFF
// only) of the file. A value found but not plausible is returned as
// unknown with a non-empty reason.
func ReadPixelSize(data []byte, format string, page int) (models.Calibration, string) {
	r := bytes.NewReader(data)
	switch format {
	case "tiff":
		t, err := parseTIFF(r, int64(len(data)))
		if err != nil || page < 1 || page > len(t.pages) {
			return models.Calibration{}, ""
		}
		p := t.pages[page-1]
		if first := t.pages[0]; p.desc == "" && page > 1 && p.width == first.width && p.height == first.height {
			// OME-TIFF and ImageJ stacks write their description on the first
			// plane only; it holds for every plane of the same size (not
			// for a thumbnail or a macro image of another size).
			p.desc = first.desc
		}
		return checked(tiffCalibration(p))
	case "png":
		return checked(pngCalibration(r, int64(len(data))))
	}
	return models.Calibration{}, ""
}

// checked drops implausible pixel sizes and says why.
func checked(c models.Calibration) (models.Calibration, string) {
	if c.Source == models.CalibrationSourceNone {
		return models.Calibration{}, ""
	}
	if !models.PlausibleFilePixelSizeUM(c.PixelSizeUM) {
		return models.Calibration{}, fmt.Sprintf("%s says %.3g µm/px, outside %g–%g", c.Source, c.PixelSizeUM, models.MinFilePixelSizeUM, models.MaxFilePixelSizeUM)
	}
	return c, ""
}

// tiffCalibration reads one page's calibration: OME-XML first, then an
// ImageJ description, then the resolution tags. The result may be
// implausible; checked decides.
func tiffCalibration(p tiffPage) models.Calibration {
	if um, ok := omePixelSize(p.desc); ok {
		return models.Calibration{PixelSizeUM: um, Source: models.CalibrationSourceOME}
	}
	if strings.HasPrefix(p.desc, "ImageJ=") && p.xres > 0 {
		if perUnit, ok := imageJUnitUM(p.desc); ok {
			return models.Calibration{PixelSizeUM: perUnit / p.xres, Source: models.CalibrationSourceImageJ}
		}
	}
	if p.xres > 0 {
		var unitUM float64
		switch p.resUnit {
		case 2, 0: // inch is the TIFF default when the tag is absent
			unitUM = 25400
			if p.xres == 72 || p.xres == 96 || p.xres == 1 {
				return models.Calibration{} // screen/printer defaults, not a calibration
			}
		case 3:
			unitUM = 10000
		default:
			return models.Calibration{}
		}
		return models.Calibration{PixelSizeUM: unitUM / p.xres, Source: models.CalibrationSourceTIFF}
	}
	return models.Calibration{}
}

var (
	omeSizeRe = regexp.MustCompile(`PhysicalSizeX\s*=\s*["']([0-9.eE+-]+|[A-Za-z]+)["']`)
	omeUnitRe = regexp.MustCompile(`PhysicalSizeXUnit\s*=\s*["']([^"']+)["']`)
	ijUnitRe  = regexp.MustCompile(`(?m)^unit=(.+)$`)
)

// omePixelSize reads PhysicalSizeX from OME-XML; the OME default unit is µm.
// The value may be huge or Inf (1e308 mm): the plausibility check refuses it.
func omePixelSize(desc string) (float64, bool) {
	m := omeSizeRe.FindStringSubmatch(desc)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil && !math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 {
		return 0, false
	}
	unit := "µm"
	if u := omeUnitRe.FindStringSubmatch(desc); u != nil {
		unit = u[1]
	}
	f, ok := unitToUM(unit)
	if !ok {
		return 0, false
	}
	return v * f, true
}

// imageJUnitUM returns how many µm one ImageJ "unit" is.
func imageJUnitUM(desc string) (float64, bool) {
	m := ijUnitRe.FindStringSubmatch(desc)
	if m == nil {
		return 0, false
	}
	return unitToUM(strings.TrimSpace(m[1]))
}

func unitToUM(u string) (float64, bool) {
	switch strings.ToLower(strings.TrimSpace(u)) {
	case "µm", "μm", "um", "micron", "microns", "\\u00b5m", "micrometer", "micrometre", "&#181;m", "&#xb5;m", "&#956;m", "&#x3bc;m":
		return 1, true
	case "nm", "nanometer", "nanometre":
		return 1e-3, true
	case "mm", "millimeter", "millimetre":
		return 1e3, true
	case "cm", "centimeter", "centimetre":
		return 1e4, true
	case "m", "meter", "metre":
		return 1e6, true
	}
	return 0, false
}

// pngInfo is what the chunks before the image data say.
type pngInfo struct {
	width, height int64
	bitDepth      int
	colourType    int
	frames        int // acTL num_frames; 0 = not animated
	cal           models.Calibration
}

// pngChannels is the number of samples per pixel for a PNG colour type.
func pngChannels(colourType int) int {
	switch colourType {
	case 0, 3:
		return 1
	case 4:
		return 2
	case 2:
		return 3
	case 6:
		return 4
	}
	return 0
}

// readPNGInfo reads IHDR, acTL (APNG) and pHYs, reading chunk headers only
// up to the first IDAT.
func readPNGInfo(r io.ReaderAt, size int64) (pngInfo, error) {
	var pi pngInfo
	const sig = "\x89PNG\r\n\x1a\n"
	head := make([]byte, 8+25)
	if _, err := r.ReadAt(head, 0); err != nil || string(head[:8]) != sig || string(head[12:16]) != "IHDR" {
		return pi, fmt.Errorf("%w: PNG without IHDR", ErrCorrupt)
	}
	pi.width = int64(binary.BigEndian.Uint32(head[16:20]))
	pi.height = int64(binary.BigEndian.Uint32(head[20:24]))
	pi.bitDepth, pi.colourType = int(head[24]), int(head[25])
	p := int64(len(head))
	hdr := make([]byte, 8)
	for chunks := 0; p+12 <= size && chunks < 10000; chunks++ {
		if _, err := r.ReadAt(hdr, p); err != nil {
			break
		}
		n := int64(binary.BigEndian.Uint32(hdr[0:4]))
		typ := string(hdr[4:8])
		if n > size || p+12+n > size || typ == "IDAT" || typ == "IEND" {
			break
		}
		if (typ == "pHYs" && n == 9) || (typ == "acTL" && n == 8) {
			body := make([]byte, n+4)
			if _, err := r.ReadAt(body, p+8); err != nil {
				break
			}
			crc := crc32.ChecksumIEEE(append([]byte(typ), body[:n]...))
			if crc == binary.BigEndian.Uint32(body[n:]) {
				if typ == "acTL" {
					pi.frames = int(min(binary.BigEndian.Uint32(body[0:4]), 1<<30))
				} else {
					pi.cal = pngPHYs(body[:9])
				}
			}
		}
		p += 12 + n
	}
	return pi, nil
}

// pngPHYs reads a pHYs body (pixels per metre when unit is 1).
func pngPHYs(body []byte) models.Calibration {
	ppm := binary.BigEndian.Uint32(body[0:4])
	if body[8] != 1 || ppm == 0 {
		return models.Calibration{}
	}
	// 2835 and 3780 px/m are the 72 and 96 dpi defaults.
	if ppm == 2835 || ppm == 2834 || ppm == 3780 || ppm == 3779 {
		return models.Calibration{}
	}
	return models.Calibration{PixelSizeUM: 1e6 / float64(ppm), Source: models.CalibrationSourcePNG}
}

func pngCalibration(r io.ReaderAt, size int64) models.Calibration {
	pi, err := readPNGInfo(r, size)
	if err != nil {
		return models.Calibration{}
	}
	return pi.cal
}
