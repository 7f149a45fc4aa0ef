package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCellsReport: `cells --report` writes a self-contained report.html
// that shows the samples' numbers in a browser, and the terminal gets an
// aligned summary without e-notation.
func TestCellsReport(t *testing.T) {
	out := t.TempDir()
	log := mustRun(t, ExitOK, "cells", "--stain", "trypan", "--pixel-size", "0.8", "--sample-by", "dir", "--workers", "1",
		"--report", "--out", out, "../../testdata/samples/trypan")
	mustContain(t, "terminal summary", log, "donor-A", "2.11 × 10⁶ /ml", "76.9 %", "viable cells (95 % CI)")
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
	mustContain(t, "report.html in Chromium", dom, "donor-A", "donor-B", "2.11 × 10⁶ /ml", "76.9 %", "Overlays", `href="overlays/b_886.png"`, "<svg", "Provenance")
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
