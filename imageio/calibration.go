package imageio

import (
	"fmt"
	"math"

	"github.com/histocount/histocount/models"
)

// CalibrationSource says where a pixel size came from. The values are the
// strings written to results (models.Calibration.Source).
type CalibrationSource string

// Calibration sources, most trusted first: what the user typed, what the
// LIMS manifest says, then the file's own metadata.
const (
	SourceNone      CalibrationSource = ""                // no pixel size known
	SourceFlag      CalibrationSource = "flag"            // --pixel-size
	SourceManifest  CalibrationSource = "manifest"        // the manifest's pixel_size_um
	SourceOME       CalibrationSource = "ome"             // OME-XML PhysicalSizeX (+ PhysicalSizeXUnit)
	SourceImageJ    CalibrationSource = "imagej"          // ImageJ description unit × XResolution
	SourceTIFF      CalibrationSource = "tiff-resolution" // TIFF XResolution + ResolutionUnit
	SourcePNG       CalibrationSource = "png-phys"        // PNG pHYs, pixels per metre
	SourceSynthetic CalibrationSource = "synthetic"       // a generator's exact truth
)

// Plausible microscopy pixel sizes. 0.01 µm/px is below any optical
// microscope's sampling (oil objectives with camera binning 1 reach
// ~0.05 µm/px); 1000 µm/px is a 10 cm dish imaged on ~100 px, coarser than
// any plate camera or flatbed scanner (300 dpi = 85 µm/px). Values outside
// come from broken metadata (2³²−1 px/cm, 1 px/m) and are not believed.
const (
	MinPixelSizeUM = 0.01
	MaxPixelSizeUM = 1000.0
)

// PlausiblePixelSizeUM reports whether um µm per pixel is a believable
// microscopy calibration (finite, within [MinPixelSizeUM, MaxPixelSizeUM]).
func PlausiblePixelSizeUM(um float64) bool {
	return um >= MinPixelSizeUM && um <= MaxPixelSizeUM // false for NaN
}

// Calibration is a pixel size (µm per pixel) with where it came from.
// The zero value means "unknown".
type Calibration struct {
	PixelSizeUM float64
	Source      CalibrationSource
}

// NewCalibration returns the calibration um µm/px from src, or an error
// when um is not a plausible microscopy pixel size.
func NewCalibration(um float64, src CalibrationSource) (Calibration, error) {
	if !PlausiblePixelSizeUM(um) {
		return Calibration{}, fmt.Errorf("imageio: pixel size %g µm (from %s) is outside the plausible %g–%g µm", um, sourceName(src), MinPixelSizeUM, MaxPixelSizeUM)
	}
	return Calibration{PixelSizeUM: um, Source: src}, nil
}

func sourceName(s CalibrationSource) string {
	if s == SourceNone {
		return "unknown source"
	}
	return string(s)
}

// Known reports whether a pixel size is available.
func (c Calibration) Known() bool { return c.PixelSizeUM > 0 }

// UM converts a length in pixels to µm; NaN when unknown.
func (c Calibration) UM(px float64) float64 {
	if !c.Known() {
		return math.NaN()
	}
	return px * c.PixelSizeUM
}

// PX converts a length in µm to pixels; NaN when unknown.
func (c Calibration) PX(um float64) float64 {
	if !c.Known() {
		return math.NaN()
	}
	return um / c.PixelSizeUM
}

// Or returns c when known, else d: the override order is
// flag.Or(manifest).Or(file).
func (c Calibration) Or(d Calibration) Calibration {
	if c.Known() {
		return c
	}
	return d
}

// Model is the result-file form of c.
func (c Calibration) Model() models.Calibration {
	return models.Calibration{PixelSizeUM: c.PixelSizeUM, Source: string(c.Source)}
}

// CalibrationOf reads a result-file calibration back into the typed form.
func CalibrationOf(m models.Calibration) Calibration {
	return Calibration{PixelSizeUM: m.PixelSizeUM, Source: CalibrationSource(m.Source)}
}
