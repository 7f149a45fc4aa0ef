package htmlreport

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"

	"golang.org/x/image/draw"
)

// Thumbnail reads a PNG (an overlay) and scales it so that its longest
// side is at most px pixels, for embedding.
func Thumbnail(path string, px int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return nil, err
	}
	if int64(cfg.Width)*int64(cfg.Height) > 100_000_000 {
		return nil, fmt.Errorf("overlay %s too large for a thumbnail", path)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	src, err := png.Decode(f)
	if err != nil {
		return nil, err
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("empty overlay %s", path)
	}
	s := float64(px) / float64(max(w, h))
	if s > 1 {
		s = 1
	}
	tw, th := max(1, int(float64(w)*s)), max(1, int(float64(h)*s))
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var b bytes.Buffer
	if err := png.Encode(&b, dst); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
