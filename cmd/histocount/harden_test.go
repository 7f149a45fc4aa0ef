package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
)

// Tests for issue 15: what a hostile batch, a full disk and a new user
// find. Every case failed before the fix.

const sampleTrypan = "../../testdata/samples/trypan/donor-A/g_24.png"

// copyTo copies the sample image to dir/name and returns the path.
func copyTo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, sampleTrypan, p)
	return p
}

func TestFlagMessagesOneLine(t *testing.T) {
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		want string // substring of the one line
	}{
		{[]string{"cells", "--stian", "trypan", "--out", out, "a.png"}, "unknown flag --stian (did you mean --stain?)"},
		{[]string{"cells", "--dept", "100", "--out", out, "a.png"}, "did you mean --depth?"},
		{[]string{"cells", "--depth", "NaN", "--out", out, "a.png"}, `invalid value "NaN" for --depth`},
		{[]string{"cells", "--depth", "1e308", "--out", out, "a.png"}, "--depth: must be a number in [1, 10000]"},
		{[]string{"cells", "--depth", "1e-300", "--out", out, "a.png"}, "--depth"},
		{[]string{"cells", "--pixel-size", "1e200", "--out", out, "a.png"}, "--pixel-size"},
		{[]string{"cells", "--pixel-size", "-1", "--out", out, "a.png"}, "--pixel-size"},
		{[]string{"cells", "--dilution", "1e308", "--out", out, "a.png"}, "--dilution"},
		{[]string{"cells", "--dilution", "inf", "--out", out, "a.png"}, "--dilution"},
		{[]string{"cells", "--trypan-ratio", "1e308", "--out", out, "a.png"}, "--trypan-ratio"},
		{[]string{"cells", "--min-diameter", "NaN", "--out", out, "a.png"}, "--min-diameter"},
		{[]string{"cells", "--min-diameter", "-3", "--out", out, "a.png"}, "--min-diameter"},
		{[]string{"cells", "--min-diameter", "30", "--max-diameter", "10", "--out", out, "a.png"}, "larger than --max-diameter"},
		{[]string{"colonies", "--roi", "0,0,1e308", "--out", out, "a.png"}, "--roi"},
		{[]string{"colonies", "--cell-area", "NaN", "--out", out, "a.png"}, "--cell-area"},
		{[]string{"dermis", "--interval", "inf", "--out", out, "a.png"}, "--interval"},
		{[]string{"dermis", "--interval", "1e-6", "--out", out, "a.png"}, "--interval"},
		{[]string{"study", "--baseline-month", "NaN", "--sheet", "s.csv", "--results", out}, "--baseline-month"},
		{[]string{"study", "--level", "NaN", "--sheet", "s.csv", "--results", out}, "--level"},
		{[]string{"cells", "--max-pixels", "0", "--out", out, "a.png"}, "--max-pixels"},
	} {
		code, log := runCLI(t, context.Background(), c.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", c.args, code, log)
		}
		if !strings.Contains(log, c.want) {
			t.Errorf("%v: message %q lacks %q", c.args, log, c.want)
		}
		if n := strings.Count(strings.TrimSpace(log), "\n"); n != 0 {
			t.Errorf("%v: %d lines, want one:\n%s", c.args, n+1, log)
		}
	}
}

func TestHelpShowsTwoDashes(t *testing.T) {
	code, log := runCLI(t, context.Background(), "cells", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(log, "\n  --depth float") || strings.Contains(log, "\n  -depth") {
		t.Errorf("help does not list --depth with two dashes:\n%s", log)
	}
	if strings.Count(log, "Usage: histocount cells") != 1 {
		t.Errorf("usage printed %d times", strings.Count(log, "Usage: histocount cells"))
	}
}

func TestWorkersCapped(t *testing.T) {
	out := t.TempDir()
	code, log := runCLI(t, context.Background(), "cells", "--workers", "1024", "--quiet", "--out", out, sampleTrypan)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	if !strings.Contains(log, "--workers 1024 capped at") {
		t.Errorf("no word about the cap:\n%s", log)
	}
}

// The same file as in/, ./in/x and in//x is pooled once.
func TestSameFileOnce(t *testing.T) {
	dir := t.TempDir()
	copyTo(t, dir, "in/x.png")
	out := filepath.Join(dir, "out")
	t.Chdir(dir)
	code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, "in/", "./in/x.png", "in//x.png")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	if recs := readCSV(t, filepath.Join(out, "images.csv")); len(recs) != 2 {
		t.Errorf("%d image rows, want 1", len(recs)-1)
	}
}

