package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	mathrand "math/rand"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/analysis/dermis/synth"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/models"
)

// sampleItems are manifest items over the bundled images, with absolute
// paths: six trypan fields of two donors and two nuclei images.
func sampleItems(t testing.TB) []map[string]any {
	t.Helper()
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join("../../testdata/samples", p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	var items []map[string]any
	for _, f := range []struct{ id, path, sample string }{
		{"A-1", "trypan/donor-A/b_886.png", "donor-A"}, {"A-2", "trypan/donor-A/cell_64.png", "donor-A"},
		{"A-3", "trypan/donor-A/g_24.png", "donor-A"}, {"B-1", "trypan/donor-B/c_111.png", "donor-B"},
		{"B-2", "trypan/donor-B/image43.png", "donor-B"}, {"B-3", "trypan/donor-B/ncell_65.png", "donor-B"},
	} {
		items = append(items, map[string]any{"id": f.id, "kind": "cells", "path": abs(f.path), "sample_id": f.sample,
			"subject": "P-" + f.sample, "time_point_months": 6, "pixel_size_um": 0.8})
	}
	items = append(items,
		map[string]any{"id": "N-1", "kind": "cells", "path": abs("nuclei/dsb-3b3f516e.png"), "sample_id": "nuclei", "stain": "fluorescence"},
		map[string]any{"id": "N-2", "kind": "cells", "path": abs("nuclei/dsb-f6863b83.png"), "sample_id": "nuclei", "stain": "fluorescence"})
	return items
}

// syntheticTruth is what the synthetic items of syntheticItems hold.
type syntheticTruth struct {
	colonies  map[string]int     // item id → colonies placed
	epidermis map[string]float64 // item id → mean epidermis thickness, µm
}

// syntheticItems writes small synthetic images into dir and returns
// manifest items over them: two replicate crystal-violet dishes of sample
// S-A (plus a corrupt one when withBroken), and an H&E and a silver skin
// section, all calibrated through PNG pHYs.
func syntheticItems(t testing.TB, dir string, withBroken bool) ([]map[string]any, syntheticTruth) {
	t.Helper()
	truth := syntheticTruth{colonies: map[string]int{}, epidermis: map[string]float64{}}
	write := func(name string, img *imageio.Image, ps float64) string {
		data, err := imageio.EncodePNG(toNRGBA(img), ps)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	colonyParams := map[string]any{"min_cells": 50, "cell_area_um2": 2000}
	var items []map[string]any
	for i, n := range []int{18, 24} {
		img, tr := colonies.Synthesize(rand.New(rand.NewPCG(uint64(40+i), 7)), colonies.SynthSpec{SizePx: 512, PixelSizeUM: 50,
			Colonies: n, TouchingPairs: 2, Abortive: 5, Debris: 3, CellsSeeded: 150})
		id := fmt.Sprintf("dish-a%d", i+1)
		truth.colonies[id] = tr.Colonies
		items = append(items, map[string]any{"id": id, "kind": "colonies", "path": write(id+".png", img, 50), "sample_id": "S-A",
			"subject": "P-A", "replicate": i + 1, "cells_seeded": 150, "params": colonyParams})
	}
	if withBroken {
		broken := filepath.Join(dir, "dish-a3.png")
		copyFile(t, "../../testdata/invalid-truncated.png", broken)
		items = append(items, map[string]any{"id": "dish-a3", "kind": "colonies", "path": broken, "sample_id": "S-A",
			"replicate": 3, "cells_seeded": 150, "params": colonyParams})
	}
	for i, stain := range []string{synth.StainHE, synth.StainSilver} {
		p := synth.Default()
		p.Width, p.Height, p.PixelSizeUM, p.Stain = 640, 560, 1.5, stain
		p.EpidermisUM, p.DermisUM = 45, 480
		img, tr := synth.Generate(p, mathrand.New(mathrand.NewSource(int64(60+i))))
		id := "section-" + stain
		truth.epidermis[id] = tr.EpidermisUM
		items = append(items, map[string]any{"id": id, "kind": "dermis", "path": write(id+".png", img, p.PixelSizeUM),
			"subject": "P-A", "time_point_months": 3, "stain": stain})
	}
	return items, truth
}

func writeManifest(t testing.TB, dir string, defaults map[string]any, items []map[string]any) string {
	t.Helper()
	m := map[string]any{"schema_version": models.SchemaVersion, "job_id": "TEST-JOB", "items": items}
	if defaults != nil {
		m["defaults"] = defaults
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, fmt.Sprintf("manifest-%d.json", len(b)))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// withoutProvenance cuts a results line before its provenance object (the
// last field): what remains must not depend on when or where it ran.
func withoutProvenance(t testing.TB, line string) string {
	t.Helper()
	i := strings.LastIndex(line, `,"provenance":`)
	if i < 0 {
		t.Fatalf("no provenance in %.200s", line)
	}
	return line[:i]
}

// withoutDigest drops a line's record_sha256 (it changes with reused).
func withoutDigest(line string) string {
	i := strings.LastIndex(line, `,"record_sha256":"`)
	if i < 0 || len(line) < i+18+64 {
		return line
	}
	return line[:i] + line[i+18+64+1:]
}

func stripped(t testing.TB, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = withoutProvenance(t, l)
	}
	return out
}

func readSummary(t testing.TB, dir string) models.JobSummary {
	t.Helper()
	var s models.JobSummary
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// validateOutputs checks every results line and the summary of dir against
// their JSON Schemas, and that no temporary file is left.
func validateOutputs(t testing.TB, dir string) {
	t.Helper()
	rs, ss := compileSchema(t, "result"), compileSchema(t, "summary")
	for i, l := range readLines(t, filepath.Join(dir, "results.jsonl")) {
		if err := validateJSON(rs, []byte(l)); err != nil {
			t.Errorf("%s results line %d: %v\n%.300s", dir, i+1, err, l)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(ss, b); err != nil {
		t.Errorf("%s summary.json: %v", dir, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// countAnalyses installs a hook counting the items actually analysed.
func countAnalyses(t *testing.T) func() []string {
	var mu sync.Mutex
	var ids []string
	runTestHooks.beforeAnalyse = func(id string) {
		mu.Lock()
		ids = append(ids, id)
		mu.Unlock()
	}
	t.Cleanup(func() { runTestHooks.beforeAnalyse = nil })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(ids)
		slices.Sort(out)
		ids = nil
		return out
	}
}

func mustRun(t *testing.T, want int, args ...string) string {
	t.Helper()
	code, log := runCLI(t, context.Background(), args...)
	if code != want {
		t.Fatalf("histocount %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, log)
	}
	return log
}

// TestRunOutputsMatchSchemas runs the bundled manifests (cells of both
// stains, colonies dishes with and without seeding, a skin section, a
// broken image) and a manifest over synthetic dishes and sections, and
// validates every output against the schemas.
func TestRunOutputsMatchSchemas(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	synthDir := t.TempDir()
	items, truth := syntheticItems(t, synthDir, true)
	synthManifest := writeManifest(t, synthDir, nil, items)
	for _, c := range []struct {
		name            string
		manifest        string
		want            int
		ok, failed      int
		cellsSamples    []string
		coloniesSamples []string
		errorContains   map[string]string
	}{
		{"cells-job", "testdata/cells-job.json", ExitOK, 8, 0, []string{"donor-A", "donor-B", "nuclei"}, nil, nil},
		{"mixed-job", "testdata/mixed-job.json", ExitPartial, 5, 1, []string{"cells-ok", "cells-broken"}, []string{"P001-M6", "dish-unseeded"},
			map[string]string{"cells-broken": "corrupt"}},
		{"synthetic", synthManifest, ExitPartial, 4, 1, nil, []string{"S-A"}, map[string]string{"dish-a3": "corrupt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			mustRun(t, c.want, "run", "--allow-outside-root", "--quiet", "--workers", "2", "--overlays", "--save-labels", "--out", out, c.manifest)
			validateOutputs(t, out)
			s := readSummary(t, out)
			if s.Counts.OK != c.ok || s.Counts.Failed != c.failed || s.Counts.Total != c.ok+c.failed || s.ExitCode != c.want {
				t.Errorf("counts %+v exit %d", s.Counts, s.ExitCode)
			}
			var names []string
			for _, cs := range s.CellsSamples {
				names = append(names, cs.Sample)
			}
			if !slices.Equal(names, c.cellsSamples) {
				t.Errorf("cells samples %v, want %v", names, c.cellsSamples)
			}
			names = nil
			for _, cs := range s.ColoniesSamples {
				names = append(names, cs.Sample)
			}
			slices.Sort(c.coloniesSamples)
			if !slices.Equal(names, c.coloniesSamples) {
				t.Errorf("colonies samples %v, want %v", names, c.coloniesSamples)
			}
			lines := readLines(t, filepath.Join(out, "results.jsonl"))
			if len(lines) != c.ok+c.failed {
				t.Fatalf("%d lines", len(lines))
			}
			var dishes []models.ColonyPlateResult
			for i, l := range lines {
				var r models.ItemResult
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatal(err)
				}
				if r.Index != i {
					t.Errorf("line %d has index %d: not in manifest order", i, r.Index)
				}
				if want, ok := c.errorContains[r.ID]; ok && (r.Status != models.StatusError || !strings.Contains(r.Error, want)) {
					t.Errorf("%s: status %s error %q, want an error with %q", r.ID, r.Status, r.Error, want)
				}
				payload := map[string]bool{models.KindCells: r.Cells != nil, models.KindColonies: r.Colonies != nil, models.KindDermis: r.Dermis != nil}
				if r.Status == models.StatusOK && (r.Input.SHA256 == "" || !payload[r.Kind] || r.Provenance.ResolvedPath == "") {
					t.Errorf("%s: ok without input hash, %s payload or resolved path", r.ID, r.Kind)
				}
				if r.Status == models.StatusOK {
					for _, f := range []string{"overlays", "labels"} {
						if _, err := os.Stat(filepath.Join(out, f, r.ID+".png")); err != nil {
							t.Errorf("%s: %v", r.ID, err)
						}
					}
				}
				if r.Kind == models.KindColonies {
					d := models.ColonyPlateResult{Sample: r.SampleID, Status: r.Status, CellsSeeded: r.Parameters.Num("cells_seeded")}
					if d.Sample == "" {
						d.Sample = r.ID
					}
					if r.Colonies != nil {
						d.Colonies, d.QC = r.Colonies.Colonies, r.Colonies.QC
						if r.Colonies.CellsSeeded > 0 && r.Colonies.CFEPct != models.Round3(100*float64(r.Colonies.Colonies)/r.Colonies.CellsSeeded) {
							t.Errorf("%s: cfe_pct %v for %d colonies of %v cells", r.ID, r.Colonies.CFEPct, r.Colonies.Colonies, r.Colonies.CellsSeeded)
						}
						if r.Colonies.CellsSeeded == 0 && !slices.Contains(r.Colonies.QC, models.QCNoSeeding) {
							t.Errorf("%s: no cells_seeded but no %s flag", r.ID, models.QCNoSeeding)
						}
					}
					dishes = append(dishes, d)
				}
				if n, ok := truth.colonies[r.ID]; ok && c.name == "synthetic" {
					if got := r.Colonies.Colonies; math.Abs(float64(got-n)) > colonyTolerance(n) {
						t.Errorf("%s: %d colonies, truth %d", r.ID, got, n)
					}
				}
				if want, ok := truth.epidermis[r.ID]; ok && c.name == "synthetic" {
					d := r.Dermis
					if d.Unit != models.UnitUM || d.Calibration.Source != "png-phys" || math.Abs(d.Epidermis.Mean-want) > 0.3*want {
						t.Errorf("%s: epidermis %.1f %s (%s), truth %.1f µm", r.ID, d.Epidermis.Mean, d.Unit, d.Calibration.Source, want)
					}
				}
			}
			// summary.json pools the dishes exactly as `histocount colonies` does.
			if want := colonies.SummariseCFE(dishes); len(dishes) > 0 && !reflect.DeepEqual(s.ColoniesSamples, want) {
				t.Errorf("colonies_samples %+v, want %+v", s.ColoniesSamples, want)
			}
		})
	}
}

// TestShardsMergeEqualUnsharded: two shards merged give, line for line and
// byte for byte (provenance aside), what one unsharded run gives, and the
// same summary aggregates.
func TestShardsMergeEqualUnsharded(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	dir := t.TempDir()
	syn, _ := syntheticItems(t, dir, false)
	items := append(sampleItems(t), syn...)
	m := writeManifest(t, dir, map[string]any{"cells": map[string]any{"dilution": 2}}, items)
	all, s0, s1, merged := filepath.Join(dir, "all"), filepath.Join(dir, "s0"), filepath.Join(dir, "s1"), filepath.Join(dir, "merged")
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--workers", "2", "--out", all, m)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--workers", "1", "--shard", "0/2", "--out", s0, m)
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--workers", "3", "--shard", "auto/2", "--out", s1, m)
	n0, n1 := len(readLines(t, filepath.Join(s0, "results.jsonl"))), len(readLines(t, filepath.Join(s1, "results.jsonl")))
	if n0 == 0 || n1 == 0 || n0+n1 != len(items) {
		t.Fatalf("shards hold %d and %d of %d items", n0, n1, len(items))
	}
	if sh := readSummary(t, s1).Shard; sh == nil || *sh != (models.ShardRef{Index: 1, Count: 2}) {
		t.Errorf("shard 1 summary says shard %+v", sh)
	}
	mustRun(t, ExitOK, "merge", "--quiet", "--manifest", m, "--out", merged, s1, s0)
	for _, d := range []string{all, s0, s1, merged} {
		validateOutputs(t, d)
	}
	want := readLines(t, filepath.Join(all, "results.jsonl"))
	got := readLines(t, filepath.Join(merged, "results.jsonl"))
	if !slices.Equal(stripped(t, got), stripped(t, want)) {
		t.Errorf("merged results differ from the unsharded run:\n%s\n--- want\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// merge copies shard lines verbatim, provenance included.
	shardLines := append(readLines(t, filepath.Join(s0, "results.jsonl")), readLines(t, filepath.Join(s1, "results.jsonl"))...)
	for _, l := range got {
		if !slices.Contains(shardLines, l) {
			t.Errorf("merged line not byte-identical to its shard's: %.120s", l)
		}
	}
	sa, sm := readSummary(t, all), readSummary(t, merged)
	if !reflect.DeepEqual(sa.CellsSamples, sm.CellsSamples) || !reflect.DeepEqual(sa.ColoniesSamples, sm.ColoniesSamples) ||
		sa.Counts != sm.Counts || sm.Command != "merge" {
		t.Errorf("merged summary %+v %+v %+v, unsharded %+v %+v %+v", sm.Counts, sm.CellsSamples, sm.ColoniesSamples,
			sa.Counts, sa.CellsSamples, sa.ColoniesSamples)
	}
	if len(sm.ColoniesSamples) != 1 || sm.ColoniesSamples[0].Images != 2 || sm.ColoniesSamples[0].CFEPct <= 0 {
		t.Errorf("want sample S-A pooling 2 dishes, got %+v", sm.ColoniesSamples)
	}
	if len(sm.CellsSamples) != 3 || sm.CellsSamples[0].ViablePerML <= 0 {
		t.Errorf("want 3 samples with concentrations, got %+v", sm.CellsSamples)
	}
}

// TestMergeRejectsIncompleteShards: a missing shard, a shard given twice
// and a stale shard are refused with the items listed, writing nothing.
func TestMergeRejectsIncompleteShards(t *testing.T) {
	dir := t.TempDir()
	items := sampleItems(t)[:4]
	m := writeManifest(t, dir, nil, items)
	s0, s1 := filepath.Join(dir, "s0"), filepath.Join(dir, "s1")
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--shard", "0/2", "--out", s0, m)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--shard", "1/2", "--out", s1, m)
	var in1 []string
	for _, it := range items {
		if job.ShardOf(it["id"].(string), 2) == 1 {
			in1 = append(in1, it["id"].(string))
		}
	}
	if len(in1) == 0 || len(in1) == len(items) {
		t.Fatalf("degenerate split %v", in1)
	}
	// Same items, other parameters: the shards are stale for this manifest.
	stale := writeManifest(t, dir, map[string]any{"cells": map[string]any{"depth_um": 10}}, items)
	for _, c := range []struct {
		name     string
		manifest string
		dirs     []string
		want     []string
	}{
		{"missing", m, []string{s0}, append([]string{"missing"}, in1...)},
		{"duplicated", m, []string{s0, s1, s1}, append([]string{"duplicated"}, in1...)},
		{"stale", stale, []string{s0, s1}, []string{"stale shard"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+c.name)
			log := mustRun(t, ExitFailure, append([]string{"merge", "--manifest", c.manifest, "--out", out}, c.dirs...)...)
			for _, w := range c.want {
				if !strings.Contains(log, w) {
					t.Errorf("merge log lacks %q:\n%s", w, log)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "results.jsonl")); !os.IsNotExist(err) {
				t.Errorf("results.jsonl written by a refused merge")
			}
		})
	}
}

// TestResume: a re-run reuses every finished item; a deleted record, a
// changed file and changed parameters are analysed again, nothing else.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	items := sampleItems(t)
	// One input is a copy we can change.
	copyPath := filepath.Join(dir, "field.png")
	copyFile(t, items[0]["path"].(string), copyPath)
	items[0]["path"] = copyPath
	m := writeManifest(t, dir, nil, items)
	out := filepath.Join(dir, "out")
	analysed := countAnalyses(t)
	results := filepath.Join(out, "results.jsonl")

	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m)
	if got := analysed(); len(got) != 8 {
		t.Fatalf("first run analysed %v", got)
	}
	first := readLines(t, results)

	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m)
	if got := analysed(); len(got) != 0 {
		t.Errorf("unchanged re-run analysed %v", got)
	}
	if s := readSummary(t, out); s.Counts.Skipped != 8 || s.Counts.OK != 0 {
		t.Errorf("unchanged re-run counts %+v", s.Counts)
	}
	if again := readLines(t, results); !slices.Equal(stripped(t, again), stripped(t, first)) {
		t.Errorf("reused records differ from the originals")
	}
	validateOutputs(t, out)

	// Delete B-2's record.
	var kept []string
	for _, l := range readLines(t, results) {
		if !strings.Contains(l, `"id":"B-2"`) {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(results, []byte(strings.Join(kept, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m)
	if got := analysed(); !slices.Equal(got, []string{"B-2"}) {
		t.Errorf("after deleting B-2's record, analysed %v", got)
	}
	if s := readSummary(t, out); s.Counts.Skipped != 7 || s.Counts.OK != 1 {
		t.Errorf("counts %+v", s.Counts)
	}

	// Change the copied file's content.
	copyFile(t, items[1]["path"].(string), copyPath)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m)
	if got := analysed(); !slices.Equal(got, []string{"A-1"}) {
		t.Errorf("after changing A-1's file, analysed %v", got)
	}

	// Change donor B's chamber depth: its three fields are analysed again.
	for _, it := range items {
		if it["sample_id"] == "donor-B" {
			it["params"] = map[string]any{"depth_um": 50}
		}
	}
	m2 := writeManifest(t, dir, nil, items)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m2)
	if got := analysed(); !slices.Equal(got, []string{"B-1", "B-2", "B-3"}) {
		t.Errorf("after changing donor B's depth, analysed %v", got)
	}
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--fresh", "--out", out, m2)
	if got := analysed(); len(got) != 8 {
		t.Errorf("--fresh analysed %v", got)
	}
	validateOutputs(t, out)
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// interruptChildEnv makes the test binary act as `histocount` (see init):
// TestInterruptThenResume runs it as a child process and stops it with a
// real SIGTERM.
const interruptChildEnv = "HISTOCOUNT_TEST_INTERRUPT_AFTER"

// init turns the test binary into histocount when interruptChildEnv is set
// to k: after the k-th record is written the child prints "written k" on
// stdout and holds the sink until a SIGTERM has arrived, so that the
// signal reliably lands in the middle of the run; then main handles it as
// it would in production.
func init() {
	v := os.Getenv(interruptChildEnv)
	if v == "" {
		return
	}
	k, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad", interruptChildEnv, v)
		os.Exit(99)
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	runTestHooks.afterItem = func(done int) {
		if done != k {
			return
		}
		fmt.Printf("written %d\n", done)
		select {
		case <-term:
			// Let main's signal context see it too before the sink returns.
			time.Sleep(200 * time.Millisecond)
		case <-time.After(30 * time.Second):
		}
	}
	os.Args = append([]string{"histocount"}, os.Args[1:]...)
	main()
}

// TestInterruptThenResume: a real SIGTERM to a running `histocount run`
// (the test binary re-executed as the command) after k items commits those
// (exit 130, schemas valid); resuming analyses only the rest; the records
// carried over are byte-identical to the interrupted run's (apart from
// reused: true) and every record equals, provenance aside, an
// uninterrupted run's.
func TestInterruptThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	dir := t.TempDir()
	syn, _ := syntheticItems(t, dir, false)
	cellsItems := sampleItems(t)
	// Dishes and sections both among the first k and the rest.
	items := []map[string]any{syn[0], syn[2], cellsItems[0]}
	items = append(items, cellsItems[1:5]...)
	items = append(items, syn[1], syn[3])
	items = append(items, cellsItems[5:]...)
	n := len(items)
	m := writeManifest(t, dir, nil, items)
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "out")
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", ref, m)

	const k = 3
	cmd, stderr := selfCommand(t, interruptChildEnv, k, "run", "--allow-outside-root", "--quiet", "--workers", "1", "--out", out, m)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != fmt.Sprintf("written %d\n", k) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q (%v)\n%s", line, err, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
		t.Fatalf("child exit %d (%v), want 130\n%s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not report the interruption:\n%s", stderr.String())
	}
	validateOutputs(t, out)
	interrupted := readLines(t, filepath.Join(out, "results.jsonl"))
	done := len(interrupted)
	s := readSummary(t, out)
	// The hook holds the sink at item k, but the worker goes on within the
	// pipeline's window (4 items alive for one worker): up to 3 more items
	// can finish before the signal lands on a loaded machine, and finished
	// items are written, not dropped. No new item starts after it.
	const window = 4
	if done < k || done > k+window-1 || s.Counts.Interrupted != n-done || s.ExitCode != ExitInterrupted {
		t.Fatalf("interrupted run wrote %d records, counts %+v exit %d", done, s.Counts, s.ExitCode)
	}

	analysed := countAnalyses(t)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m)
	if got := analysed(); len(got) != n-done {
		t.Errorf("resume analysed %v, want the %d unfinished items", got, n-done)
	}
	if s := readSummary(t, out); s.Counts.Skipped != done || s.Counts.OK != n-done || s.Counts.Interrupted != 0 {
		t.Errorf("resumed counts %+v", s.Counts)
	}
	resumed := readLines(t, filepath.Join(out, "results.jsonl"))
	for i, l := range interrupted {
		if want := withoutDigest(strings.Replace(resumed[i], `,"reused":true`, "", 1)); withoutDigest(l) != want {
			t.Errorf("record %d carried over is not byte-identical:\n%s\n--- was\n%s", i, resumed[i], l)
		}
	}
	got, want := stripped(t, resumed), stripped(t, readLines(t, filepath.Join(ref, "results.jsonl")))
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("record %d of interrupted + resumed differs from an uninterrupted run", i)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
	a, b := readSummary(t, out), readSummary(t, ref)
	if !reflect.DeepEqual(a.CellsSamples, b.CellsSamples) || !reflect.DeepEqual(a.ColoniesSamples, b.ColoniesSamples) || len(a.ColoniesSamples) != 1 {
		t.Errorf("samples differ: %+v %+v vs %+v %+v", a.CellsSamples, a.ColoniesSamples, b.CellsSamples, b.ColoniesSamples)
	}
}

func TestRunUsageAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	m := writeManifest(t, dir, nil, sampleItems(t)[:1])
	broken, _ := filepath.Abs("../../testdata/invalid-empty.png")
	allBad := writeManifest(t, dir, nil, []map[string]any{{"id": "x", "kind": "cells", "path": broken}})
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"run", m}, ExitUsage},                                         // no --out
		{[]string{"run", "--out", t.TempDir()}, ExitUsage},                      // no manifest
		{[]string{"run", "--out", t.TempDir(), m, m}, ExitUsage},                // two
		{[]string{"run", "--out", t.TempDir(), "--shard", "2/2", m}, ExitUsage}, // bad shard
		{[]string{"run", "--out", t.TempDir(), filepath.Join(dir, "nope.json")}, ExitUsage},
		{[]string{"run", "--allow-outside-root", "--quiet", "--out", t.TempDir(), allBad}, ExitFailure}, // every item failed
		{[]string{"run", "--allow-outside-root", "--quiet", "--out", t.TempDir(), "--shard", "0/1", m}, ExitOK},
		{[]string{"merge", "--out", t.TempDir(), dir}, ExitUsage},             // no --manifest
		{[]string{"merge", "--manifest", m, "--out", t.TempDir()}, ExitUsage}, // no shards
		{[]string{"schema"}, ExitUsage},
		{[]string{"schema", "results"}, ExitUsage},
		{[]string{"run", "--help"}, ExitOK},
		{[]string{"help", "merge"}, ExitOK},
	} {
		if code, log := runCLI(t, context.Background(), c.args...); code != c.want {
			t.Errorf("histocount %s: exit %d, want %d\n%s", strings.Join(c.args, " "), code, c.want, log)
		}
	}
}

// TestRunFromStdin reads the manifest from "-"; relative paths then
// resolve against the working directory.
func TestRunFromStdin(t *testing.T) {
	data := `{"schema_version": "1.0.0", "job_id": "STDIN", "items": [
		{"id": "a", "kind": "cells", "path": "../../testdata/samples/trypan/donor-A/g_24.png"}]}`
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		io.WriteString(w, data)
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	out := t.TempDir()
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, "-")
	if s := readSummary(t, out); s.JobID != "STDIN" || s.Counts.OK != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestSchemaCommand(t *testing.T) {
	for _, name := range []string{"manifest", "result", "summary"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"schema", name}, &out, &errb); code != ExitOK {
			t.Fatalf("schema %s: exit %d %s", name, code, errb.String())
		}
		var doc map[string]any
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("schema %s: %v %v", name, err, doc["$schema"])
		}
	}
}
