package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

var updateColonySamples = flag.Bool("update-colony-samples", false, "regenerate testdata/samples/colonies")

// colonyDish is one synthetic crystal-violet dish of the test set.
type colonyDish struct {
	name, sample, replicate string
	seed                    uint64
	spec                    colonies.SynthSpec
}

// colonyDishes are two donors with two replicate dishes each, at 40 µm/px
// (a 35 mm dish ≈ 700 px across); a colony is ≥ 50 cells of 2000 µm².
var colonyDishes = []colonyDish{
	{"D01-r1", "D01", "1", 11, colonies.SynthSpec{Colonies: 30, TouchingPairs: 4, Abortive: 8, Debris: 6, CellsSeeded: 200}},
	{"D01-r2", "D01", "2", 12, colonies.SynthSpec{Colonies: 26, TouchingPairs: 3, Abortive: 8, Debris: 6, CellsSeeded: 200}},
	{"D02-r1", "D02", "1", 21, colonies.SynthSpec{Colonies: 45, TouchingPairs: 6, Abortive: 12, Debris: 8, CellsSeeded: 200}},
	{"D02-r2", "D02", "2", 22, colonies.SynthSpec{Colonies: 20, TouchingPairs: 2, Abortive: 6, Debris: 4, CellsSeeded: 100}},
}

const (
	colonySidePx      = 768
	colonyPixelSizeUM = 40.0
)

// colonyArgs are the threshold flags matching the synthetic dishes.
var colonyArgs = []string{"--min-cells", "50", "--cell-area", "2000"}

// writeColonySet draws the dishes into dir (PNG with the pixel size in
// pHYs, or JPEG without) and writes platemap.csv; it returns the truths by
// image name.
func writeColonySet(t testing.TB, dir, ext string) map[string]colonies.SynthTruth {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	truth := map[string]colonies.SynthTruth{}
	var pm strings.Builder
	pm.WriteString("image,sample,cells_seeded,replicate\n")
	for _, d := range colonyDishes {
		spec := d.spec
		spec.SizePx, spec.PixelSizeUM = colonySidePx, colonyPixelSizeUM
		img, tr := colonies.Synthesize(rand.New(rand.NewPCG(d.seed, 2026)), spec)
		name := d.name + ext
		var data []byte
		var err error
		if ext == ".jpg" {
			var b bytes.Buffer
			err = jpeg.Encode(&b, toNRGBA(img), &jpeg.Options{Quality: 88})
			data = b.Bytes()
		} else {
			data, err = imageio.EncodePNG(toNRGBA(img), colonyPixelSizeUM)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		truth[name] = tr
		fmt.Fprintf(&pm, "%s,%s,%g,%s\n", name, d.sample, spec.CellsSeeded, d.replicate)
	}
	if err := os.WriteFile(filepath.Join(dir, "platemap.csv"), []byte(pm.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return truth
}

// toNRGBA converts a decoded (BGR or grey) image for encoding.
func toNRGBA(img *imageio.Image) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, img.Width, img.Height))
	for i := 0; i < img.Width*img.Height; i++ {
		var c color.NRGBA
		if img.Channels == 1 {
			v := img.Pix[i]
			c = color.NRGBA{v, v, v, 255}
		} else {
			p := img.Pix[i*img.Channels:]
			c = color.NRGBA{p[2], p[1], p[0], 255}
		}
		o := i * 4
		out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = c.R, c.G, c.B, c.A
	}
	return out
}

// colonyTolerance is how far a dish's count may be from the truth: touching
// pairs of very unequal colonies are sometimes kept together. Measured on
// the test dishes: off by 0 to 3 (3 of 45 on the densest).
func colonyTolerance(truth int) float64 { return math.Max(3, 0.07*float64(truth)) }

// poolTruth is the pooled truth CFE (%) of each sample.
func poolTruth(truth map[string]colonies.SynthTruth, ext string) map[string]float64 {
	col, seeded := map[string]float64{}, map[string]float64{}
	for _, d := range colonyDishes {
		tr := truth[d.name+ext]
		col[d.sample] += float64(tr.Colonies)
		seeded[d.sample] += tr.CellsSeeded
	}
	out := map[string]float64{}
	for s := range col {
		out[s] = 100 * col[s] / seeded[s]
	}
	return out
}

