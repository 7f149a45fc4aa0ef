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
//
// With Options.Mitotic > 0 a fraction U(0, Mitotic) of the nuclei become
// mitotic figures and 0–3 % apoptotic cells are added (package mitosis;
// the fields carry no calibration, so a nucleus 2·radius_px across is
// taken as 14 µm). Those draws come from a stream of their own, so the
// interphase nuclei, background, optics and noise of a seed are the same
// as with Mitotic 0, which reproduces the earlier generator byte for byte.
//
// Counting convention: every label is one object. Nuclei are labels
// 1..Count (interphase, and mitotic: prophase, metaphase and anaphase one
// label each, a telophase pair two labels, i.e. two nuclei); apoptotic
// cells follow as Count+1..Count+Apoptotic and are not nuclei. Mitotic
// counts figures (a telophase pair once); MitoticIndex = Mitotic/Count.
package dapi

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/mitosis"
	"github.com/histocount/histocount/internal/physgen/nucleus"
	"github.com/histocount/histocount/internal/physgen/raster"
)

// Field is one rendered field.
type Field struct {
	Image        *image.Gray
	Labels       *image.Gray16
	Count        int // nuclei with at least one pixel in the image (a telophase pair counts 2)
	Inside       int // of which not touching the border
	Lobed        int // nuclei with more than one lobe
	Mitotic      int // mitotic figures with at least one pixel in the image (a telophase pair counts 1)
	Apoptotic    int // apoptotic cells with at least one pixel in the image
	MitoticIndex float64
	Objects      []Object // every label, in label order
	Params       map[string]string
}

// Object is the truth of one label.
type Object struct {
	ID           int    // label value
	Class, Stage string // mitosis.Class*; Stage for mitotic labels only
	Figure       int    // mitotic figure number (shared by telophase daughters), 0 otherwise
	X, Y         float64
	AreaPx       int
	Border       bool
}

// Options select the image size (0 = 512) and the largest per-field
// mitotic fraction (0 = no mitotic figures and no apoptotic cells).
type Options struct {
	Size    int
	Mitotic float64
}

// Generate renders field index without mitotic figures; size 0 = 512.
func Generate(seed uint64, index, size int) (*Field, error) {
	return GenerateOpt(seed, index, Options{Size: size})
}

