package models

// SchemaVersion is the version of every JSON document histocount writes.
const SchemaVersion = "1.0.0"

// Status of one analysed input.
const (
	StatusOK    = "ok"    // analysed; QC flags may still be set
	StatusError = "error" // not analysed; Error says why
)

// QC flags: conditions that do not stop the analysis but make a number less
// trustworthy. A flagged image keeps status "ok".
const (
	QCAlphaFlattened   = "alpha_flattened"    // an alpha channel was composited on white
	QCHighBitDepth     = "rescaled_16bit"     // 16-bit input rescaled to 8-bit for analysis
	QCTooSmall         = "too_small"          // image smaller than the analysis needs
	QCBlank            = "blank"              // no contrast: empty field, all black or all white
	QCOutOfFocus       = "out_of_focus"       // variance of Laplacian below threshold
	QCSaturated        = "saturated"          // many clipped pixels
	QCNoObjects        = "no_objects"         // nothing was found
	QCCrowded          = "crowded"            // objects too dense to separate reliably
	QCNoCalibration    = "no_calibration"     // no pixel size: µm fields left empty
	QCStainMismatch    = "stain_unrecognised" // colours do not match the requested stain
	QCDishNotFound     = "dish_not_found"
	QCConfluent        = "confluent"
	QCNoTissue         = "no_tissue"
	QCSectionPartial   = "section_incomplete"
	QCLowerBoundDermis = "dermis_lower_bound"
	// QCCalibrationRejected: the file's pixel size is not a plausible
	// microscopy value (e.g. 2³²−1 px/cm); it was ignored.
	QCCalibrationRejected = "calibration_implausible"
	// QCBlankPage: the analysed page of a multi-page TIFF is blank while
	// another page has content (see --page).
	QCBlankPage = "blank_page"
	// QCOverlayNotWritten: the overlay or label image could not be written
	// (full disk); the numbers are kept.
	QCOverlayNotWritten = "overlay_not_written"
)

// Calibration says how big a pixel is and where that came from.
type Calibration struct {
	PixelSizeUM float64           `json:"pixel_size_um,omitempty"` // µm per pixel; 0 = unknown
	Source      CalibrationSource `json:"source,omitempty"`
}

// CalibrationSource says where a pixel size came from. Its value is the
// string written to results (the "source" of a calibration).
type CalibrationSource string

// Calibration sources: what the caller gave (--pixel-size, a manifest's
// pixel_size_um), what the file says, or a generator's truth.
const (
	CalibrationSourceNone      CalibrationSource = ""                // no pixel size known
	CalibrationSourceFlag      CalibrationSource = "flag"            // --pixel-size, or an analysis' Options.PixelSizeUM
	CalibrationSourceManifest  CalibrationSource = "manifest"        // the manifest's pixel_size_um
	CalibrationSourceOME       CalibrationSource = "ome"             // OME-XML PhysicalSizeX (+ PhysicalSizeXUnit)
	CalibrationSourceImageJ    CalibrationSource = "imagej"          // ImageJ description unit × XResolution
	CalibrationSourceTIFF      CalibrationSource = "tiff-resolution" // TIFF XResolution + ResolutionUnit
	CalibrationSourcePNG       CalibrationSource = "png-phys"        // PNG pHYs, pixels per metre
	CalibrationSourceSynthetic CalibrationSource = "synthetic"       // a generator's exact truth
)

// Known reports whether a physical pixel size is available.
func (c Calibration) Known() bool { return c.PixelSizeUM > 0 }

// GivenCalibration is the calibration of a pixel size the caller gave:
// pixelSizeUM µm per pixel from src (CalibrationSourceFlag when src is
// empty), or unknown when pixelSizeUM ≤ 0.
func GivenCalibration(pixelSizeUM float64, src CalibrationSource) Calibration {
	if !(pixelSizeUM > 0) {
		return Calibration{}
	}
	if src == CalibrationSourceNone {
		src = CalibrationSourceFlag
	}
	return Calibration{PixelSizeUM: pixelSizeUM, Source: src}
}

// Or returns c when known, else d: an analysis uses
// GivenCalibration(…).Or(file), the caller's pixel size over the file's.
func (c Calibration) Or(d Calibration) Calibration {
	if c.Known() {
		return c
	}
	return d
}

// InputInfo describes an input file as it was decoded.
type InputInfo struct {
	Path     string `json:"path"`
	Format   string `json:"format,omitempty"` // png, jpeg, tiff, bmp
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	BitDepth int    `json:"bit_depth,omitempty"` // 8 or 16 bits per sample
	Channels int    `json:"channels,omitempty"`  // 1 grey, 3 RGB, 4 RGBA
	SHA256   string `json:"sha256,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
	Page     int    `json:"page,omitempty"`  // analysed page of a multi-page file, 1-based
	Pages    int    `json:"pages,omitempty"` // pages (TIFF directories) in the file; 1 for other formats
}

// Informational reports whether a QC flag only documents how an image was
// handled (no calibration, 16-bit rescaled) rather than doubting its
// numbers; such flags do not make an image count as "flagged".
func Informational(flag string) bool {
	return flag == QCNoCalibration || flag == QCHighBitDepth || flag == QCOverlayNotWritten
}

// Doubtful returns the QC flags that are not informational.
func Doubtful(qc []string) []string {
	var out []string
	for _, f := range qc {
		if !Informational(f) {
			out = append(out, f)
		}
	}
	return out
}
