package passport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/models"
)

var update = flag.Bool("update", false, "rewrite the golden passports in testdata/")

// fixtureRun is a cells run of four calibrated 1000 × 1000 px fields at
// 1 µm/px in a 100 µm chamber (0.1 µl each), 1:1 trypan: sample S1 with
// 300/20, 280/25 live/dead, sample S2 with 40/30 and one failed field.
func fixtureRun() *cellsrun.Run {
	im := func(name, sample string, live, dead int, qc ...string) models.CellsImage {
		return models.CellsImage{Image: name, Sample: sample, Status: models.StatusOK, Stain: "trypan", Live: live, Dead: dead, Total: live + dead,
			Calibration: models.Calibration{PixelSizeUM: 1, Source: "flag"}, QC: qc,
			Input: models.InputInfo{Path: name, Width: 1000, Height: 1000, SHA256: strings.Repeat(name[len(name)-5:len(name)-4], 64)}}
	}
	failed := models.CellsImage{Image: "runs/s2/f3.png", Sample: "S2", Status: models.StatusError, Error: "decode: truncated"}
	return &cellsrun.Run{Dir: "runs", Path: "runs/results.json", CellsRun: models.CellsRun{SchemaVersion: "1.0.0", Kind: "cells",
		Provenance: models.Provenance{Tool: "histocount", Version: "test", Parameters: map[string]string{"stain": "trypan", "min_viable_per_ml": "1e+06"}},
		Chamber:    models.Chamber{DepthUM: 100, Dilution: 1, TrypanRatio: 2, MinViablePML: 1e6},
		Images: []models.CellsImage{im("runs/s1/f1.png", "S1", 300, 20), im("runs/s1/f2.png", "S1", 280, 25, models.QCOutOfFocus),
			im("runs/s2/f1.png", "S2", 40, 30), im("runs/s2/f2.png", "S2", 35, 25), failed}}}
}

var fixedSources = Sources{Provenance: models.Provenance{Tool: "histocount", Version: "test", Commit: "0123abc"},
	Results: "runs/results.json", ResultsSHA256: strings.Repeat("a", 64), Sheet: "batches.csv", SheetSHA256: strings.Repeat("b", 64)}

func TestDoseNumbers(t *testing.T) {
	b, err := Dose(Batch{BatchID: "B1", ContainerVolumeML: 2, PrescribedViableCells: 5e6, MinViablePerML: 1e6, MinViabilityPct: 70, Sample: "S1"},
		fixtureRun(), fixedSources, "2026-12-01T09:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	d := b.Passport.Dose
	// 580 live in 0.2 µl × 1000 × 2 = 5.8 × 10⁶ /ml (the cells example).
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"viable/ml", d.ViablePerML.Value, 5.8e6},
		{"viability %", d.ViabilityPct.Value, 100 * 580.0 / 625},
		{"viable cells in 2 ml", d.TotalViableCells.Value, 11.6e6},
		{"draw volume ml", d.DrawVolumeML.Value, 5e6 / 5.8e6},
		{"draw volume CI low", *d.DrawVolumeML.CILow, 5e6 / *d.ViablePerML.CIHigh},
	} {
		if diff := c.got - c.want; diff*diff > 1e-12*c.want*c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if b.Passport.Decision.Status != models.Released {
		t.Errorf("decision %+v", b.Passport.Decision)
	}
	if len(b.Passport.QC) != 1 || b.Passport.QC[0].Flag != models.QCOutOfFocus {
		t.Errorf("QC %+v", b.Passport.QC)
	}
}

