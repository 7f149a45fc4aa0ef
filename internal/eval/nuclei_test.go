package eval

import (
	"image"
	"image/color"
	"io"
	"math"
	"testing"

	"github.com/histocount/histocount/internal/shareddata"
)

// labelImage builds a w×h instance mask from rectangles; rectangle k gets
// label k+1 (later ones overwrite earlier ones).
func labelImage(w, h int, rects ...image.Rectangle) *image.Gray16 {
	m := image.NewGray16(image.Rect(0, 0, w, h))
	for k, r := range rects {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				m.SetGray16(x, y, color.Gray16{Y: uint16(k + 1)})
			}
		}
	}
	return m
}

func TestMatchInstances(t *testing.T) {
	sq := func(x, y, s int) image.Rectangle { return image.Rect(x, y, x+s, y+s) }
	cases := []struct {
		name           string
		pred, truth    *image.Gray16
		thr            float64
		tp, fp, fn     int
		wantErr        bool
		wantPrecision  float64
		wantRecall     float64
		wantF1         float64
		checkF1Numbers bool
	}{
		{name: "identical", pred: labelImage(20, 20, sq(0, 0, 5), sq(10, 10, 5)), truth: labelImage(20, 20, sq(0, 0, 5), sq(10, 10, 5)),
			thr: 0.5, tp: 2, checkF1Numbers: true, wantPrecision: 1, wantRecall: 1, wantF1: 1},
		{name: "labels permuted", pred: labelImage(20, 20, sq(10, 10, 5), sq(0, 0, 5)), truth: labelImage(20, 20, sq(0, 0, 5), sq(10, 10, 5)),
			thr: 0.5, tp: 2},
		// 10×10 truth, prediction shifted by 2 columns: IoU 80/120 = 0.667.
		{name: "shifted above threshold", pred: labelImage(30, 30, image.Rect(2, 0, 12, 10)), truth: labelImage(30, 30, sq(0, 0, 10)),
			thr: 0.5, tp: 1},
		// Shifted by 5 columns: IoU 50/150 = 0.333.
		{name: "shifted below threshold", pred: labelImage(30, 30, image.Rect(5, 0, 15, 10)), truth: labelImage(30, 30, sq(0, 0, 10)),
			thr: 0.5, fp: 1, fn: 1, checkF1Numbers: true},
		// Two touching truths merged into one prediction: IoU 0.5 with each
		// at most, so at thr 0.5 one may match but never both.
		{name: "merge counts once", pred: labelImage(30, 30, image.Rect(0, 0, 20, 10)), truth: labelImage(30, 30, sq(0, 0, 10), sq(10, 0, 10)),
			thr: 0.5, tp: 1, fn: 1},
		{name: "merge strict", pred: labelImage(30, 30, image.Rect(0, 0, 20, 10)), truth: labelImage(30, 30, sq(0, 0, 10), sq(10, 0, 10)),
			thr: 0.51, fp: 1, fn: 2},
		{name: "split", pred: labelImage(30, 30, sq(0, 0, 10), image.Rect(10, 0, 13, 10)), truth: labelImage(30, 30, image.Rect(0, 0, 13, 10)),
			thr: 0.5, tp: 1, fp: 1},
		{name: "extra and missing", pred: labelImage(30, 30, sq(0, 0, 5), sq(20, 20, 5)), truth: labelImage(30, 30, sq(0, 0, 5), sq(10, 10, 5)),
			thr: 0.5, tp: 1, fp: 1, fn: 1, checkF1Numbers: true, wantPrecision: 0.5, wantRecall: 0.5, wantF1: 0.5},
		{name: "both empty", pred: labelImage(8, 8), truth: labelImage(8, 8), thr: 0.5,
			checkF1Numbers: true, wantPrecision: 1, wantRecall: 1, wantF1: 1},
		{name: "size mismatch", pred: labelImage(8, 8), truth: labelImage(9, 8), thr: 0.5, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, fp, fn, err := MatchInstances(c.pred, c.truth, c.thr)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if c.wantErr {
				return
			}
			if tp != c.tp || fp != c.fp || fn != c.fn {
				t.Errorf("tp/fp/fn = %d/%d/%d, want %d/%d/%d", tp, fp, fn, c.tp, c.fp, c.fn)
			}
			if c.checkF1Numbers {
				p, r, f := F1(tp, fp, fn)
				const tol = 1e-12
				if !(math.Abs(p-c.wantPrecision) <= tol) || !(math.Abs(r-c.wantRecall) <= tol) || !(math.Abs(f-c.wantF1) <= tol) {
					t.Errorf("P/R/F1 = %.3f/%.3f/%.3f, want %.3f/%.3f/%.3f", p, r, f, c.wantPrecision, c.wantRecall, c.wantF1)
				}
			}
		})
	}
}