// GenerateOpt renders field index.
func GenerateOpt(seed uint64, index int, opt Options) (*Field, error) {
	r := raster.RNG(seed, "dapi", index)
	size := opt.Size
	if opt.Mitotic < 0 || opt.Mitotic > 1 {
		return nil, fmt.Errorf("dapi: mitotic fraction %g out of range", opt.Mitotic)
	}
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
	// Mitotic figures and apoptotic cells, from their own stream.
	var figs []mitosis.Placed
	var apo []*mitosis.Figure
	var rm *rand.Rand
	umPx := 7 / rad
	p := map[string]string{}
	if opt.Mitotic > 0 {
		rm = raster.RNG(seed, "dapi-mitosis", index)
		frac, ratio, nApo := mitosis.Draws(rm, opt.Mitotic, len(shapes))
		spots := make([]mitosis.Spot, len(shapes))
		for i, sh := range shapes {
			for _, l := range sh.Lobes {
				spots[i].AreaPx += math.Pi * l.A * l.B
			}
			spots[i] = mitosis.Spot{X: sh.X, Y: sh.Y, R: sh.Radius(), AreaPx: 0.85 * spots[i].AreaPx}
		}
		target := int(math.Round(frac * float64(len(shapes))))
		figs, apo = mitosis.Plan(rm, spots, rm.Perm(len(shapes)), target, nApo, float64(W), float64(H), umPx, ratio, 0.8)
		p["mitotic_fraction_target"], p["mitotic_brightness_ratio"] = raster.F(frac, 3), raster.F(ratio, 2)
	}
	// Label shapes: the nuclei (a mitotic figure's first piece in place of
	// its nucleus), second telophase daughters, then apoptotic cells.
	all := append([]*nucleus.Shape(nil), shapes...)
	objs := make([]Object, len(shapes))
	for i := range objs {
		objs[i].Class = mitosis.ClassInterphase
	}
	replaced := make([]bool, len(shapes))
	for i, fig := range figs {
		replaced[fig.Index] = true
		all[fig.Index] = fig.Pieces[0]
		objs[fig.Index] = Object{Class: mitosis.ClassMitotic, Stage: fig.Stage, Figure: i + 1}
		for _, pc := range fig.Pieces[1:] {
			all = append(all, pc)
			objs = append(objs, Object{Class: mitosis.ClassMitotic, Stage: fig.Stage, Figure: i + 1})
		}
	}
	for _, a := range apo {
		all = append(all, a.Pieces[0])
		objs = append(objs, Object{Class: mitosis.ClassApoptotic})
	}
	lab, _ := nucleus.Labels(all, W, H)
	img := raster.New(W, H, 1)
	tex := raster.NewFBm(r, raster.Uniform(r, 2, 4), 2)
	bright := raster.Uniform(r, 0.25, 0.55)
	texAmp := raster.Uniform(r, 0.1, 0.5)
	for i, sh := range shapes {
		if replaced[i] {
			continue
		}
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
	if rm != nil {
		// Brightness relative to the median interphase nucleus (q = 1; the
		// dome 0.8 + 0.2·sqrt(1 − ρ²) averages 0.93), not to the nucleus
		// replaced: condensed chromatin is bright whatever the cell's stain.
		lv := 0.93 * bright
		fine := raster.NewFBm(rm, 1/umPx, 2)
		for _, fig := range figs {
			fig.RenderHalo(img.Pix, W, H, lv)
			fig.Render(img.Pix, W, H, lv*fig.Bright, fine)
		}
		for _, a := range apo {
			a.Render(img.Pix, W, H, lv*a.Bright, fine)
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

	p["radius_px"], p["psf_sigma_px"], p["brightness_sd_log"], p["cluster_prob"] = raster.F(rad, 2), raster.F(psf, 2), raster.F(sigQ, 2), raster.F(cluster, 2)
	f := &Field{Image: img.Gray8(), Lobed: lobed, Params: p}
	// Renumber present objects 1..n (nuclei first) and flag border contact.
	for i, v := range lab {
		if v > 0 {
			o := &objs[v-1]
			o.AreaPx++
			x, y := i%W, i/W
			if x == 0 || y == 0 || x == W-1 || y == H-1 {
				o.Border = true
			}
		}
	}
	remap := make([]uint16, len(all)+1)
	figSeen := map[int]bool{}
	for pass := 0; pass < 2; pass++ {
		for i := range objs {
			o := objs[i]
			if o.AreaPx == 0 || (o.Class == mitosis.ClassApoptotic) != (pass == 1) {
				continue
			}
			o.ID, o.X, o.Y = len(f.Objects)+1, all[i].X, all[i].Y
			remap[i+1] = uint16(o.ID)
			f.Objects = append(f.Objects, o)
			switch {
			case o.Class == mitosis.ClassApoptotic:
				f.Apoptotic++
				continue
			case o.Class == mitosis.ClassMitotic && !figSeen[o.Figure]:
				figSeen[o.Figure] = true
				f.Mitotic++
			}
			f.Count++
			if !o.Border {
				f.Inside++
			}
		}
	}
	if f.Count > 0 {
		f.MitoticIndex = float64(f.Mitotic) / float64(f.Count)
	}
	f.Labels = image.NewGray16(image.Rect(0, 0, W, H))
	for i, v := range lab {
		v = remap[v]
		f.Labels.Pix[2*i] = uint8(v >> 8)
		f.Labels.Pix[2*i+1] = uint8(v)
	}
	return f, nil
}
