package eval

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/histocount/histocount/internal/shareddata"
)

// Floors sit slightly below the measured dev-set values (see the eval
// output) so that regressions fail.

func TestDermisSyntheticSections(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	m, err := runSyntheticSections("", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", m)
	// brief: dermis MAE ≤ 3 %, epidermis ≤ 10 % (worst case ≤ 10 % wanted),
	// treatment ±3 pp. Measured: dermis 1.05 % (worst 5.5 %, a section
	// without hypodermis, i.e. lower bounds), epidermis 2.70 % (worst
	// 6.4 %), treatment +0.0 / +0.3 pp.
	RequireBounds(t, m,
		Ceiling("dermis_mae_pct", 1.3),
		Ceiling("epidermis_mae_pct", 3.2),
		Ceiling("epidermis_worst_pct", 10),
		Ceiling("dermis_worst_pct", 6.5),
		// After the glass-by-opening change (h/dermis): treatment −0.83 /
		// −0.94 pp, epidermis worst 8.7 %; the brief's target is ±3 pp.
		Floor("treatment_err_pp_he", -1.5), Ceiling("treatment_err_pp_he", 1.5),
		Floor("treatment_err_pp_silver", -1.5), Ceiling("treatment_err_pp_silver", 1.5),
	)
}

func TestDermisHESkin(t *testing.T) {
	dir := shareddata.Dir(t, "he-skin-sample")
	sc, err := EvaluateHESkin(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("epidermis IoU %.3f, with keratin %.3f, tissue IoU %.3f", sc.EpidermisIoU, sc.EpidermisKeratinIoU, sc.TissueIoU)
	// measured: epidermis IoU 0.603, tissue IoU 0.938
	RequireBounds(t, map[string]float64{"epidermis_iou": sc.EpidermisIoU, "tissue_iou": sc.TissueIoU},
		Floor("epidermis_iou", 0.58), Floor("tissue_iou", 0.92))
}

func TestDermisCollagen(t *testing.T) {
	dir := shareddata.Dir(t, "collagen-trichrome")
	sc, err := EvaluateCollagen(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", sc)
	// annotator agreement outside 0.6–0.9: masks misread
	RequireBounds(t, map[string]float64{"collagen_dice_mean": sc.DiceMean, "fraction_abs_err_pp": sc.FractionAbsErrPP, "annotator_dice_mean": sc.AnnotatorDiceMean},
		Floor("collagen_dice_mean", 0.69), Ceiling("fraction_abs_err_pp", 7),
		Floor("annotator_dice_mean", 0.6), Ceiling("annotator_dice_mean", 0.9))
}

// TestDermisRandomisedSections: domain-randomised generator sections (pale
// and lilac dermis, sparse to dense nuclei, faint fibres, thin-walled wavy
// fat, blur). Measured (h/dermis): dermis MAE 0.90 % (worst 4.6 %),
// epidermis MAE 5.3 % (worst 15.4 %), fat found on 11/12; the code before
// h/dermis: dermis MAE 31.5 %, fat 8/12 (on the same seeds, silver cases
// then drawn with a paler ground). h2/thick (glass level from flat
// blocks, cell-scale H&E band): dermis MAE 1.35 % (worst 6.3 %),
// epidermis 5.0 %, fat 11/12. h10/hejunc (the H&E junction at the
// bottom of the basal row): dermis MAE 1.49 % (worst 8.1 %), epidermis
// 5.47 % (4.67 % before) — one section moved, pas_rand05 (epidermis
// −1.8 → +11.4 %, dermis −6.8 → −8.1 %), while on the independent
// renderer's fresh seed 9 the H&E epidermis went 11.6 → 7.4 %; the
// dermis worst-case ceiling is 8.5 % for it.
func TestDermisRandomisedSections(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	m, err := runRandomisedSections("", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", m)
	RequireBounds(t, m,
		Ceiling("dermis_mae_pct", 2.5),
		Ceiling("dermis_worst_pct", 8.5),
		Ceiling("epidermis_mae_pct", 8),
		Floor("fat_found_frac", 0.9),
	)
}

// TestDermisSkinPAS: real PAS tiles, pathologists' masks. Since h2/layers
// the labels on PAS come from the learned classifier, which was trained
// on these very tiles: the figures here are in-sample (h2/layers: pooled
// epidermis IoU 0.952, keratin 0.847, dermis 0.991, tissue 0.987) and
// only guard the wiring; the held-out figures are TestDermisLayersCV's.
// Classical labels alone: epidermis IoU 0.494 (h/dermis), 0.497 after
// h2/thick's glass and epidermis changes (tissue 0.979).
func TestDermisSkinPAS(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	dir := shareddata.Dir(t, "skin-pas")
	m, err := runSkinPAS(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", m)
	RequireBounds(t, m,
		Floor("epidermis_iou", 0.47),
		Floor("tissue_iou", 0.95),
		Floor("tiles", 26),
	)
}

// TestDermisGenSections: the independent physgen sections (another
// helper's renderer) at /work/gen-data/sections, seed 1, when present.
// h2/thick tuned on seed 1 (glass level from flat blocks, cell-scale
// epidermal sheet), so these are dev figures; the held-out ones are in
// TestDermisPhysgenHeldOut. Measured on seed 1 (h2/thick): dermis MAE
// 20.0 % (H&E 37.8 %: three H&E views without glass give no measurement,
// 100 % each; silver 5.5 %), epidermis 39.2 %, fat found 20/20; before:
// dermis MAE 34.6 %, epidermis 61.8 %, fat found 12/20. h3/silver also
// tuned on seed 1 (silver sheet from the ground between fibres, the
// surface edge of views without glass): dermis 6.1 % (H&E 1.6 %, silver
// 9.8 %: section 003, a silver view whose glass is missed, still gives no
// measurement), epidermis 19.6 %, fat 20/20. h4/epi (silver sheet in the
// least-absorbed channel, H&E sheet threshold 0.4): dermis 6.4 %,
// epidermis 16.2 % (H&E 11.8 %, silver 20.6 %), fat 20/20. h7/sections
// (sparse-nuclei holes of the H&E sheet filled, yellow keratin dropped from
// the silver sheet): dermis 6.3 %, epidermis 13.4 % (H&E 9.9 %, silver
// 16.9 %), fat 20/20. h8/sections (H&E sheet's dermis level also from deep
// tissue, DEJ below the sheet's last dense pixel): dermis 6.3 %, epidermis
// 12.7 % (H&E 8.6 %, silver 16.9 %), fat 20/20. h9/sections (flank walk
// in the sheet's margin, epidermis top by colour; H&E only): dermis 6.3 %,
// epidermis 11.7 % (H&E 6.6 %, silver 16.9 %), fat 20/20.
func TestDermisGenSections(t *testing.T) {
	dir := "/work/gen-data/sections"
	if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err != nil || testing.Short() {
		t.Skip("gen-data sections not present")
	}
	m, err := runGenSections(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", m)
	RequireBounds(t, m,
		Ceiling("dermis_mae_pct", 10),
		Ceiling("epidermis_mae_pct", 25),
		Floor("fat_found_frac", 0.95),
		Ceiling("errors", 0),
	)
}

// TestDermisPhysgenHeldOut renders 8 physgen sections with seed 2 (never
// used for tuning), at most 1200 px wide so that it runs in CI in about a
// minute (96 s on a loaded 2-core machine), and measures them. The narrow
// views are harder than the full-size ones (shorter surface, more views
// without glass). Measured (h2/thick): dermis MAE 41.8 % (H&E 31.1 %,
// silver 52.5 %; one H&E view without glass unmeasured, two silver views
// without glass cut short), epidermis MAE 36.0 %, fat found 7/8. The
// full-size seed-2 set (24 sections): dermis MAE 11.2 % (H&E 2.3 %,
// silver 20.1 %), epidermis 34.5 %, fat 18/20.
// h3/silver (silver sheet, surface edge of views without glass): dermis
// 16.2 % (H&E 6.1 %, silver 26.3 %: two silver views cut short, one of
// them without glass), epidermis 22.0 %, fat 7/8. h4/epi (appearance
// sheet): dermis 17.3 % (H&E 7.7 %, silver 26.9 %), epidermis 27.0 %
// (silver 37.7 % on 4 narrow views), fat 7/8 — worse on these narrow views
// than on the full-size seeds. h7/sections: dermis 17.2 % (H&E 7.7 %,
// silver 26.8 %), epidermis 25.9 %, fat 8/8. h8/sections: dermis 17.1 %
// (H&E 7.3 %, silver 26.8 %), epidermis 24.6 %, fat 8/8. h9/sections:
// dermis 16.4 % (H&E 6.0 %, silver 26.8 %), epidermis 21.5 %, fat 8/8.
func TestDermisPhysgenHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := t.TempDir()
	if err := WriteGenSections(dir, 2, 8, 1200, runtime.NumCPU()); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	m, err := runGenSections(dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s%v", log.String(), m)
	RequireBounds(t, m,
		Ceiling("dermis_mae_pct", 25),
		Ceiling("epidermis_mae_pct", 30),
		Floor("fat_found_frac", 0.85),
		Ceiling("errors", 0),
		Floor("sections", 8),
	)
}
