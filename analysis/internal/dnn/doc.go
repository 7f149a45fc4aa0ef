// Package dnn runs small ONNX networks (exported by PyTorch, opset 11) with
// OpenCV's dnn module, for histocount's learned segmenters.
//
// A Net holds the model bytes and a pool of OpenCV network instances: a
// cv::dnn::Net is not safe for concurrent use, so each Predict borrows one
// instance, creating a new one (up to the pool size) when all are busy.
//
// Predict takes a one-channel float image (row-major, w×h) that the caller
// has already normalised as the network was trained, and returns the
// network's output maps at the same size. Fully convolutional networks with
// k poolings need sides that are multiples of 2^k: inputs are mirror-padded
// to a multiple of Multiple (16) and the padding is cropped off the output.
// Images larger than TileSide are processed as overlapping tiles; each tile
// contributes only its centre (Margin px in from each cut side), so tile
// seams see the same context as the rest of the image as long as the
// network's receptive field is within 2·Margin.
//
// gocv types never leave this package: inputs and outputs are []float32.
package dnn
