package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// errKindNotSupported is the per-item error for a kind whose analysis is
// not wired into this build yet.
var errKindNotSupported = errors.New("kind not yet supported by this histocount build")

// itemEnv is what every kind's runner shares within one run.
type itemEnv struct {
	out       string         // output directory (overlays/, labels/)
	maxPixels int64          // decompression-bomb guard
	overlays  bool           // write overlays/<stem>.png
	labels    bool           // write labels/<stem>.png
	stems     map[int]string // manifest index → file stem for overlays and labels
}

// kindRunner analyses one manifest item of its kind, reading the file at
// path, and fills rec's payload (rec.Cells, rec.Colonies or rec.Dermis) and
// rec.Input. It returns the item's failure, if any; rec's status is set by
// the caller.
type kindRunner func(ctx context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error

// runKinds dispatches manifest items by kind. A nil runner makes every item
// of that kind fail with errKindNotSupported; colonies and dermis plug in
// here (their parameters are already parsed: models.KindParams).
var runKinds = map[string]kindRunner{
	models.KindCells:    runCellsItem,
	models.KindColonies: nil,
	models.KindDermis:   nil,
}

// runCellsItem counts one cells item with analyseCellsImage, the same work
// as `histocount cells`.
func runCellsItem(_ context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	var o cellsOptions
	o.Out, o.MaxPixels = env.out, env.maxPixels
	o.Stain, o.PixelSizeUM, o.DepthUM = p.Str("stain"), p.Num("pixel_size_um"), p.Num("depth_um")
	o.Dilution, o.TrypanRatio, o.MinViablePML = p.Num("dilution"), p.Num("trypan_ratio"), p.Num("min_viable_per_ml")
	o.MinDiameterUM, o.MaxDiameterUM = p.Num("min_diameter_um"), p.Num("max_diameter_um")
	sample := it.Sample()
	sampler := func(string) (string, error) { return sample, nil }
	loadOpt := imageio.Options{MaxPixels: env.maxPixels, BlackBackground: o.Stain == cells.StainFluorescence}
	countOpt := cells.Options{Stain: o.Stain, PixelSizeUM: o.PixelSizeUM, Overlay: env.overlays, Labels: env.labels,
		MinDiameterUM: o.MinDiameterUM, MaxDiameterUM: o.MaxDiameterUM}
	ci, err := analyseCellsImage(it.Index, path, env.stems[it.Index], o, sampler, loadOpt, countOpt)
	row := ci.row
	if row.Input.SHA256 != "" {
		rec.Input = models.ItemInput{SHA256: row.Input.SHA256, Bytes: row.Input.Bytes}
	}
	if err != nil {
		return err
	}
	row.Status = models.StatusOK
	// The manifest's path, not the resolved one: results must not depend on
	// where the job ran (the resolved path is in the provenance).
	row.Image, row.Input.Path = it.Path, it.Path
	if o.PixelSizeUM > 0 && row.Calibration.Source == "flag" {
		row.Calibration.Source = "manifest"
	}
	rec.Cells = &row
	return nil
}

// runKind runs the item's kind, or fails it when the kind is not wired.
func runKind(ctx context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	r := runKinds[it.Kind]
	if r == nil {
		return fmt.Errorf("%w: %s", errKindNotSupported, it.Kind)
	}
	return r(ctx, env, it, path, rec)
}

// itemStems gives every manifest item a file-name-safe stem derived from
// its id, unique within the manifest (computed over all items, so a shard
// names its files as the unsharded run would).
func itemStems(items []models.ManifestItem) map[int]string {
	out := make(map[int]string, len(items))
	used := map[string]bool{}
	for _, it := range items {
		s := strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
				return r
			}
			return '_'
		}, it.ID)
		if strings.HasPrefix(s, ".") {
			s = "_" + s[1:]
		}
		if used[s] {
			s = fmt.Sprintf("%s__%d", s, it.Index)
		}
		used[s] = true
		out[it.Index] = s
	}
	return out
}

// qcOf returns the QC flags of a record's payload.
func qcOf(rec *models.ItemResult) []string {
	switch {
	case rec.Cells != nil:
		return rec.Cells.QC
	case rec.Colonies != nil:
		return rec.Colonies.QC
	case rec.Dermis != nil:
		return rec.Dermis.QC
	}
	return nil
}
