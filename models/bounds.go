package models

// Plausible ranges of the numeric parameters, shared by the command-line
// flags and the manifest. They are wide (a factor of 10–1000 beyond any
// real lab value) but finite, so that no parameter can drive a result to
// ±Inf, 0 or an endless loop: a value outside is a typo or an attack, and
// is refused with exit 2 before any work. A 0 that means "automatic" or
// "unknown" stays allowed where documented.
const (
	MinPixelSizeUM   = 1e-3 // µm per pixel; below: beyond any light microscope
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
