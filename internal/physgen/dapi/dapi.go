// Package dapi renders BBBC002-like DAPI fields (512×512, 8-bit) of
// Drosophila Kc167 cells: small, often irregular or lobed nuclei, many
// touching, with exact counts and an instance label image.
//
// Model: each nucleus is a union of 1–3 lobes (package nucleus), radius
// 5–11 px, outline harmonics up to 15 %; fluorescence F = Q·(1 + texture)
// with Q log-normal across nuclei (σ 0.35–0.6: dim and bright nuclei in
// one field), an anti-aliased edge, Gaussian PSF (σ 0.7–1.8 px), smooth
// background, shot and read noise. Touching nuclei keep separate labels:
// a pixel belongs to the nucleus with the lowest normalised radius.
package dapi

import (
	"fmt"
	"image"
	"math"

	"github.com/histocount/histocount/internal/physgen/nucleus"
	"github.com/histocount/histocount/internal/physgen/raster"
)

// Field is one rendered field.
type Field struct {
	Image  *image.Gray
	Labels *image.Gray16
	Count  int // nuclei with at least one pixel in the image
	Inside int // of which not touching the border
	Lobed  int // nuclei with more than one lobe
	Params map[string]string
}

// Generate renders field index; size 0 = 512.
func Generate(seed uint64, index, size int) (*Field, error) {
	r := raster.RNG(seed, "dapi", index)
	if size == 0 {
		size = 512
	}
	if size < 32 || size > 8192 {
		return nil, fmt.Errorf("dapi: size %d out of range", size)
	}
	W, H := size, size
	S := float64(size) / 512
	n := int(float64(20+r.IntN(261)) * S * S)
	rad := raster.Uniform(r, 5, 9)
	irr := raster.Uniform(r, 0.04, 0.15)
	sigQ := raster.Uniform(r, 0.35, 0.6)
	cluster := raster.Uniform(r, 0.1, 0.6)
	var shapes []*nucleus.Shape
	var q []float64
	lobed := 0
	for t := 0; len(shapes) < n && t < n*40; t++ {
		x, y := raster.Uniform(r, -8, float64(W)+8), raster.Uniform(r, -8, float64(H)+8)
		if len(shapes) > 0 && r.Float64() < cluster {
			o := shapes[r.IntN(len(shapes))]
			a := r.Float64() * 2 * math.Pi
			d := o.Radius() * raster.Uniform(r, 1.5, 2.1)
			x, y = o.X+d*math.Cos(a), o.Y+d*math.Sin(a)
		}
		R := math.Max(4, rad*math.Exp(0.2*r.NormFloat64()))
		sh := &nucleus.Shape{X: x, Y: y}
		k := 1
		if u := r.Float64(); u < 0.06 {
			k = 3
		} else if u < 0.3 {
			k = 2
		}
		if k == 1 {
			sh.Lobes = []nucleus.Lobe{nucleus.NewLobe(r, x, y, R, R*raster.Uniform(r, 0.7, 1), r.Float64()*math.Pi, irr)}
		} else {
			// Lobes around the centre, overlapping so the nucleus is one body.
			a0 := r.Float64() * 2 * math.Pi
			for j := 0; j < k; j++ {
				a := a0 + 2*math.Pi*float64(j)/float64(k)
				lr := R * raster.Uniform(r, 0.6, 0.8)
				off := lr * raster.Uniform(r, 0.5, 0.8)
				sh.Lobes = append(sh.Lobes, nucleus.NewLobe(r, x+off*math.Cos(a), y+off*math.Sin(a), lr, lr*raster.Uniform(r, 0.75, 1), r.Float64()*math.Pi, irr))
			}
		}
		ok := true
		for _, o := range shapes {
			if math.Hypot(o.X-x, o.Y-y) < 0.8*(o.Radius()+sh.Radius()) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if k > 1 {
			lobed++
		}
		shapes = append(shapes, sh)
		q = append(q, math.Exp(sigQ*r.NormFloat64()))
	}
	lab, _ := nucleus.Labels(shapes, W, H)
	img := raster.New(W, H, 1)
	tex := raster.NewFBm(r, raster.Uniform(r, 2, 4), 2)
	bright := raster.Uniform(r, 0.25, 0.55)
	texAmp := raster.Uniform(r, 0.1, 0.5)
	for i, sh := range shapes {
		x0, y0, x1, y1 := sh.Bounds()
		R := sh.Lobes[0].B
		for y := max(0, y0); y <= min(H-1, y1); y++ {
			for x := max(0, x0); x <= min(W-1, x1); x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				rho := sh.Rho(px, py)
				w := math.Max(0, math.Min(1, (1-rho)*R+0.5))
				if w <= 0 {
					continue
				}
				// Slightly brighter rim-to-centre dome, chromatin texture.
				v := bright * q[i] * (0.8 + 0.2*math.Sqrt(math.Max(0, 1-rho*rho))) * (1 + texAmp*(tex.At(px, py)-0.5))
				img.Pix[y*W+x] += float32(v * w)
			}
		}
	}
	bg := raster.Uniform(r, 0.02, 0.1)
	bgN := raster.NewFBm(r, 150*S, 2)
	for i := range img.Pix {
		img.Pix[i] += float32(bg * (0.7 + 0.6*bgN.At(float64(i%W), float64(i/W))))
	}
	psf := raster.Uniform(r, 0.7, 1.8)
	img.Blur(psf)
	img.Illumination(raster.Uniform(r, 0, 0.15), r.Float64()*2*math.Pi, raster.Uniform(r, 0, 0.2))
	img.Noise(r, raster.Uniform(r, 0.003, 0.02), raster.Uniform(r, 0.005, 0.03))

	f := &Field{Image: img.Gray8(), Lobed: lobed, Params: map[string]string{
		"radius_px": raster.F(rad, 2), "psf_sigma_px": raster.F(psf, 2), "brightness_sd_log": raster.F(sigQ, 2), "cluster_prob": raster.F(cluster, 2)}}
	// Renumber present nuclei 1..n and flag border contact.
	present := make([]bool, len(shapes)+1)
	border := make([]bool, len(shapes)+1)
	for i, v := range lab {
		if v > 0 {
			present[v] = true
			x, y := i%W, i/W
			if x == 0 || y == 0 || x == W-1 || y == H-1 {
				border[v] = true
			}
		}
	}
	remap := make([]uint16, len(shapes)+1)
	for id := 1; id <= len(shapes); id++ {
		if present[id] {
			f.Count++
			remap[id] = uint16(f.Count)
			if !border[id] {
				f.Inside++
			}
		}
	}
	f.Labels = image.NewGray16(image.Rect(0, 0, W, H))
	for i, v := range lab {
		v = remap[v]
		f.Labels.Pix[2*i] = uint8(v >> 8)
		f.Labels.Pix[2*i+1] = uint8(v)
	}
	return f, nil
}
