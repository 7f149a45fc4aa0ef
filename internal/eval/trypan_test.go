package eval

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/internal/shareddata"
)

// TestTrypanBrightfieldViability asserts the trypan-blue counting accuracy
// on the 1000 development crops. The lead bounds are on the 5-fold
// cross-validated figures (keys "cv_"): every crop classified by the
// learned classifier fitted without its fold, the figure to expect on new
// crops of the same kind. The resubstitution figures (the shipped
// classifier, fitted on all of them) get their own, tighter bounds so a
// regression of the segmenter shows there too. Bounds sit just outside the
// measured values (in the comments).
func TestTrypanBrightfieldViability(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	dir := shareddata.Dir(t, "brightfield-viability")
	m, err := runTrypan(dir, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("metrics: %v", m)
	RequireBounds(t, m,
		// Cross-validated: WAPE 8.44 %, pooled viability error 0.25 pp,
		// MAPE 8.50 %, viability MAE 5.25 pp.
		Ceiling("cv_wape_pct", 9.0),
		Ceiling("cv_pooled_viability_err_pp", 1.0),
		Ceiling("cv_total_mape_pct", 9.0),
		Ceiling("cv_viability_mae_pp", 5.6),
		// Fitted: WAPE 6.84 %, MAPE 6.43 %, viability MAE 4.29 pp.
		Ceiling("wape_pct", 7.2),
		Ceiling("total_mape_pct", 6.8),
		Ceiling("viability_mae_pp", 4.6),
		Floor("cv_wape_pct", 0.5), // a zero error means the CV did not run
	)
}

// TestTrypanFieldsSynthHeldOut asserts whole-field accuracy on generated
// hemocytometer fields from seeds the detector was never tuned on
// (TrypanFieldsHeldOutSeed on). Measured: WAPE 3.49 %, pooled viability
// error 0.03 pp, per-field viability MAE 0.87 pp.
func TestTrypanFieldsSynthHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("12 whole fields")
	}
	m, err := runTrypanFieldsSynth("", os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("metrics: %v", m)
	RequireBounds(t, m,
		Ceiling("wape_pct", 4.0),
		Ceiling("pooled_viability_err_pp", 1.0),
		Ceiling("viability_mae_pp", 1.2),
	)
}

// TestScoreFields checks the whole-field metrics on a hand-computed case.
func TestScoreFields(t *testing.T) {
	s := ScoreFields([]FieldCounts{
		{TrueLive: 80, TrueDead: 20, Live: 78, Dead: 24}, // total +2
		{TrueLive: 40, TrueDead: 10, Live: 36, Dead: 10}, // total −4
	})
	want := map[string]float64{
		"wape_pct":                100 * 6.0 / 150,
		"live_wape_pct":           100 * 6.0 / 120,
		"dead_wape_pct":           100 * 4.0 / 30,
		"pooled_viability_err_pp": 80 - 100*114.0/148,
		"viability_mae_pp":        ((80 - 100*78.0/102) + (80 - 100*36.0/46)) / 2,
	}
	for k, v := range s.Metrics() {
		if !(math.Abs(v-want[k]) <= 1e-9) {
			t.Errorf("%s = %.6f, want %.6f", k, v, want[k])
		}
	}
}

// TestReadTrypanTruthRejectsBadRows checks the truth reader on broken
// files instead of trusting them.
func TestReadTrypanTruthRejectsBadRows(t *testing.T) {
	cases := map[string]string{
		"bad-header": "img,a,b\nx.png,1,2\n",
		"negative":   "image,live,dead\nx.png,-1,2\n",
		"not-number": "image,live,dead\nx.png,one,2\n",
		"empty":      "image,live,dead\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "truth.csv"), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := readTrypanTruth(dir); err == nil {
				t.Errorf("no error for %q", strings.TrimSpace(body))
			}
		})
	}
}

