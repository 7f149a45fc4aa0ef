package imageio

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sync"
)

// WritePNG encodes img as PNG to w. For the types the analyses write
// (overlays: *image.RGBA or *image.NRGBA, labels: *image.Gray16, masks:
// *image.Gray) it is about twice as fast as image/png at BestSpeed and
// decodes to the same pixels: image/png tries all five row filters on every
// row and keeps the best guess, which cost as much as the compression
// itself on a nuclei batch; here every row takes the Up filter (labels and
// overlays repeat the row above almost everywhere) and zlib runs at its
// fastest level. Opaque RGBA/NRGBA is written as RGB, as image/png does.
// Other types go to image/png.
func WritePNG(w io.Writer, img image.Image) error {
	e, ok := newRowEncoder(img)
	if !ok {
		return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
	}
	b := img.Bounds()
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(b.Dx()))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(b.Dy()))
	ihdr[8], ihdr[9] = e.depth, e.colour // compression, filter, interlace: 0
	writeChunk(bw, "IHDR", ihdr[:])
	cw := &idatWriter{w: bw}
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(cw)
	n := e.bpp * b.Dx()
	raw, above, out := make([]byte, n), make([]byte, n), make([]byte, 1+n)
	out[0] = 2 // Up: each byte minus the one above it (0 above the first row)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		e.row(raw, y)
		for i, v := range raw {
			out[1+i] = v - above[i]
		}
		if _, err := zw.Write(out); err != nil {
			return err
		}
		raw, above = above, raw
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := cw.flush(); err != nil {
		return err
	}
	writeChunk(bw, "IEND", nil)
	return bw.Flush()
}

// zlibWriters recycles the compressors (hundreds of KB of state each, which a
// new writer per overlay and label image would allocate and clear).
var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // the level is valid
	return zw
}}

// rowEncoder writes one image row as PNG samples.
type rowEncoder struct {
	depth, colour byte
	bpp           int // bytes per pixel
	row           func(dst []byte, y int)
}

// newRowEncoder returns the row writer for img's type, false for types
// left to image/png.
func newRowEncoder(img image.Image) (rowEncoder, bool) {
	b := img.Bounds()
	w := b.Dx()
	if w <= 0 || b.Dy() <= 0 {
		return rowEncoder{}, false
	}
	switch m := img.(type) {
	case *image.Gray:
		return rowEncoder{8, 0, 1, func(d []byte, y int) {
			i := m.PixOffset(b.Min.X, y)
			copy(d, m.Pix[i:i+w])
		}}, true
	case *image.Gray16:
		return rowEncoder{16, 0, 2, func(d []byte, y int) {
			i := m.PixOffset(b.Min.X, y)
			copy(d, m.Pix[i:i+2*w]) // big-endian, as PNG
		}}, true
	case *image.RGBA:
		if !m.Opaque() {
			return rowEncoder{}, false // premultiplied alpha: image/png converts
		}
		return rgbRows(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), b.Min.Y, w), true
	case *image.NRGBA:
		if m.Opaque() {
			return rgbRows(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), b.Min.Y, w), true
		}
		return rowEncoder{8, 6, 4, func(d []byte, y int) {
			i := m.PixOffset(b.Min.X, y)
			copy(d, m.Pix[i:i+4*w])
		}}, true
	}
	return rowEncoder{}, false
}

// rgbRows drops the alpha byte of opaque 4-byte pixels.
func rgbRows(pix []byte, stride, off, y0, w int) rowEncoder {
	return rowEncoder{8, 2, 3, func(d []byte, y int) {
		s := pix[off+(y-y0)*stride : off+(y-y0)*stride+4*w]
		for x := 0; x < w; x++ {
			d[3*x], d[3*x+1], d[3*x+2] = s[4*x], s[4*x+1], s[4*x+2]
		}
	}}
}

// idatWriter cuts the zlib stream into IDAT chunks of up to 64 KiB.
type idatWriter struct {
	w   *bufio.Writer
	buf []byte
}

func (c *idatWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if c.buf == nil {
			c.buf = make([]byte, 0, 64<<10)
		}
		k := min(len(p), cap(c.buf)-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == cap(c.buf) {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *idatWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	writeChunk(c.w, "IDAT", c.buf)
	c.buf = c.buf[:0]
	return nil
}

// writeChunk writes one PNG chunk; bufio keeps the first error, which the
// final Flush returns.
func writeChunk(w *bufio.Writer, typ string, data []byte) {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	w.Write(hdr[:])
	w.Write(data)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:])
	crc.Write(data)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc.Sum32())
	w.Write(sum[:])
}
