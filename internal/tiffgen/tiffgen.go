// Package tiffgen writes the TIFF variants microscope and plate cameras
// produce (JPEG, old-style JPEG, LZW, Deflate, PackBits; strips or tiles;
// 8/16-bit grey or RGB; several pages; BigTIFF; OME/ImageJ descriptions
// and resolution tags) so that tests generate their fixtures from code.
// It is test support: the encoders favour clarity over speed and size.
package tiffgen

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"sort"
)

// Compression is a TIFF compression tag value.
type Compression uint16

// TIFF compressions written by Encode.
const (
	None     Compression = 1
	LZW      Compression = 5
	OldJPEG  Compression = 6 // JPEGInterchangeFormat pointing at one JFIF stream
	JPEG     Compression = 7 // one JPEG per strip or tile, tables in JPEGTables
	Deflate  Compression = 8
	PackBits Compression = 32773
)

// Page is one TIFF directory.
type Page struct {
	// Img is *image.Gray, *image.Gray16, *image.RGBA or *image.RGBA64
	// (RGB written, alpha dropped).
	Img          image.Image
	Compression  Compression
	TileSize     int // > 0: square tiles of this size (multiple of 16); 0: strips
	RowsPerStrip int // 0: one strip
	Description  string
	// XResolution as a rational (pixels per unit) and ResolutionUnit
	// (1 none, 2 inch, 3 cm); both omitted when XResNum is 0.
	XResNum, XResDen uint32
	ResUnit          uint16
	Quality          int // JPEG quality; 0 = 92
}

// Options choose the container.
type Options struct {
	BigEndian bool
	BigTIFF   bool
}

// order writes and appends in one byte order.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type entry struct {
	tag, typ uint16
	count    uint64
	val      []byte
}

// Encode writes pages as one TIFF file.
func Encode(pages []Page, o Options) ([]byte, error) {
	if len(pages) == 0 {
		return nil, errors.New("tiffgen: no pages")
	}
	var bo order = binary.LittleEndian
	var b bytes.Buffer
	if o.BigEndian {
		bo = binary.BigEndian
		b.WriteString("MM")
	} else {
		b.WriteString("II")
	}
	put := func(v any) { _ = binary.Write(&b, bo, v) }
	offSize := 4
	var nextPtr int // where the previous "next IFD" offset lives
	if o.BigTIFF {
		put(uint16(43))
		put(uint16(8))
		put(uint16(0))
		nextPtr = b.Len()
		put(uint64(0))
		offSize = 8
	} else {
		put(uint16(42))
		nextPtr = b.Len()
		put(uint32(0))
	}
	patch := func(at int, v uint64) {
		if offSize == 8 {
			bo.PutUint64(b.Bytes()[at:], v)
		} else {
			bo.PutUint32(b.Bytes()[at:], uint32(v))
		}
	}
	for _, p := range pages {
		ents, err := p.encode(&b, bo, offSize)
		if err != nil {
			return nil, err
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].tag < ents[j].tag })
		// Out-of-line values first, then the directory.
		inline := offSize
		offs := make([]uint64, len(ents))
		for i, e := range ents {
			if len(e.val) > inline {
				if b.Len()%2 == 1 {
					b.WriteByte(0)
				}
				offs[i] = uint64(b.Len())
				b.Write(e.val)
			}
		}
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		ifd := b.Len()
		patch(nextPtr, uint64(ifd))
		if o.BigTIFF {
			put(uint64(len(ents)))
		} else {
			put(uint16(len(ents)))
		}
		for i, e := range ents {
			put(e.tag)
			put(e.typ)
			if o.BigTIFF {
				put(e.count)
			} else {
				put(uint32(e.count))
			}
			field := make([]byte, inline)
			if len(e.val) > inline {
				if o.BigTIFF {
					bo.PutUint64(field, offs[i])
				} else {
					bo.PutUint32(field, uint32(offs[i]))
				}
			} else {
				copy(field, e.val)
			}
			b.Write(field)
		}
		nextPtr = b.Len()
		b.Write(make([]byte, offSize))
	}
	return b.Bytes(), nil
}