// TestSplitErrors: pieces of one true nucleus and true nuclei held in one
// prediction are counted apart; a shifted but whole prediction is neither.
func TestSplitErrors(t *testing.T) {
	sq := func(x, y, s int) image.Rectangle { return image.Rect(x, y, x+s, y+s) }
	cases := []struct {
		name          string
		pred, truth   *image.Gray16
		extra, missed int
	}{
		{name: "identical", pred: labelImage(30, 30, sq(0, 0, 10)), truth: labelImage(30, 30, sq(0, 0, 10))},
		{name: "shifted", pred: labelImage(30, 30, image.Rect(3, 0, 13, 10)), truth: labelImage(30, 30, sq(0, 0, 10))},
		{name: "cut in three", pred: labelImage(30, 30, image.Rect(0, 0, 4, 12), image.Rect(4, 0, 8, 12), image.Rect(8, 0, 12, 12)),
			truth: labelImage(30, 30, sq(0, 0, 12)), extra: 2},
		{name: "two merged", pred: labelImage(30, 30, image.Rect(0, 0, 20, 10)), truth: labelImage(30, 30, sq(0, 0, 10), sq(10, 0, 10)), missed: 1},
		// A piece mostly outside the nucleus lies in no true nucleus.
		{name: "spill", pred: labelImage(30, 30, sq(0, 0, 10), image.Rect(8, 0, 20, 10)), truth: labelImage(30, 30, sq(0, 0, 10))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra, missed := overlapsOf(c.pred, c.truth).splitErrors()
			if extra != c.extra || missed != c.missed {
				t.Errorf("extra pieces %d, merged %d; want %d, %d", extra, missed, c.extra, c.missed)
			}
		})
	}
}

// TestNucleiDSB2018Floors guards the accuracy measured on the 370 dev
// images with the default segmenter (see the report in runNuclei); bounds
// sit just below the values measured on 2026-12-01. The "unseen" figures
// are on the 250 images added after the constants were tuned and the
// network trained: they are the ones that predict hidden images. The
// leave-one-modality-out block (three segmentations per image) is skipped
// here to keep the test fast; make eval prints it.
func TestNucleiDSB2018Floors(t *testing.T) {
	dir := shareddata.Dir(t, "nuclei-dsb2018")
	if testing.Short() {
		t.Skip("full data set evaluation (~1 min) skipped in -short mode")
	}
	t.Setenv("HISTOCOUNT_EVAL_NUCLEI_SUBSET", "")
	t.Setenv("HISTOCOUNT_EVAL_NUCLEI_METHOD", "")
	t.Setenv("HISTOCOUNT_EVAL_NUCLEI_MODEL", "")
	t.Setenv("HISTOCOUNT_EVAL_NUCLEI_LOMO", "0")
	m, err := runNuclei(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	RequireBounds(t, m,
		Floor("f1_iou50_pooled_unseen", 0.78),              // measured 0.797 (h10/nuclei; 0.791 h9)
		Floor("f1_iou50_pooled_fluorescence_unseen", 0.82), // measured 0.843 (h10/nuclei; 0.834 h9)
		Ceiling("count_err_median_pct_unseen", 10.5),       // measured 9.5 (h10/nuclei)
		Ceiling("count_err_mean_pct_unseen", 18.0),         // measured 17.0 (h10/nuclei; 17.2 h9)
		Floor("f1_iou50_pooled", 0.785),                    // measured 0.807 (h10/nuclei)
		Floor("f1_iou50_mean", 0.81),                       // measured 0.823 (h10/nuclei)
		Floor("f1_iou50_pooled_fluorescence", 0.826),       // measured 0.851 (h10/nuclei)
		Floor("f1_iou50_pooled_stained", 0.62),             // measured 0.633 (h10/nuclei)
		Floor("f1_iou50_pooled_brightfield", 0.565),        // measured 0.577 (h10/nuclei)
		Floor("f1_iou50_pooled_heldout", 0.835),            // measured 0.851 (h10/nuclei)
		Ceiling("count_err_median_pct", 10.5),              // measured 9.6 (h10/nuclei)
		Ceiling("count_err_mean_pct", 16.5),                // measured 15.2 (h10/nuclei)
		Ceiling("count_err_median_pct_heldout", 8.7),       // measured 6.9 (h10/nuclei)
	)
}

// TestNucleiHeldOutSplit pins the split rule: stratified by modality, a
// quarter (rounded up) of each, chosen by file-name hash.
func TestNucleiHeldOutSplit(t *testing.T) {
	var names, mods []string
	for i := range 9 {
		names = append(names, string(rune('a'+i))+".png")
		mods = append(mods, []string{"fluorescence", "stained", "brightfield"}[i%3])
	}
	names = append(names, "z.png")
	mods = append(mods, "fluorescence")
	held := NucleiHeldOut(names, mods)
	per := map[string]int{}
	for i, n := range names {
		if held[n] {
			per[mods[i]]++
		}
	}
	want := map[string]int{"fluorescence": 1, "stained": 1, "brightfield": 1} // ⌈4/4⌉, ⌈3/4⌉, ⌈3/4⌉
	for k, v := range want {
		if per[k] != v {
			t.Errorf("%s: %d held out, want %d", k, per[k], v)
		}
	}
	if again := NucleiHeldOut(names, mods); len(again) != len(held) {
		t.Errorf("split not deterministic")
	}
}
