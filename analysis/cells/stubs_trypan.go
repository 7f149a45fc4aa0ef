package cells

import (
	"errors"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/models"
)

// segmentTrypan is replaced by the trypan-blue segmenter.
func segmentTrypan(src, gray gocv.Mat, cal models.Calibration, opt Options) (segmentation, error) {
	return segmentation{}, errors.New("cells: trypan not implemented")
}
