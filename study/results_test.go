package study

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadResultsCSV(t *testing.T) {
	in := "index,image,status,error,dermis_thickness_mean_um,collagen_fraction_pct,qc,width\n" +
		"0,a.tif,ok,,1500.5,60,,512\n" +
		"1,b.tif,error,decode failed,,,,\n" +
		"2,c.tif,OK,,NaN,61.5,out_of_focus,512\n"
	ms, err := ReadResultsCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Fatalf("got %d measurements, want 3", len(ms))
	}
	if !ms[0].OK() || ms[1].OK() || !ms[2].OK() {
		t.Errorf("status: %v %v %v, want ok, error, ok", ms[0].Status, ms[1].Status, ms[2].Status)
	}
	if want := map[string]float64{"dermis_thickness_mean_um": 1500.5, "collagen_fraction_pct": 60}; !reflect.DeepEqual(ms[0].Metrics, want) {
		t.Errorf("row 1 metrics %v, want %v (index, width, qc and error are not metrics)", ms[0].Metrics, want)
	}
	if _, ok := ms[2].Metrics["dermis_thickness_mean_um"]; ok {
		t.Error("NaN cell was kept as a metric value")
	}
	if ms[2].Line != 4 {
		t.Errorf("line of c.tif = %d, want 4", ms[2].Line)
	}
	if got := MetricNames(ms); !reflect.DeepEqual(got, []string{"collagen_fraction_pct", "dermis_thickness_mean_um"}) {
		t.Errorf("MetricNames = %v", got)
	}
}

func TestReadResultsDirAndFile(t *testing.T) {
	dir := t.TempDir()
	body := "image,status,dermis_thickness_mean_um\nx.tif,ok,1200\n"
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, ResultsFile)} {
		ms, err := ReadResults(p)
		if err != nil || len(ms) != 1 || ms[0].Metrics[DefaultMetric] != 1200 {
			t.Errorf("ReadResults(%s) = %+v, %v", p, ms, err)
		}
	}
	if _, err := ReadResults(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing folder accepted")
	}
	for name, in := range map[string]string{
		"no image column": "file,status\nx,ok\n",
		"empty image":     "image,status\n,ok\n",
		"empty":           "",
	} {
		if _, err := ReadResultsCSV(strings.NewReader(in)); !errors.Is(err, ErrResults) {
			t.Errorf("%s: err = %v, want ErrResults", name, err)
		}
	}
}

func TestMatchImages(t *testing.T) {
	rows := []SheetRow{
		{Line: 2, Image: "run1/m0/S01.tif"},  // path
		{Line: 3, Image: "m12/S01.tif"},      // suffix
		{Line: 4, Image: `m6\S02.tif`},       // suffix, Windows separators
		{Line: 5, Image: "S03_m0.tif"},       // base
		{Line: 6, Image: "s04_M0"},           // stem, case-insensitive
		{Line: 7, Image: "S05.tif"},          // ambiguous base: two folders
		{Line: 8, Image: "S06.png"},          // stem claimed by two rows
		{Line: 9, Image: "S06.jpg"},          //
		{Line: 10, Image: "missing/S99.tif"}, // no result
		{Line: 11, Image: "m0/S01.tif"},      // suffix of the path-matched result, already used → none left
	}
	ms := []Measurement{
		{Line: 2, Image: "run1/m0/S01.tif"},
		{Line: 3, Image: "/data/run1/m12/S01.tif"},
		{Line: 4, Image: "/data/run1/m6/S02.tif"},
		{Line: 5, Image: "/elsewhere/S03_m0.tif"},
		{Line: 6, Image: "S04_m0.TIF"},
		{Line: 7, Image: "a/S05.tif"},
		{Line: 8, Image: "b/S05.tif"},
		{Line: 9, Image: "S06.tif"},
		{Line: 10, Image: "orphan.tif"},
	}
	got := MatchImages(rows, ms)
	wantRule := map[int]string{2: RulePath, 3: RuleSuffix, 4: RuleSuffix, 5: RuleBase, 6: RuleStem}
	wantImage := map[int]string{2: "run1/m0/S01.tif", 3: "/data/run1/m12/S01.tif", 4: "/data/run1/m6/S02.tif", 5: "/elsewhere/S03_m0.tif", 6: "S04_m0.TIF"}
	if len(got.Matched) != len(wantRule) {
		t.Errorf("matched %d, want %d: %+v", len(got.Matched), len(wantRule), got.Matched)
	}
	for _, m := range got.Matched {
		if wantRule[m.Row.Line] != m.Rule || wantImage[m.Row.Line] != m.Measurement.Image {
			t.Errorf("line %d matched %s by %s, want %s by %s", m.Row.Line, m.Measurement.Image, m.Rule, wantImage[m.Row.Line], wantRule[m.Row.Line])
		}
	}
	reasons := map[int]string{}
	for _, u := range got.UnmatchedSheet {
		reasons[u.Row.Line] = u.Reason
	}
	for line, want := range map[int]string{7: "ambiguous: 2 results", 8: "matches 2 sheet rows", 9: "matches 2 sheet rows", 10: "no result", 11: "no result"} {
		if !strings.Contains(reasons[line], want) {
			t.Errorf("sheet line %d: reason %q, want it to contain %q", line, reasons[line], want)
		}
	}
	var orphans []string
	for _, u := range got.UnmatchedResults {
		orphans = append(orphans, u.Image)
	}
	if want := []string{"a/S05.tif", "b/S05.tif", "S06.tif", "orphan.tif"}; !reflect.DeepEqual(orphans, want) {
		t.Errorf("unmatched results %v, want %v", orphans, want)
	}
}
