// Package raster is the shared float image buffer of the physgen
// generators: linear intensities in 0..1 per channel, optics (Gaussian
// PSF, vignetting, illumination gradient), sensor noise, JPEG round trip
// and PNG/JPEG encoding (PNG with the pixel size in a pHYs chunk).
package raster

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/imageio"
)

// RNG returns a deterministic generator for image index of a data set
// seeded by seed; the two words keep images independent of each other.
func RNG(seed uint64, kind string, index int) *rand.Rand {
	h := uint64(1469598103934665603)
	for _, c := range []byte(kind) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return rand.New(rand.NewPCG(seed^h, uint64(index)*0x9E3779B97F4A7C15+1))
}

// Uniform returns a value uniform in [lo, hi).
func Uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// LogUniform returns a value log-uniform in [lo, hi), lo > 0.
func LogUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(Uniform(r, math.Log(lo), math.Log(hi)))
}

// Img is a float image with C channels (1 or 3), row-major, interleaved.
type Img struct {
	W, H, C int
	Pix     []float32
}

// New returns a W×H image with C channels filled with v.
func New(w, h, c int, v ...float32) *Img {
	m := &Img{W: w, H: h, C: c, Pix: make([]float32, w*h*c)}
	if len(v) == c {
		for i := 0; i < w*h; i++ {
			copy(m.Pix[i*c:i*c+c], v)
		}
	}
	return m
}

// At returns a pointer offset of pixel (x, y).
func (m *Img) Off(x, y int) int { return (y*m.W + x) * m.C }

// Mul multiplies pixel (x,y) channel-wise by t (transmission).
func (m *Img) Mul(x, y int, t [3]float32) {
	o := m.Off(x, y)
	for c := 0; c < m.C; c++ {
		m.Pix[o+c] *= t[c]
	}
}

// Add adds v to pixel (x,y) channel-wise.
func (m *Img) Add(x, y int, v [3]float32) {
	o := m.Off(x, y)
	for c := 0; c < m.C; c++ {
		m.Pix[o+c] += v[c]
	}
}

// Blend mixes pixel (x,y) towards col with weight a in 0..1.
func (m *Img) Blend(x, y int, col [3]float32, a float32) {
	o := m.Off(x, y)
	for c := 0; c < m.C; c++ {
		m.Pix[o+c] += (col[c] - m.Pix[o+c]) * a
	}
}

// Blur convolves every channel with a Gaussian of SD sigma pixels
// (separable, edges clamped); sigma < 0.3 is a no-op.
func (m *Img) Blur(sigma float64) {
	if sigma < 0.3 {
		return
	}
	rad := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*rad+1)
	var s float32
	for i := -rad; i <= rad; i++ {
		k[i+rad] = float32(math.Exp(-float64(i*i) / (2 * sigma * sigma)))
		s += k[i+rad]
	}
	for i := range k {
		k[i] /= s
	}
	C := m.C
	n := m.W
	if m.H > n {
		n = m.H
	}
	line := make([]float32, n*C)
	out := make([]float32, n*C)
	conv := func(length int) {
		for i := 0; i < length; i++ {
			for c := 0; c < C; c++ {
				var acc float32
				for j := -rad; j <= rad; j++ {
					q := i + j
					if q < 0 {
						q = 0
					} else if q >= length {
						q = length - 1
					}
					acc += k[j+rad] * line[q*C+c]
				}
				out[i*C+c] = acc
			}
		}
	}
	for y := 0; y < m.H; y++ {
		row := m.Pix[y*m.W*C : (y+1)*m.W*C]
		copy(line, row)
		conv(m.W)
		copy(row, out[:m.W*C])
	}
	for x := 0; x < m.W; x++ {
		for y := 0; y < m.H; y++ {
			o := m.Off(x, y)
			copy(line[y*C:y*C+C], m.Pix[o:o+C])
		}
		conv(m.H)
		for y := 0; y < m.H; y++ {
			o := m.Off(x, y)
			copy(m.Pix[o:o+C], out[y*C:y*C+C])
		}
	}
}

// Illumination multiplies the image by a linear gradient (relative
// amplitude grad along angle) and a radial vignette (relative fall-off vig
// at the corners), modelling uneven Köhler illumination.
func (m *Img) Illumination(grad, angle, vig float64) {
	cx, cy := float64(m.W)/2, float64(m.H)/2
	rmax := math.Hypot(cx, cy)
	ca, sa := math.Cos(angle), math.Sin(angle)
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			g := 1 + grad*(dx*ca+dy*sa)/rmax
			r := math.Hypot(dx, dy) / rmax
			g *= 1 - vig*r*r
			o := m.Off(x, y)
			for c := 0; c < m.C; c++ {
				m.Pix[o+c] *= float32(g)
			}
		}
	}
}

// Noise adds sensor noise: Gaussian read noise of SD read plus shot noise
// of SD shot·sqrt(I), in units of full scale.
func (m *Img) Noise(r *rand.Rand, read, shot float64) {
	for i, v := range m.Pix {
		sd := read
		if shot > 0 && v > 0 {
			sd = math.Sqrt(read*read + shot*shot*float64(v))
		}
		m.Pix[i] = v + float32(r.NormFloat64()*sd)
	}
}

