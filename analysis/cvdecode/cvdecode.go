package cvdecode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/imageio"
)

func init() { imageio.RegisterFallback(Decoder{}) }

// Decoder is imageio's fallback TIFF decoder.
type Decoder struct{}

// maxSide bounds each side as OpenCV's own CV_IO_MAX_IMAGE_WIDTH does.
const maxSide = 1 << 20

// DecodeTIFF implements imageio.Decoder.
func (Decoder) DecodeTIFF(data []byte, h imageio.Header) (image.Image, error) {
	if len(data) < 8 || (string(data[:4]) != "II*\x00" && string(data[:4]) != "MM\x00*") {
		return nil, fmt.Errorf("%w: cvdecode: not a classic TIFF", imageio.ErrCorrupt)
	}
	if h.Width <= 0 || h.Height <= 0 || h.Width > maxSide || h.Height > maxSide {
		return nil, fmt.Errorf("%w: cvdecode: %dx%d", imageio.ErrCorrupt, h.Width, h.Height)
	}
	if h.Samples < 1 || h.Samples > 4 || (h.BitDepth != 8 && h.BitDepth != 16 && h.BitDepth != 1) {
		return nil, fmt.Errorf("%w: cvdecode: %d samples of %d bits", imageio.ErrUnsupported, h.Samples, h.BitDepth)
	}
	m, err := gocv.IMDecode(data, gocv.IMReadUnchanged)
	if err != nil {
		return nil, fmt.Errorf("%w: cvdecode: %v", imageio.ErrCorrupt, err)
	}
	defer m.Close()
	if m.Empty() {
		return nil, fmt.Errorf("%w: OpenCV/libtiff could not decode this TIFF (compression %d)", imageio.ErrCorrupt, h.Compression)
	}
	if m.Cols() != h.Width || m.Rows() != h.Height {
		return nil, fmt.Errorf("%w: header %dx%d, OpenCV decoded %dx%d", imageio.ErrCorrupt, h.Width, h.Height, m.Cols(), m.Rows())
	}
	return toImage(m)
}

var errType = errors.New("cvdecode: unexpected Mat type")

// toImage copies a continuous 8- or 16-bit Mat (grey, BGR or BGRA) into
// the matching Go image (Gray, RGBA, NRGBA and their 16-bit forms).
func toImage(m gocv.Mat) (image.Image, error) {
	w, h, ch := m.Cols(), m.Rows(), m.Channels()
	r := image.Rect(0, 0, w, h)
	switch m.Type() {
	case gocv.MatTypeCV8UC1, gocv.MatTypeCV8UC3, gocv.MatTypeCV8UC4:
		src, err := m.DataPtrUint8()
		if err != nil || len(src) != w*h*ch {
			return nil, fmt.Errorf("%w: %v", errType, err)
		}
		switch ch {
		case 1:
			g := image.NewGray(r)
			copy(g.Pix, src)
			return g, nil
		case 3:
			c := image.NewRGBA(r)
			for i, j := 0, 0; i < len(src); i, j = i+3, j+4 {
				c.Pix[j], c.Pix[j+1], c.Pix[j+2], c.Pix[j+3] = src[i+2], src[i+1], src[i], 255
			}
			return c, nil
		default:
			c := image.NewNRGBA(r)
			for i := 0; i < len(src); i += 4 {
				c.Pix[i], c.Pix[i+1], c.Pix[i+2], c.Pix[i+3] = src[i+2], src[i+1], src[i], src[i+3]
			}
			return c, nil
		}
	case gocv.MatTypeCV16UC1, gocv.MatTypeCV16UC3, gocv.MatTypeCV16UC4:
		src, err := m.DataPtrUint16()
		if err != nil || len(src) != w*h*ch {
			return nil, fmt.Errorf("%w: %v", errType, err)
		}
		be := binary.BigEndian // Go's 16-bit images are big-endian
		switch ch {
		case 1:
			g := image.NewGray16(r)
			for i, v := range src {
				be.PutUint16(g.Pix[2*i:], v)
			}
			return g, nil
		case 3:
			c := image.NewRGBA64(r)
			for i, j := 0, 0; i < len(src); i, j = i+3, j+8 {
				be.PutUint16(c.Pix[j:], src[i+2])
				be.PutUint16(c.Pix[j+2:], src[i+1])
				be.PutUint16(c.Pix[j+4:], src[i])
				be.PutUint16(c.Pix[j+6:], 0xffff)
			}
			return c, nil
		default:
			c := image.NewNRGBA64(r)
			for i := 0; i < len(src); i += 4 {
				be.PutUint16(c.Pix[2*i:], src[i+2])
				be.PutUint16(c.Pix[2*i+2:], src[i+1])
				be.PutUint16(c.Pix[2*i+4:], src[i])
				be.PutUint16(c.Pix[2*i+6:], src[i+3])
			}
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", errType, m.Type())
}
