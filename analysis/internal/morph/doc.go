// Package morph holds the plain-Go binary-image helpers shared by the
// segmenters in analysis/: connected-component labelling, hole filling and
// the exact Euclidean distance transform. Histogram thresholds (Otsu) are
// in the sibling package threshold.
//
// Images are row-major slices of w×h pixels; pixel (x, y) is element
// y·w + x. A mask pixel is foreground when it differs from the zero value
// of its type (0 for byte and int32, false for bool), so the same code
// serves 0/1 byte masks, bool masks and label images. Nothing here calls
// OpenCV, and every result is deterministic.
//
// # Connected components
//
// LabelComponents numbers the 8-connected components of the foreground
// 1..n in raster order of each component's first pixel (the top-most, then
// left-most); LabelComponents4 does the same with 4-connectivity, the dual
// of 8-connected foreground, used for background regions. Applied to a
// label image, LabelComponents groups touching objects.
//
// FillHoles sets to foreground every 4-connected background region that
// does not reach the image border and has at most maxArea pixels.
//
// # Distance transform
//
// DistanceToBackground returns, for every foreground pixel p, the
// Euclidean distance in pixels
//
//	D(p) = min over background q of ‖p − q‖₂
//
// and 0 on background pixels. It is exact (not a chamfer approximation):
// the squared distance is separable, D²(x, y) = min over x' of
// ((x − x')² + G²(x', y)) where G is the 1-D distance down each column
// (two raster sweeps, down and up, for a binary mask), and each row pass is
// the lower envelope of the parabolas rooted at the samples, O(w·h) in all. With BorderIsBackground the pixels just outside
// the image count as background, so an object cut by the image edge is not
// mistaken for a larger one; with BorderIsOpen only pixels inside the image
// count (an image without background pixels then gets distances ≈ 1e10).
//
// Reference: P. F. Felzenszwalb and D. P. Huttenlocher, "Distance
// transforms of sampled functions", Theory of Computing 8 (2012) 415–428.
package morph
