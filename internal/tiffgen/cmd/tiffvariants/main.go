// Command tiffvariants writes every TIFF variant tiffgen produces, and the
// hostile inputs of issue 15, into a folder, to measure decoders on them:
//
//	go run ./internal/tiffgen/cmd/tiffvariants -out /tmp/variants [-hostile]
package main

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/histocount/histocount/internal/tiffgen"
)

func pattern(w, h int, kind string) image.Image {
	r := image.Rect(0, 0, w, h)
	v := func(x, y int) float64 {
		f := 0.8 - 0.3*float64(x+y)/float64(w+h)
		if dx, dy := x-w/2, y-h/2; dx*dx+dy*dy < (h/5)*(h/5) {
			f = 0.2
		}
		return f
	}
	switch kind {
	case "gray8":
		m := image.NewGray(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetGray(x, y, color.Gray{uint8(255 * v(x, y))})
			}
		}
		return m
	case "gray16":
		m := image.NewGray16(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				m.SetGray16(x, y, color.Gray16{uint16(4095 * v(x, y))})
			}
		}
		return m
	case "rgb16":
		m := image.NewRGBA64(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				f := uint16(65535 * v(x, y))
				m.SetRGBA64(x, y, color.RGBA64{f, f / 2, f / 3, 65535})
			}
		}
		return m
	}
	m := image.NewRGBA(r)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f := v(x, y)
			m.SetRGBA(x, y, color.RGBA{uint8(250 * f), uint8(220 * f), uint8(170 * f), 255})
		}
	}
	return m
}

var onlyFilter string

func write(dir, name string, pages []tiffgen.Page, o tiffgen.Options) {
	if !strings.Contains(name, onlyFilter) {
		return
	}
	b, err := tiffgen.Encode(pages, o)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	out := flag.String("out", "", "output folder")
	size := flag.Int("size", 1000, "side of the variant images in px")
	only := flag.String("only", "", "write only variants whose name contains this")
	hostile := flag.Bool("hostile", false, "also write the large hostile inputs (144 MP bombs, 1000 MiB zero files, a FIFO)")
	flag.Parse()
	onlyFilter = *only
	if *out == "" {
		log.Fatal("-out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	s := *size
	ome := `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="%[1]d" SizeY="%[1]d" SizeC="1" SizeZ="1" SizeT="1" PhysicalSizeX="0.325" PhysicalSizeXUnit="µm" PhysicalSizeY="0.325" PhysicalSizeYUnit="µm"/></Image></OME>`
	ome = fmt.Sprintf(ome, s)
	cal := func(p tiffgen.Page) tiffgen.Page { p.XResNum, p.XResDen, p.ResUnit = 10000, 90, 3; return p } // 90 µm/px
	for _, kind := range []string{"gray8", "rgb8", "gray16", "rgb16"} {
		img := pattern(s, s, kind)
		for _, c := range []struct {
			name string
			comp tiffgen.Compression
		}{{"none", tiffgen.None}, {"lzw", tiffgen.LZW}, {"deflate", tiffgen.Deflate}, {"packbits", tiffgen.PackBits}, {"jpeg", tiffgen.JPEG}, {"ojpeg", tiffgen.OldJPEG}} {
			if (c.comp == tiffgen.JPEG || c.comp == tiffgen.OldJPEG) && (kind == "gray16" || kind == "rgb16") {
				continue
			}
			write(*out, fmt.Sprintf("%s-%s-strips.tif", kind, c.name), []tiffgen.Page{cal(tiffgen.Page{Img: img, Compression: c.comp, RowsPerStrip: 16})}, tiffgen.Options{})
			if c.comp != tiffgen.OldJPEG {
				write(*out, fmt.Sprintf("%s-%s-tiles.tif", kind, c.name), []tiffgen.Page{cal(tiffgen.Page{Img: img, Compression: c.comp, TileSize: 256})}, tiffgen.Options{})
				write(*out, fmt.Sprintf("%s-%s-bigtiff.tif", kind, c.name), []tiffgen.Page{cal(tiffgen.Page{Img: img, Compression: c.comp, RowsPerStrip: 16})}, tiffgen.Options{BigTIFF: true})
			}
		}
	}
	g16 := pattern(s, s, "gray16")
	write(*out, "ome-gray16-lzw.ome.tif", []tiffgen.Page{{Img: g16, Compression: tiffgen.LZW, RowsPerStrip: 64, Description: ome}}, tiffgen.Options{})
	blank := image.NewGray(image.Rect(0, 0, s, s))
	write(*out, "multipage-blank-first.tif", []tiffgen.Page{{Img: blank, Compression: tiffgen.Deflate}, {Img: pattern(s, s, "gray8"), Compression: tiffgen.Deflate}}, tiffgen.Options{})
	write(*out, "absurd-2^32-px-per-cm.tif", []tiffgen.Page{{Img: pattern(64, 64, "gray8"), XResNum: 4294967295, XResDen: 1, ResUnit: 3}}, tiffgen.Options{})
	if !*hostile {
		return
	}
	// 144 MP 16-bit RGBA PNG of zeros, ~1.1 MB.
	pngBomb(filepath.Join(*out, "bomb-144mp-rgba16.png"), 12000, 12000)
	// 144 MP 16-bit RGB deflate TIFF, one strip.
	tiffBomb(filepath.Join(*out, "bomb-144mp-rgb16-deflate.tif"), 12000, 12000)
	for _, n := range []string{"zeros-1.png", "zeros-2.png"} {
		f, err := os.Create(filepath.Join(*out, n))
		if err != nil {
			log.Fatal(err)
		}
		if err := f.Truncate(1000 << 20); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	if err := syscall.Mkfifo(filepath.Join(*out, "x.png"), 0o644); err != nil {
		log.Print(err)
	}
}

type zeros struct{ n int64 }

func (z *zeros) Read(b []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(b)), z.n))
	clear(b[:k])
	z.n -= int64(k)
	return k, nil
}

