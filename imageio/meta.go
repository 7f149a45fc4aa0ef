package imageio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/histocount/histocount/models"
)

// TIFF tags used for calibration.
const (
	tagImageDescription = 270
	tagXResolution      = 282
	tagResolutionUnit   = 296
)

// ReadCalibration returns the pixel size stored in the file, or a zero
// Calibration. It never fails: unreadable metadata means "unknown".
func ReadCalibration(data []byte, format string) models.Calibration {
	switch format {
	case "tiff":
		return tiffCalibration(data)
	case "png":
		return pngCalibration(data)
	}
	return models.Calibration{}
}

type tiffFields struct {
	desc    string
	xres    float64 // pixels per unit
	resUnit int     // 1 none, 2 inch, 3 cm
}

func tiffCalibration(data []byte) models.Calibration {
	f, ok := readTIFFIFD0(data)
	if !ok {
		return models.Calibration{}
	}
	if um, ok := omePixelSize(f.desc); ok {
		return models.Calibration{PixelSizeUM: um, Source: "ome"}
	}
	if strings.HasPrefix(f.desc, "ImageJ=") && f.xres > 0 {
		if perUnit, ok := imageJUnitUM(f.desc); ok {
			return models.Calibration{PixelSizeUM: perUnit / f.xres, Source: "imagej"}
		}
	}
	if f.xres > 0 {
		var unitUM float64
		switch f.resUnit {
		case 2, 0: // inch is the TIFF default when the tag is absent
			unitUM = 25400
			if f.xres == 72 || f.xres == 96 || f.xres == 1 {
				return models.Calibration{} // screen/printer defaults, not a calibration
			}
		case 3:
			unitUM = 10000
		default:
			return models.Calibration{}
		}
		return models.Calibration{PixelSizeUM: unitUM / f.xres, Source: "tiff-resolution"}
	}
	return models.Calibration{}
}

// readTIFFIFD0 reads the fields of the first IFD that matter for calibration.
func readTIFFIFD0(d []byte) (tiffFields, bool) {
	var f tiffFields
	if len(d) < 8 {
		return f, false
	}
	var bo binary.ByteOrder
	switch string(d[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return f, false
	}
	if bo.Uint16(d[2:4]) != 42 {
		return f, false // BigTIFF and others: no calibration
	}
	off := int64(bo.Uint32(d[4:8]))
	if off < 8 || off+2 > int64(len(d)) {
		return f, false
	}
	n := int64(bo.Uint16(d[off : off+2]))
	for i := int64(0); i < n; i++ {
		e := off + 2 + i*12
		if e+12 > int64(len(d)) {
			break
		}
		tag := bo.Uint16(d[e : e+2])
		typ := bo.Uint16(d[e+2 : e+4])
		count := int64(bo.Uint32(d[e+4 : e+8]))
		valOff := int64(bo.Uint32(d[e+8 : e+12]))
		switch tag {
		case tagImageDescription:
			if typ != 2 || count <= 0 {
				continue
			}
			start := e + 8
			if count > 4 {
				start = valOff
			}
			if start < 0 || count > int64(len(d)) || start+count > int64(len(d)) {
				continue
			}
			f.desc = strings.TrimRight(string(d[start:start+count]), "\x00")
		case tagXResolution:
			if typ != 5 || valOff+8 > int64(len(d)) || valOff < 0 {
				continue
			}
			num := bo.Uint32(d[valOff : valOff+4])
			den := bo.Uint32(d[valOff+4 : valOff+8])
			if den != 0 {
				f.xres = float64(num) / float64(den)
			}
		case tagResolutionUnit:
			if typ == 3 {
				f.resUnit = int(bo.Uint16(d[e+8 : e+10]))
			}
		}
	}
	return f, true
}

var (
	omeSizeRe = regexp.MustCompile(`PhysicalSizeX="([0-9.eE+-]+)"`)
	omeUnitRe = regexp.MustCompile(`PhysicalSizeXUnit="([^"]+)"`)
	ijUnitRe  = regexp.MustCompile(`(?m)^unit=(.+)$`)
)

// omePixelSize reads PhysicalSizeX from OME-XML; the OME default unit is µm.
func omePixelSize(desc string) (float64, bool) {
	m := omeSizeRe.FindStringSubmatch(desc)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) {
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
	case "µm", "μm", "um", "micron", "microns", "\\u00b5m", "micrometer", "micrometre":
		return 1, true
	case "nm", "nanometer":
		return 1e-3, true
	case "mm", "millimeter":
		return 1e3, true
	case "cm", "centimeter":
		return 1e4, true
	}
	return 0, false
}

// pngCalibration reads the pHYs chunk (pixels per metre when unit is 1).
func pngCalibration(d []byte) models.Calibration {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(d, []byte(sig)) {
		return models.Calibration{}
	}
	p := len(sig)
	for p+12 <= len(d) {
		n := int(binary.BigEndian.Uint32(d[p : p+4]))
		typ := string(d[p+4 : p+8])
		if n < 0 || p+12+n > len(d) {
			break
		}
		body := d[p+8 : p+8+n]
		if typ == "pHYs" && n == 9 && crc32.ChecksumIEEE(d[p+4:p+8+n]) == binary.BigEndian.Uint32(d[p+8+n:p+12+n]) {
			ppm := binary.BigEndian.Uint32(body[0:4])
			if body[8] == 1 && ppm > 0 {
				// 2835 and 3780 px/m are the 72 and 96 dpi defaults.
				if ppm == 2835 || ppm == 2834 || ppm == 3780 || ppm == 3779 {
					return models.Calibration{}
				}
				return models.Calibration{PixelSizeUM: 1e6 / float64(ppm), Source: "png-phys"}
			}
			return models.Calibration{}
		}
		if typ == "IDAT" || typ == "IEND" {
			break
		}
		p += 12 + n
	}
	return models.Calibration{}
}
