package eval

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/imageio"
)

func init() {
	Register(Dataset{Name: "skin-pas", Run: runSkinPAS})
}

// Pathologists' mask values of skin-pas (DERMA-PASeg).
const (
	pasBackground = 0
	pasKeratin    = 1
	pasEpidermis  = 2
	pasJunction   = 3 // dermo-epidermal junction band: not scored
	pasDermis     = 4
)

// SkinPASScores are pooled IoUs over all tiles (intersection and union
// summed over tiles), junction-band pixels left out, and the mean of the
// per-tile epidermis IoU over tiles that have epidermis in the truth or
// the prediction.
type SkinPASScores struct {
	Tiles                               int
	EpidermisIoU, KeratinIoU, DermisIoU float64
	TissueIoU, EpidermisKeratinIoU      float64
	EpidermisIoUTileMean                float64
}

// EvaluateSkinPAS labels every tile with dermis.Measure (nothing is fitted
// to these tiles: the figures are held out by construction) and compares
// the labels with the pathologists' masks.
func EvaluateSkinPAS(dir string, w io.Writer) (SkinPASScores, error) {
	var sc SkinPASScores
	rows, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return sc, fmt.Errorf("truth.csv: %w", err)
	}
	type acc struct{ in, un int }
	var ep, ker, der, tis, ek acc
	add := func(a *acc, p, t bool) {
		if p && t {
			a.in++
		}
		if p || t {
			a.un++
		}
	}
	var tileSum float64
	tileN := 0
	for k, r := range rows {
		if k == 0 || len(r) < 2 {
			continue
		}
		img, err := imageio.Load(filepath.Join(dir, r[0]), imageio.Options{})
		if err != nil {
			return sc, err
		}
		res, err := dermis.Measure(img, dermis.Options{Labels: true})
		if err != nil {
			return sc, fmt.Errorf("%s: %w", r[0], err)
		}
		m, err := loadRGBA(filepath.Join(dir, r[1]))
		if err != nil {
			return sc, err
		}
		if m.Bounds().Dx() != img.Width || m.Bounds().Dy() != img.Height {
			return sc, fmt.Errorf("%s: mask size differs from the image", r[1])
		}
		var te acc
		for y := 0; y < img.Height; y++ {
			for x := 0; x < img.Width; x++ {
				t := m.Pix[m.PixOffset(x, y)]
				if t == pasJunction {
					continue
				}
				l := res.Labels.Pix[y*img.Width+x]
				pe, tt := l == dermis.LabelEpidermis, t == pasEpidermis
				add(&ep, pe, tt)
				add(&te, pe, tt)
				add(&ker, l == dermis.LabelCorneum, t == pasKeratin)
				add(&der, l == dermis.LabelDermis || l == dermis.LabelHypodermis, t == pasDermis)
				add(&tis, l != dermis.LabelBackground, t != pasBackground)
				add(&ek, pe || l == dermis.LabelCorneum, tt || t == pasKeratin)
			}
		}
		tiou := 1.0
		if te.un > 0 {
			tiou = float64(te.in) / float64(te.un)
			tileSum += tiou
			tileN++
		}
		sc.Tiles++
		s := res.Section
		fmt.Fprintf(w, "  %-12s epidermis IoU %.3f  fractions k %.2f e %.2f d %.2f  qc %v\n", filepath.Base(r[0]), tiou,
			s.LayerFractions.Corneum, s.LayerFractions.Epidermis, s.LayerFractions.Dermis+s.LayerFractions.Hypodermis, s.QC)
	}
	ratio := func(a acc) float64 {
		if a.un == 0 {
			return 0
		}
		return float64(a.in) / float64(a.un)
	}
	sc.EpidermisIoU, sc.KeratinIoU, sc.DermisIoU = ratio(ep), ratio(ker), ratio(der)
	sc.TissueIoU, sc.EpidermisKeratinIoU = ratio(tis), ratio(ek)
	if tileN > 0 {
		sc.EpidermisIoUTileMean = tileSum / float64(tileN)
	}
	fmt.Fprintf(w, "skin-pas: %d tiles, pooled IoU epidermis %.3f keratin %.3f dermis %.3f tissue %.3f epidermis+keratin %.3f; epidermis IoU tile mean %.3f\n",
		sc.Tiles, sc.EpidermisIoU, sc.KeratinIoU, sc.DermisIoU, sc.TissueIoU, sc.EpidermisKeratinIoU, sc.EpidermisIoUTileMean)
	return sc, nil
}

func runSkinPAS(dir string, w io.Writer) (map[string]float64, error) {
	sc, err := EvaluateSkinPAS(dir, w)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"epidermis_iou": sc.EpidermisIoU, "keratin_iou": sc.KeratinIoU, "dermis_iou": sc.DermisIoU,
		"tissue_iou": sc.TissueIoU, "epidermis_keratin_iou": sc.EpidermisKeratinIoU,
		"epidermis_iou_tile_mean": sc.EpidermisIoUTileMean, "tiles": float64(sc.Tiles),
	}, nil
}
