package study

import (
	"bytes"
	"encoding/json"
	"flag"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func goldenReport(t *testing.T) *Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "golden", "sheet.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadSheet(f)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ReadResults(filepath.Join("testdata", "golden", "results"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Analyse(rows, ms, Options{Stain: "HE"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestGoldenCSV pins both tables for a small split-body pilot that exercises
// every matching rule, a failed section, a lost baseline, a filtered stain,
// an unscanned sheet row and an orphan result. Regenerate with
// go test ./study/ -run Golden -update, and review the diff.
func TestGoldenCSV(t *testing.T) {
	rep := goldenReport(t)
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{SubjectsCSV, func(b *bytes.Buffer) error { return WriteSubjectsCSV(b, rep) }},
		{TimepointsCSV, func(b *bytes.Buffer) error { return WriteTimepointsCSV(b, rep) }},
	} {
		var got bytes.Buffer
		if err := f.write(&got); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", f.name)
		if *update {
			if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", f.name, got.Bytes(), want)
		}
	}
	// Independent of the golden files: the accounting of the pilot.
	im := rep.Images
	if im.SheetRows != 24 || im.FilteredOut != 1 || im.Used != 21 || len(im.NotOK) != 1 ||
		len(im.UnmatchedSheet) != 1 || im.UnmatchedSheet[0].Image != "biopsies/P06_m0_a.tif" ||
		len(im.UnmatchedResults) != 1 || !strings.Contains(im.UnmatchedResults[0].Image, "stage_micrometer") ||
		im.MatchRules[RuleStem] != 1 || im.MatchRules[RuleBase] != 4 || im.MatchRules[RuleSuffix] != 17 {
		t.Errorf("image accounting %+v", im)
	}
	// P01 treated: baseline (1480 + 1520)/2 = 1500, 12 months 2400: +60 %.
	trt := rep.Groups[1]
	if trt.Group != "treated" || trt.Subjects[0].Subject != "P01" || *trt.Subjects[0].Points[2].ChangePct != 60 {
		t.Errorf("treated P01: %+v", trt.Subjects[0])
	}
	// Split-body: control and treated areas of P01–P03 compared pairwise.
	var at12 *GroupComparison
	for i, c := range rep.Comparisons {
		if c.Month == 12 {
			at12 = &rep.Comparisons[i]
		}
	}
	// Differences control − treated: 2−60, 0−64.1221, −2.43902−63.6364.
	if at12 == nil || at12.Design != "paired" || at12.N != 3 || at12.TTest == nil ||
		math.Abs(at12.TTest.Estimate-(-58-64.12214-66.07539)/3) > 1e-3 || at12.Wilcoxon == nil || at12.Wilcoxon.V != 0 {
		t.Errorf("month 12 comparison %+v", at12)
	}
	if strings.Join(trt.WithoutBaseline, ",") != "P04" {
		t.Errorf("treated without baseline %v, want P04", trt.WithoutBaseline)
	}
}

func TestWriteAll(t *testing.T) {
	rows, ms, _ := SyntheticCohort(rand.New(rand.NewPCG(1, 1)), DefaultCohort())
	rep, err := Analyse(rows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteCSV(dir, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(dir, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteFigure(dir, rep, FigureOptions{Subjects: true}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := "study.json,study_change.png,study_change.svg,study_subjects.csv,study_timepoints.csv"; strings.Join(names, ",") != want {
		t.Errorf("files %v, want %s (no temporary files left)", names, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("study.json does not read back: %v", err)
	}
	if back.SchemaVersion != "1.0.0" || back.Kind != "study" || len(back.Groups) != 1 || len(back.Groups[0].Subjects) != 45 {
		t.Errorf("study.json: schema %q kind %q groups %d", back.SchemaVersion, back.Kind, len(back.Groups))
	}
	tp := back.Groups[0].Timepoints[4]
	if tp.Month != 12 || tp.ChangePct == nil || tp.ChangePct.Mean != rep.Groups[0].Timepoints[4].ChangePct.Mean || tp.TTest == nil {
		t.Errorf("study.json month 12 round trip: %+v", tp)
	}
	f, err := os.Open(filepath.Join(dir, FigurePNG))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 300 {
		t.Errorf("figure PNG: %v %v", img.Bounds(), err)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, FigureSVG))
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("Months after treatment")) {
		t.Error("figure SVG lacks <svg> or the axis label")
	}
	lines := strings.Count(mustRead(t, filepath.Join(dir, SubjectsCSV)), "\n")
	if lines != 1+45*6 {
		t.Errorf("study_subjects.csv has %d lines, want %d", lines, 1+45*6)
	}
}

func TestWriteAtomicLeavesNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return os.ErrClosed
	})
	if err == nil {
		t.Fatal("write error not returned")
	}
	if got := mustRead(t, path); got != "old" {
		t.Errorf("file now %q, want the old content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries, want only x.csv", len(entries))
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{{0, "0"}, {12, "12"}, {1523.4567, "1523.46"}, {62.51234, "62.5123"}, {-0.00000001, "-1.00000e-08"}, {0.0123, "0.0123"}, {2.5e-14, "2.50000e-14"}, {1234567, "1234567"}} {
		if got := num(tc.x); got != tc.want {
			t.Errorf("num(%g) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteJSONUndefinedStatistics(t *testing.T) {
	// One subject at month 24 and "Treated"/"treated " spellings: SD and CI
	// are undefined there and must be null, not a marshalling error.
	rows, ms := handCohort(map[string]map[float64][]float64{
		"A": {0: {1000}, 12: {1500}, 24: {1600}},
		"B": {0: {1100}, 12: {1700}},
		"C": {0: {1200}, 12: {1800}},
	}, func(s string) string {
		if s == "B" {
			return "Treated"
		}
		return "treated "
	})
	rep, err := Analyse(rows, ms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 1 || rep.Groups[0].Group != "treated" {
		t.Fatalf("groups %+v, want the single group treated", rep.Groups)
	}
	dir := t.TempDir()
	if err := WriteJSON(dir, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(dir, rep); err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, filepath.Join(dir, ReportJSON))
	if !strings.Contains(b, `"sd": null`) || !strings.Contains(b, `"schema_version": "1.0.0"`) {
		t.Errorf("study.json lacks null SD or schema version:\n%s", b)
	}
	var back Report
	if err := json.Unmarshal([]byte(b), &back); err != nil {
		t.Fatal(err)
	}
	tp := back.Groups[0].Timepoints[2]
	if tp.Month != 24 || tp.Paired != 1 || tp.ChangePct.Mean != 60 || tp.TTest != nil || tp.Wilcoxon == nil || tp.Wilcoxon.P != 1 {
		t.Errorf("month 24 read back: %+v", tp)
	}
	csv := mustRead(t, filepath.Join(dir, TimepointsCSV))
	if !strings.Contains(csv, "dermis_thickness_mean_um,treated,24,1,1,1600,,,,,1,600,,,,60,,,,,,,,1,1,exact") {
		t.Errorf("month 24 CSV row with empty undefined cells missing:\n%s", csv)
	}
}
