// Package analysis holds the image science of histocount, one sub-package
// per capability (cells, colonies, dermis). This package only exposes the
// process-wide OpenCV settings, so that callers outside analysis/ never
// import gocv.
package analysis

import (
	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvutil"
)

// SetOpenCVThreads sets OpenCV's internal thread pool (cv::setNumThreads).
// With W pipeline workers on C cores use max(1, C/W): the workers already
// keep the cores busy, and a second level of threads only adds contention.
func SetOpenCVThreads(n int) { cvutil.SetNumThreads(n) }

// OpenCVThreads returns OpenCV's thread pool size.
func OpenCVThreads() int { return cvutil.NumThreads() }

// OpenCVVersion returns the linked OpenCV version, e.g. "4.6.0".
func OpenCVVersion() string { return gocv.OpenCVVersion() }