func pngBomb(path string, w, h uint32) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	chunk := func(typ string, data []byte) {
		binary.Write(bw, binary.BigEndian, uint32(len(data)))
		bw.WriteString(typ)
		bw.Write(data)
		binary.Write(bw, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	bw.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 16, 6
	chunk("IHDR", ihdr)
	var z compressed
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	io.Copy(zw, &zeros{n: int64(h) * (1 + int64(w)*8)}) // filter byte 0 + zero samples per row
	zw.Close()
	chunk("IDAT", z.b)
	chunk("IEND", nil)
	bw.Flush()
}

type compressed struct{ b []byte }

func (c *compressed) Write(p []byte) (int, error) { c.b = append(c.b, p...); return len(p), nil }

func tiffBomb(path string, w, h uint32) {
	var z compressed
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	io.Copy(zw, &zeros{n: int64(w) * int64(h) * 6})
	zw.Close()
	le := binary.LittleEndian
	var b []byte
	b = append(b, 'I', 'I')
	b = le.AppendUint16(b, 42)
	b = le.AppendUint32(b, 8)
	const n = 10
	dataOff := uint32(8 + 2 + n*12 + 4 + 6)
	b = le.AppendUint16(b, n)
	e := func(tag, typ uint16, count, v uint32) {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		b = le.AppendUint32(b, v)
	}
	bpsOff := uint32(8 + 2 + n*12 + 4)
	e(256, 4, 1, w)
	e(257, 4, 1, h)
	e(258, 3, 3, bpsOff)
	e(259, 3, 1, 8)
	e(262, 3, 1, 2)
	e(273, 4, 1, dataOff)
	e(277, 3, 1, 3)
	e(278, 4, 1, h)
	e(279, 4, 1, uint32(len(z.b)))
	e(284, 3, 1, 1)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint16(le.AppendUint16(le.AppendUint16(b, 16), 16), 16)
	b = append(b, z.b...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
