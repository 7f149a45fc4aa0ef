package imageio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// TIFF tags read from every page (IFD).
const (
	tagNewSubfileType   = 254
	tagImageWidth       = 256
	tagImageLength      = 257
	tagBitsPerSample    = 258
	tagCompression      = 259
	tagPhotometric      = 262
	tagImageDescription = 270
	tagStripOffsets     = 273
	tagSamplesPerPixel  = 277
	tagRowsPerStrip     = 278
	tagXResolution      = 282
	tagPlanarConfig     = 284
	tagResolutionUnit   = 296
	tagTileWidth        = 322
	tagTileLength       = 323
	tagSampleFormat     = 339
)

// TIFF compression values (tag 259).
const (
	tiffNone        = 1
	tiffCCITT       = 2
	tiffG3          = 3
	tiffG4          = 4
	tiffLZW         = 5
	tiffOldJPEG     = 6
	tiffJPEG        = 7
	tiffDeflate     = 8
	tiffPackBits    = 32773
	tiffDeflateOld  = 32946
	maxTIFFPages    = 100_000 // longer IFD chains are refused as hostile
	maxTIFFEntries  = 4096    // entries in one IFD
	maxTIFFDescSize = 1 << 20 // ImageDescription bytes kept per page (OME-XML)
	// A hostile chain of many large directories must not cost unbounded
	// time or memory: these bound the entries read and the descriptions
	// kept over the whole file.
	maxTIFFTotalEntries = 1 << 20
	maxTIFFTotalDesc    = 8 << 20
)

// tiffPage is what histocount needs from one TIFF directory (IFD).
type tiffPage struct {
	ifdOffset     int64
	width, height int64
	bitsPerSample int // first BitsPerSample value
	samples       int // SamplesPerPixel
	compression   int
	photometric   int
	planar        int
	sampleFormat  int   // 1 uint, 2 int, 3 float
	rowsPerStrip  int64 // 0 = whole image
	tileW, tileH  int64
	desc          string
	xres          float64 // pixels per unit; 0 = absent
	resUnit       int     // 1 none, 2 inch, 3 cm; 0 = absent (inch by default)
	subfile       int     // NewSubfileType: bit 0 = reduced-resolution copy
}

// tiffFile is a parsed TIFF or BigTIFF: byte order and every page.
type tiffFile struct {
	order   binary.ByteOrder
	bigTIFF bool
	pages   []tiffPage

	entries, descBytes int64 // read so far, against the file-wide caps
}

var errNotTIFF = errors.New("not a TIFF")

