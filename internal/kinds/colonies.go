package kinds

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// ErrNeedsPixelSize fails an image whose colony threshold is in µm but
// whose pixel size is unknown: counting it with the automatic threshold
// would silently change the definition of a colony.
var ErrNeedsPixelSize = errors.New("the colony threshold is in µm but the image has no pixel size: give --pixel-size (pixel_size_um) or calibrated images")

// Colonies decodes and counts one dish (p carries its index, path and
// plate-map entry) and writes its overlay, with the colour legend, and its
// label image when asked: the per-item work of `colonies` and of manifest
// items of kind colonies. The returned result always carries what is
// known, also on error. withCFE adds the per-dish CFE % = colonies ÷ cells
// seeded × 100, or the no_cells_seeded flag (colonies.DishCFE).
func Colonies(p models.ColonyPlateResult, path string, out Output, copt colonies.Options, limits imageio.Options, withCFE bool) (models.ColonyPlateResult, error) {
	img, err := imageio.Load(path, limits)
	if err != nil {
		return p, fmt.Errorf("decode: %w", err)
	}
	p.Input = img.Info
	umThreshold := copt.MinColonyAreaUM2 > 0 || copt.MinColonyDiameterUM > 0 || (copt.MinCells > 0 && copt.CellAreaUM2 > 0 && copt.CellAreaPx == 0)
	if umThreshold && copt.MinColonyAreaPx == 0 && copt.PixelSizeUM <= 0 && !img.Calibration.Known() {
		return p, ErrNeedsPixelSize
	}
	res, err := colonies.Count(img, copt)
	if err != nil {
		return p, fmt.Errorf("analyse: %w", err)
	}
	p.Polarity, p.Colonies, p.RejectedClusters = res.Polarity, len(res.Colonies), len(res.Rejected)
	p.CoveredAreaPct, p.Dish, p.Calibration, p.QC = res.CoveredAreaPct, res.Dish, res.Calibration, res.QC
	p.Colonies, p.EstimatedColonies = res.Count(), res.EstimatedColonies
	p.SizeRule, p.MinColonyAreaPx = res.SizeRule, res.MinColonyAreaPx
	p.Objects = append(append(make([]models.Colony, 0, len(res.Colonies)+len(res.Rejected)), res.Colonies...), res.Rejected...)
	if withCFE {
		pct, ok, qc := colonies.DishCFE(p.Colonies, p.CellsSeeded)
		if ok {
			p.CFEPct = models.Round3(pct)
		}
		p.QC = append(p.QC, qc...)
	}
	if res.Overlay != nil {
		DrawColonyLegend(res.Overlay)
		if err := WritePNG(out.path("overlays", ".png"), res.Overlay); err != nil {
			p.QC = OverlayNotWritten(p.QC, err)
		}
	}
	if res.Labels != nil {
		if err := WritePNG(out.path("labels", ".png"), res.Labels); err != nil {
			p.QC = OverlayNotWritten(p.QC, err)
		}
	}
	return p, nil
}

// CFERows collects slim copies of the dishes (no objects) for the sample
// table; a few dozen bytes per dish.
type CFERows struct{ rows []models.ColonyPlateResult }

// Add keeps the dish's count, cells seeded and the QC flags that pass on
// to its sample.
func (c *CFERows) Add(p models.ColonyPlateResult) {
	var qc []string
	for _, q := range p.QC {
		if colonies.SampleFlag(q) {
			qc = append(qc, q)
		}
	}
	c.rows = append(c.rows, models.ColonyPlateResult{Sample: p.Sample, Status: p.Status, Colonies: p.Colonies,
		CellsSeeded: p.CellsSeeded, QC: qc})
}

// Summaries pools the dishes by sample (sorted by name): pooled CFE with
// its exact Poisson 95 % interval, mean ± SD over replicate dishes.
func (c *CFERows) Summaries() []models.CFESample {
	if len(c.rows) == 0 {
		return []models.CFESample{}
	}
	return colonies.SummariseCFE(c.rows)
}

// Legend colours: the ones analysis/colonies draws the overlay with.
var colonyLegend = []struct {
	c    color.RGBA
	text string
}{
	{color.RGBA{R: 0, G: 230, B: 0, A: 255}, "counted colony (numbered)"},
	{color.RGBA{R: 255, G: 40, B: 40, A: 255}, "rejected: below colony size, or debris"},
	{color.RGBA{R: 255, G: 210, B: 0, A: 255}, "analysed dish region"},
}

// DrawColonyLegend draws the colour key in the overlay's bottom-left
// corner, scaled with the image so that it stays legible.
func DrawColonyLegend(dst *image.RGBA) {
	const line, pad, swatch = 16, 6, 10
	face := basicfont.Face7x13
	width := 0
	for _, l := range colonyLegend {
		width = max(width, font.MeasureString(face, l.text).Ceil())
	}
	key := image.NewRGBA(image.Rect(0, 0, pad*3+swatch+width, pad*2+line*len(colonyLegend)))
	draw.Draw(key, key.Bounds(), image.NewUniform(color.RGBA{A: 255}), image.Point{}, draw.Src)
	for i, l := range colonyLegend {
		y := pad + i*line
		draw.Draw(key, image.Rect(pad, y+3, pad+swatch, y+3+swatch), image.NewUniform(l.c), image.Point{}, draw.Src)
		d := font.Drawer{Dst: key, Src: image.NewUniform(color.RGBA{R: 255, G: 255, B: 255, A: 255}), Face: face,
			Dot: fixed.P(pad*2+swatch, y+12)}
		d.DrawString(l.text)
	}
	b := dst.Bounds()
	s := max(1, min(b.Dx(), b.Dy())/700)
	kw, kh := key.Bounds().Dx()*s, key.Bounds().Dy()*s
	if kw > b.Dx() || kh > b.Dy() {
		return // too small an image for a legend
	}
	x0, y0 := b.Min.X, b.Max.Y-kh
	for y := 0; y < kh; y++ {
		for x := 0; x < kw; x++ {
			dst.SetRGBA(x0+x, y0+y, key.RGBAAt(x/s, y/s))
		}
	}
}
