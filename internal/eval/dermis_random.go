package eval

import (
	"fmt"
	"io"
	"math/rand"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/analysis/dermis/synth"
)

func init() {
	Register(Dataset{Name: "synthetic-sections-randomised", Run: runRandomisedSections})
}

// RandomisedCases are generator sections with domain randomisation:
// pale to lilac dermis (ground stain ×0.08–0.58 in H&E and PAS, ×0.5–1 in
// silver, haematoxylin tint),
// sparse to dense dermal nuclei (×1–5), faint to normal fibres, thin-walled
// adipocytes of 40–90 µm with a wavy boundary filling the bottom 5–25 % of
// the view, 0.8–1.4 µm/px, tilt ±12°, H&E, silver and PAS in turn. All of
// them have fat. Nothing in dermis was fitted to these seeds.
func RandomisedCases(n int) []SyntheticCase {
	var out []SyntheticCase
	stains := []string{synth.StainHE, synth.StainSilver, synth.StainPAS}
	for k := 0; k < n; k++ {
		seed := int64(5000 + k)
		rng := rand.New(rand.NewSource(seed))
		p := synth.Default()
		p.Stain = stains[k%3]
		p.PixelSizeUM = 0.8 + 0.6*rng.Float64()
		p.EpidermisUM = 40 + 30*rng.Float64()
		p.DermisUM = 700 + 800*rng.Float64()
		total := 12 + p.EpidermisUM + p.DermisUM
		fatFrac := 0.05 + 0.2*rng.Float64()
		for {
			p.Height = int(total / (1 - fatFrac) / p.PixelSizeUM / 0.93)
			p.Width = int(float64(p.Height) * 1.1)
			if p.Width*p.Height <= 2_500_000 {
				break
			}
			p.PixelSizeUM *= 1.1
		}
		p.SurfaceYFrac = 0.06
		p.TiltDeg = -12 + 24*rng.Float64()
		p.DermisNucleiX = 1 + 4*rng.Float64()
		p.FibreScale = 0.05 + 0.5*rng.Float64()
		p.DermisHaem = 0.04 * rng.Float64()
		p.DermisGround = 0.08 + 0.5*rng.Float64()
		if p.Stain == synth.StainSilver {
			// silver impregnation leaves a yellow-brown ground in the
			// whole dermis: never glass-pale
			p.DermisGround = 0.5 + 0.5*rng.Float64()
		}
		p.FatWallUM = 0.8 + 1.5*rng.Float64()
		p.FatCellUM = 40 + 50*rng.Float64()
		p.FatWavyUM = 30 * rng.Float64()
		p.FatToEdge = true
		if rng.Float64() < 0.3 {
			p.BlurPx = 0.6 + 0.6*rng.Float64()
		}
		out = append(out, SyntheticCase{Name: fmt.Sprintf("%s_rand%02d", p.Stain, k), Params: p, Seed: seed + 1})
	}
	return out
}

func runRandomisedSections(_ string, w io.Writer) (map[string]float64, error) {
	cases := RandomisedCases(12)
	e, err := EvaluateSynthetic(cases, w)
	if err != nil {
		return nil, err
	}
	fat := 0
	for _, c := range cases {
		img, _ := synth.Generate(c.Params, rand.New(rand.NewSource(c.Seed)))
		r, err := dermis.Measure(img, dermis.Options{})
		if err != nil {
			return nil, err
		}
		if r.Section.HypodermisPresent {
			fat++
		}
	}
	m := map[string]float64{
		"epidermis_mae_pct":   100 * meanAbs(e.Epidermis),
		"dermis_mae_pct":      100 * meanAbs(e.Dermis),
		"epidermis_worst_pct": 100 * maxAbs(e.Epidermis),
		"dermis_worst_pct":    100 * maxAbs(e.Dermis),
		"fat_found_frac":      float64(fat) / float64(len(cases)),
	}
	fmt.Fprintf(w, "synthetic-sections-randomised: %d sections, epidermis MAE %.2f %% (worst %.1f %%), dermis MAE %.2f %% (worst %.1f %%), fat found on %d/%d\n",
		len(cases), m["epidermis_mae_pct"], m["epidermis_worst_pct"], m["dermis_mae_pct"], m["dermis_worst_pct"], fat, len(cases))
	return m, nil
}
