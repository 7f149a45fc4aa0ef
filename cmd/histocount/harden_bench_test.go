package main

import (
	"testing"

	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
)

// The per-item costs issue 15 added to the happy path: the finiteness
// walk of a result and the digest of a results line, for an image with
// 500 objects (the analysis itself takes tens of milliseconds).
func benchRow() models.CellsImage {
	r := models.CellsImage{Image: "a.png", Status: "ok", Stain: "trypan", Live: 400, Dead: 100}
	for i := 0; i < 500; i++ {
		r.Objects = append(r.Objects, models.CellObject{ID: i + 1, Class: "live", CentroidXPx: 1.5, AreaPx: 200, MeanIntensity: 80})
	}
	return r
}

func BenchmarkCheckEncodable500(b *testing.B) {
	it := kinds.CellsItem{Row: benchRow(), VolumeUL: 1e-4}
	for b.Loop() {
		if err := kinds.CheckEncodable(it); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRecord500(b *testing.B) {
	row := benchRow()
	rec := models.ItemResult{ID: "x", Kind: "cells", Status: "ok", Cells: &row}
	for b.Loop() {
		if _, err := job.EncodeRecord(&rec); err != nil {
			b.Fatal(err)
		}
	}
}
