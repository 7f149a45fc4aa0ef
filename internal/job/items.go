package job

import (
	"context"
	"errors"
	"fmt"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
)

// ErrKindNotSupported is the per-item error for a kind whose analysis is
// not wired into this build yet.
var ErrKindNotSupported = errors.New("kind not yet supported by this histocount build")

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
// item of its kind fail with ErrKindNotSupported.
var runKinds = map[string]kindRunner{
	models.KindCells:    runCellsItem,
	models.KindColonies: runColoniesItem,
	models.KindDermis:   runDermisItem,
}

// runCellsItem counts one cells item with kinds.Cells, the same work as
// `histocount cells`.
func runCellsItem(_ context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	stain := p.Str("stain")
	m := kinds.Marker{Image: p.Str("marker_image"), Channel: int(p.Num("marker_channel")), Threshold: p.Num("marker_threshold")}
	if err := m.Check(); err != nil {
		return err
	}
	if m.Enabled() {
		stain = cells.StainFluorescence
	}
	sample := it.Sample()
	loadOpt := env.inputOpts
	loadOpt.BlackBackground = stain == cells.StainFluorescence
	req := kinds.CellsRequest{Stain: stain, DepthUM: p.Num("depth_um"), Marker: m,
		Sample: func(string) (string, error) { return sample, nil }, Load: loadOpt,
		Count: cells.Options{Stain: stain, PixelSizeUM: p.Num("pixel_size_um"), PixelSizeSource: models.CalibrationSourceManifest, Overlay: env.overlays, Labels: env.labels,
			MinDiameterUM: p.Num("min_diameter_um"), MaxDiameterUM: p.Num("max_diameter_um")}}
	ci, err := kinds.Cells(it.Index, path, kinds.Output{Dir: env.out, Stem: env.stems[it.Index]}, req)
	row := ci.Row
	recordInput(rec, row.Input)
	if err != nil {
		return err
	}
	markDone(it, &row.Status, &row.Image, &row.Input)
	rec.Cells = &row
	return kinds.CheckEncodable(row)
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
// succeeded: status ok and the manifest's path rather than the resolved
// one (results must not depend on where the job ran; the resolved path is
// in the provenance). The calibration source of a pixel_size_um is already
// "manifest": each kind passes Options.PixelSizeSource.
func markDone(it models.ManifestItem, status, image *string, in *models.InputInfo) {
	*status = models.StatusOK
	*image, in.Path = it.Path, it.Path
}

// runColoniesItem counts one dish with kinds.Colonies, the same work as
// `histocount colonies`; cells_seeded gives the dish's CFE (without it the
// dish is flagged no_cells_seeded) and the item's sample pools it with its
// replicates in summary.json.
func runColoniesItem(_ context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	copt := colonies.Options{Polarity: p.Str("polarity"), PixelSizeUM: p.Num("pixel_size_um"), PixelSizeSource: models.CalibrationSourceManifest,
		MinColonyDiameterUM: p.Num("min_colony_diameter_um"), MinColonyAreaUM2: p.Num("min_colony_area_um2"),
		MinColonyAreaPx: p.Num("min_colony_area_px"), MinCells: int(p.Num("min_cells")), CellAreaUM2: p.Num("cell_area_um2"),
		Overlay: env.overlays, Labels: env.labels}
	plate := models.ColonyPlateResult{Index: it.Index, Image: it.Path, Sample: it.Sample(), Replicate: it.Replicate,
		CellsSeeded: p.Num("cells_seeded"), Input: models.InputInfo{Path: path}}
	res, err := kinds.Colonies(plate, path, kinds.Output{Dir: env.out, Stem: env.stems[it.Index]}, copt, env.inputOpts, true)
	recordInput(rec, res.Input)
	if err != nil {
		return err
	}
	markDone(it, &res.Status, &res.Image, &res.Input)
	rec.Colonies = &res
	return kinds.CheckEncodable(res)
}

// runDermisItem measures one skin section with kinds.Dermis, with the
// options of `histocount dermis` (interval_um 0 means 50 µm); --save-labels
// also writes geojson/<id>.geojson.
func runDermisItem(ctx context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	p := it.Params
	opt := dermis.Options{Stain: p.Str("stain"), PixelSizeUM: p.Num("pixel_size_um"), PixelSizeSource: models.CalibrationSourceManifest, IntervalUM: p.Num("interval_um"),
		Overlay: env.overlays, Labels: env.labels}
	d, err := kinds.Dermis(ctx, it.Index, path, kinds.Output{Dir: env.out, Stem: env.stems[it.Index]}, opt, env.inputOpts)
	recordInput(rec, d.Section.Input)
	if err != nil {
		return err
	}
	s := d.Section
	s.Index, s.Sample, s.Error = it.Index, it.Sample(), ""
	markDone(it, &s.Status, &s.Image, &s.Input)
	rec.Dermis = &s
	return kinds.CheckEncodable(s)
}

// runKind runs the item's kind, or fails it when the kind is not wired.
func runKind(ctx context.Context, env *itemEnv, it models.ManifestItem, path string, rec *models.ItemResult) error {
	r := runKinds[it.Kind]
	if r == nil {
		return fmt.Errorf("%w: %s", ErrKindNotSupported, it.Kind)
	}
	return r(ctx, env, it, path, rec)
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
