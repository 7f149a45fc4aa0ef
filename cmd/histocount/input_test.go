package main

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/internal/tiffgen"
	"github.com/histocount/histocount/models"
)

// TestCameraTIFFInputs: a JPEG-compressed two-page TIFF (blank first
// page, the plate on page 2, 50 µm/px in its resolution tags) and a FIFO
// named x.png in the input folder (issue 10 and 15). With --page 2 the
// plate is counted with its calibration; by default page 1 is analysed
// and flagged blank_page; the FIFO is an error row, not a hang; pages
// are reported; --page and --max-memory are validated and applied.
func TestCameraTIFFInputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../testdata/samples/colonies/D01-r1.jpg")
	if err != nil {
		t.Fatal(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Bounds(), src, src.Bounds().Min, draw.Src)
	tif, err := tiffgen.Encode([]tiffgen.Page{
		{Img: image.NewGray(src.Bounds()), Compression: tiffgen.JPEG, XResNum: 200, XResDen: 1, ResUnit: 3},
		{Img: rgba, Compression: tiffgen.JPEG, RowsPerStrip: 16, Quality: 95, XResNum: 200, XResDen: 1, ResUnit: 3},
	}, tiffgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plate := filepath.Join(in, "plate.tif")
	if err := os.WriteFile(plate, tif, 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(in, "x.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	colonies := func(exit int, extra ...string) (map[string]map[string]string, string) {
		out := filepath.Join(dir, "out"+strings.Join(extra, ""))
		args := append([]string{"colonies", "--quiet", "--out", out}, colonyArgs...)
		mustRun(t, exit, append(append(args, extra...), in)...)
		rows, _ := csvMap(t, filepath.Join(out, "images.csv"), "image")
		js, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		return rows, string(js)
	}
	rows, js := colonies(ExitPartial, "--page", "2")
	if r := rows[plate]; r == nil || r["status"] != models.StatusOK || r["colonies"] == "0" || r["colonies"] == "" ||
		r["pixel_size_um"] != "50" || r["calibration_source"] != "tiff-resolution" || strings.Contains(r["qc"], models.QCBlankPage) {
		t.Errorf("page 2 of the JPEG-TIFF: %v", r)
	}
	if r := rows[fifo]; r == nil || r["status"] != models.StatusError || !strings.Contains(r["error"], "FIFO") {
		t.Errorf("FIFO row: %v", r)
	}
	if !strings.Contains(js, `"page":2`) || !strings.Contains(js, `"pages":2`) {
		t.Errorf("results.json does not say page 2 of 2")
	}
	rows, _ = colonies(ExitPartial)
	if r := rows[plate]; r == nil || !strings.Contains(r["qc"], models.QCBlankPage) {
		t.Errorf("blank first page not flagged: %v", r)
	}
	rows, _ = colonies(ExitFailure, "--max-memory", "1048576")
	if r := rows[plate]; r == nil || r["status"] != models.StatusError || !strings.Contains(r["error"], "max-memory") {
		t.Errorf("1 MiB budget: %v", r)
	}
	for _, bad := range [][]string{{"--page", "0"}, {"--max-memory", "10"}} {
		args := append([]string{"colonies", "--out", filepath.Join(dir, "bad")}, append(bad, plate)...)
		if code, log := runCLI(t, context.Background(), args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", bad, code, ExitUsage, log)
		}
	}
}

// TestRunManifestFIFO: a manifest item whose path is a FIFO is refused
// by the manifest check (exit 2, naming the item) instead of blocking the
// run (issue 15); hashFile also opens only regular files.
func TestRunManifestFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "plate.jpg")
	copyFile(t, "../../testdata/samples/colonies/D01-r1.jpg", ok)
	m := writeManifest(t, dir, nil, []map[string]any{
		{"id": "fifo", "kind": "colonies", "path": fifo, "pixel_size_um": 40},
		{"id": "plate", "kind": "colonies", "path": ok, "pixel_size_um": 40},
	})
	type result struct {
		code int
		log  string
	}
	done := make(chan result, 1)
	go func() {
		code, log := runCLI(t, context.Background(), "run", "--quiet", "--out", filepath.Join(dir, "out"), m)
		done <- result{code, log}
	}()
	select {
	case r := <-done:
		if r.code != ExitUsage || !strings.Contains(r.log, "items[0].path") || !strings.Contains(r.log, "regular file") {
			t.Errorf("exit %d, want %d naming items[0].path\n%s", r.code, ExitUsage, r.log)
		}
	case <-time.After(2 * time.Minute):
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("run blocked on a FIFO item")
	}
	if _, _, err := job.HashFile(fifo); err == nil || !strings.Contains(err.Error(), "FIFO") {
		t.Errorf("hashFile(FIFO) = %v", err)
	}
}
