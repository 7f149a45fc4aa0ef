package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

const cometDir = "../../dilution/testdata/comet"

func readDilution(t *testing.T, dir string) models.DilutionRun {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "dilution.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(compileSchema(t, "dilution"), b); err != nil {
		t.Errorf("dilution.json does not match its schema: %v", err)
	}
	var r models.DilutionRun
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDilutionTemplate runs COMET's example 2 (four methods) end to end:
// every output is there, the CSV carries COMET's point values, the JSON
// matches its schema, and the report reads right in a browser.
func TestDilutionTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	out := t.TempDir()
	log := mustRun(t, ExitOK, "dilution", "--boot", "50", "--seed", "3", "--out", out, filepath.Join(cometDir, "Full_Template_Example_2_COMET.csv"))
	mustContain(t, "terminal summary", log, "Method 5", "2.49 × 10⁶ /ml", "0.9980", "ISO design")
	for _, f := range []string{"dilution_metrics.csv", "dilution_cv.csv", "dilution_means.csv", "dilution_replicates.csv", "dilution_design.csv",
		"dilution_compare.csv", "dilution.json", "dilution.png", "dilution.svg", "report.html"} {
		if !fileExists(filepath.Join(out, f)) {
			t.Errorf("%s missing", f)
		}
	}
	rows := readCSV(t, filepath.Join(out, "dilution_metrics.csv"))
	if strings.Join(rows[0], ",") != "counting_method,metric,value,lower,upper" {
		t.Fatalf("header %v", rows[0])
	}
	ref := readCSV(t, filepath.Join(cometDir, "example2_metrics.csv"))
	want := map[string]float64{}
	for _, r := range ref[1:] {
		v, _ := strconv.ParseFloat(r[4], 64)
		want[r[0]+"|"+r[3]] = v
	}
	for _, r := range rows[1:] {
		v, _ := strconv.ParseFloat(r[2], 64)
		w, ok := want[r[0]+"|"+r[1]]
		if !ok || math.Abs(v-w) > 1e-6*math.Abs(w) {
			t.Errorf("%s %s = %v, COMET %v", r[0], r[1], v, w)
		}
		if r[3] == "" || r[4] == "" {
			t.Errorf("%s %s: no bootstrap interval", r[0], r[1])
		}
	}
	if len(rows)-1 != len(want) {
		t.Errorf("%d metrics, COMET %d", len(rows)-1, len(want))
	}
	cv := readCSV(t, filepath.Join(out, "dilution_cv.csv"))
	if strings.Join(cv[0], ",") != "counting_method,target_dilution_fraction,mean_cv,lower,upper" || len(cv) != 1+4*5 {
		t.Errorf("dilution_cv.csv: %v … (%d rows)", cv[0], len(cv))
	}
	r := readDilution(t, out)
	if !r.DesignMet || len(r.Methods) != 4 || len(r.Comparisons) != 6*23 {
		t.Errorf("design %v, %d methods, %d comparisons", r.DesignMet, len(r.Methods), len(r.Comparisons))
	}
	img, dom := chromium(t, filepath.Join(out, "report.html"))
	notBlank(t, img)
	mustContain(t, "report.html in Chromium", dom, "Design meets ISO 20391-2", "Method 8", "2.492 × 10⁶", "<svg")
}

