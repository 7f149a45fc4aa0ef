package main

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/histocount/histocount/internal/physgen/twochannel"
	"github.com/histocount/histocount/models"
)

func writePNGFile(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// Two-channel cells: good pairs are measured against the generator's
// truth; a size mismatch, a missing marker and a saturated marker become a
// per-image error or flag while the batch goes on.
func TestCellsMarkerEndToEnd(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	truth := map[string]float64{}
	for i := range 2 {
		f, err := twochannel.Generate(7, i, twochannel.Options{W: 400, H: 400})
		if err != nil {
			t.Fatal(err)
		}
		name := "f" + strconv.Itoa(i)
		writePNGFile(t, filepath.Join(in, name+"_dapi.png"), f.DAPI)
		writePNGFile(t, filepath.Join(in, name+"_marker.png"), f.Marker)
		pos, all := f.Positive()
		truth[filepath.Join(in, name+"_dapi.png")] = 100 * float64(pos) / float64(all)
		if i == 0 {
			// Same DAPI with a marker of another size, and one without a marker.
			writePNGFile(t, filepath.Join(in, "small_dapi.png"), f.DAPI)
			writePNGFile(t, filepath.Join(in, "small_marker.png"), image.NewGray(image.Rect(0, 0, 300, 300)))
			writePNGFile(t, filepath.Join(in, "alone_dapi.png"), f.DAPI)
			// A saturated 8-bit marker: half of it at full scale.
			sat := image.NewGray(f.DAPI.Bounds())
			for y := range 400 {
				for x := range 400 {
					if x < 200 {
						sat.SetGray(x, y, color.Gray{Y: 255})
					} else {
						sat.SetGray(x, y, color.Gray{Y: 20})
					}
				}
			}
			writePNGFile(t, filepath.Join(in, "sat_dapi.png"), f.DAPI)
			writePNGFile(t, filepath.Join(in, "sat_marker.png"), sat)
		}
	}
	code, msg := runCLI(t, context.Background(), "cells", "--marker-image", "_dapi=_marker", "--sample-by", "image", "--out", out, in)
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d (partial): %s", code, ExitPartial, msg)
	}
	recs := readCSV(t, filepath.Join(out, "images.csv"))
	if len(recs) != 6 {
		t.Fatalf("%d image rows, want 5 (marker files set aside): %v", len(recs)-1, recs)
	}
	img, st, er, pct, qc := column(t, recs, "image"), column(t, recs, "status"), column(t, recs, "error"), column(t, recs, "positive_pct"), column(t, recs, "qc")
	lo, hi := column(t, recs, "positive_ci_low_pct"), column(t, recs, "positive_ci_high_pct")
	for _, r := range recs[1:] {
		base := filepath.Base(r[img])
		switch base {
		case "small_dapi.png", "alone_dapi.png":
			if r[st] != models.StatusError || r[er] == "" {
				t.Errorf("%s: status %s error %q, want an error", base, r[st], r[er])
			}
		case "sat_dapi.png":
			if r[st] != models.StatusOK || !strings.Contains(r[qc], "marker_saturated") {
				t.Errorf("saturated marker: status %s qc %q, want ok + marker_saturated", r[st], r[qc])
			}
		default:
			got, _ := strconv.ParseFloat(r[pct], 64)
			l, _ := strconv.ParseFloat(r[lo], 64)
			h, _ := strconv.ParseFloat(r[hi], 64)
			want := truth[r[img]]
			if !(math.Abs(got-want) <= 5) || !(l <= got && got <= h) {
				t.Errorf("%s: positive %.1f %% [%.1f, %.1f], truth %.1f %%", base, got, l, h, want)
			}
		}
	}
	objs := readCSV(t, filepath.Join(out, "objects.csv"))
	column(t, objs, "marker_score")
	column(t, objs, "marker_positive")
	if _, err := os.Stat(filepath.Join(out, "overlays", "f0_dapi.png")); err != nil {
		t.Error(err)
	}
	samples := readCSV(t, filepath.Join(out, "samples.csv"))
	column(t, samples, "positive_pct")
}
