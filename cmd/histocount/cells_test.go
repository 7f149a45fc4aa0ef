package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String() + errb.String()
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func column(t *testing.T, recs [][]string, name string) int {
	t.Helper()
	for i, h := range recs[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, recs[0])
	return -1
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{
		{nil, ExitUsage},
		{[]string{"frobnicate"}, ExitUsage},
		{[]string{"cells"}, ExitUsage},                       // no --out
		{[]string{"cells", "--out", t.TempDir()}, ExitUsage}, // no inputs
		{[]string{"cells", "--out", t.TempDir(), "--stain", "x", "a.png"}, ExitUsage},
		{[]string{"cells", "--out", t.TempDir(), "--nuclei-method", "deep", "a.png"}, ExitUsage},
		{[]string{"cells", "--out", t.TempDir(), "--workers", "0", "a.png"}, ExitUsage},
		{[]string{"cells", "--out", t.TempDir(), "--bogus", "a.png"}, ExitUsage},
		{[]string{"cells", "--out", t.TempDir(), "/no/such/file*.png"}, ExitUsage},
		{[]string{"cells", "--out", t.TempDir(), "--sample-by", "sheet", "a.png"}, ExitUsage},
		{[]string{"cells", "--help"}, ExitOK},
		{[]string{"help", "cells"}, ExitOK},
		{[]string{"version"}, ExitOK},
	} {
		if code, out := runCLI(t, context.Background(), c.args...); code != c.want {
			t.Errorf("histocount %s: exit %d, want %d\n%s", strings.Join(c.args, " "), code, c.want, out)
		}
	}
}

// TestBadInputsBatchContinues runs every invalid fixture plus good images:
// each bad file gets one error row with a reason, the good ones are
// counted, and the exit code says "partial".
func TestBadInputsBatchContinues(t *testing.T) {
	out := t.TempDir()
	inputs := []string{"../../testdata/samples/trypan/donor-A/g_24.png"}
	bad, _ := filepath.Glob("../../testdata/invalid-*")
	edge, _ := filepath.Glob("../../testdata/edge-*")
	inputs = append(append(inputs, bad...), edge...)
	code, log := runCLI(t, context.Background(), append([]string{"cells", "--stain", "trypan", "--workers", "3", "--quiet", "--out", out}, inputs...)...)
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d\n%s", code, ExitPartial, log)
	}
	recs := readCSV(t, filepath.Join(out, "images.csv"))
	if len(recs) != len(inputs)+1 {
		t.Fatalf("%d rows for %d inputs", len(recs)-1, len(inputs))
	}
	st, er, im := column(t, recs, "status"), column(t, recs, "error"), column(t, recs, "image")
	for i, r := range recs[1:] {
		if r[im] != inputs[i] {
			t.Errorf("row %d is %s, want %s (input order)", i, r[im], inputs[i])
		}
		isBad := strings.Contains(r[im], "invalid-")
		if isBad && (r[st] != models.StatusError || r[er] == "") {
			t.Errorf("%s: status %q error %q, want an error with a reason", r[im], r[st], r[er])
		}
		if !isBad && r[st] != models.StatusOK {
			t.Errorf("%s: status %q (%s), want ok", r[im], r[st], r[er])
		}
	}
	var doc models.CellsRun
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if doc.SchemaVersion != models.SchemaVersion || doc.Summary.Failed != len(bad) || doc.Summary.ExitCode != ExitPartial || len(doc.Images) != len(inputs) {
		t.Errorf("results.json summary %+v, %d images", doc.Summary, len(doc.Images))
	}
	leftovers, _ := filepath.Glob(filepath.Join(out, ".*tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestAllFailedExit1(t *testing.T) {
	code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", t.TempDir(), "../../testdata/invalid-empty.png")
	if code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s", code, log)
	}
}

func TestInterruptedExit130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	code, log := runCLI(t, ctx, "cells", "--quiet", "--out", out, "../../testdata/samples/trypan")
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, log)
	}
	// Whatever finished is committed, with the interruption recorded.
	var doc models.CellsRun
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil || !doc.Summary.Interrupted {
		t.Fatalf("results.json after interrupt: %v %+v", err, doc.Summary)
	}
}

// TestReproducibleAcrossWorkers: the same inputs give byte-identical tables
// whatever --workers is and however often it runs.
func TestReproducibleAcrossWorkers(t *testing.T) {
	for _, stain := range []string{"trypan", "fluorescence"} {
		dir := "../../testdata/samples/trypan"
		if stain == "fluorescence" {
			dir = "../../testdata/samples/nuclei"
		}
		files := []string{"images.csv", "objects.csv", "samples.csv"}
		checkSameAcrossWorkers(t, stain+": ", []string{"1", "4", "2"}, files, func(workers, out string) {
			code, log := runCLI(t, context.Background(), "cells", "--stain", stain, "--workers", workers, "--quiet", "--pixel-size", "0.5", "--out", out, dir)
			if code != ExitOK {
				t.Fatalf("%s workers=%s: exit %d\n%s", stain, workers, code, log)
			}
		})
	}
}

func TestSampleConcentrationEndToEnd(t *testing.T) {
	out := t.TempDir()
	code, log := runCLI(t, context.Background(), "cells", "--stain", "trypan", "--quiet", "--pixel-size", "1", "--depth", "100",
		"--out", out, "../../testdata/samples/trypan")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	recs := readCSV(t, filepath.Join(out, "samples.csv"))
	if len(recs) != 3 {
		t.Fatalf("want 2 samples (donor-A, donor-B), got %v", recs)
	}
	for _, r := range recs[1:] {
		if r[column(t, recs, "viable_per_ml")] == "" || r[column(t, recs, "release")] == "unknown" {
			t.Errorf("sample %s has no concentration: %v", r[0], r)
		}
	}
}

func FuzzSampleSheet(f *testing.F) {
	f.Add("image,sample\na.png,S1\nb.png,S2\n")
	f.Add("\ufeffsample,image,extra\nS1,dir/a.png,x\n")
	f.Add("image,sample\n\"unterminated,S1\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := readSampleSheet(strings.NewReader(s))
		if err == nil && m == nil {
			t.Fatal("nil map without error")
		}
	})
}

func TestStudyCommand(t *testing.T) {
	out := t.TempDir()
	// The golden pilot has a failed section and a sheet row without result:
	// outputs are written and the exit code says "partial".
	code, log := runCLI(t, context.Background(), "study", "--sheet", "../../study/testdata/golden/sheet.csv",
		"--results", "../../study/testdata/golden/results", "--out", out)
	if code != ExitPartial {
		t.Fatalf("exit %d, want 3\n%s", code, log)
	}
	for _, f := range []string{"study_subjects.csv", "study_timepoints.csv", "study.json", "study_change.png", "study_change.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	if code, _ := runCLI(t, context.Background(), "study", "--sheet", "nope.csv", "--results", out); code != ExitUsage {
		t.Errorf("missing sheet: exit %d, want 2", code)
	}
}

func TestMemoryBytes(t *testing.T) {
	// Linux CI machines have /proc/meminfo; the value must be plausible.
	if got := memoryBytes(); got < 64<<20 || got > 1<<50 {
		t.Errorf("memoryBytes() = %d, want a plausible machine memory size", got)
	}
}