// --out equal to the input folder is refused; --out inside it is skipped
// on a rerun (its overlays are not analysed).
func TestOutAndInputFolder(t *testing.T) {
	dir := t.TempDir()
	copyTo(t, dir, "a.png")
	if code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", dir, dir); code != ExitUsage {
		t.Errorf("--out = input: exit %d, want 2\n%s", code, log)
	}
	out := filepath.Join(dir, "results")
	for run := 0; run < 2; run++ {
		code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, dir)
		if code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s", run, code, log)
		}
		if recs := readCSV(t, filepath.Join(out, "images.csv")); len(recs) != 2 {
			t.Errorf("run %d: %d rows, want 1 (own overlays analysed?)", run, len(recs)-1)
		}
	}
}

func TestBrokenSymlinkErrorRow(t *testing.T) {
	dir := t.TempDir()
	good := copyTo(t, dir, "good.png")
	broken, loop := filepath.Join(dir, "broken.png"), filepath.Join(dir, "loop.png")
	os.Symlink(filepath.Join(dir, "nothing.png"), broken)
	os.Symlink(loop, loop)
	out := filepath.Join(dir, "out")
	code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, good, broken, loop)
	if code != ExitPartial {
		t.Fatalf("exit %d, want 3\n%s", code, log)
	}
	recs := readCSV(t, filepath.Join(out, "images.csv"))
	st, er := column(t, recs, "status"), column(t, recs, "error")
	if len(recs) != 4 || recs[2][st] != "error" || recs[3][st] != "error" || !strings.Contains(recs[2][er], "symlink") {
		t.Errorf("rows %v", recs)
	}
}

// One unreadable sub-folder is an error row; the batch goes on (exit 3).
func TestUnreadableSubfolder(t *testing.T) {
	dir := t.TempDir()
	copyTo(t, dir, "in/a/x.png")
	copyTo(t, dir, "in/b/y.png")
	bad := filepath.Join(dir, "in", "b")
	readDir = func(p string) ([]os.DirEntry, error) {
		if p == bad {
			return nil, &os.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return os.ReadDir(p)
	}
	t.Cleanup(func() { readDir = os.ReadDir })
	out := filepath.Join(dir, "out")
	code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, filepath.Join(dir, "in"))
	if code != ExitPartial {
		t.Fatalf("exit %d, want 3\n%s", code, log)
	}
	recs := readCSV(t, filepath.Join(out, "images.csv"))
	st, er := column(t, recs, "status"), column(t, recs, "error")
	if len(recs) != 3 || recs[1][st] != "ok" || recs[2][st] != "error" || !strings.Contains(recs[2][er], "permission denied") {
		t.Errorf("rows %v", recs)
	}
}

func TestSampleSheetImageTwice(t *testing.T) {
	_, err := readSampleSheet(strings.NewReader("image,sample\na.png,S1\nb.png,S1\na.png,S2\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("err %v, want the image listed twice on line 4", err)
	}
	if _, err := readSampleSheet(strings.NewReader("image,sample\na.png,S1\na.png,S1\n")); err != nil {
		t.Errorf("identical repeat refused: %v", err)
	}
}

// File and folder names go into the CSVs defused (OWASP).
func TestCSVFormulaInjection(t *testing.T) {
	dir := t.TempDir()
	p := copyTo(t, dir, "=HYPERLINK(\"http-x\";\"y\")/+cmd.png")
	out := filepath.Join(dir, "out")
	if code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, p); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	for _, f := range []string{"images.csv", "samples.csv"} {
		for _, r := range readCSV(t, filepath.Join(out, f))[1:] {
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+@", rune(cell[0])) {
					t.Errorf("%s: cell %q starts a formula", f, cell)
				}
			}
		}
	}
}

