package models

// Plausible ranges of the numeric parameters, shared by the command-line
// flags and the manifest. They are wide (a factor of 10–1000 beyond any
// real lab value) but finite, so that no parameter can drive a result to
// ±Inf, 0 or an endless loop: a value outside is a typo or an attack, and
// is refused with exit 2 before any work. A 0 that means "automatic" or
// "unknown" stays allowed where documented.
const (
	MinPixelSizeUM   = 1e-3 // µm per pixel; below: beyond any light microscope (see below)
	MaxPixelSizeUM   = 1e4  // µm per pixel; 1 cm per pixel
	MinDepthUM       = 1    // counting-chamber depth, µm
	MaxDepthUM       = 1e4
	MinDilution      = 1e-3 // dilution factor (below 1: concentrated)
	MaxDilution      = 1e9
	MinTrypanRatio   = 0.01
	MaxTrypanRatio   = 100
	MaxViablePerML   = 1e12 // release threshold, cells/ml
	MaxDiameterUM    = 1e4  // cell/nucleus diameter bounds, µm
	MinCellsSeeded   = 1    // a dish seeded with less than one cell is a typo
	MaxCellsSeeded   = 1e9
	MaxColonyDiamUM  = 1e6 // 1 m
	MaxColonyAreaUM2 = 1e12
	MaxColonyAreaPx  = 1e10
	MaxColonyDiamPx  = 1e5
	MaxMinCells      = 1e6
	MaxCellAreaUM2   = 1e6
	MinIntervalUM    = 1 // dermis measurement spacing, µm (px when uncalibrated)
	MaxIntervalUM    = 1e5
	MaxMonths        = 1200 // 100 years of follow-up
	MaxROICoordPx    = 1e6
)

// Pixel sizes have three ranges, on purpose, from wide to narrow:
//
//   - MinPixelSizeUM–MaxPixelSizeUM (0.001–10 000 µm/px): what a flag or a
//     manifest may say at all; outside is a typo, refused with exit 2.
//   - MinFilePixelSizeUM–MaxFilePixelSizeUM (0.01–1000 µm/px): what an
//     image file's own metadata must say to be believed (imageio). 0.01 is
//     below any optical microscope's sampling (oil objectives with camera
//     binning 1 reach ~0.05 µm/px); 1000 is a 10 cm dish imaged on ~100 px,
//     coarser than any plate camera or flatbed scanner (300 dpi = 85 µm/px).
//     Outside come from broken metadata (2³²−1 px/cm, 1 px/m); the file is
//     then read as uncalibrated and flagged. The user's own value is
//     trusted further than a file's, which is often a writer's default.
//   - MinSectionPixelSizeUM–MaxSectionPixelSizeUM (0.01–100 µm/px): what
//     dermis measures at, given or read from the file: a 100× oil objective
//     to a slide scanner's thumbnail. A coarser section image (a 4 mm biopsy
//     on under 40 px) has no epidermis to measure, though a plate image at
//     that scale is fine.
const (
	MinFilePixelSizeUM    = 0.01
	MaxFilePixelSizeUM    = 1000.0
	MinSectionPixelSizeUM = 0.01
	MaxSectionPixelSizeUM = 100
)

// PlausibleFilePixelSizeUM reports whether an image file's um µm per pixel
// is believed: finite and within MinFilePixelSizeUM … MaxFilePixelSizeUM.
func PlausibleFilePixelSizeUM(um float64) bool {
	return um >= MinFilePixelSizeUM && um <= MaxFilePixelSizeUM // false for NaN
}
