package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/internal/shareddata"
)

// makeBatch links n copies of the sample images of stain into a temp dir.
func makeBatch(b *testing.B, stain string, n int) string {
	b.Helper()
	src := "../../testdata/samples/trypan/donor-A"
	if stain == "fluorescence" {
		src = "../../testdata/samples/nuclei"
	}
	files, _ := filepath.Glob(filepath.Join(src, "*.png"))
	if len(files) == 0 {
		b.Fatal("no sample images")
	}
	dir := b.TempDir()
	for i := 0; i < n; i++ {
		abs, _ := filepath.Abs(files[i%len(files)])
		if err := os.Symlink(abs, filepath.Join(dir, fmt.Sprintf("img%05d.png", i))); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkCellsThroughput runs whole batches in-process; images/s at 1 and
// 2 workers give the scaling ratio (make bench prints it).
func BenchmarkCellsThroughput(b *testing.B) {
	for _, stain := range []string{"trypan", "fluorescence"} {
		n := 64
		if stain == "fluorescence" {
			n = 16
		}
		dir := makeBatch(b, stain, n)
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", stain, workers), func(b *testing.B) {
				for b.Loop() {
					var sink bytes.Buffer
					code := run(context.Background(), []string{"cells", "--stain", stain, "--workers", fmt.Sprint(workers),
						"--quiet", "--out", b.TempDir(), dir}, &sink, &sink)
					if code != ExitOK {
						b.Fatalf("exit %d: %s", code, sink.String())
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

// BenchmarkPeakRSS runs the real binary over 100 and 2000 images and
// reports its peak resident memory: it must stay flat as batches grow.
func BenchmarkPeakRSS(b *testing.B) {
	bin := buildBinary(b)
	for _, n := range []int{100, 2000} {
		dir := makeBatch(b, "trypan", n)
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			var maxRSS int64
			for b.Loop() {
				maxRSS = max(maxRSS, runPeakRSS(b, bin, "cells", "--stain", "trypan", "--quiet", "--workers", "2", "--out", b.TempDir(), dir))
			}
			b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// nucleiMixBatch links n images of the DSB2018 development set (fluorescence,
// stained and brightfield in the set's own mix) into a temp dir; skips
// without the shared data. Fewer images than the set are spread evenly over
// it (name order), more cycle through it, so 100 and 2000 images hold the
// same kinds and sizes and peak RSS compares like with like.
func nucleiMixBatch(b *testing.B, n int) string {
	b.Helper()
	root := shareddata.Find()
	files, _ := filepath.Glob(filepath.Join(root, "nuclei-dsb2018", "images", "*.png"))
	if root == "" || len(files) == 0 {
		b.Skip("shared nuclei-dsb2018 images not found")
	}
	dir := b.TempDir()
	for i := 0; i < n; i++ {
		j := i % len(files)
		if n < len(files) {
			j = i * len(files) / n
		}
		if err := os.Symlink(files[j], filepath.Join(dir, fmt.Sprintf("img%05d.png", i))); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkNucleiMix runs the real nuclei batch in-process (the DSB2018 dev
// images, all modalities, overlays and labels written) at 1 and 2 workers:
// the figure the lab compares with ImageJ's macro.
func BenchmarkNucleiMix(b *testing.B) {
	n := 120
	if s := os.Getenv("HISTOCOUNT_BENCH_NUCLEI_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	dir := nucleiMixBatch(b, n)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				var sink bytes.Buffer
				code := run(context.Background(), []string{"cells", "--stain", "fluorescence", "--workers", fmt.Sprint(workers),
					"--save-labels", "--quiet", "--out", b.TempDir(), dir}, &sink, &sink)
				if code != ExitOK {
					b.Fatalf("exit %d: %s", code, sink.String())
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkNucleiMixPeakRSS runs the real binary over 100 and 2000 images of
// the nuclei mix (overlays and labels on) and reports its peak resident
// memory, which must stay flat as the batch grows.
func BenchmarkNucleiMixPeakRSS(b *testing.B) {
	bin := buildBinary(b)
	for _, n := range []int{100, 2000} {
		dir := nucleiMixBatch(b, n)
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			var maxRSS int64
			for b.Loop() {
				maxRSS = max(maxRSS, runPeakRSS(b, bin, "cells", "--stain", "fluorescence", "--save-labels", "--quiet", "--workers", "2", "--out", b.TempDir(), dir))
			}
			b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