func shorts(bo order, vs ...uint16) []byte {
	out := make([]byte, 2*len(vs))
	for i, v := range vs {
		bo.PutUint16(out[2*i:], v)
	}
	return out
}

func offsets(bo order, offSize int, vs []uint64) (uint16, []byte) {
	out := make([]byte, offSize*len(vs))
	for i, v := range vs {
		if offSize == 8 {
			bo.PutUint64(out[8*i:], v)
		} else {
			bo.PutUint32(out[4*i:], uint32(v))
		}
	}
	if offSize == 8 {
		return 16, out // LONG8
	}
	return 4, out
}

// samples returns the image's geometry and a function writing the raw
// samples of rectangle r (in file byte order) to a buffer.
func samples(img image.Image, bo order) (spp, bits int, raw func(r image.Rectangle) []byte, err error) {
	switch m := img.(type) {
	case *image.Gray:
		return 1, 8, func(r image.Rectangle) []byte {
			out := make([]byte, 0, r.Dx()*r.Dy())
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					out = append(out, m.GrayAt(x, y).Y)
				}
			}
			return out
		}, nil
	case *image.Gray16:
		return 1, 16, func(r image.Rectangle) []byte {
			out := make([]byte, 0, 2*r.Dx()*r.Dy())
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					out = bo.AppendUint16(out, m.Gray16At(x, y).Y)
				}
			}
			return out
		}, nil
	case *image.RGBA:
		return 3, 8, func(r image.Rectangle) []byte {
			out := make([]byte, 0, 3*r.Dx()*r.Dy())
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					c := m.RGBAAt(x, y)
					out = append(out, c.R, c.G, c.B)
				}
			}
			return out
		}, nil
	case *image.RGBA64:
		return 3, 16, func(r image.Rectangle) []byte {
			out := make([]byte, 0, 6*r.Dx()*r.Dy())
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					c := m.RGBA64At(x, y)
					out = bo.AppendUint16(out, c.R)
					out = bo.AppendUint16(out, c.G)
					out = bo.AppendUint16(out, c.B)
				}
			}
			return out
		}, nil
	}
	return 0, 0, nil, fmt.Errorf("tiffgen: image type %T", img)
}

