package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

// countTrypan runs `cells` on the bundled trypan samples (two donors, three
// fields each) into a temp dir; pixelSize "" leaves them uncalibrated.
func countTrypan(t *testing.T, pixelSize string) string {
	t.Helper()
	out := t.TempDir()
	args := []string{"cells", "--stain", "trypan", "--sample-by", "dir", "--quiet", "--workers", "1", "--out", out}
	if pixelSize != "" {
		args = append(args, "--pixel-size", pixelSize)
	}
	mustRun(t, ExitOK, append(args, "../../testdata/samples/trypan")...)
	return out
}

func writeSheet(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "batches.csv")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readPassport(t *testing.T, path string) models.Passport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(compileSchema(t, "passport"), b); err != nil {
		t.Errorf("%s does not match the passport schema: %v", path, err)
	}
	var p models.Passport
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodBatches = `batch_id,donor,product,container_volume_ml,dose_viable_cells,operator,date,sample,min_viability_pct
B-017,donor-A,autologous fibroblasts,2.0,2e6,A. Technician,2026-12-01,donor-A,40
B-018,donor-B,autologous fibroblasts,1.0,4e6,A. Technician,2026-12-01,donor-B,
`

// TestPassportDose: one batch released, one not (viability borderline and
// a dose larger than the container); the three renderings agree and are
// checked as a user sees them.
func TestPassportDose(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	res := countTrypan(t, "0.8")
	out := t.TempDir()
	log := mustRun(t, ExitPartial, "passport", "dose", "--sheet", writeSheet(t, goodBatches), "--results", res, "--out", out, "--issued", "2026-12-01T09:00:00Z")
	mustContain(t, "terminal summary", log, "2.11 × 10⁶ /ml", "RELEASED", "NOT RELEASED", "needs 1.61 ml, but the container holds 1.00 ml")
	if strings.Contains(log, "e+06") {
		t.Errorf("e-notation on the terminal:\n%s", log)
	}
	a := readPassport(t, filepath.Join(out, "B-017", "passport.json"))
	b := readPassport(t, filepath.Join(out, "B-018", "passport.json"))
	if a.Decision.Status != models.Released || b.Decision.Status != models.NotReleased {
		t.Fatalf("decisions %s, %s; want released, not_released", a.Decision.Status, b.Decision.Status)
	}
	// Same numbers as `cells` samples.csv (2.11399e+06 viable/ml for donor-A).
	if v := a.Dose.ViablePerML.Value; !(v > 2.1139e6 && v < 2.1141e6) {
		t.Errorf("viable/ml %v, want 2.11399e6 as samples.csv", v)
	}
	if len(a.QC) != 1 || a.QC[0].Flag != "low_count" {
		t.Errorf("QC %+v, want the batch flagged low_count (13 cells)", a.QC)
	}
	if len(a.Images) != 3 || len(a.Images[0].SHA256) != 64 || a.Images[0].Overlay == "" {
		t.Errorf("images %+v", a.Images)
	}
	if ov := filepath.Join(out, "B-017", filepath.FromSlash(a.Images[0].Overlay)); !fileExists(ov) {
		t.Errorf("overlay link %s does not resolve", ov)
	}

	for _, batch := range []struct {
		dir   string
		wants []string
	}{
		{"B-017", []string{"RELEASED", "2.11 × 10⁶ /ml", "90.9 %", "0.946 ml", a.Images[0].SHA256, "Prepared by", "Reviewed by"}},
		{"B-018", []string{"NOT RELEASED", "2.48 × 10⁶ /ml", "the container holds 1.00 ml", "borderline", "Rule: Released only when"}},
	} {
		img, dom := chromium(t, filepath.Join(out, batch.dir, "passport.html"))
		notBlank(t, img)
		mustContain(t, batch.dir+" passport.html in Chromium", dom, batch.wants...)
		if !strings.Contains(dom, "data:image/png;base64,") {
			t.Errorf("%s: no embedded thumbnails", batch.dir)
		}
		pdf := filepath.Join(out, batch.dir, "passport.pdf")
		mustContain(t, batch.dir+" passport.pdf", pdfText(t, pdf), batch.wants...)
		if n := pdfPages(t, pdf); n != 1 {
			t.Errorf("%s: passport.pdf has %d pages, want one A4 page", batch.dir, n)
		}
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestPassportBadInput: each bad input gives a clear message and its exit
// code; refused inputs write nothing.
func TestPassportBadInput(t *testing.T) {
	res := countTrypan(t, "0.8")
	uncal := countTrypan(t, "")
	nuclei := t.TempDir()
	mustRun(t, ExitOK, "cells", "--stain", "fluorescence", "--quiet", "--workers", "1", "--out", nuclei, "../../testdata/samples/trypan/donor-A")
	for _, tc := range []struct {
		name    string
		sheet   string
		results string
		code    int
		msg     []string
		written bool
	}{
		{"images not in the results", "batch_id,container_volume_ml,dose_viable_cells,images\nB1,1,1e6,donor-A/b_886.png;donor-A/missing.png;other.png\n",
			res, ExitUsage, []string{"nothing written", "2 image(s) not usable", `"donor-A/missing.png" is not in`}, false},
		{"unknown sample", "batch_id,container_volume_ml,dose_viable_cells,sample\nB1,1,1e6,donor-Z\n", res, ExitUsage, []string{`sample "donor-Z" is not in`}, false},
		{"bad numbers", "batch_id,container_volume_ml,dose_viable_cells,sample\nB1,-1,1e6,donor-A\nB2,1,lots,donor-B\n", res, ExitUsage,
			[]string{"line 2: container_volume_ml \"-1\"", "line 3: dose_viable_cells \"lots\""}, false},
		{"missing column", "batch_id,dose_viable_cells,sample\nB1,1e6,donor-A\n", res, ExitUsage, []string{"missing column(s) container_volume_ml"}, false},
		{"fluorescence counts", "batch_id,container_volume_ml,dose_viable_cells,sample\nB1,1,1e6,donor-A\n", nuclei, ExitUsage, []string{"needs trypan-blue live/dead counts"}, false},
		{"semicolon sheet with decimal commas", "batch_id;container_volume_ml;dose_viable_cells;sample;min_viability_pct\nB1;0,5;5e6;donor-A;40\n", res, ExitPartial,
			[]string{"needs 2.37 ml, but the container holds 0.500 ml"}, true},
		{"dose above the container", "batch_id,container_volume_ml,dose_viable_cells,sample,min_viability_pct\nB1,0.5,5e6,donor-A,40\n", res, ExitPartial,
			[]string{"NOT RELEASED", "the dose of 5.00 × 10⁶ viable cells needs 2.37 ml, but the container holds 0.500 ml"}, true},
		{"no calibration", "batch_id,container_volume_ml,dose_viable_cells,sample\nB1,1,1e6,donor-A\n", uncal, ExitPartial,
			[]string{"NOT RELEASED", "no concentration", "no release"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pp")
			log := mustRun(t, tc.code, "passport", "dose", "--sheet", writeSheet(t, tc.sheet), "--results", tc.results, "--out", out)
			mustContain(t, "message", log, tc.msg...)
			ents, _ := os.ReadDir(out)
			if tc.written != (len(ents) > 0) {
				t.Errorf("written = %v, want %v (%v)", len(ents) > 0, tc.written, ents)
			}
			if tc.written {
				p := readPassport(t, filepath.Join(out, "B1", "passport.json"))
				if p.Decision.Status != models.NotReleased || len(p.Decision.Reasons) == 0 {
					t.Errorf("decision %+v", p.Decision)
				}
			}
		})
	}
}