// Gray returns the luminance of a 3-channel image as a 3-channel grey
// image (camera without colour).
func (m *Img) Gray() {
	if m.C != 3 {
		return
	}
	for i := 0; i < len(m.Pix); i += 3 {
		l := 0.299*m.Pix[i] + 0.587*m.Pix[i+1] + 0.114*m.Pix[i+2]
		m.Pix[i], m.Pix[i+1], m.Pix[i+2] = l, l, l
	}
}

func clamp8(v float32) uint8 {
	v = v*255 + 0.5
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

// RGBA converts to an 8-bit image (values clamped to 0..1).
func (m *Img) RGBA() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			o := m.Off(x, y)
			p := out.PixOffset(x, y)
			if m.C == 1 {
				v := clamp8(m.Pix[o])
				out.Pix[p], out.Pix[p+1], out.Pix[p+2] = v, v, v
			} else {
				out.Pix[p], out.Pix[p+1], out.Pix[p+2] = clamp8(m.Pix[o]), clamp8(m.Pix[o+1]), clamp8(m.Pix[o+2])
			}
			out.Pix[p+3] = 255
		}
	}
	return out
}

// Gray8 converts channel 0 to an 8-bit grey image.
func (m *Img) Gray8() *image.Gray {
	out := image.NewGray(image.Rect(0, 0, m.W, m.H))
	for i := 0; i < m.W*m.H; i++ {
		out.Pix[i] = clamp8(m.Pix[i*m.C])
	}
	return out
}

// Gray16 converts channel 0 to a 16-bit grey image (scale: 1.0 = 65535).
func (m *Img) Gray16() *image.Gray16 {
	out := image.NewGray16(image.Rect(0, 0, m.W, m.H))
	for i := 0; i < m.W*m.H; i++ {
		v := float64(m.Pix[i*m.C])*65535 + 0.5
		if !(v > 0) {
			v = 0
		} else if v > 65535 {
			v = 65535
		}
		out.SetGray16(i%m.W, i/m.W, color.Gray16{Y: uint16(v)})
	}
	return out
}

// JPEGRoundTrip encodes the 8-bit rendering as JPEG at quality q and
// decodes it back, adding block and ringing artefacts.
func JPEGRoundTrip(img image.Image, q int) (image.Image, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	return jpeg.Decode(&b)
}

// WritePNG writes img to path, recording pixelSizeUM (>0) in pHYs.
func WritePNG(path string, img image.Image, pixelSizeUM float64) error {
	data, err := imageio.EncodePNG(img, pixelSizeUM)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return writeFile(path, data)
}

// WriteJPEG writes img to path as JPEG at quality q.
func WriteJPEG(path string, img image.Image, q int) error {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return writeFile(path, b.Bytes())
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// WriteCSV writes a header and rows to path.
func WriteCSV(path string, header []string, rows [][]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// Noise2 is smooth value noise: a random lattice of spacing cell pixels,
// interpolated with a smoothstep, values in 0..1.
type Noise2 struct {
	n    int
	vals []float32
	cell float64
}

// NewNoise2 returns value noise with lattice spacing cell (pixels).
func NewNoise2(r *rand.Rand, cell float64) *Noise2 {
	const n = 256
	v := make([]float32, n*n)
	for i := range v {
		v[i] = r.Float32()
	}
	return &Noise2{n: n, vals: v, cell: cell}
}

// At returns the noise value at (x, y) pixels.
func (z *Noise2) At(x, y float64) float64 {
	fx, fy := x/z.cell, y/z.cell
	ix, iy := math.Floor(fx), math.Floor(fy)
	tx, ty := fx-ix, fy-iy
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	n := z.n
	x0 := ((int(ix) % n) + n) % n
	y0 := ((int(iy) % n) + n) % n
	x1, y1 := (x0+1)%n, (y0+1)%n
	a := float64(z.vals[y0*n+x0])
	b := float64(z.vals[y0*n+x1])
	c := float64(z.vals[y1*n+x0])
	d := float64(z.vals[y1*n+x1])
	return (a*(1-tx)+b*tx)*(1-ty) + (c*(1-tx)+d*tx)*ty
}

// FBm is a sum of octaves of value noise (fractal texture), values ~0..1.
type FBm struct{ oct []*Noise2 }

// NewFBm returns fractal noise with the coarsest lattice spacing cell and
// the given number of octaves (each halves the spacing).
func NewFBm(r *rand.Rand, cell float64, octaves int) *FBm {
	f := &FBm{}
	for i := 0; i < octaves; i++ {
		f.oct = append(f.oct, NewNoise2(r, cell/math.Pow(2, float64(i))))
	}
	return f
}

// At returns the fractal noise value at (x, y).
func (f *FBm) At(x, y float64) float64 {
	var s, w, a float64 = 0, 0, 1
	for _, o := range f.oct {
		s += a * o.At(x, y)
		w += a
		a *= 0.5
	}
	return s / w
}

// F formats a float for CSV with d decimals.
func F(v float64, d int) string { return fmt.Sprintf("%.*f", d, v) }