func (p Page) encode(b *bytes.Buffer, bo order, offSize int) ([]entry, error) {
	bounds := p.Img.Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	spp, bits, raw, err := samples(p.Img, bo)
	if err != nil {
		return nil, err
	}
	comp := p.Compression
	if comp == 0 {
		comp = None
	}
	if (comp == JPEG || comp == OldJPEG) && bits != 8 {
		return nil, errors.New("tiffgen: JPEG needs 8-bit samples")
	}
	photometric := uint16(1)
	if spp == 3 {
		photometric = 2
		if comp == JPEG || comp == OldJPEG {
			photometric = 6 // YCbCr, as libtiff and cameras write JPEG
		}
	}
	var rects []image.Rectangle
	tiled := p.TileSize > 0
	rows := h
	if tiled {
		for y := 0; y < h; y += p.TileSize {
			for x := 0; x < w; x += p.TileSize {
				rects = append(rects, image.Rect(x, y, x+p.TileSize, y+p.TileSize).Add(bounds.Min))
			}
		}
	} else {
		if p.RowsPerStrip > 0 {
			rows = p.RowsPerStrip
		}
		for y := 0; y < h; y += rows {
			rects = append(rects, image.Rect(0, y, w, min(y+rows, h)).Add(bounds.Min))
		}
	}
	var tables []byte
	var offs, counts []uint64
	var ents []entry
	if comp == OldJPEG {
		// One JFIF stream for the whole image; the strip is that stream.
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, p.Img, &jpeg.Options{Quality: quality(p.Quality)}); err != nil {
			return nil, err
		}
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		off := uint64(b.Len())
		b.Write(jb.Bytes())
		offs, counts = []uint64{off}, []uint64{uint64(jb.Len())}
		rows = h
		tiled = false
		ents = append(ents,
			entry{513, 4, 1, binary.LittleEndian.AppendUint32(nil, 0)}, // patched below
			entry{514, 4, 1, nil})
		ents[0].val = bo.AppendUint32(nil, uint32(off))
		ents[1].val = bo.AppendUint32(nil, uint32(jb.Len()))
	} else {
		for _, r := range rects {
			var block []byte
			switch comp {
			case JPEG:
				sub := padded(p.Img, r)
				var jb bytes.Buffer
				if err := jpeg.Encode(&jb, sub, &jpeg.Options{Quality: quality(p.Quality)}); err != nil {
					return nil, err
				}
				t, scan := splitTables(jb.Bytes())
				if tables == nil {
					tables = t
				}
				block = scan
			default:
				data := raw(r.Intersect(bounds))
				if tiled {
					data = raw(r) // tiles are whole, padded past the edge by At's zero
				}
				rowBytes := r.Intersect(bounds).Dx() * spp * bits / 8
				if tiled {
					rowBytes = r.Dx() * spp * bits / 8
				}
				block, err = compress(comp, data, rowBytes)
				if err != nil {
					return nil, err
				}
			}
			if b.Len()%2 == 1 {
				b.WriteByte(0)
			}
			offs = append(offs, uint64(b.Len()))
			counts = append(counts, uint64(len(block)))
			b.Write(block)
		}
	}
	bitsVals := make([]uint16, spp)
	for i := range bitsVals {
		bitsVals[i] = uint16(bits)
	}
	ents = append(ents,
		entry{256, 4, 1, bo.AppendUint32(nil, uint32(w))},
		entry{257, 4, 1, bo.AppendUint32(nil, uint32(h))},
		entry{258, 3, uint64(spp), shorts(bo, bitsVals...)},
		entry{259, 3, 1, shorts(bo, uint16(comp))},
		entry{262, 3, 1, shorts(bo, photometric)},
		entry{277, 3, 1, shorts(bo, uint16(spp))},
		entry{284, 3, 1, shorts(bo, 1)},
	)
	if p.Description != "" {
		ents = append(ents, entry{270, 2, uint64(len(p.Description) + 1), append([]byte(p.Description), 0)})
	}
	if p.XResNum != 0 {
		rat := bo.AppendUint32(bo.AppendUint32(nil, p.XResNum), p.XResDen)
		ents = append(ents, entry{282, 5, 1, rat}, entry{283, 5, 1, rat}, entry{296, 3, 1, shorts(bo, p.ResUnit)})
	}
	if photometric == 6 {
		ents = append(ents, entry{530, 3, 2, shorts(bo, 2, 2)})
		ref := []byte{}
		for _, v := range [][2]uint32{{0, 1}, {255, 1}, {128, 1}, {255, 1}, {128, 1}, {255, 1}} {
			ref = bo.AppendUint32(bo.AppendUint32(ref, v[0]), v[1])
		}
		ents = append(ents, entry{532, 5, 6, ref})
	}
	if tables != nil {
		ents = append(ents, entry{347, 7, uint64(len(tables)), tables})
	}
	ot, ov := offsets(bo, offSize, offs)
	ct, cv := offsets(bo, offSize, counts)
	if tiled {
		ents = append(ents,
			entry{322, 3, 1, shorts(bo, uint16(p.TileSize))},
			entry{323, 3, 1, shorts(bo, uint16(p.TileSize))},
			entry{324, ot, uint64(len(offs)), ov},
			entry{325, ct, uint64(len(counts)), cv})
	} else {
		ents = append(ents,
			entry{273, ot, uint64(len(offs)), ov},
			entry{278, 4, 1, bo.AppendUint32(nil, uint32(rows))},
			entry{279, ct, uint64(len(counts)), cv})
	}
	return ents, nil
}

func quality(q int) int {
	if q <= 0 {
		return 92
	}
	return q
}