// parseTIFF walks the IFD chain of a TIFF or BigTIFF held in r (size bytes)
// reading only the directories and the few values they point to, so that a
// page's size is known before any pixel is decompressed.
func parseTIFF(r io.ReaderAt, size int64) (*tiffFile, error) {
	var hdr [16]byte
	if size < 8 {
		return nil, errNotTIFF
	}
	n := min(size, 16)
	if _, err := r.ReadAt(hdr[:n], 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	t := &tiffFile{}
	switch string(hdr[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return nil, errNotTIFF
	}
	var next int64
	switch t.order.Uint16(hdr[2:4]) {
	case 42:
		next = int64(t.order.Uint32(hdr[4:8]))
	case 43:
		if n < 16 || t.order.Uint16(hdr[4:6]) != 8 || t.order.Uint16(hdr[6:8]) != 0 {
			return nil, fmt.Errorf("%w: bad BigTIFF header", ErrCorrupt)
		}
		t.bigTIFF = true
		next = int64(t.order.Uint64(hdr[8:16]))
	default:
		return nil, errNotTIFF
	}
	seen := map[int64]bool{}
	for next != 0 {
		if next < 8 || next >= size || seen[next] {
			if len(t.pages) > 0 {
				break // a bad link after the first page ends the chain; the pages read stay usable
			}
			return nil, fmt.Errorf("%w: TIFF directory offset %d outside the file", ErrCorrupt, next)
		}
		if len(t.pages) >= maxTIFFPages {
			return nil, fmt.Errorf("%w: more than %d TIFF pages", ErrCorrupt, maxTIFFPages)
		}
		seen[next] = true
		p, nxt, err := t.readIFD(r, size, next)
		if err != nil {
			if len(t.pages) > 0 {
				break
			}
			return nil, err
		}
		t.pages = append(t.pages, p)
		next = nxt
	}
	if len(t.pages) == 0 {
		return nil, fmt.Errorf("%w: TIFF without pages", ErrCorrupt)
	}
	return t, nil
}

// entrySize and friends follow the classic (12-byte entries, 4-byte values)
// or BigTIFF (20-byte entries, 8-byte values) layout.
func (t *tiffFile) layout() (countSize, entrySize, valSize int64) {
	if t.bigTIFF {
		return 8, 20, 8
	}
	return 2, 12, 4
}

// tiffTypeSize is the byte size of one value of TIFF field type typ.
func tiffTypeSize(typ uint16) int64 {
	switch typ {
	case 1, 2, 6, 7: // BYTE ASCII SBYTE UNDEFINED
		return 1
	case 3, 8: // SHORT SSHORT
		return 2
	case 4, 9, 11, 13: // LONG SLONG FLOAT IFD
		return 4
	case 5, 10, 12, 16, 17, 18: // RATIONAL SRATIONAL DOUBLE LONG8 SLONG8 IFD8
		return 8
	}
	return 0
}

func (t *tiffFile) readIFD(r io.ReaderAt, size, off int64) (tiffPage, int64, error) {
	p := tiffPage{ifdOffset: off, samples: 1, bitsPerSample: 1, compression: tiffNone, planar: 1, sampleFormat: 1}
	countSize, entrySize, valSize := t.layout()
	cb := make([]byte, countSize)
	if _, err := r.ReadAt(cb, off); err != nil {
		return p, 0, fmt.Errorf("%w: TIFF directory: %v", ErrCorrupt, err)
	}
	var n int64
	if t.bigTIFF {
		n = int64(t.order.Uint64(cb))
	} else {
		n = int64(t.order.Uint16(cb))
	}
	if n <= 0 || n > maxTIFFEntries || off+countSize+n*entrySize+valSize > size {
		return p, 0, fmt.Errorf("%w: TIFF directory with %d entries at %d", ErrCorrupt, n, off)
	}
	if t.entries += n; t.entries > maxTIFFTotalEntries {
		return p, 0, fmt.Errorf("%w: TIFF directories hold more than %d entries", ErrCorrupt, maxTIFFTotalEntries)
	}
	buf := make([]byte, n*entrySize+valSize)
	if _, err := r.ReadAt(buf, off+countSize); err != nil {
		return p, 0, fmt.Errorf("%w: TIFF directory: %v", ErrCorrupt, err)
	}
	for i := int64(0); i < n; i++ {
		e := buf[i*entrySize : (i+1)*entrySize]
		tag := t.order.Uint16(e[0:2])
		typ := t.order.Uint16(e[2:4])
		var count int64
		var val []byte
		if t.bigTIFF {
			c := t.order.Uint64(e[4:12])
			if c > math.MaxInt32 {
				continue
			}
			count, val = int64(c), e[12:20]
		} else {
			count, val = int64(t.order.Uint32(e[4:8])), e[8:12]
		}
		ts := tiffTypeSize(typ)
		if ts == 0 || count <= 0 {
			continue
		}
		// Only the first value matters for the numeric tags read here,
		// and the description is capped: a hostile count cannot make us
		// read more than maxTIFFDescSize bytes.
		want := min(ts*count, int64(maxTIFFDescSize))
		data := val
		if ts*count > valSize {
			if tag != tagImageDescription {
				want = min(want, 16)
			} else if want = min(want, maxTIFFTotalDesc-t.descBytes); want <= 0 {
				continue // description budget spent: this page's calibration falls back to its tags
			} else {
				t.descBytes += want
			}
			var o int64
			if t.bigTIFF {
				o = int64(t.order.Uint64(val))
			} else {
				o = int64(t.order.Uint32(val))
			}
			if o < 0 || o >= size {
				continue
			}
			want = min(want, size-o)
			data = make([]byte, want)
			if _, err := r.ReadAt(data, o); err != nil && !errors.Is(err, io.EOF) {
				continue
			}
		}
		first := func() (int64, bool) {
			switch typ {
			case 1, 7:
				return int64(data[0]), true
			case 3:
				if len(data) >= 2 {
					return int64(t.order.Uint16(data)), true
				}
			case 4, 13:
				if len(data) >= 4 {
					return int64(t.order.Uint32(data)), true
				}
			case 16, 18:
				if len(data) >= 8 {
					v := t.order.Uint64(data)
					if v <= math.MaxInt64 {
						return int64(v), true
					}
				}
			}
			return 0, false
		}
		switch tag {
		case tagImageDescription:
			if typ == 2 {
				p.desc = strings.TrimRight(string(data[:min(int64(len(data)), count)]), "\x00")
			}
		case tagXResolution:
			if typ == 5 && len(data) >= 8 {
				num, den := t.order.Uint32(data[0:4]), t.order.Uint32(data[4:8])
				if den != 0 {
					p.xres = float64(num) / float64(den)
				}
			}
		default:
			v, ok := first()
			if !ok {
				continue
			}
			switch tag {
			case tagNewSubfileType:
				p.subfile = int(v & 0xff)
			case tagImageWidth:
				p.width = v
			case tagImageLength:
				p.height = v
			case tagBitsPerSample:
				p.bitsPerSample = int(min(v, 1<<16))
			case tagCompression:
				p.compression = int(v)
			case tagPhotometric:
				p.photometric = int(v)
			case tagSamplesPerPixel:
				p.samples = int(min(v, 1<<16))
			case tagRowsPerStrip:
				p.rowsPerStrip = v
			case tagPlanarConfig:
				p.planar = int(v)
			case tagResolutionUnit:
				p.resUnit = int(v)
			case tagTileWidth:
				p.tileW = v
			case tagTileLength:
				p.tileH = v
			case tagSampleFormat:
				p.sampleFormat = int(v)
			}
		}
	}
	nb := buf[n*entrySize:]
	var next int64
	if t.bigTIFF {
		u := t.order.Uint64(nb)
		if u > math.MaxInt64 {
			u = 0
		}
		next = int64(u)
	} else {
		next = int64(t.order.Uint32(nb))
	}
	return p, next, nil
}

// goDecodes reports whether golang.org/x/image/tiff decodes page p.
func (p tiffPage) goDecodes() bool {
	switch p.compression {
	case tiffNone, tiffLZW, tiffDeflate, tiffDeflateOld, tiffPackBits, tiffG3, tiffG4:
	default:
		return false
	}
	if p.planar != 1 || p.sampleFormat != 1 {
		return false
	}
	switch p.photometric {
	case 0, 1: // grey
		return p.samples == 1
	case 2: // RGB
		return p.samples == 3 || p.samples == 4
	case 3: // palette
		return p.samples == 1
	}
	return false
}

// stripBytes is the largest decompressed strip or tile a decoder holds
// at once besides the image itself.
func (p tiffPage) stripBytes() int64 {
	bps := int64(max(1, (p.bitsPerSample+7)/8))
	spp := int64(max(1, p.samples))
	if p.tileW > 0 && p.tileH > 0 {
		return satMul(satMul(p.tileW, p.tileH), spp*bps)
	}
	rows := p.rowsPerStrip
	if rows <= 0 || rows > p.height {
		rows = p.height
	}
	return satMul(satMul(rows, p.width), spp*bps)
}

// satMul multiplies non-negative a and b, saturating at MaxInt64.
func satMul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// pageView presents page i of a TIFF as a classic single-page TIFF, so that
// Go's decoder and OpenCV's (which both read only the first directory)
// decode the chosen page, and BigTIFF reaches Go's decoder. The original
// bytes are not copied: the view patches the 8-byte header and, for
// BigTIFF, appends the directory rewritten with 4-byte offsets.
type pageView struct {
	base  io.ReaderAt
	size  int64
	head  [8]byte
	extra []byte // rewritten directory, at offset size
}

func (v *pageView) Size() int64 { return v.size + int64(len(v.extra)) }

// ReadAt implements io.ReaderAt over header + original bytes + extra.
func (v *pageView) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("imageio: negative offset")
	}
	n := 0
	for n < len(b) {
		o := off + int64(n)
		switch {
		case o < 8:
			n += copy(b[n:], v.head[o:])
		case o < v.size:
			end := min(int64(len(b)-n), v.size-o)
			k, err := v.base.ReadAt(b[n:n+int(end)], o)
			n += k
			if err != nil && !(errors.Is(err, io.EOF) && k == int(end)) {
				return n, err
			}
		case o < v.Size():
			n += copy(b[n:], v.extra[o-v.size:])
		default:
			return n, io.EOF
		}
	}
	return n, nil
}

