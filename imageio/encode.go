package imageio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"math"
)

// EncodePNG encodes img as PNG and, when pixelSizeUM > 0, records the pixel
// size in a pHYs chunk (pixels per metre) so that ReadCalibration finds it.
func EncodePNG(img image.Image, pixelSizeUM float64) ([]byte, error) {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
		return nil, err
	}
	data := b.Bytes()
	if pixelSizeUM <= 0 {
		return data, nil
	}
	ppm := uint32(math.Round(1e6 / pixelSizeUM))
	body := make([]byte, 9)
	binary.BigEndian.PutUint32(body[0:], ppm)
	binary.BigEndian.PutUint32(body[4:], ppm)
	body[8] = 1 // unit: metre
	var c bytes.Buffer
	_ = binary.Write(&c, binary.BigEndian, uint32(len(body)))
	c.WriteString("pHYs")
	c.Write(body)
	_ = binary.Write(&c, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("pHYs"), body...)))
	// pHYs must precede IDAT: put it right after the signature and IHDR.
	const afterIHDR = 8 + 25
	out := append([]byte{}, data[:afterIHDR]...)
	out = append(out, c.Bytes()...)
	return append(out, data[afterIHDR:]...), nil
}