func csvMap(t *testing.T, path, key string) (map[string]map[string]string, [][]string) {
	t.Helper()
	recs := readCSV(t, path)
	out := map[string]map[string]string{}
	k := column(t, recs, key)
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out[r[k]] = m
	}
	return out, recs
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

// TestColoniesEndToEnd counts four synthetic dishes of two donors with a
// plate map and checks counts, per-dish and per-sample CFE, the object
// table, overlays, labels and results.json.
func TestColoniesEndToEnd(t *testing.T) {
	in := filepath.Join(t.TempDir(), "dishes")
	truth := writeColonySet(t, in, ".png")
	out := t.TempDir()
	args := append([]string{"colonies", "--quiet", "--workers", "2", "--save-labels", "--plate-map", filepath.Join(in, "platemap.csv"), "--out", out}, colonyArgs...)
	mustRun(t, ExitOK, append(args, in)...)

	images, recs := csvMap(t, filepath.Join(out, "images.csv"), "image")
	if len(recs) != len(colonyDishes)+1 {
		t.Fatalf("%d image rows, want %d", len(recs)-1, len(colonyDishes))
	}
	objects := readCSV(t, filepath.Join(out, "objects.csv"))
	counted := map[string]int{}
	for _, r := range objects[1:] {
		if r[column(t, objects, "class")] == "counted" {
			counted[filepath.Base(r[0])]++
		} else if reason := r[column(t, objects, "reason")]; reason != models.ColonyAbortive && reason != models.ColonyDebris {
			t.Errorf("rejected object with reason %q", reason)
		}
	}
	for _, d := range colonyDishes {
		name := d.name + ".png"
		row := images[filepath.Join(in, name)]
		if row == nil {
			t.Fatalf("no row for %s", name)
		}
		tr := truth[name]
		got := int(num(t, row["colonies"]))
		if tol := colonyTolerance(tr.Colonies); math.Abs(float64(got-tr.Colonies)) > tol {
			t.Errorf("%s: %d colonies, want %d ± %.0f", name, got, tr.Colonies, tol)
		}
		// colonies = counted objects + those estimated inside merged clusters
		est := 0
		if v := row["estimated_colonies"]; v != "" {
			est = int(num(t, v))
		}
		if counted[name]+est != got {
			t.Errorf("%s: %d counted objects in objects.csv + %d estimated, %d in images.csv", name, counted[name], est, got)
		}
		if want := 100 * float64(got) / d.spec.CellsSeeded; math.Abs(num(t, row["cfe_pct"])-want) > 1e-3 {
			t.Errorf("%s: cfe_pct %s, want colonies/seeded = %.3f", name, row["cfe_pct"], want)
		}
		if row["sample"] != d.sample || row["replicate"] != d.replicate || row["dish_found"] != "true" || row["polarity"] != "dark" ||
			row["calibration_source"] != "png-phys" || num(t, row["rejected"]) < float64(d.spec.Abortive)/2 {
			t.Errorf("%s: row %v", name, row)
		}
		for _, dir := range []string{"overlays", "labels"} {
			if st, err := os.Stat(filepath.Join(out, dir, d.name+".png")); err != nil || st.Size() == 0 {
				t.Errorf("%s/%s.png missing: %v", dir, d.name, err)
			}
		}
	}

	samples, recs := csvMap(t, filepath.Join(out, "samples.csv"), "sample")
	if len(recs) != 3 {
		t.Fatalf("samples.csv has %d rows, want D01 and D02", len(recs)-1)
	}
	for name, want := range poolTruth(truth, ".png") {
		s := samples[name]
		cfe, lo, hi := num(t, s["cfe_pct"]), num(t, s["cfe_ci_low_pct"]), num(t, s["cfe_ci_high_pct"])
		// Within 2 percentage points of the truth, inside its own 95 % CI,
		// and the CI roughly ± 2/√n wide.
		if math.Abs(cfe-want) > 2 || !(lo < cfe && cfe < hi) || !(lo < want && want < hi) {
			t.Errorf("sample %s: CFE %.2f %% [%.2f, %.2f], truth %.2f %%", name, cfe, lo, hi, want)
		}
		if s["images"] != "2" || s["failed_images"] != "0" || s["sd_cfe_pct"] == "" {
			t.Errorf("sample %s: %v", name, s)
		}
	}

	var doc models.ColoniesRun
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != models.SchemaVersion || doc.Kind != "colonies" || len(doc.Images) != 4 || len(doc.Samples) != 2 ||
		doc.Summary.OK != 4 || doc.Summary.ExitCode != ExitOK || len(doc.Images[0].Objects) == 0 {
		t.Errorf("results.json: kind %q, %d images, %d samples, summary %+v", doc.Kind, len(doc.Images), len(doc.Samples), doc.Summary)
	}
}