// A full disk that refuses the overlay keeps the analysed numbers: the
// row stays ok with the overlay_not_written flag.
func TestOverlayFullDiskKeepsResult(t *testing.T) {
	kinds.WritePNG = func(string, image.Image) error { return fmt.Errorf("write: %w", syscall.ENOSPC) }
	t.Cleanup(func() { kinds.WritePNG = defaultWritePNG })
	out := t.TempDir()
	code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, sampleTrypan, "../../testdata/samples/trypan/donor-A/b_886.png")
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\n%s", code, log)
	}
	recs := readCSV(t, filepath.Join(out, "images.csv"))
	st, qc := column(t, recs, "status"), column(t, recs, "qc")
	for _, r := range recs[1:] {
		if r[st] != "ok" || !strings.Contains(r[qc], models.QCOverlayNotWritten) {
			t.Errorf("row %v: want ok with %s", r, models.QCOverlayNotWritten)
		}
	}
}

// A legal 250-byte file name is analysed and its overlay written.
func TestLongFileName(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{246, 250} {
		name := strings.Repeat("n", n-4) + ".png"
		p := copyTo(t, dir, name)
		out := filepath.Join(dir, fmt.Sprint("out", n))
		if code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, p); code != ExitOK {
			t.Fatalf("%d-byte name: exit %d\n%s", n, code, log)
		}
		if _, err := os.Stat(filepath.Join(out, "overlays", strings.TrimSuffix(name, ".png")+".png")); err != nil {
			t.Errorf("%d-byte name: overlay: %v", n, err)
		}
	}
}

// Ids a_b, a_b__2 and a/b get distinct overlay names, as do paths whose
// sanitised stems collide.
func TestStemsUnique(t *testing.T) {
	items := []models.ManifestItem{{Index: 0, ID: "a/b"}, {Index: 1, ID: "a_b"}, {Index: 2, ID: "a_b__2"}, {Index: 3, ID: "a:b"}}
	st := itemStems(items)
	seen := map[string]bool{}
	for _, s := range st {
		if seen[s] {
			t.Fatalf("stems collide: %v", st)
		}
		seen[s] = true
	}
	if st[1] != "a_b" || st[2] != "a_b__2" {
		t.Errorf("clean ids renamed: %v", st)
	}
	paths := []string{"x/a__b.png", "a/b.png", "a/b.tif", "long/" + strings.Repeat("é", 150) + ".png"}
	ps := outputStems(paths)
	seen = map[string]bool{}
	for _, s := range ps {
		if seen[s] || len(s) > maxStemBytes {
			t.Fatalf("stems collide or too long: %q", ps)
		}
		seen[s] = true
	}
}

// Stale temporary files of a killed run are swept at the start.
func TestStaleTempsSwept(t *testing.T) {
	out := t.TempDir()
	stale := []string{filepath.Join(out, ".images.csv.tmp-123"), filepath.Join(out, "overlays", ".g_24.png.tmp-9")}
	os.MkdirAll(filepath.Join(out, "overlays"), 0o755)
	for _, p := range stale {
		os.WriteFile(p, []byte("half"), 0o644)
	}
	if code, log := runCLI(t, context.Background(), "cells", "--quiet", "--out", out, sampleTrypan); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s not swept", p)
		}
	}
}

// No pixel size: the console says that no concentration was computed.
func TestNoConcentrationSaid(t *testing.T) {
	out := t.TempDir()
	code, log := runCLI(t, context.Background(), "cells", "--out", out, "--log-format", "json", sampleTrypan)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	if !strings.Contains(log, "no concentration computed for 1 of 1 samples") || !strings.Contains(log, "--pixel-size") {
		t.Errorf("no note on the console:\n%s", log)
	}
}

