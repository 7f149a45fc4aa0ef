package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// benchManifest links n trypan sample images into a temp dir and writes a
// manifest over them (100 fields per sample).
func benchManifest(b *testing.B, n int) string {
	b.Helper()
	dir := makeBatch(b, "trypan", n)
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{"id": fmt.Sprintf("img%05d", i), "kind": "cells",
			"path": fmt.Sprintf("img%05d.png", i), "sample_id": fmt.Sprintf("S%03d", i/100)}
	}
	data, err := json.Marshal(map[string]any{"schema_version": "1.0.0", "job_id": "BENCH",
		"defaults": map[string]any{"cells": map[string]any{"pixel_size_um": 0.8}}, "items": items})
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "job.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkRun10000 runs a 10 000-item manifest in-process with 2
// workers. Slow (minutes): run it alone, -benchtime 1x.
func BenchmarkRun10000(b *testing.B) {
	const n = 10_000
	m := benchManifest(b, n)
	for b.Loop() {
		var sink bytes.Buffer
		if code := run(context.Background(), []string{"run", "--allow-outside-root", "--quiet", "--workers", "2", "--out", b.TempDir(), m}, &sink, &sink); code != ExitOK {
			b.Fatalf("exit %d: %s", code, sink.String())
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkRunPeakRSS runs the real binary over 100- and 10 000-item
// manifests and reports its peak resident memory, which must not grow with
// the job (records stream to disk; resume keeps offsets, not records).
// Slow (minutes): make bench runs it once.
func BenchmarkRunPeakRSS(b *testing.B) {
	bin := buildBinary(b)
	for _, n := range []int{100, 10_000} {
		m := benchManifest(b, n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			var maxRSS int64
			for b.Loop() {
				maxRSS = max(maxRSS, runPeakRSS(b, bin, "run", "--allow-outside-root", "--quiet", "--workers", "2", "--out", b.TempDir(), m))
			}
			b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