// TestColoniesCorruptFilePartial: a corrupt file among the dishes gets an
// error row, the others are counted, the sample table is written and the
// exit code is 3.
func TestColoniesCorruptFilePartial(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	in := filepath.Join(t.TempDir(), "dishes")
	writeColonySet(t, in, ".png")
	broken := filepath.Join(in, "D02-r3.png")
	copyFile(t, "../../testdata/invalid-truncated.png", broken)
	pm, err := os.OpenFile(filepath.Join(in, "platemap.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(pm, "D02-r3.png,D02,200,3")
	pm.Close()
	out := t.TempDir()
	args := append([]string{"colonies", "--quiet", "--plate-map", filepath.Join(in, "platemap.csv"), "--out", out}, colonyArgs...)
	mustRun(t, ExitPartial, append(args, in)...)
	images, _ := csvMap(t, filepath.Join(out, "images.csv"), "image")
	if r := images[broken]; r == nil || r["status"] != models.StatusError || r["error"] == "" || r["colonies"] != "" || r["sample"] != "D02" {
		t.Errorf("corrupt dish row %v", r)
	}
	samples, _ := csvMap(t, filepath.Join(out, "samples.csv"), "sample")
	if s := samples["D02"]; s["images"] != "2" || s["failed_images"] != "1" {
		t.Errorf("D02 with a failed dish: %v", s)
	}
}

func TestColoniesUsageErrors(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "d.png")
	copyFile(t, "../../testdata/samples/trypan/donor-A/g_24.png", img)
	badMap := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(badMap, []byte("image,sample\nd.png,S\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"colonies", img}, ExitUsage}, // no --out
		{[]string{"colonies", "--out", dir}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--polarity", "violet", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--min-colony-diameter", "-1", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--min-cells", "50", img}, ExitUsage},                                          // no --cell-area
		{[]string{"colonies", "--out", dir, "--min-colony-area-px", "50", "--min-colony-diameter", "300", img}, ExitUsage}, // two thresholds
		{[]string{"colonies", "--out", dir, "--roi", "10,10", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--roi", "10,10,0", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--roi", "10,x,5", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--plate-map", filepath.Join(dir, "none.csv"), img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--plate-map", badMap, img}, ExitUsage}, // no cells_seeded column
		{[]string{"colonies", "--out", dir, "--workers", "0", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "--bogus", img}, ExitUsage},
		{[]string{"colonies", "--out", dir, "/no/such/dish*.png"}, ExitUsage},
		{[]string{"colonies", "--help"}, ExitOK},
		{[]string{"help", "colonies"}, ExitOK},
	} {
		if code, log := runCLI(t, context.Background(), c.args...); code != c.want {
			t.Errorf("histocount %s: exit %d, want %d\n%s", strings.Join(c.args, " "), code, c.want, log)
		}
	}
	// --help has an example.
	if _, log := runCLI(t, context.Background(), "colonies", "--help"); !strings.Contains(log, "Example:") || !strings.Contains(log, "--plate-map") {
		t.Errorf("colonies --help lacks an example:\n%s", log)
	}
}

// TestColoniesInterrupted130: a cancelled run exits 130 and still commits
// results.json with the interruption recorded.
func TestColoniesInterrupted130(t *testing.T) {
	in := filepath.Join(t.TempDir(), "dishes")
	writeColonySet(t, in, ".png")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	code, log := runCLI(t, ctx, append([]string{"colonies", "--quiet", "--plate-map", filepath.Join(in, "platemap.csv"), "--out", out, in}, colonyArgs...)...)
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, log)
	}
	var doc models.ColoniesRun
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || !doc.Summary.Interrupted || doc.Summary.ExitCode != ExitInterrupted {
		t.Fatalf("results.json after interrupt: %v %+v", err, doc.Summary)
	}
}

// TestColoniesThresholdNeedsCalibration: a µm threshold on an image without
// pixel size fails that image (exit 1 when it is the only one) instead of
// counting it with another definition of a colony; --pixel-size fixes it.
func TestColoniesThresholdNeedsCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	in := filepath.Join(t.TempDir(), "dishes")
	writeColonySet(t, in, ".jpg") // JPEG carries no pixel size
	one := filepath.Join(in, "D01-r1.jpg")
	out := t.TempDir()
	mustRun(t, ExitFailure, "colonies", "--quiet", "--min-colony-diameter", "400", "--out", out, one)
	images, _ := csvMap(t, filepath.Join(out, "images.csv"), "image")
	if r := images[one]; r["status"] != models.StatusError || !strings.Contains(r["error"], "pixel size") {
		t.Errorf("µm threshold without calibration: row %v", r)
	}
	out = t.TempDir()
	mustRun(t, ExitOK, "colonies", "--quiet", "--min-colony-diameter", "400", "--pixel-size", "40", "--out", out, one)
	images, _ = csvMap(t, filepath.Join(out, "images.csv"), "image")
	if r := images[one]; r["calibration_source"] != "flag" || r["pixel_size_um"] != "40" {
		t.Errorf("row %v", r)
	}
	// Without any threshold an uncalibrated image is counted (automatic
	// floor) and flagged.
	out = t.TempDir()
	mustRun(t, ExitOK, "colonies", "--quiet", "--out", out, one)
	images, _ = csvMap(t, filepath.Join(out, "images.csv"), "image")
	if r := images[one]; !strings.Contains(r["qc"], models.QCNoCalibration) || r["size_rule"] != "dish_fraction" {
		t.Errorf("uncalibrated row without no_calibration flag or size_rule dish_fraction: %v", r)
	}
	// The 50-cell rule with the cell area in px needs no pixel size.
	out = t.TempDir()
	mustRun(t, ExitOK, "colonies", "--quiet", "--min-cells", "50", "--cell-area-px", "4", "--out", out, one)
	images, _ = csvMap(t, filepath.Join(out, "images.csv"), "image")
	if r := images[one]; r["status"] != models.StatusOK || r["size_rule"] != "cells_px" || r["min_colony_area_px"] != "200" {
		t.Errorf("--min-cells 50 --cell-area-px 4: row %v", r)
	}
	mustRun(t, ExitUsage, "colonies", "--quiet", "--min-cells", "50", "--cell-area-px", "4", "--cell-area", "100", "--out", t.TempDir(), one)
}