// TestEvalTrypanCountsFailures checks that unreadable images are counted
// as failed, not silently skipped or fatal.
func TestEvalTrypanCountsFailures(t *testing.T) {
	dir := t.TempDir()
	body := "image,live,dead\nmissing.png,1,0\nbroken.png,2,1\n"
	if err := os.WriteFile(filepath.Join(dir, "truth.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := EvalTrypan(dir, 0)
	if err == nil {
		t.Fatal("no error when no image could be analysed")
	}
	if s.Images != 2 || s.Failed != 2 {
		t.Errorf("images %d failed %d, want 2 and 2", s.Images, s.Failed)
	}
}

// TestTrypanFieldsPhysgenSmall counts a few fields of the independent
// physical generator (internal/physgen/chamber, written without reading
// the analysis code), rendered here at 960×720 so that CI needs no data
// folder. Seed 2 was never used for tuning (the field rules were tuned on
// seed 1). Measured: WAPE 19.2 %, pooled viability error 13.3 pp (field 0,
// dense and in colour, loses most live cells to "dead": still weak; main
// before the field fixes: see the chamber-fields-physgen eval). Bounds:
// those plus a margin for platform differences, far from the 3 % target.
// With the crowded-field grid removal (profiles relative to their
// baseline, presence by vote): WAPE 22.9 %, viability 8.6 pp; fields 1–4
// count within ±10 cells of before, field 0 loses a further 251 of its
// 1884 cells (1382 → 1131): dense fields are the change's weak side, and
// the WAPE bound moved 23 → 24 % to keep a margin for platform
// differences. Field 0 then counted live 75 of 1017 and dead 1056 of
// 867: its touching cells merged into one outline each, and its
// per-pixel stain threshold (noisy colour) lay above the stained cells'
// medians. With the colour populations (trypanColourPopulations) and
// the deeper re-seeding of touching cells (trypanDeepSeeds): WAPE
// 18.63 %, viability 2.21 pp (field 0: live 796, dead 527); bounds
// 20 % and 4 pp (the old code fails both).
func TestTrypanFieldsPhysgenSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("5 generated fields")
	}
	s, fc, err := EvalTrypanFieldsPhysgen(2, 0, 5, 960, 720)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range fc {
		t.Logf("field %d: live %d / %d, dead %d / %d", i, c.Live, c.TrueLive, c.Dead, c.TrueDead)
	}
	t.Logf("WAPE %.2f %%, pooled viability error %.2f pp, %.2f s per field", s.WAPEPct, s.PooledViabilityErrPP, s.SecondsPerField)
	RequireBounds(t, s.Metrics(),
		Ceiling("wape_pct", 20),
		Ceiling("pooled_viability_err_pp", 4),
	)
}

// TestTrypanFieldsPhysgen bounds the chamber-fields-physgen evaluation:
// the 40 fields of physgen seed 1 at /work/gen-data/chamber (or
// $HISTOCOUNT_CHAMBER_DATA), when present. Seed 1 is the set the field
// rules were tuned on, so these are fitted figures, a regression guard;
// the held-out figures (seed 2, 12 fields, generated by
// `histocount-physgen -kind chamber -n 12 -seed 2`) are in the comment.
// Seed 1: before WAPE 25.2 %, pooled viability error 16.9 pp; after
// WAPE 18.9 %, viability 2.2 pp, per-field MAE 11.6 pp. Seed 2 (held
// out): before WAPE 17.9 %, viability 9.3 pp, per-field MAE 17.3 pp;
// after WAPE 11.9 %, viability 2.7 pp, per-field MAE 6.4 pp.
func TestTrypanFieldsPhysgen(t *testing.T) {
	dir := PhysgenChamberDir(shareddata.Find())
	if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err != nil || testing.Short() {
		t.Skip("physgen chamber fields not present")
	}
	s, err := EvalTrypanFieldsDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d fields: live %d / %d, dead %d / %d; %v", s.Fields, s.Live, s.TrueLive, s.Dead, s.TrueDead, s.Metrics())
	RequireBounds(t, s.Metrics(),
		Ceiling("wape_pct", 20.5),
		Ceiling("pooled_viability_err_pp", 3.5),
	)
}
