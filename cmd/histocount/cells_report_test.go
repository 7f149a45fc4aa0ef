package main

import (
	"fmt"
	mathrand "math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/histocount/histocount/analysis/dermis/synth"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// TestCellsReport: `cells --report` writes a self-contained report.html
// that shows the samples' numbers in a browser, and the terminal gets an
// aligned summary without e-notation.
func TestCellsReport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	out := t.TempDir()
	log := mustRun(t, ExitOK, "cells", "--stain", "trypan", "--pixel-size", "0.8", "--sample-by", "dir", "--workers", "1",
		"--report", "--out", out, "../../testdata/samples/trypan")
	mustContain(t, "terminal summary", log, "donor-A", "2.11 × 10⁶ /ml", "90.9 %", "viable cells (95 % CI)")
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "donor-") && strings.Contains(l, "e+0") {
			t.Errorf("e-notation in the summary: %q", l)
		}
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	// Self-contained: nothing is fetched (SVG namespace URIs are names, not fetches).
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?https?:|@import`).Find(html); m != nil {
		t.Errorf("report.html fetches from the network: %s", m)
	}
	img, dom := chromium(t, filepath.Join(out, "report.html"))
	notBlank(t, img)
	mustContain(t, "report.html in Chromium", dom, "donor-A", "donor-B", "2.11 × 10⁶ /ml", "90.9 %", "Overlays", `href="overlays/b_886.png"`, "<svg", "Provenance")
	// The overlay links resolve beside the report.
	if !fileExists(filepath.Join(out, "overlays", "b_886.png")) {
		t.Error("linked overlay missing")
	}
	// --quiet keeps the terminal quiet and still writes the report.
	out2 := t.TempDir()
	log = mustRun(t, ExitOK, "cells", "--stain", "trypan", "--quiet", "--report", "--out", out2, "../../testdata/samples/trypan/donor-A")
	if strings.Contains(log, "viability") {
		t.Errorf("--quiet printed the summary:\n%s", log)
	}
	if !fileExists(filepath.Join(out2, "report.html")) {
		t.Error("no report.html with --quiet")
	}
}

// TestBatchReports: colonies and dermis write report.html with --report
// and end with a readable summary.
func TestBatchReports(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	col := t.TempDir()
	log := mustRun(t, ExitOK, "colonies", "--plate-map", "../../testdata/samples/colonies/platemap.csv", "--pixel-size", "40",
		"--min-cells", "50", "--cell-area", "2000", "--workers", "1", "--report", "--out", col, "../../testdata/samples/colonies")
	mustContain(t, "colonies summary", log, "CFE (95 % CI)", "D01")
	img, dom := chromium(t, filepath.Join(col, "report.html"))
	notBlank(t, img)
	mustContain(t, "colonies report.html", dom, "Colony-forming efficiency per sample", "D01", "D02", "Overlays", "<svg", "Colonies and rejected objects")

	dir := t.TempDir()
	p := synth.Default()
	p.Width, p.Height, p.PixelSizeUM = 640, 560, 1.5
	p.EpidermisUM, p.DermisUM = 45, 480
	sec, _ := synth.Generate(p, mathrand.New(mathrand.NewSource(61)))
	data, err := imageio.EncodePNG(toNRGBA(sec), p.PixelSizeUM)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "section-1.png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	der := t.TempDir()
	log = mustRun(t, ExitOK, "dermis", "--pixel-size", "1.5", "--workers", "1", "--report", "--out", der, dir)
	mustContain(t, "dermis summary", log, "section-1.png", "µm")
	img, dom = chromium(t, filepath.Join(der, "report.html"))
	notBlank(t, img)
	mustContain(t, "dermis report.html", dom, "Thickness per section", "section-1.png", "µm", "Overlays")
}

// TestStudyReport: study --report writes study_report.html next to the
// dermis results (whose report.html it must not replace) and prints the
// per-time-point table.
func TestStudyReport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	dir := t.TempDir()
	var sheet strings.Builder
	sheet.WriteString("image,subject,month\n")
	for i, m := range []int{0, 12, 0, 12} {
		p := synth.Default()
		p.Width, p.Height, p.PixelSizeUM = 640, 560, 1.5
		p.EpidermisUM, p.DermisUM = 45, 400+float64(m)*10+float64(i)*5
		sec, _ := synth.Generate(p, mathrand.New(mathrand.NewSource(int64(70+i))))
		data, err := imageio.EncodePNG(toNRGBA(sec), p.PixelSizeUM)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("s%d.png", i)
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
		fmt.Fprintf(&sheet, "%s,P%d,%d\n", name, i/2, m)
	}
	os.WriteFile(filepath.Join(dir, "sheet.csv"), []byte(sheet.String()), 0o644)
	res := t.TempDir()
	mustRun(t, ExitOK, "dermis", "--pixel-size", "1.5", "--workers", "1", "--quiet", "--report", "--out", res, dir)
	log := mustRun(t, ExitOK, "study", "--sheet", filepath.Join(dir, "sheet.csv"), "--results", res, "--report")
	mustContain(t, "study summary", log, "change (95 % CI)", "baseline")
	if !fileExists(filepath.Join(res, "report.html")) || !fileExists(filepath.Join(res, "study_report.html")) {
		t.Fatal("report.html (dermis) and study_report.html must both be there")
	}
	img, dom := chromium(t, filepath.Join(res, "study_report.html"))
	notBlank(t, img)
	mustContain(t, "study_report.html", dom, "Per time point", "P0", "P1", "<svg")
}

// TestRunReport: run --report lists the failed and flagged items and the
// samples, and the terminal gets the counts.
func TestRunReport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	out := t.TempDir()
	log := mustRun(t, ExitPartial, "run", "--root", "../..", "--workers", "1", "--overlays", "--report", "--out", out, "testdata/mixed-job.json")
	mustContain(t, "run summary", log, "TEST-2026-002", "interrupted", "3.81 × 10⁶ /ml")
	img, dom := chromium(t, filepath.Join(out, "report.html"))
	notBlank(t, img)
	mustContain(t, "run report.html", dom, "Job TEST-2026-002", "1 failed, 0 interrupted", "cells-broken", "corrupt or truncated", "14.5 %", "Overlays")
}

func TestSummaryTableCapped(t *testing.T) {
	var run models.CellsRun
	for i := 0; i < maxSummaryRows+5; i++ {
		run.Samples = append(run.Samples, models.CellsSample{Sample: fmt.Sprintf("S%02d", i), Images: 1, Live: 10, ViabilityPct: 100})
	}
	var b strings.Builder
	printCellsSummary(&b, run)
	if lines := strings.Count(b.String(), "\n"); lines != maxSummaryRows+4 {
		t.Errorf("%d lines:\n%s", lines, b.String())
	}
	mustContain(t, "capped table", b.String(), "… and 5 more in samples.csv")
}