func TestDoseDecisions(t *testing.T) {
	run := fixtureRun()
	for _, tc := range []struct {
		name   string
		bt     Batch
		status string
		reason string
	}{
		{"released", Batch{BatchID: "B", ContainerVolumeML: 2, PrescribedViableCells: 5e6, MinViablePerML: 1e6, MinViabilityPct: 70, Sample: "S1"}, models.Released, ""},
		{"low viability", Batch{BatchID: "B", ContainerVolumeML: 2, PrescribedViableCells: 1e6, MinViablePerML: 1e6, MinViabilityPct: 95, Sample: "S1"}, models.NotReleased, "viability below the minimum"},
		{"dose above the container", Batch{BatchID: "B", ContainerVolumeML: 0.5, PrescribedViableCells: 5e6, MinViablePerML: 1e6, MinViabilityPct: 70, Sample: "S1"}, models.NotReleased, "but the container holds 0.500 ml"},
		{"failed field", Batch{BatchID: "B", ContainerVolumeML: 2, PrescribedViableCells: 1e5, MinViablePerML: 1e5, MinViabilityPct: 50, Sample: "S2"}, models.NotReleased, "could not be analysed"},
		{"concentration borderline", Batch{BatchID: "B", ContainerVolumeML: 2, PrescribedViableCells: 1e5, MinViablePerML: 5.8e6, MinViabilityPct: 50, Images: []string{"f1.png", "runs/s1/f2.png"}}, models.NotReleased, "viable cells/ml borderline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Dose(tc.bt, run, fixedSources, "2026-12-01T09:00:00Z")
			if tc.name == "concentration borderline" {
				// f1.png is ambiguous (two samples have one): refused.
				if err == nil || !strings.Contains(err.Error(), "matches 2 images") {
					t.Fatalf("err = %v, want ambiguity", err)
				}
				tc.bt.Images[0] = "s1/f1.png"
				b, err = Dose(tc.bt, run, fixedSources, "2026-12-01T09:00:00Z")
			}
			if err != nil {
				t.Fatal(err)
			}
			d := b.Passport.Decision
			if d.Status != tc.status || !strings.Contains(strings.Join(d.Reasons, "; "), tc.reason) {
				t.Errorf("decision %s %q, want %s %q", d.Status, d.Reasons, tc.status, tc.reason)
			}
		})
	}
}

// TestGoldenPassport guards the passport's content and layout: the JSON
// and the HTML of a fixed passport must not change unless on purpose
// (go test ./passport -run Golden -update, then review the diff).
func TestGoldenPassport(t *testing.T) {
	b, err := Dose(Batch{Line: 2, BatchID: "B-2026-017", Donor: "D-17", Product: "autologous fibroblasts", Operator: "A. Technician",
		Date: "2026-12-01", ContainerVolumeML: 2, PrescribedViableCells: 5e6, MinViablePerML: 1e6, MinViabilityPct: 70, Sample: "S1"},
		fixtureRun(), fixedSources, "2026-12-01T09:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == PDFFile {
			if !bytes.HasPrefix(f.Data, []byte("%PDF-")) {
				t.Error("passport.pdf is not a PDF")
			}
			continue
		}
		golden := filepath.Join("testdata", "golden-"+f.Name)
		if *update {
			if err := os.WriteFile(golden, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(f.Data, want) {
			t.Errorf("%s differs from %s (run go test ./passport -run Golden -update and review the diff)\n%s", f.Name, golden, firstDiff(string(want), string(f.Data)))
		}
	}
	// The page shows what a reader needs, in order.
	html := string(files[1].Data)
	order := []string{"Dose passport — batch B-2026-017", "RELEASED", "5.80 × 10⁶ /ml", "92.8 %", "0.862 ml", "Acceptance checks", "QC flags", "out_of_focus", "Images", "Provenance", "Prepared by", "Reviewed by"}
	at := 0
	for _, s := range order {
		i := strings.Index(html[at:], s)
		if i < 0 {
			t.Errorf("HTML lacks %q after position %d", s, at)
			continue
		}
		at += i
	}
	if strings.Contains(html, "e+0") {
		t.Error("e-notation in the HTML")
	}
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the HTML refers to the network; it must open offline")
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + la[i] + "\n+ " + lb[i]
		}
	}
	return "lengths differ"
}