// padded copies rectangle r of img (zero past its edge) into an image of
// r's size, so that edge tiles and strips encode whole MCUs.
func padded(img image.Image, r image.Rectangle) image.Image {
	var dst draw.Image
	if _, ok := img.(*image.Gray); ok {
		dst = image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	} else {
		rgba := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(rgba, rgba.Bounds(), &image.Uniform{color.Black}, image.Point{}, draw.Src)
		dst = rgba
	}
	draw.Draw(dst, image.Rect(0, 0, r.Dx(), r.Dy()), img, r.Min, draw.Src)
	return dst
}

// splitTables splits a JFIF stream into a JPEGTables stream (SOI, DQT,
// DHT, EOI) and the abbreviated image stream without them, as libtiff
// writes compression 7.
func splitTables(s []byte) (tables, scan []byte) {
	tables = []byte{0xff, 0xd8}
	scan = []byte{0xff, 0xd8}
	p := 2
	for p+4 <= len(s) && s[p] == 0xff {
		m := s[p+1]
		n := int(s[p+2])<<8 | int(s[p+3])
		seg := s[p : p+2+n]
		if m == 0xda { // SOS: the rest is scan data
			scan = append(scan, s[p:]...)
			break
		}
		switch m {
		case 0xdb, 0xc4: // DQT, DHT
			tables = append(tables, seg...)
		case 0xe0: // JFIF APP0 is not part of a TIFF strip
		default:
			scan = append(scan, seg...)
		}
		p += 2 + n
	}
	return append(tables, 0xff, 0xd9), scan
}

func compress(c Compression, data []byte, rowBytes int) ([]byte, error) {
	switch c {
	case None:
		return data, nil
	case Deflate:
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	case LZW:
		return lzwEncode(data), nil
	case PackBits:
		var out []byte
		for r := 0; r < len(data); r += rowBytes {
			out = packBits(out, data[r:min(r+rowBytes, len(data))])
		}
		return out, nil
	}
	return nil, fmt.Errorf("tiffgen: compression %d", c)
}

// packBits appends the PackBits encoding of row: runs of three or more
// equal bytes as repeats, the rest as literals.
func packBits(out, row []byte) []byte {
	for i := 0; i < len(row); {
		j := i + 1
		for j < len(row) && j-i < 128 && row[j] == row[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(int8(-(j - i - 1))), row[i])
			i = j
			continue
		}
		// literal until the next run of 3 or 128 bytes
		k := i
		for k < len(row) && k-i < 128 {
			if k+2 < len(row) && row[k] == row[k+1] && row[k] == row[k+2] {
				break
			}
			k++
		}
		out = append(out, byte(k-i-1))
		out = append(out, row[i:k]...)
		i = k
	}
	return out
}

// lzwEncode is TIFF's LZW: MSB-first codes from 9 to 12 bits, Clear 256,
// EOI 257, and the code width growing one code early as libtiff does.
func lzwEncode(data []byte) []byte {
	var out []byte
	var acc uint32
	var nacc uint
	width := uint(9)
	emit := func(code int) {
		acc = acc<<width | uint32(code)
		nacc += width
		for nacc >= 8 {
			out = append(out, byte(acc>>(nacc-8)))
			nacc -= 8
		}
	}
	dict := map[int]int{}
	next := 258
	emit(256)
	w := -1
	for _, c := range data {
		if w < 0 {
			w = int(c)
			continue
		}
		if code, ok := dict[w<<8|int(c)]; ok {
			w = code
			continue
		}
		emit(w)
		dict[w<<8|int(c)] = next
		next++
		if next == 1<<width && width < 12 {
			width++
		}
		if next >= 4093 {
			emit(256)
			dict = map[int]int{}
			next, width = 258, 9
		}
		w = int(c)
	}
	if w >= 0 {
		emit(w)
		next++
		if next == 1<<width && width < 12 {
			width++
		}
	}
	emit(257)
	if nacc > 0 {
		out = append(out, byte(acc<<(8-nacc)))
	}
	return out
}
