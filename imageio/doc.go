// Package imageio decodes untrusted microscope images in Go before any of
// their bytes reach OpenCV, and reads their physical calibration.
//
// Decoding order: the file is size-checked, hashed (SHA-256), its header is
// read with image.DecodeConfig and refused when width·height exceeds
// Limits.MaxPixels (a decompression-bomb guard), and only then fully
// decoded. Decoder panics are recovered into errors. The result is an 8-bit
// interleaved buffer (grey or BGR) that analysis packages wrap in a Mat.
//
// Bit depth: 16-bit samples are rescaled linearly to 8 bits between the
// 0.1st and 99.9th percentiles, and the image carries QC flag
// "rescaled_16bit". Alpha: when any pixel is not opaque, the image is
// composited over Options.Background and flagged "alpha_flattened".
//
// Calibration (µm per pixel) is read from, in order: OME-XML in the TIFF
// ImageDescription (PhysicalSizeX, with PhysicalSizeXUnit), an ImageJ
// description ("unit=micron" etc. with the XResolution tag in pixels per
// unit), TIFF XResolution with ResolutionUnit inch (25 400 µm) or cm
// (10 000 µm), and the PNG pHYs chunk in pixels per metre. The printer
// defaults 72 and 96 dpi, and unit-less resolutions, are ignored because
// they say nothing about the specimen.
package imageio
