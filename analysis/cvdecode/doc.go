// Package cvdecode decodes, with OpenCV's libtiff reader, the TIFF pages
// that Go's decoder cannot: JPEG compression (7, and old-style 6), YCbCr,
// planar and grey+alpha layouts. Importing it registers Decoder as
// imageio's fallback:
//
//	import _ "github.com/histocount/histocount/analysis/cvdecode"
//
// imageio has already parsed the header, applied the pixel and memory
// limits, chosen the page and rewritten it as the first directory of a
// classic TIFF; this package checks that again before any byte reaches
// C code (an OpenCV exception would abort the process), and checks the
// decoded Mat against the header.
//
// Conversion: OpenCV returns BGR(A) in CV_8U or CV_16U; the result is the
// matching Go image (Gray, RGBA, NRGBA, Gray16, RGBA64, NRGBA64) with the
// channels swapped to RGB and 16-bit samples stored big-endian, so that
// imageio's normalisation (16-bit percentile rescale, alpha compositing)
// treats Go- and OpenCV-decoded pages alike. No scaling happens here.
package cvdecode
