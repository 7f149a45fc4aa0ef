package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// errKindNotSupported is the per-item error for a kind whose analysis is
// not wired into this build yet.
var errKindNotSupported = errors.New("kind not yet supported by this histocount build")

// itemEnv is what every kind's runner shares within one run.
type itemEnv struct {
	out       string          // output directory (overlays/, labels/)
	inputOpts imageio.Options // --max-pixels, --max-memory, --page
	overlays  bool            // write overlays/<stem>.png
	labels    bool            // write labels/<stem>.png
	stems     map[int]string  // manifest index → file stem for overlays and labels
}

// kindRunner analyses one manifest item of its kind, reading the file at
// path, and fills rec's payload (rec.Cells, rec.Colonies or rec.Dermis) and
// rec.Input. It returns the item's failure, if any; rec's status is set by
// the caller.
type kindRunner func(ctx context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error

// runKinds dispatches manifest items by kind (their parameters are already
// parsed and checked: models.KindParams). A nil runner would make every
// item of its kind fail with errKindNotSupported.
var runKinds = map[string]kindRunner{
	models.KindCells:    runCellsItem,
	models.KindColonies: runColoniesItem,
	models.KindDermis:   runDermisItem,
}

// runCellsItem counts one cells item with analyseCellsImage, the same work
// as `histocount cells`.
func runCellsItem(_ context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	var o cellsOptions
	o.Out, o.MaxPixels = env.out, env.inputOpts.MaxPixels
	o.Stain, o.PixelSizeUM, o.DepthUM = p.Str("stain"), p.Num("pixel_size_um"), p.Num("depth_um")
	o.Dilution, o.TrypanRatio, o.MinViablePML = p.Num("dilution"), p.Num("trypan_ratio"), p.Num("min_viable_per_ml")
	o.MinDiameterUM, o.MaxDiameterUM = p.Num("min_diameter_um"), p.Num("max_diameter_um")
	o.markerFlags = markerFlags{MarkerImage: p.Str("marker_image"), MarkerChannel: int(p.Num("marker_channel")), MarkerThreshold: p.Num("marker_threshold")}
	if err := o.markerFlags.check(); err != nil {
		return err
	}
	if o.markerFlags.enabled() {
		o.Stain = cells.StainFluorescence
	}
	sample := it.Sample()
	sampler := func(string) (string, error) { return sample, nil }
	loadOpt := env.inputOpts
	loadOpt.BlackBackground = o.Stain == cells.StainFluorescence
	countOpt := cells.Options{Stain: o.Stain, PixelSizeUM: o.PixelSizeUM, Overlay: env.overlays, Labels: env.labels,
		MinDiameterUM: o.MinDiameterUM, MaxDiameterUM: o.MaxDiameterUM}
	ci, err := analyseCellsImage(it.Index, path, env.stems[it.Index], o, sampler, loadOpt, countOpt)
	row := ci.row
	recordInput(rec, row.Input)
	if err != nil {
		return err
	}
	markDone(it, o.PixelSizeUM, &row.Status, &row.Image, &row.Input, &row.Calibration)
	rec.Cells = &row
	return checkEncodable(row)
}

// recordInput copies the input's hash and size into the item's record as
// soon as the file was read, so that they are known even when the analysis
// then fails.
func recordInput(rec *models.ItemResult, in models.InputInfo) {
	if in.SHA256 != "" {
		rec.Input = models.ItemInput{SHA256: in.SHA256, Bytes: in.Bytes}
	}
}

// markDone sets what the rows of every kind share once the analysis
// succeeded: status ok, the manifest's path rather than the resolved one
// (results must not depend on where the job ran; the resolved path is in
// the provenance), and the calibration source relative to the pixel size
// given in the manifest.
func markDone(it models.ManifestItem, givenPixelSizeUM float64, status, image *string, in *models.InputInfo, cal *models.Calibration) {
	*status = models.StatusOK
	*image, in.Path = it.Path, it.Path
	*cal = fromManifest(*cal, givenPixelSizeUM)
}

// fromManifest renames the calibration source "flag" (the analysis's name
// for a pixel size given by the caller) to "manifest".
func fromManifest(c models.Calibration, given float64) models.Calibration {
	if given > 0 && c.Source == models.CalibrationSourceFlag {
		c.Source = models.CalibrationSourceManifest
	}
	return c
}

// runColoniesItem counts one dish with analysePlate, the same work as
// `histocount colonies`; cells_seeded gives the dish's CFE (without it the
// dish is flagged no_cells_seeded) and the item's sample pools it with its
// replicates in summary.json.
func runColoniesItem(_ context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	copt := colonies.Options{Polarity: p.Str("polarity"), PixelSizeUM: p.Num("pixel_size_um"),
		MinColonyDiameterUM: p.Num("min_colony_diameter_um"), MinColonyAreaUM2: p.Num("min_colony_area_um2"),
		MinColonyAreaPx: p.Num("min_colony_area_px"), MinCells: int(p.Num("min_cells")), CellAreaUM2: p.Num("cell_area_um2"),
		Overlay: env.overlays, Labels: env.labels}
	plate := models.ColonyPlateResult{Index: it.Index, Image: it.Path, Sample: it.Sample(), Replicate: it.Replicate,
		CellsSeeded: p.Num("cells_seeded"), Input: models.InputInfo{Path: path}}
	stem := env.stems[it.Index]
	res, err := analysePlate(plate, path, filepath.Join(env.out, "overlays", stem+".png"), filepath.Join(env.out, "labels", stem+".png"),
		copt, env.inputOpts, true)
	recordInput(rec, res.Input)
	if err != nil {
		return err
	}
	markDone(it, copt.PixelSizeUM, &res.Status, &res.Image, &res.Input, &res.Calibration)
	rec.Colonies = &res
	return checkEncodable(res)
}

// runDermisItem measures one skin section with analysis/dermis, with the
// options of `histocount dermis` (interval_um 0 means 50 µm); --save-labels
// also writes geojson/<id>.geojson.
func runDermisItem(ctx context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	img, err := imageio.Load(path, env.inputOpts)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	rec.Input = models.ItemInput{SHA256: img.Info.SHA256, Bytes: img.Info.Bytes}
	opt := dermis.Options{Stain: p.Str("stain"), PixelSizeUM: p.Num("pixel_size_um"), IntervalUM: p.Num("interval_um"),
		Overlay: env.overlays, Labels: env.labels}
	res, err := dermis.MeasureContext(ctx, img, opt)
	if err != nil {
		return fmt.Errorf("analyse: %w", err)
	}
	stem := env.stems[it.Index]
	if res.Overlay != nil {
		if err := writePNG(filepath.Join(env.out, "overlays", stem+".png"), res.Overlay); err != nil {
			res.Section.QC = overlayNotWritten(res.Section.QC, err)
		}
	}
	if env.labels {
		if res.Labels != nil {
			if err := writePNG(filepath.Join(env.out, "labels", stem+".png"), res.Labels); err != nil {
				res.Section.QC = overlayNotWritten(res.Section.QC, err)
			}
		}
		gj, err := res.GeoJSON()
		if err != nil {
			return fmt.Errorf("geojson: %w", err)
		}
		if err := writeFile(filepath.Join(env.out, "geojson", stem+".geojson"), gj); err != nil {
			res.Section.QC = overlayNotWritten(res.Section.QC, err)
		}
	}
	s := res.Section
	s.Index, s.Sample, s.Error = it.Index, it.Sample(), ""
	markDone(it, opt.PixelSizeUM, &s.Status, &s.Image, &s.Input, &s.Calibration)
	rec.Dermis = &s
	return checkEncodable(s)
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
	cands, keys := make([]string, len(items)), make([]string, len(items))
	natural := make([]bool, len(items))
	for i, it := range items {
		s := strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
				return r
			}
			return '_'
		}, it.ID)
		if strings.HasPrefix(s, ".") {
			s = "_" + s[1:]
		}
		// An id kept as it is never yields to a sanitised one: a/b does
		// not take a_b's name, nor a_b__2's.
		cands[i], keys[i], natural[i] = s, it.ID, s == it.ID
	}
	stems := uniqueStems(cands, keys, natural)
	out := make(map[int]string, len(items))
	for i, it := range items {
		out[it.Index] = stems[i]
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
