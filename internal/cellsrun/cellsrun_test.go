package cellsrun

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

func TestFind(t *testing.T) {
	r := &Run{Path: "results.json", CellsRun: models.CellsRun{Images: []models.CellsImage{
		{Image: "/data/d1/a.png"}, {Image: "/data/d1/b.tif"}, {Image: "/data/d2/b.tif"}, {Image: "/data/d2/c.png"}}}}
	for _, tc := range []struct {
		name string
		want int
		err  string
	}{
		{"/data/d1/a.png", 0, ""},
		{"d1/b.tif", 1, ""},
		{"c.png", 3, ""},
		{"a", 0, ""},
		{"b.tif", -1, "matches 2 images"},
		{"d3/z.png", -1, "is not in results.json"},
	} {
		got, err := r.Find(tc.name)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Find(%q) = %d, %v; want %d, %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestLoadAndVolume(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ResultsFile), []byte(`{"schema_version":"1.0.0","kind":"cells","chamber":{"depth_um":100,"dilution":2,"trypan_ratio":2},
"images":[{"image":"a.png","status":"ok","calibration":{"pixel_size_um":0.5},"input":{"path":"a.png","width":1000,"height":800}},
{"image":"b.png","status":"ok","calibration":{},"input":{"path":"b.png","width":10,"height":10}}]}`), 0o644)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// 1000·800 px × 0.25 µm² × 100 µm = 2·10⁷ µm³ = 0.02 µl.
	if v := r.VolumeUL(0); math.Abs(v-0.02) > 1e-12 {
		t.Errorf("volume %v µl, want 0.02", v)
	}
	if v := r.VolumeUL(1); v != 0 {
		t.Errorf("uncalibrated volume %v, want 0", v)
	}
	if f := r.Factor(); f != 4000 {
		t.Errorf("factor %v, want 1000·2·2", f)
	}
	os.WriteFile(filepath.Join(dir, "other.json"), []byte(`{"schema_version":"1.0.0","kind":"colonies"}`), 0o644)
	if _, err := Load(filepath.Join(dir, "other.json")); err == nil || !strings.Contains(err.Error(), "not the results of `histocount cells`") {
		t.Errorf("colonies results accepted: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "run `histocount cells --out DIR` first") {
		t.Errorf("missing results: %v", err)
	}
}