// TestColoniesROI: a circle ROI replaces dish detection; a mask of the
// wrong size fails the image.
func TestColoniesROI(t *testing.T) {
	in := filepath.Join(t.TempDir(), "dishes")
	truth := writeColonySet(t, in, ".png")
	one := filepath.Join(in, "D01-r1.png")
	d := truth["D01-r1.png"].Dish
	out := t.TempDir()
	roi := fmt.Sprintf("%.1f,%.1f,%.1f", d.CXPx, d.CYPx, d.RadiusPx*0.95)
	mustRun(t, ExitOK, append([]string{"colonies", "--quiet", "--roi", roi, "--out", out, one}, colonyArgs...)...)
	images, _ := csvMap(t, filepath.Join(out, "images.csv"), "image")
	r := images[one]
	if r["dish_source"] != "roi" || r["dish_shape"] != "circle" {
		t.Errorf("ROI row %v", r)
	}
	if got, want := num(t, r["colonies"]), float64(truth["D01-r1.png"].Colonies); math.Abs(got-want) > colonyTolerance(int(want)) {
		t.Errorf("with ROI: %v colonies, want %v", got, want)
	}
	mask := filepath.Join(t.TempDir(), "mask.png")
	data, err := imageio.EncodePNG(image.NewGray(image.Rect(0, 0, 50, 50)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mask, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, ExitFailure, "colonies", "--quiet", "--roi", mask, "--out", t.TempDir(), one)
}

// TestColoniesReproducibleAcrossWorkers: byte-identical tables with 1 and
// 2 workers.
func TestColoniesReproducibleAcrossWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	in := filepath.Join(t.TempDir(), "dishes")
	writeColonySet(t, in, ".png")
	files := []string{"images.csv", "objects.csv", "samples.csv", "overlays/D02-r1.png"}
	checkSameAcrossWorkers(t, "", []string{"1", "2"}, files, func(w, out string) {
		args := append([]string{"colonies", "--quiet", "--workers", w, "--plate-map", filepath.Join(in, "platemap.csv"), "--out", out}, colonyArgs...)
		mustRun(t, ExitOK, append(args, in)...)
	})
}