// A FIFO where results.jsonl goes must not hang the run.
func TestRunFIFOOutput(t *testing.T) {
	dir := t.TempDir()
	m := writeManifest(t, dir, nil, []map[string]any{{"id": "a", "kind": "cells", "path": "a.png"}})
	copyTo(t, dir, "a.png")
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o755)
	if err := syscall.Mkfifo(filepath.Join(out, "results.jsonl"), 0o644); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() { c, _ := runCLI(t, ctx, "run", "--quiet", "--out", out, m); done <- c }()
	select {
	case code := <-done:
		if code != ExitUsage {
			t.Errorf("exit %d, want 2", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run hangs on a FIFO results.jsonl")
	}
}

// Item paths are confined to the job root unless the LIMS opts out.
func TestRunRootConfinement(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "job")
	copyTo(t, job, "a.png")
	copyTo(t, dir, "outside.png")
	os.Symlink(filepath.Join(dir, "outside.png"), filepath.Join(job, "link.png"))
	m := writeManifest(t, job, nil, []map[string]any{
		{"id": "a", "kind": "cells", "path": "a.png"}, {"id": "up", "kind": "cells", "path": "../outside.png"},
		{"id": "etc", "kind": "cells", "path": "/etc/passwd"}, {"id": "link", "kind": "cells", "path": "link.png"}})
	out := filepath.Join(dir, "out")
	code, log := runCLI(t, context.Background(), "run", "--quiet", "--out", out, m)
	if code != ExitUsage || strings.Count(log, "outside the job root") != 3 {
		t.Fatalf("exit %d, want 2 with three items outside the root\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(out, "results.jsonl")); err == nil {
		t.Error("results.jsonl written")
	}
	if code, log := runCLI(t, context.Background(), "run", "--quiet", "--root", dir, "--out", out, m); code != ExitUsage || strings.Count(log, "outside the job root") != 1 {
		t.Errorf("--root %s: exit %d, want 2 for /etc/passwd only\n%s", dir, code, log)
	}
	if code, log := runCLI(t, context.Background(), "run", "--quiet", "--allow-outside-root", "--out", out, m); code != ExitPartial {
		t.Errorf("--allow-outside-root: exit %d, want 3 (/etc/passwd is no image)\n%s", code, log)
	}
}

// 100 000 missing files print a summary, not 5 MiB: the list is in a file.
func TestManyMissingFilesSummarised(t *testing.T) {
	dir := t.TempDir()
	var items []map[string]any
	for i := 0; i < 5000; i++ {
		items = append(items, map[string]any{"id": fmt.Sprint("i", i), "kind": "cells", "path": fmt.Sprintf("gone-%d.png", i)})
	}
	m := writeManifest(t, dir, nil, items)
	out := filepath.Join(dir, "out")
	code, log := runCLI(t, context.Background(), "run", "--quiet", "--out", out, m)
	if code != ExitUsage {
		t.Fatalf("exit %d", code)
	}
	if len(log) > 8<<10 || !strings.Contains(log, "4980 more problems") {
		t.Errorf("%d bytes on stderr:\n%.2000s", len(log), log)
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest_problems.txt"))
	if err != nil || strings.Count(string(b), "\n") != 5000 {
		t.Errorf("full list: %v, %d lines", err, strings.Count(string(b), "\n"))
	}
}

// killChildEnv makes the test binary act as `histocount` that kills itself
// (SIGKILL) when it starts analysing item k+1: see init below.
const killChildEnv = "HISTOCOUNT_TEST_KILL_AT"

func init() {
	v := os.Getenv(killChildEnv)
	if v == "" {
		return
	}
	k, _ := strconv.Atoi(v)
	n := 0
	runTestHooks.beforeAnalyse = func(string) {
		if n++; n > k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
	}
	os.Args = append([]string{"histocount"}, os.Args[1:]...)
	main()
}

// kill -9 after k items keeps them (the journal), the next run resumes
// analysing only the rest, sweeps the dead run's temporary files, and
// ends with the results of an uninterrupted run.
func TestKill9KeepsFinishedItems(t *testing.T) {
	dir := t.TempDir()
	items := sampleItems(t)
	n := len(items)
	m := writeManifest(t, dir, nil, items)
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "out")
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", ref, m)

	const k = 3
	cmd, stderr := selfCommand(t, killChildEnv, k, "run", "--allow-outside-root", "--quiet", "--workers", "1", "--out", out, m)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed\n%s", err, stderr.String())
	}
	journal := readLines(t, filepath.Join(out, job.JournalFile))
	if len(journal) != k {
		t.Fatalf("journal holds %d records after kill -9, want %d", len(journal), k)
	}
	if tmps, _ := filepath.Glob(filepath.Join(out, ".*tmp-*")); len(tmps) == 0 {
		t.Fatal("the killed run left no temporary file (test premise)")
	}
	analysed := countAnalyses(t)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--out", out, m)
	if got := analysed(); len(got) != n-k {
		t.Errorf("resume analysed %v, want the %d unfinished items", got, n-k)
	}
	got, want := stripped(t, readLines(t, filepath.Join(out, "results.jsonl"))), stripped(t, readLines(t, filepath.Join(ref, "results.jsonl")))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("killed + resumed results differ from an uninterrupted run")
	}
	if _, err := os.Stat(filepath.Join(out, job.JournalFile)); err == nil {
		t.Error("journal left after a complete run")
	}
	validateOutputs(t, out)
}

