package job

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/models"
)

type countProgress struct{ items, finished int }

func (p *countProgress) Item(string, error, []string) { p.items++ }
func (p *countProgress) Finish()                      { p.finished++ }

// Run without the command line: a failed item is data (an error record,
// exit code 1 in the summary, no Go error), the journal is gone once
// results.jsonl is committed, and a second run analyses the failed item
// again instead of reusing it.
func TestRunFailedItemIsData(t *testing.T) {
	m, err := models.ParseManifest([]byte(`{"schema_version":"1.0.0","job_id":"J","items":[
		{"id":"x","kind":"cells","path":"invalid-empty.png"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var analysed []string
	c := Config{Manifest: m, ManifestSHA: "abc", BaseDir: "../../testdata", Items: m.Items, Stems: map[int]string{0: "x"},
		Out: out, Workers: 1, Build: models.Provenance{Tool: "histocount", Version: "test"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BeforeAnalyse: func(id string) { analysed = append(analysed, id) }}
	for run := 1; run <= 2; run++ {
		p := &countProgress{}
		c.Progress = p
		res, err := Run(context.Background(), c)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		s := res.Summary
		if s.ExitCode != ExitFailure || s.Counts.Failed != 1 || s.Counts.Total != 1 || s.Counts.Skipped != 0 {
			t.Errorf("run %d: summary %+v", run, s)
		}
		if p.items != 1 || p.finished != 1 {
			t.Errorf("run %d: progress %+v", run, p)
		}
		if _, err := os.Stat(filepath.Join(out, JournalFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("run %d: journal left: %v", run, err)
		}
		f, err := os.Open(filepath.Join(out, ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		var recs []models.ItemResult
		for sc.Scan() {
			var r models.ItemResult
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if err := CheckRecordDigest(sc.Bytes()); err != nil {
				t.Errorf("run %d: %v", run, err)
			}
			recs = append(recs, r)
		}
		f.Close()
		if len(recs) != 1 || recs[0].Status != models.StatusError || recs[0].Error == "" || recs[0].Cells != nil {
			t.Errorf("run %d: records %+v", run, recs)
		}
	}
	if len(analysed) != 2 {
		t.Errorf("analysed %v, want x in both runs (a failed record is not reused)", analysed)
	}
}

// The calibration source in results says where the pixel size came from:
// the manifest's pixel_size_um is "manifest" (passed to the analysis as
// such, not renamed afterwards) and overrides the file's own calibration,
// which keeps its source when the manifest gives none.
func TestRunCalibrationSource(t *testing.T) {
	m, err := models.ParseManifest([]byte(`{"schema_version":"1.0.0","job_id":"J","items":[
		{"id":"file","kind":"cells","path":"tiff-deflate-bigtiff.tif","params":{"stain":"fluorescence"}},
		{"id":"given","kind":"cells","path":"tiff-deflate-bigtiff.tif","params":{"stain":"fluorescence","pixel_size_um":0.8}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	c := Config{Manifest: m, ManifestSHA: "abc", BaseDir: "../../testdata", Items: m.Items, Stems: map[int]string{0: "file", 1: "given"},
		Out: out, Workers: 1, Build: models.Provenance{Tool: "histocount", Version: "test"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Progress: &countProgress{}}
	if _, err := Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]models.Calibration{
		"file":  {PixelSizeUM: 0.5, Source: "tiff-resolution"},
		"given": {PixelSizeUM: 0.8, Source: "manifest"},
	}
	got := map[string]models.Calibration{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r models.ItemResult
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.Cells == nil {
			t.Fatalf("%s: no cells result (%s: %s)", r.ID, r.Status, r.Error)
		}
		got[r.ID] = r.Cells.Calibration
	}
	for id, w := range want {
		if g := got[id]; g.Source != w.Source || math.Abs(g.PixelSizeUM-w.PixelSizeUM) > 1e-9 {
			t.Errorf("%s: calibration %+v, want %+v", id, g, w)
		}
	}
}
