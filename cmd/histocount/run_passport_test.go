package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/internal/physgen/twochannel"
	"github.com/histocount/histocount/models"
)

// TestRunPassports: a LIMS job whose manifest asks for passports gets the
// same dose passports as `cells` + `passport dose` on the same images, and
// Skin Passports whose values are the job's own pooled samples (CFE,
// proliferating fraction from two-channel items, viability); a job that
// names a missing sheet is refused before any analysis.
func TestRunPassports(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	const issued = "2026-12-01T09:00:00Z"
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	dir := t.TempDir()
	fields := filepath.Join(dir, "D01")
	if err := os.MkdirAll(fields, 0o755); err != nil {
		t.Fatal(err)
	}
	items := []map[string]any{}
	for _, donor := range []string{"donor-A", "donor-B"} {
		ents, err := os.ReadDir("../../testdata/samples/trypan/" + donor)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			items = append(items, map[string]any{"id": donor + "/" + e.Name(), "kind": "cells", "sample_id": donor,
				"path": abs(filepath.Join("../../testdata/samples/trypan", donor, e.Name())), "pixel_size_um": 0.8})
		}
	}
	for _, d := range []struct {
		name   string
		seeded int
	}{{"D01-r1.jpg", 200}, {"D01-r2.jpg", 200}} {
		items = append(items, map[string]any{"id": d.name, "kind": "colonies", "sample_id": "D01", "cells_seeded": d.seeded,
			"path": abs(filepath.Join("../../testdata/samples/colonies", d.name))})
	}
	for i := range 2 {
		f, err := twochannel.Generate(5, i, twochannel.Options{W: 320, H: 320})
		if err != nil {
			t.Fatal(err)
		}
		name := "f" + string(rune('0'+i))
		writePNGFile(t, filepath.Join(fields, name+"_dapi.png"), f.DAPI)
		writePNGFile(t, filepath.Join(fields, name+"_ki67.png"), f.Marker)
		items = append(items, map[string]any{"id": "ki67-" + name, "kind": "cells", "sample_id": "D01-ki67",
			"path": filepath.Join(fields, name+"_dapi.png"), "stain": "fluorescence", "params": map[string]any{"marker_image": "_dapi=_ki67"}})
	}
	donors := filepath.Join(dir, "donors.csv")
	if err := os.WriteFile(donors, []byte("donor,age,proliferation_sample,viability_sample\nD01,47,D01-ki67,donor-A\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{"schema_version": models.SchemaVersion, "job_id": "PASSPORT-JOB",
		"defaults": map[string]any{"cells": map[string]any{"stain": "trypan", "depth_um": 100, "dilution": 1}},
		"items":    items,
		"passports": map[string]any{"dose": map[string]any{"sheet": abs("../../testdata/samples/batches.csv")},
			"skin": map[string]any{"donors": donors}, "issued": issued}}
	b, _ := json.MarshalIndent(m, "", " ")
	manifest := filepath.Join(dir, "job.json")
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	// Batch B-2026-018 is not released (a dose larger than its container),
	// and D01 has no growth sheet: a partial job, as `passport` exits.
	mustRun(t, ExitPartial, "run", "--allow-outside-root", "--quiet", "--workers", "2", "--overlays", "--out", out, manifest)
	validateOutputs(t, out)
	s := readSummary(t, out)
	if s.Counts.Failed != 0 || len(s.Passports) != 3 {
		t.Fatalf("counts %+v passports %+v", s.Counts, s.Passports)
	}
	status := map[string]string{}
	for _, p := range s.Passports {
		status[p.Kind+"/"+p.ID] = p.Status
		if p.Dir == "" {
			t.Errorf("%s/%s: no dir", p.Kind, p.ID)
		}
	}
	if status["dose/B-2026-017"] != models.Released || status["dose/B-2026-018"] != models.NotReleased || status["skin/D01"] != models.PassportIncomplete {
		t.Errorf("passport statuses %v", status)
	}

	// The same dose passports from the batch commands.
	res := t.TempDir()
	mustRun(t, ExitOK, "cells", "--stain", "trypan", "--pixel-size", "0.8", "--dilution", "1", "--sample-by", "dir", "--quiet", "--workers", "1",
		"--out", res, "../../testdata/samples/trypan")
	batchOut := t.TempDir()
	mustRun(t, ExitPartial, "passport", "dose", "--sheet", "../../testdata/samples/batches.csv", "--results", res, "--out", batchOut, "--issued", issued)
	for _, id := range []string{"B-2026-017", "B-2026-018"} {
		got := readPassport(t, filepath.Join(out, "passports", "dose", id, "passport.json"))
		want := readPassport(t, filepath.Join(batchOut, id, "passport.json"))
		g, w := got.Dose, want.Dose
		if g == nil || w == nil || g.ViablePerML == nil || w.ViablePerML == nil {
			t.Fatalf("%s: dose %+v / %+v", id, g, w)
		}
		if g.ViablePerML.Value != w.ViablePerML.Value || g.ViabilityPct.Value != w.ViabilityPct.Value || got.Decision.Status != want.Decision.Status ||
			len(got.Images) != len(want.Images) || got.Issued != want.Issued {
			t.Errorf("%s: run gives %v/ml %v %% %s (%d images), passport dose %v/ml %v %% %s (%d images)", id,
				g.ViablePerML.Value, g.ViabilityPct.Value, got.Decision.Status, len(got.Images),
				w.ViablePerML.Value, w.ViabilityPct.Value, want.Decision.Status, len(want.Images))
		}
		if html, err := os.ReadFile(filepath.Join(out, "passports", "dose", id, "passport.html")); err != nil || !strings.Contains(string(html), id) {
			t.Errorf("%s: passport.html missing or without the batch id (%v)", id, err)
		}
	}

	// The Skin Passport carries the job's own pooled samples.
	sk := readPassport(t, filepath.Join(out, "passports", "skin", "D01", "skin_passport.json"))
	if sk.Skin == nil || sk.Skin.CFEPct == nil || sk.Skin.ProliferatingPct == nil || sk.Skin.ViabilityPct == nil || sk.Skin.Growth != nil {
		t.Fatalf("skin %+v", sk.Skin)
	}
	var cfe, viab, prolif float64 = -1, -1, -1
	for _, c := range s.ColoniesSamples {
		if c.Sample == "D01" {
			cfe = c.CFEPct
		}
	}
	for _, c := range s.CellsSamples {
		switch c.Sample {
		case "donor-A":
			viab = c.ViabilityPct
		case "D01-ki67":
			if c.Marker == nil || c.Marker.Nuclei == 0 {
				t.Fatalf("two-channel sample without a pooled marker: %+v", c)
			}
			prolif = c.Marker.PositivePct
			if c.MitoticIndex == nil || c.MitoticIndex.Nuclei != c.Marker.Nuclei {
				t.Errorf("two-channel sample without a pooled mitotic index over its nuclei: %+v", c.MitoticIndex)
			}
		}
	}
	if sk.Skin.CFEPct.Value != cfe || sk.Skin.ViabilityPct.Value != viab || sk.Skin.ProliferatingPct.Value != prolif {
		t.Errorf("skin CFE %v viability %v proliferating %v; job samples %v %v %v", sk.Skin.CFEPct.Value, sk.Skin.ViabilityPct.Value,
			sk.Skin.ProliferatingPct.Value, cfe, viab, prolif)
	}

	// Shards write no passports; their merge writes the same ones.
	var shards []string
	for i := range 2 {
		d := filepath.Join(dir, "shard-"+string(rune('0'+i)))
		mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--shard", string(rune('0'+i))+"/2", "--out", d, manifest)
		if ps := readSummary(t, d).Passports; len(ps) != 0 {
			t.Errorf("shard %d wrote passports %+v", i, ps)
		}
		shards = append(shards, d)
	}
	merged := filepath.Join(dir, "merged")
	mustRun(t, ExitPartial, append([]string{"merge", "--quiet", "--manifest", manifest, "--out", merged}, shards...)...)
	ms := readSummary(t, merged)
	if len(ms.Passports) != len(s.Passports) {
		t.Fatalf("merge: passports %+v", ms.Passports)
	}
	for i, p := range ms.Passports {
		if p.ID != s.Passports[i].ID || p.Status != s.Passports[i].Status {
			t.Errorf("merge: passport %+v, run %+v", p, s.Passports[i])
		}
	}
	if got := readPassport(t, filepath.Join(merged, "passports", "dose", "B-2026-017", "passport.json")); got.Dose.ViablePerML.Value != readPassport(t, filepath.Join(out, "passports", "dose", "B-2026-017", "passport.json")).Dose.ViablePerML.Value {
		t.Errorf("merge: dose passport differs from the run's")
	}

	// A missing sheet stops the job before any image is read (exit 2).
	m["passports"] = map[string]any{"dose": map[string]any{"sheet": filepath.Join(dir, "missing.csv")}}
	b, _ = json.Marshal(m)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	log := mustRun(t, ExitUsage, "run", "--allow-outside-root", "--quiet", "--out", filepath.Join(dir, "out2"), manifest)
	mustContain(t, "terminal", log, "passports.dose.sheet")
}