// TestDilutionSheet qualifies histocount's own counting: a dilution sheet
// over the bundled trypan fields joined with their cells results.
func TestDilutionSheet(t *testing.T) {
	res := countTrypan(t, "0.8")
	var b strings.Builder
	b.WriteString("image,target_dilution_fraction,replicate_sample,observation\n")
	imgs := []string{"donor-A/b_886.png", "donor-A/cell_64.png", "donor-A/g_24.png", "donor-B/c_111.png", "donor-B/image43.png", "donor-B/ncell_65.png"}
	for i, im := range imgs {
		// Two fields per observation: DF 0.5 (A) and 1 (B), observations 1..3 of replicate 1.
		df := map[bool]string{true: "0.5", false: "1"}[i < 3]
		fmt.Fprintf(&b, "%s,%s,1,%d\n", im, df, i%3+1)
	}
	sheet := filepath.Join(t.TempDir(), "sheet.csv")
	os.WriteFile(sheet, []byte(b.String()), 0o644)
	out := t.TempDir()
	log := mustRun(t, ExitOK, "dilution", "--boot", "20", "--sheet", sheet, "--results", res, "--out", out)
	mustContain(t, "stderr", log, "does NOT meet ISO 20391-2")
	r := readDilution(t, out)
	if r.DesignMet || r.Input.Mode != "sheet" || r.Input.Observations != 6 {
		t.Fatalf("design met %v, input %+v", r.DesignMet, r.Input)
	}
	// b_886.png: 2 cells (1 live, 1 dead) in one 0.8 µm/px field → its
	// concentration as cells computes it.
	run := readCellsResults(t, res)
	var vol float64
	var total int
	for _, im := range run.Images {
		if strings.HasSuffix(im.Image, "b_886.png") {
			vol = float64(im.Input.Width*im.Input.Height) * 0.64 * 100 * 1e-9
			total = im.Total
		}
	}
	want := float64(total) / vol * 1000 * 2
	found := false
	for _, o := range r.Observations {
		if len(o.Images) == 1 && strings.HasSuffix(o.Images[0], "b_886.png") {
			found = true
			if math.Abs(o.CellConc-want) > 1e-9*want {
				t.Errorf("b_886 concentration %v, want %v", o.CellConc, want)
			}
		}
	}
	if !found {
		t.Error("b_886.png not among the observations")
	}
}

func readCellsResults(t *testing.T, dir string) models.CellsRun {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r models.CellsRun
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDilutionBadInput: a clear message, exit 2, nothing written.
func TestDilutionBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	var one strings.Builder
	one.WriteString("counting_method,target_dilution_fraction,random_sample_number,rep_obsv,cell_conc\n")
	for i := 0; i < 9; i++ {
		fmt.Fprintf(&one, "M,0.5,%d,%d,%d\n", i/3+1, i%3+1, 500000+1000*i)
	}
	res := countTrypan(t, "0.8")
	uncal := countTrypan(t, "")
	sheet := write("sheet.csv", "image,target_dilution_fraction,replicate_sample,observation\ndonor-A/b_886.png,0.5,1,1\nnot-there.png,1,1,1\n")
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"one dilution fraction", []string{write("one.csv", one.String())}, `counting method "M" has a single dilution fraction (0.5)`},
		{"missing column", []string{write("nocol.csv", "counting_method,cell_conc\nM,1\n")}, "missing column(s) target_dilution_fraction"},
		{"not a number", []string{write("nan.csv", "counting_method,target_dilution_fraction,random_sample_number,rep_obsv,cell_conc\nM,0.5,1,1,many\n")}, `line 2: cell_conc: "many" is not a number`},
		{"no file", []string{filepath.Join(dir, "absent.csv")}, "no such file"},
		{"image not in results", []string{"--sheet", sheet, "--results", res}, `"not-there.png" is not in`},
		{"image twice", []string{"--sheet", write("s3.csv", "image,target_dilution_fraction,replicate_sample,observation\ndonor-A/b_886.png,0.5,1,1\ndonor-A/b_886.png,1,1,1\n"), "--results", res}, "is already on line 2"},
		{"uncalibrated results", []string{"--sheet", write("s2.csv", "image,target_dilution_fraction,replicate_sample,observation\ndonor-A/b_886.png,0.5,1,1\n"), "--results", uncal}, "has no pixel size, so no concentration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			log := mustRun(t, ExitUsage, append([]string{"dilution", "--out", out}, tc.args...)...)
			mustContain(t, "message", log, tc.msg)
			if ents, _ := os.ReadDir(out); len(ents) > 0 {
				t.Errorf("written despite the error: %v", ents)
			}
		})
	}
}

// TestNewSchemas: histocount schema serves the dilution and passport
// schemas.
func TestNewSchemas(t *testing.T) {
	for _, name := range []string{"dilution", "passport"} {
		out := mustRun(t, ExitOK, "schema", name)
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil || doc["$id"] != "https://histocount.org/schema/1/"+name+".json" {
			t.Errorf("schema %s: %v %v", name, err, doc["$id"])
		}
		compileSchema(t, name)
	}
}
