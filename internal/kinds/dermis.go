package kinds

import (
	"context"
	"fmt"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// DermisItem is one measured section and its perpendicular measurements.
type DermisItem struct {
	Section      models.DermisSection
	Measurements []dermis.Measurement
}

// Dermis decodes and measures one skin section and writes its overlay,
// label image and GeoJSON (with opt.Labels): the per-item work of
// `dermis` and of manifest items of kind dermis. The returned item always
// carries what is known (the input once decoded), also on error.
func Dermis(ctx context.Context, i int, path string, out Output, opt dermis.Options, limits imageio.Options) (DermisItem, error) {
	it := DermisItem{Section: models.DermisSection{Index: i, Image: path, Stain: opt.Stain, Input: models.InputInfo{Path: path}}}
	img, err := imageio.Load(path, limits)
	if err != nil {
		return it, fmt.Errorf("decode: %w", err)
	}
	it.Section.Input = img.Info
	res, err := dermis.MeasureContext(ctx, img, opt)
	if err != nil {
		return it, fmt.Errorf("analyse: %w", err)
	}
	it.Section, it.Measurements = res.Section, res.Measurements
	it.Section.Index, it.Section.Image = i, path
	if res.Overlay != nil {
		if err := WritePNG(out.path("overlays", ".png"), res.Overlay); err != nil {
			it.Section.QC = OverlayNotWritten(it.Section.QC, err)
		}
	}
	if opt.Labels {
		if res.Labels != nil {
			if err := WritePNG(out.path("labels", ".png"), res.Labels); err != nil {
				it.Section.QC = OverlayNotWritten(it.Section.QC, err)
			}
		}
		gj, err := res.GeoJSON()
		if err != nil {
			return it, fmt.Errorf("geojson: %w", err)
		}
		if err := WriteFile(out.path("geojson", ".geojson"), gj); err != nil {
			it.Section.QC = OverlayNotWritten(it.Section.QC, err)
		}
	}
	return it, nil
}