// Bytes materialises the view (for decoders that need a buffer).
func (v *pageView) Bytes() ([]byte, error) {
	out := make([]byte, v.Size())
	if _, err := v.ReadAt(out, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return out, nil
}

// view returns page i as a classic TIFF.
func (t *tiffFile) view(r io.ReaderAt, size int64, i int) (*pageView, error) {
	v := &pageView{base: r, size: size}
	if t.order == binary.LittleEndian {
		copy(v.head[:2], "II")
	} else {
		copy(v.head[:2], "MM")
	}
	t.order.PutUint16(v.head[2:4], 42)
	if !t.bigTIFF {
		t.order.PutUint32(v.head[4:8], uint32(t.pages[i].ifdOffset))
		return v, nil
	}
	if size > math.MaxUint32/2 {
		return nil, fmt.Errorf("%w: BigTIFF larger than 2 GiB", ErrTooLarge)
	}
	ifd, err := t.classicIFD(r, size, t.pages[i].ifdOffset)
	if err != nil {
		return nil, err
	}
	v.extra = ifd
	t.order.PutUint32(v.head[4:8], uint32(size))
	return v, nil
}

// classicIFD rewrites the BigTIFF directory at off as a classic one placed
// at offset base (= the file size): 8-byte integer types become 4-byte
// LONGs (offsets into a file below 2 GiB fit), and values that no longer
// fit in the entry follow the directory.
func (t *tiffFile) classicIFD(r io.ReaderAt, base, off int64) ([]byte, error) {
	o := t.order
	cb := make([]byte, 8)
	if _, err := r.ReadAt(cb, off); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	n := int64(o.Uint64(cb))
	if n <= 0 || n > maxTIFFEntries {
		return nil, fmt.Errorf("%w: BigTIFF directory with %d entries", ErrCorrupt, n)
	}
	ents := make([]byte, n*20)
	if _, err := r.ReadAt(ents, off+8); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	dirLen := 2 + n*12 + 4
	dir := make([]byte, dirLen)
	var data []byte
	o.PutUint16(dir[0:2], uint16(n))
	for i := int64(0); i < n; i++ {
		e := ents[i*20 : (i+1)*20]
		tag, typ := o.Uint16(e[0:2]), o.Uint16(e[2:4])
		count := o.Uint64(e[4:12])
		ts := tiffTypeSize(typ)
		if ts == 0 || count > 1<<28 || int64(count)*ts > base {
			return nil, fmt.Errorf("%w: BigTIFF tag %d with %d values", ErrCorrupt, tag, count)
		}
		raw := e[12:20]
		if int64(count)*ts > 8 {
			vo := o.Uint64(raw)
			if vo > uint64(base) || int64(vo)+int64(count)*ts > base {
				return nil, fmt.Errorf("%w: BigTIFF tag %d points outside the file", ErrCorrupt, tag)
			}
			raw = make([]byte, int64(count)*ts)
			if _, err := r.ReadAt(raw, int64(vo)); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
		} else {
			raw = raw[:int64(count)*ts]
		}
		ntyp := typ
		switch typ {
		case 16, 17, 18: // LONG8 SLONG8 IFD8 → LONG
			ntyp = 4
			if typ == 17 {
				ntyp = 9
			}
			conv := make([]byte, count*4)
			for k := uint64(0); k < count; k++ {
				v := o.Uint64(raw[k*8:])
				if v > math.MaxUint32 {
					return nil, fmt.Errorf("%w: BigTIFF value %d does not fit", ErrTooLarge, v)
				}
				o.PutUint32(conv[k*4:], uint32(v))
			}
			raw = conv
		}
		ce := dir[2+i*12 : 2+(i+1)*12]
		o.PutUint16(ce[0:2], tag)
		o.PutUint16(ce[2:4], ntyp)
		o.PutUint32(ce[4:8], uint32(count))
		if len(raw) <= 4 {
			copy(ce[8:12], raw)
		} else {
			if len(data)%2 == 1 {
				data = append(data, 0) // word alignment
			}
			o.PutUint32(ce[8:12], uint32(base+dirLen+int64(len(data))))
			data = append(data, raw...)
		}
	}
	return append(dir, data...), nil
}
