package cvutil

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/imageio"
)

// ErrBadImage is returned for buffers that do not describe a valid image.
var ErrBadImage = errors.New("cvutil: invalid image buffer")

// ToMat copies a decoded image into a new Mat (CV_8UC1 or CV_8UC3, BGR).
// The caller owns the Mat and must Close it.
func ToMat(img *imageio.Image) (gocv.Mat, error) {
	if img == nil || img.Width <= 0 || img.Height <= 0 {
		return gocv.Mat{}, ErrBadImage
	}
	var mt gocv.MatType
	switch img.Channels {
	case 1:
		mt = gocv.MatTypeCV8UC1
	case 3:
		mt = gocv.MatTypeCV8UC3
	default:
		return gocv.Mat{}, fmt.Errorf("%w: %d channels", ErrBadImage, img.Channels)
	}
	if len(img.Pix) != img.Width*img.Height*img.Channels {
		return gocv.Mat{}, fmt.Errorf("%w: %d bytes for %dx%dx%d", ErrBadImage, len(img.Pix), img.Width, img.Height, img.Channels)
	}
	view, err := gocv.NewMatFromBytes(img.Height, img.Width, mt, img.Pix)
	if err != nil {
		return gocv.Mat{}, err
	}
	defer view.Close()
	// Clone so the Mat owns C memory and does not alias the Go slice.
	return view.Clone(), nil
}

// Gray returns a new single-channel 8-bit copy of m.
func Gray(m gocv.Mat) (gocv.Mat, error) {
	out := gocv.NewMat()
	switch m.Channels() {
	case 1:
		m.CopyTo(&out)
	case 3:
		gocv.CvtColor(m, &out, gocv.ColorBGRToGray)
	case 4:
		gocv.CvtColor(m, &out, gocv.ColorBGRAToGray)
	default:
		out.Close()
		return gocv.Mat{}, fmt.Errorf("%w: %d channels", ErrBadImage, m.Channels())
	}
	return out, nil
}

// BGR returns a new 3-channel copy of m (grey is replicated).
func BGR(m gocv.Mat) (gocv.Mat, error) {
	out := gocv.NewMat()
	switch m.Channels() {
	case 1:
		gocv.CvtColor(m, &out, gocv.ColorGrayToBGR)
	case 3:
		m.CopyTo(&out)
	default:
		out.Close()
		return gocv.Mat{}, fmt.Errorf("%w: %d channels", ErrBadImage, m.Channels())
	}
	return out, nil
}

// ToRGBA converts an 8-bit BGR or grey Mat to a Go image (for overlays).
func ToRGBA(m gocv.Mat) (*image.RGBA, error) {
	if m.Empty() || m.Type() != gocv.MatTypeCV8UC3 && m.Type() != gocv.MatTypeCV8UC1 {
		return nil, fmt.Errorf("%w: want 8-bit grey or BGR", ErrBadImage)
	}
	w, h, ch := m.Cols(), m.Rows(), m.Channels()
	data := m.ToBytes()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * ch
			o := out.PixOffset(x, y)
			if ch == 1 {
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = data[i], data[i], data[i]
			} else {
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = data[i+2], data[i+1], data[i]
			}
			out.Pix[o+3] = 255
		}
	}
	return out, nil
}

// Int32sToGray16 converts a w×h label image (0 background, 1..n objects)
// to a 16-bit Go image; labels above 65535 are an error.
func Int32sToGray16(lab []int32, w, h int) (*image.Gray16, error) {
	if len(lab) != w*h || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: %d labels for %dx%d", ErrBadImage, len(lab), w, h)
	}
	out := image.NewGray16(image.Rect(0, 0, w, h))
	for i, v := range lab {
		if v < 0 || v > math.MaxUint16 {
			return nil, fmt.Errorf("%w: label %d out of 16-bit range", ErrBadImage, v)
		}
		binary.BigEndian.PutUint16(out.Pix[2*i:], uint16(v)) // Gray16's layout
	}
	return out, nil
}

// VarianceOfLaplacian is the classic focus measure: the variance of the
// Laplacian of the grey image. Low values mean blur.
func VarianceOfLaplacian(gray gocv.Mat) float64 {
	lap := gocv.NewMat()
	defer lap.Close()
	gocv.Laplacian(gray, &lap, gocv.MatTypeCV64F, 3, 1, 0, gocv.BorderDefault)
	mean := gocv.NewMat()
	defer mean.Close()
	std := gocv.NewMat()
	defer std.Close()
	gocv.MeanStdDev(lap, &mean, &std)
	s := std.GetDoubleAt(0, 0)
	return s * s
}

// Int32s copies the values of a continuous CV_32S Mat, row-major.
func Int32s(m gocv.Mat) ([]int32, error) {
	if m.Empty() || m.Type() != gocv.MatTypeCV32S {
		return nil, fmt.Errorf("%w: want CV_32S", ErrBadImage)
	}
	b := m.ToBytes()
	if len(b) != 4*m.Rows()*m.Cols() {
		return nil, fmt.Errorf("%w: unexpected data size", ErrBadImage)
	}
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}