// merge refuses --out on a shard, shards of another manifest, and a line
// edited by hand.
func TestMergeRefusesForeignAndEdited(t *testing.T) {
	dir := t.TempDir()
	items := sampleItems(t)[:4]
	m := writeManifest(t, dir, nil, items)
	s0, s1 := filepath.Join(dir, "s0"), filepath.Join(dir, "s1")
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--shard", "0/2", "--out", s0, m)
	mustRun(t, ExitOK, "run", "--allow-outside-root", "--quiet", "--shard", "1/2", "--out", s1, m)
	before, _ := os.ReadFile(filepath.Join(s0, "results.jsonl"))
	if code, log := runCLI(t, context.Background(), "merge", "--quiet", "--manifest", m, "--out", s0, s0, s1); code != ExitUsage {
		t.Errorf("--out on a shard: exit %d, want 2\n%s", code, log)
	}
	if after, _ := os.ReadFile(filepath.Join(s0, "results.jsonl")); !bytes.Equal(before, after) {
		t.Error("shard overwritten")
	}
	mustRun(t, ExitOK, "merge", "--quiet", "--manifest", m, "--out", filepath.Join(dir, "all"), s0, s1)

	// Another manifest: same ids, other paths.
	other := sampleItems(t)[:4]
	for i := range other {
		other[i]["path"] = items[(i+1)%4]["path"]
	}
	m2 := writeManifest(t, t.TempDir(), nil, other)
	code, log := runCLI(t, context.Background(), "merge", "--quiet", "--manifest", m2, "--out", filepath.Join(dir, "x"), s0, s1)
	if code == ExitOK || !strings.Contains(log, "not run from this manifest") {
		t.Errorf("foreign shards: exit %d\n%s", code, log)
	}

	// A line edited by hand: live 3 → 30.
	lines := readLines(t, filepath.Join(s0, "results.jsonl"))
	var rec map[string]any
	json.Unmarshal([]byte(lines[0]), &rec)
	edited := strings.Replace(lines[0], `"live":`, `"live":9`, 1)
	if edited == lines[0] {
		t.Fatal("nothing to edit")
	}
	lines[0] = edited
	os.WriteFile(filepath.Join(s0, "results.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	code, log = runCLI(t, context.Background(), "merge", "--quiet", "--manifest", m, "--out", filepath.Join(dir, "y"), s0, s1)
	if code == ExitOK || !strings.Contains(log, "edited after they were written") {
		t.Errorf("edited line: exit %d\n%s", code, log)
	}
}

// defaultWritePNG restores kinds.WritePNG after a test.
var defaultWritePNG = kinds.WritePNG

var _ = bufio.NewReader

// Fluorescent nuclei get their own columns: nuclei and, when calibrated,
// nuclei per mm²; no live/dead/viability and no release verdict.
func TestNucleiColumns(t *testing.T) {
	out := t.TempDir()
	img := "../../testdata/samples/nuclei/dsb-3b3f516e.png"
	if code, log := runCLI(t, context.Background(), "cells", "--stain", "fluorescence", "--pixel-size", "0.5", "--quiet", "--out", out, img); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, log)
	}
	recs := readCSV(t, filepath.Join(out, "images.csv"))
	n, d := column(t, recs, "nuclei"), column(t, recs, "nuclei_per_mm2")
	for _, h := range recs[0] {
		if h == "live" || h == "dead" || h == "viability_pct" {
			t.Errorf("nuclei images.csv has trypan column %q", h)
		}
	}
	count, _ := strconv.Atoi(recs[1][n])
	dens, _ := strconv.ParseFloat(recs[1][d], 64)
	w, _ := strconv.Atoi(recs[1][column(t, recs, "width")])
	h, _ := strconv.Atoi(recs[1][column(t, recs, "height")])
	if want := float64(count) / (float64(w*h) * 0.25 / 1e6); count == 0 || math.Abs(dens-want) > 1e-3*want {
		t.Errorf("nuclei %d, density %g, want %g", count, dens, want)
	}
	srecs := readCSV(t, filepath.Join(out, "samples.csv"))
	for _, h := range srecs[0] {
		if h == "release" || h == "viable_per_ml" {
			t.Errorf("nuclei samples.csv has column %q", h)
		}
	}
	if srecs[1][column(t, srecs, "nuclei_per_mm2")] != recs[1][d] {
		t.Errorf("sample density %v, image %v", srecs[1], recs[1])
	}
}

