package dapi

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"sort"
	"strconv"
	"testing"

	"github.com/histocount/histocount/internal/physgen/mitosis"
)

// Without mitotic figures the fields must be those of the generator before
// mitosis was added (hashes taken from that version, seed 7).
func TestNoMitoticKeepsOldImages(t *testing.T) {
	want := []string{"6d5229a53650a3e4", "ed742a1e891a8b27", "c17e64082c6ffc35"}
	for i, w := range want {
		f, err := GenerateOpt(7, i, Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		h.Write(f.Image.Pix)
		h.Write(f.Labels.Pix)
		if got := fmt.Sprintf("%x", h.Sum(nil)[:8]); got != w {
			t.Errorf("field %d: hash %s, want %s", i, got, w)
		}
		if f.Mitotic != 0 || f.Apoptotic != 0 {
			t.Errorf("field %d: %d mitotic, %d apoptotic", i, f.Mitotic, f.Apoptotic)
		}
	}
}

// The truth must describe the label image exactly: one object per label,
// nuclei first; Count, Mitotic (figures), Apoptotic and MitoticIndex
// recomputed from the labels; mitotic and apoptotic labels brighter than
// interphase ones; and away from the figures the image must be the one
// without mitosis (same seed).
func TestMitoticTruthMatchesImage(t *testing.T) {
	const W = 512
	stages := map[string]int{}
	var mitRatio []float64
	for i := 0; i < 3; i++ {
		f, err := GenerateOpt(9, i, Options{Mitotic: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		g, _ := GenerateOpt(9, i, Options{Mitotic: 0.3})
		if !bytes.Equal(f.Image.Pix, g.Image.Pix) || !bytes.Equal(f.Labels.Pix, g.Labels.Pix) || f.Mitotic != g.Mitotic {
			t.Fatal("same seed gave different fields")
		}
		area := map[int]int{}
		sum := map[int]float64{}
		for p := 0; p < W*W; p++ {
			id := int(f.Labels.Pix[2*p])<<8 | int(f.Labels.Pix[2*p+1])
			if id > 0 {
				area[id]++
				sum[id] += float64(f.Image.Pix[p])
			}
		}
		if len(area) != len(f.Objects) || len(f.Objects) != f.Count+f.Apoptotic {
			t.Fatalf("field %d: %d labels, %d objects, count %d + apoptotic %d", i, len(area), len(f.Objects), f.Count, f.Apoptotic)
		}
		figs := map[int]bool{}
		nuclei, apo := 0, 0
		var inter []float64
		for k, o := range f.Objects {
			if o.ID != k+1 || area[o.ID] != o.AreaPx {
				t.Fatalf("field %d: object %d id %d area %d vs %d labelled", i, k, o.ID, o.AreaPx, area[o.ID])
			}
			if o.Class == mitosis.ClassApoptotic {
				apo++
				continue
			}
			if apo > 0 {
				t.Fatalf("field %d: nucleus %d after an apoptotic label", i, o.ID)
			}
			nuclei++
			m := sum[o.ID] / float64(o.AreaPx)
			switch o.Class {
			case mitosis.ClassInterphase:
				inter = append(inter, m)
			case mitosis.ClassMitotic:
				figs[o.Figure] = true
				stages[o.Stage]++
			}
		}
		mi := float64(len(figs)) / float64(nuclei)
		if nuclei != f.Count || apo != f.Apoptotic || len(figs) != f.Mitotic || math.Abs(mi-f.MitoticIndex) > 1e-12 || f.Mitotic == 0 {
			t.Fatalf("field %d: truth %d/%d/%d index %.4f, labels %d/%d/%d", i, f.Count, f.Mitotic, f.Apoptotic, f.MitoticIndex, nuclei, len(figs), apo)
		}
		if tgt, _ := strconv.ParseFloat(f.Params["mitotic_fraction_target"], 64); f.MitoticIndex > tgt+0.02 {
			t.Fatalf("field %d: index %.3f over target %.3f", i, f.MitoticIndex, tgt)
		}
		sort.Float64s(inter)
		med := inter[len(inter)/2]
		for _, o := range f.Objects {
			if o.Class == mitosis.ClassInterphase || o.AreaPx < 12 || o.Border {
				continue
			}
			m := sum[o.ID] / float64(o.AreaPx)
			if o.Class == mitosis.ClassApoptotic && !(m > med) {
				t.Fatalf("field %d: apoptotic %d mean %.0f below interphase median %.0f", i, o.ID, m, med)
			}
			if o.Class == mitosis.ClassMitotic {
				mitRatio = append(mitRatio, m/med)
			}
		}
		// Pixels far from every figure, apoptotic cell and halo are untouched.
		old, _ := GenerateOpt(9, i, Options{})
		rad, _ := strconv.ParseFloat(f.Params["radius_px"], 64)
		reach := 2.7*rad + 8 // halo 12 µm = 1.7·radius about a centre up to 6 µm from a daughter, plus the PSF
		near := make([]bool, W*W)
		for _, o := range f.Objects {
			if o.Class == mitosis.ClassInterphase {
				continue
			}
			for y := max(0, int(o.Y-reach)); y < min(W, int(o.Y+reach)+1); y++ {
				for x := max(0, int(o.X-reach)); x < min(W, int(o.X+reach)+1); x++ {
					near[y*W+x] = near[y*W+x] || math.Hypot(o.X-float64(x)-0.5, o.Y-float64(y)-0.5) < reach
				}
			}
		}
		same, far := 0, 0
		for p := 0; p < W*W; p++ {
			x, y := float64(p%W)+0.5, float64(p/W)+0.5
			// A figure centred outside the image has no label but its halo may reach in.
			if near[p] || math.Min(math.Min(x, y), math.Min(W-x, W-y)) < reach {
				continue
			}
			far++
			if f.Image.Pix[p] == old.Image.Pix[p] {
				same++
			}
		}
		if far < W*W/4 || same != far {
			t.Fatalf("field %d: %d of %d pixels far from figures changed", i, far-same, far)
		}
	}
	sort.Float64s(mitRatio)
	if len(mitRatio) < 20 || !(mitRatio[len(mitRatio)/2] > 1.3) {
		t.Fatalf("mitotic/interphase brightness median %.2f over %d figures", mitRatio[len(mitRatio)/2], len(mitRatio))
	}
	for _, s := range []string{mitosis.StageProphase, mitosis.StageMetaphase, mitosis.StageAnaphase, mitosis.StageTelophase} {
		if stages[s] == 0 {
			t.Errorf("no %s figure in 3 fields", s)
		}
	}
}
