// Package imageio decodes untrusted microscope images in Go before any of
// their bytes reach OpenCV, and reads their physical calibration.
//
// # Order of checks (Load)
//
//  1. Only regular files are opened (after following symlinks); a FIFO,
//     socket or device named x.png is an ErrNotRegular error, and the
//     open uses O_NONBLOCK so that nothing can block.
//  2. The file size is checked against Options.MaxFileBytes (1 GiB).
//  3. Only the header is read (ReadHeader, through io.ReaderAt): the
//     format is sniffed from the magic bytes (png, jpeg, bmp, TIFF,
//     BigTIFF; GIF and anything else is refused), and for a TIFF the whole
//     directory (IFD) chain is walked without touching pixel data.
//  4. The chosen page's width·height is refused above Options.MaxPixels
//     (150 MP, the decompression-bomb guard), and sides below MinSide.
//  5. Memory budget: Header.DecodeBytes estimates the peak bytes
//     = file + W·H·c·b (decoded, c = 1 for grey else 4, b = 1 or 2 bytes
//     per sample; JPEG colour c = 3) + W·H·o (8-bit result, o = 1 or 3) + W·H·o·2 (16-bit
//     staging) + the largest decompressed TIFF strip/tile, and for the
//     OpenCV fallback also a copy of the file, OpenCV's Mat (W·H·s·b) and
//     libtiff's RGBA raster (W·H·4). Above Options.MaxMemory (default
//     DefaultMaxMemory = 2 GiB; cmd lowers it to RAM/(2·cores) on small
//     machines; --max-memory) the image is ErrTooLarge before anything is
//     decompressed. E.g. a 150 MP 8-bit RGB PNG needs 1.1 GB and passes;
//     a 144 MP 16-bit RGBA PNG needs 2.5 GB and is refused.
//  6. Only then is the file read (once, into a buffer of its exact size),
//     hashed (SHA-256) and decoded. Decoder panics become ErrCorrupt.
//
// # TIFF
//
// Compressions none, LZW, Deflate (8 and 32946), PackBits and CCITT are
// decoded by golang.org/x/image/tiff; JPEG (7, and old-style 6), YCbCr,
// planar and grey+alpha layouts by a fallback Decoder, which
// analysis/cvdecode provides with OpenCV's libtiff reader (imported by
// cmd). Anything else (JPEG 2000, ZSTD, floating-point or 12/32-bit
// samples) is ErrUnsupported. Strips and tiles, 1/8/16-bit samples, both
// byte orders and BigTIFF are read. Go and OpenCV both decode only a
// file's first directory, so the chosen page (Options.Page, 1-based,
// --page) is presented as the first directory of a classic TIFF view
// (the 8-byte header patched; BigTIFF directories rewritten with 4-byte
// offsets and appended) without copying the file.
//
// Every result says Info.Pages (directories in the file, 1 for other
// formats) and Info.Page. When the analysed page of a multi-page TIFF is
// blank — the 0.1–99.9 percentile spread of its samples is at most 2/255
// of full scale (16-bit: of 65535, before rescaling) — the other pages
// (up to 64) are decoded one at a time, and if one is not blank the image
// is flagged "blank_page" with a note naming it. A single-page or
// all-blank file is not flagged.
//
// Animated images are refused rather than analysed on one frame: GIF
// (ErrUnsupported) and APNG with more than one frame (ErrAnimated).
//
// # Bit depth and alpha
//
// The result is an 8-bit interleaved buffer (grey or BGR) that analysis
// packages wrap in a Mat; Info.BitDepth and Info.Channels keep what the
// file stored. 16-bit samples are rescaled linearly to 0–255 between the
// 0.1st and 99.9th percentiles of the image (so a 12-bit camera's
// 0–4095 fills the range) and the image carries QC flag
// "rescaled_16bit". Alpha: when any pixel is not opaque, the image is
// composited over white (brightfield; over black with
// Options.BlackBackground, for fluorescence) and flagged
// "alpha_flattened"; a fully opaque alpha channel is dropped silently.
//
// # Calibration
//
// A pixel size (µm per pixel) is read, for the chosen page, from, in
// order: OME-XML in the TIFF ImageDescription (PhysicalSizeX, with
// PhysicalSizeXUnit nm/µm/mm/cm/m; µm when absent), an ImageJ description
// ("unit=micron" etc. with the XResolution tag in pixels per unit), TIFF
// XResolution with ResolutionUnit inch (25 400 µm) or cm (10 000 µm), and
// the PNG pHYs chunk in pixels per metre (10⁶ µm). The printer defaults
// 72 and 96 dpi, and unit-less resolutions, are ignored because they say
// nothing about the specimen. OME-TIFF and ImageJ stacks write their
// description on the first plane only: a later page without one takes the
// first page's description when it has the same size (a thumbnail or
// macro image of another size does not).
//
// Only plausible microscopy pixel sizes are believed:
// models.MinFilePixelSizeUM = 0.01 ≤ µm/px ≤ models.MaxFilePixelSizeUM =
// 1000 (from an oil objective's sampling
// to a 10 cm dish imaged on 100 px). Anything else — 2³²−1 px/cm
// (2.3·10⁻⁶ µm/px), 1 px/m (10⁶ µm/px), OME 1e308 mm (+Inf) — is treated
// as uncalibrated and flagged "calibration_implausible", with the value
// in Image.Notes.
//
// Image.Calibration is a models.Calibration: the pixel size with its
// models.CalibrationSource (OME, ImageJ, TIFF resolution, PNG pHYs); an
// analysis puts the caller's pixel size (flag or manifest,
// models.GivenCalibration) over it.
//
// # Names
//
// DisplayName makes a file name valid UTF-8 without control characters
// for results, CSVs and logs (invalid bytes become \xNN), leaving every
// ordinary name unchanged.
package imageio
