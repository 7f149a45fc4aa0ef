package dermis

import (
	"image"
	"math"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/stats"
)

// Ruifrok & Johnston unit OD vectors for Masson's trichrome (ImageJ
// "Colour Deconvolution"): methyl/aniline blue (collagen) and
// ponceau-fuchsin (muscle, cytoplasm), R, G, B.
var (
	vecMethylBlue = unit([3]float64{0.7995107, 0.5913521, 0.10528667})
	vecFuchsin    = unit([3]float64{0.09997159, 0.73738605, 0.6680326})
)

// CollagenArea is the collagen content of a trichrome image.
type CollagenArea struct {
	CollagenPx       int
	TissuePx         int     // stained pixels (collagen, muscle, cytoplasm, nuclei)
	FractionOfImage  float64 // CollagenPx ÷ image pixels
	FractionOfTissue float64 // CollagenPx ÷ TissuePx
}

// CollagenMask returns the collagen of a Masson's trichrome image (blue
// fibres) as a mask (255 collagen, 0 other), at the input size.
//
// Each pixel's optical density is unmixed into methyl blue, ponceau-fuchsin
// and a residual (colour deconvolution); a pixel is collagen when it is
// stained (total OD ≥ 0.15) and methyl blue carries at least three times
// the density of fuchsin and at least 40 % of the total (purple mixtures of
// blue and red cytoplasm are not collagen).
func CollagenMask(img *imageio.Image) (*image.Gray, error) {
	m, _, err := collagen(img)
	return m, err
}

// CollagenFraction measures the collagen area of a trichrome image.
func CollagenFraction(img *imageio.Image) (CollagenArea, error) {
	m, tissue, err := collagen(img)
	if err != nil {
		return CollagenArea{}, err
	}
	var a CollagenArea
	for _, v := range m.Pix {
		if v != 0 {
			a.CollagenPx++
		}
	}
	a.TissuePx = tissue
	a.FractionOfImage = float64(a.CollagenPx) / float64(len(m.Pix))
	if tissue > 0 {
		a.FractionOfTissue = float64(a.CollagenPx) / float64(tissue)
	}
	return a, nil
}

func collagen(img *imageio.Image) (*image.Gray, int, error) {
	if img == nil || img.Width <= 0 || img.Height <= 0 || img.Channels != 3 || len(img.Pix) != img.Width*img.Height*3 {
		return nil, 0, ErrBadImage
	}
	W, H := img.Width, img.Height
	// glass brightness per channel
	var i0 [3]float64
	for c := 0; c < 3; c++ {
		sample := make([]float32, 0, W*H/5+1)
		for i := 0; i < W*H; i += 5 {
			sample = append(sample, float32(img.Pix[3*i+2-c]))
		}
		i0[c] = math.Max(float64(stats.QuantileFloor(sample, 0.995)), 120)
	}
	d := deconvolver(vecMethylBlue, vecFuchsin)
	// smooth a little so single noisy pixels do not decide
	blue := newPlane(W, H)
	red := newPlane(W, H)
	tot := newPlane(W, H)
	for i := 0; i < W*H; i++ {
		var od [3]float64
		for c := 0; c < 3; c++ {
			od[c] = math.Max(0, -math.Log10(math.Max(float64(img.Pix[3*i+2-c]), 1)/i0[c]))
		}
		blue.v[i] = float32(d[0][0]*od[0] + d[0][1]*od[1] + d[0][2]*od[2])
		red.v[i] = float32(d[1][0]*od[0] + d[1][1]*od[1] + d[1][2]*od[2])
		tot.v[i] = float32(od[0] + od[1] + od[2])
	}
	sigma := math.Max(0.7, float64(min(W, H))/1500)
	gaussBlur(blue, sigma)
	gaussBlur(red, sigma)
	gaussBlur(tot, sigma)
	out := image.NewGray(image.Rect(0, 0, W, H))
	tissue := 0
	const stained = 0.15
	for i := 0; i < W*H; i++ {
		if tot.v[i] < stained {
			continue
		}
		tissue++
		b, r := blue.v[i], red.v[i]
		if b > 3*r && b > 0.4*tot.v[i] {
			out.Pix[i] = 255
		}
	}
	return out, tissue, nil
}
