package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/internal/physgen/twochannel"
	"github.com/histocount/histocount/models"
)

// TestPassportSkin: donor D01 has every measure, D02 has CFE but no cell
// counts or growth (flagged, not a crash); the values are those of the
// runs they come from, placed on the default reference; the renderings are
// checked as a user sees them.
func TestPassportSkin(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	cfe := t.TempDir()
	mustRun(t, ExitOK, "colonies", "--plate-map", "../../testdata/samples/colonies/platemap.csv", "--quiet", "--workers", "1", "--out", cfe, "../../testdata/samples/colonies")
	viab := countTrypan(t, "")
	fields := filepath.Join(t.TempDir(), "D01")
	if err := os.MkdirAll(fields, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		f, err := twochannel.Generate(5, i, twochannel.Options{W: 320, H: 320})
		if err != nil {
			t.Fatal(err)
		}
		writePNGFile(t, filepath.Join(fields, "f"+string(rune('0'+i))+"_dapi.png"), f.DAPI)
		writePNGFile(t, filepath.Join(fields, "f"+string(rune('0'+i))+"_ki67.png"), f.Marker)
	}
	prolif := t.TempDir()
	mustRun(t, ExitOK, "cells", "--marker-image", "_dapi=_ki67", "--sample-by", "dir", "--quiet", "--workers", "1", "--out", prolif, fields)
	dir := t.TempDir()
	donors := filepath.Join(dir, "donors.csv")
	passages := filepath.Join(dir, "passages.csv")
	os.WriteFile(donors, []byte("donor,age,viability_sample,operator\nD01,34,donor-A,A. Technician\nD02,71,,A. Technician\n"), 0o644)
	os.WriteFile(passages, []byte("donor,passage,cells_seeded,cells_harvested,days\nD01,1,100000,400000,4\nD01,2,100000,800000,6\nD01,3,1e5,x,3\n"), 0o644)
	out := t.TempDir()
	log := mustRun(t, ExitPartial, "passport", "skin", "--donors", donors, "--colonies", cfe, "--proliferation", prolif, "--viability", viab,
		"--growth", passages, "--out", out, "--issued", "2026-12-01T09:00:00Z")
	mustContain(t, "terminal", log, "D01", "D02", "line 4", "left out", "proliferating fraction not measured")

	a := readPassport(t, filepath.Join(out, "D01", "skin_passport.json"))
	b := readPassport(t, filepath.Join(out, "D02", "skin_passport.json"))
	if a.Kind != models.PassportSkin || a.Skin == nil || b.Skin == nil || a.Decision.Status != models.Reported {
		t.Fatalf("kind %s decision %s", a.Kind, a.Decision.Status)
	}
	// CFE as the colonies run pooled it, on 45.0 ± 9.5 %.
	var cr models.ColoniesRun
	cb, _ := os.ReadFile(filepath.Join(cfe, "results.json"))
	json.Unmarshal(cb, &cr)
	var want float64
	for _, s := range cr.Samples {
		if s.Sample == "D01" {
			want = s.CFEPct
		}
	}
	c := a.Skin.CFEPct
	if c == nil || c.Value != want || c.Reference == nil || c.Reference.Z == nil || !(math.Abs(*c.Reference.Z-(want-45)/9.5) < 0.006) {
		t.Fatalf("CFE %+v, want %v with z %.2f", c, want, (want-45)/9.5)
	}
	if p := *c.Reference.Percentile; !(math.Abs(p-100*0.5*math.Erfc(-(want-45)/9.5/math.Sqrt2)) < 0.06) {
		t.Errorf("percentile %v", p)
	}
	// Proliferating fraction as the cells run pooled it, on 0–14 %.
	pr := a.Skin.ProliferatingPct
	if pr == nil || pr.CILow == nil || !(*pr.CILow <= pr.Value && pr.Value <= *pr.CIHigh) || pr.Reference == nil || pr.Reference.Kind != "range" {
		t.Fatalf("proliferating %+v", pr)
	}
	wantPos := "within"
	if pr.Value > 14 {
		wantPos = "above"
	}
	if pr.Reference.Position != wantPos {
		t.Errorf("position %s, want %s for %.1f %%", pr.Reference.Position, wantPos, pr.Value)
	}
	// Growth: PD 2 and 3 → 5 cumulative, 10 days, 48 h; the bad row is left out.
	g := a.Skin.Growth
	if g == nil || g.CumulativePD != 5 || g.MeanDoublingTimeH != 48 || g.ValidPassages != 2 || a.Skin.DoublingTimeH.Value != 48 {
		t.Errorf("growth %+v", g)
	}
	var vr models.CellsRun
	vb, _ := os.ReadFile(filepath.Join(viab, "results.json"))
	json.Unmarshal(vb, &vr)
	wantV := -1.0
	for _, s := range vr.Samples {
		if s.Sample == "donor-A" {
			wantV = s.ViabilityPct
		}
	}
	if a.Skin.ViabilityPct == nil || a.Skin.ViabilityPct.Value != wantV {
		t.Errorf("viability %+v, want %v as the trypan run", a.Skin.ViabilityPct, wantV)
	}
	// D02: CFE only, the rest flagged.
	if b.Skin.CFEPct == nil || b.Skin.ProliferatingPct != nil || b.Skin.ViabilityPct != nil || b.Skin.Growth != nil {
		t.Errorf("D02 %+v", b.Skin)
	}
	flags := map[string]bool{}
	for _, q := range b.QC {
		flags[q.Flag] = true
	}
	for _, f := range []string{"no_proliferation", "no_viability", "no_growth_data"} {
		if !flags[f] {
			t.Errorf("D02 not flagged %s: %+v", f, b.QC)
		}
	}
	zs := strings.Replace(strings.TrimRight(strings.TrimRight(fmtFloat(*c.Reference.Z), "0"), "."), "-", "-", 1)
	for _, d := range []struct {
		dir   string
		wants []string
	}{
		{"D01", []string{"Skin passport — donor D01", "MEASUREMENTS REPORTED", "45.0 ± 9.5 %", "0.0 – 14.0 %", zs, "no clinical prediction", "Cumulative population doublings", "Prepared by"}},
		{"D02", []string{"Skin passport — donor D02", "proliferating fraction not measured", "no_viability", "missing"}},
	} {
		img, dom := chromium(t, filepath.Join(out, d.dir, "skin_passport.html"))
		notBlank(t, img)
		mustContain(t, d.dir+" skin_passport.html in Chromium", dom, d.wants...)
		mustContain(t, d.dir+" skin_passport.pdf", pdfText(t, filepath.Join(out, d.dir, "skin_passport.pdf")), d.wants...)
	}
}

func fmtFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