// A baseline of 5e-324 made study.json unwritable (±Inf percent change).
func TestStudyTinyBaseline(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "images.csv"), []byte("image,status,dermis_thickness_mean_um\n"+
		"a0.png,ok,5e-324\na12.png,ok,500\nb0.png,ok,400\nb12.png,ok,450\nc0.png,ok,300\nc12.png,ok,390\n"), 0o644)
	sheet := filepath.Join(dir, "sheet.csv")
	os.WriteFile(sheet, []byte("image,subject,month\na0.png,A,0\na12.png,A,12\nb0.png,B,0\nb12.png,B,12\nc0.png,C,0\nc12.png,C,12\n"), 0o644)
	code, log := runCLI(t, context.Background(), "study", "--sheet", sheet, "--results", dir)
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("exit %d\n%s", code, log)
	}
	b, err := os.ReadFile(filepath.Join(dir, "study.json"))
	if err != nil || !json.Valid(b) {
		t.Fatalf("study.json: %v", err)
	}
}

// A plate map seeding 1e-300 cells (a CFE of 1e302 %) is refused.
func TestPlateMapSeedingBounded(t *testing.T) {
	dir := t.TempDir()
	pm := filepath.Join(dir, "platemap.csv")
	os.WriteFile(pm, []byte("image,sample,cells_seeded\nD01-r1.jpg,S,1e-300\n"), 0o644)
	code, log := runCLI(t, context.Background(), "colonies", "--plate-map", pm, "--out", filepath.Join(dir, "out"),
		"../../testdata/samples/colonies/D01-r1.jpg")
	if code != ExitUsage || !strings.Contains(log, "cells_seeded") {
		t.Errorf("exit %d, want 2 naming cells_seeded\n%s", code, log)
	}
}

func TestUnknownCommandOneLine(t *testing.T) {
	code, log := runCLI(t, context.Background(), "cell", "x.png")
	if code != ExitUsage || !strings.Contains(log, "did you mean cells?") || strings.Count(strings.TrimSpace(log), "\n") != 0 {
		t.Errorf("exit %d:\n%s", code, log)
	}
}