// TestColonySamplesBundled counts the dishes bundled for `make demo`
// (testdata/samples/colonies) against the truth in their truth.csv; with
// -update-colony-samples it regenerates them first.
func TestColonySamplesBundled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	dir := "../../testdata/samples/colonies"
	if *updateColonySamples {
		truth := writeColonySet(t, dir, ".jpg")
		var b strings.Builder
		b.WriteString("image,sample,replicate,cells_seeded,colonies,abortive_clusters,debris,cfe_pct\n")
		for _, d := range colonyDishes {
			tr := truth[d.name+".jpg"]
			fmt.Fprintf(&b, "%s.jpg,%s,%s,%g,%d,%d,%d,%g\n", d.name, d.sample, d.replicate, tr.CellsSeeded, tr.Colonies,
				d.spec.Abortive, d.spec.Debris, models.Round3(tr.CFEPct))
		}
		if err := os.WriteFile(filepath.Join(dir, "truth.csv"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) < 2 {
		t.Fatalf("truth.csv: %v", err)
	}
	for _, r := range recs[1:] {
		if st, err := os.Stat(filepath.Join(dir, r[0])); err != nil || st.Size() > 300<<10 {
			t.Errorf("%s: missing or larger than 300 KB: %v", r[0], err)
		}
	}
	out := t.TempDir()
	// The demo's command line (README of the samples).
	mustRun(t, ExitOK, "colonies", "--quiet", "--plate-map", filepath.Join(dir, "platemap.csv"), "--pixel-size", "40",
		"--min-cells", "50", "--cell-area", "2000", "--out", out, dir)
	images, _ := csvMap(t, filepath.Join(out, "images.csv"), "image")
	for _, r := range recs[1:] {
		row := images[filepath.Join(dir, r[0])]
		want, _ := strconv.Atoi(r[4])
		if row == nil {
			t.Fatalf("no result for %s", r[0])
		}
		if got := num(t, row["colonies"]); math.Abs(got-float64(want)) > colonyTolerance(want) {
			t.Errorf("%s: %v colonies, truth %d", r[0], got, want)
		}
	}
}

// TestColoniesThinImages: a 60000×8 or 8×60000 image used to abort the
// process in OpenCV's resize (issue 15); now each is a flagged ok row.
func TestColoniesThinImages(t *testing.T) {
	in := t.TempDir()
	for name, sz := range map[string][2]int{"wide.png": {60000, 8}, "tall.png": {8, 60000}} {
		g := image.NewGray(image.Rect(0, 0, sz[0], sz[1]))
		for i := range g.Pix {
			g.Pix[i] = byte(i * 7)
		}
		data, err := imageio.EncodePNG(g, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	mustRun(t, ExitOK, "colonies", "--quiet", "--out", out, in)
	images, _ := csvMap(t, filepath.Join(out, "images.csv"), "image")
	for _, name := range []string{"wide.png", "tall.png"} {
		r := images[filepath.Join(in, name)]
		if r["status"] != models.StatusOK || !strings.Contains(r["qc"], models.QCTooSmall) || r["colonies"] != "0" {
			t.Errorf("%s: row %v, want ok, too_small, 0 colonies", name, r)
		}
	}
}
