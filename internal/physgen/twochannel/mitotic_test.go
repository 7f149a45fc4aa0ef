package twochannel

import (
	"crypto/sha256"
	"fmt"
	"image"
	"math"
	"sort"
	"testing"

	"github.com/histocount/histocount/internal/physgen/mitosis"
)

func pix(img image.Image) []byte {
	switch m := img.(type) {
	case *image.Gray:
		return m.Pix
	case *image.Gray16:
		return m.Pix
	}
	return nil
}

// Without mitotic figures the fields must be those of the generator before
// staged mitosis was added (hashes taken from that version, seed 11).
func TestNoMitoticKeepsOldImages(t *testing.T) {
	want := []string{"ca5c6a057018364b", "4505cfccfea24e9e", "0c959801bf1bb28d"}
	for i, w := range want {
		f, err := Generate(11, i, Options{W: 320, H: 256})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		h.Write(pix(f.DAPI))
		h.Write(pix(f.Marker))
		h.Write(f.Labels.Pix)
		if got := fmt.Sprintf("%x", h.Sum(nil)[:8]); got != w {
			t.Errorf("field %d: hash %s, want %s", i, got, w)
		}
		if len(f.Apoptotic) != 0 {
			t.Errorf("field %d: %d apoptotic cells", i, len(f.Apoptotic))
		}
	}
}

// The truth must describe the label image exactly (nuclei 1..n, then
// apoptotic cells; Mitotic counts figures; telophase daughters share one),
// mitotic figures must be brighter in DAPI than interphase nuclei and,
// with Ki-67, marker positive and bright in the marker channel.
func TestMitoticTruthMatchesImage(t *testing.T) {
	const W, H = 512, 384
	var dRatio []float64
	ki67 := 0
	for i := 0; i < 6; i++ {
		f, err := Generate(13, i, Options{W: W, H: H, Mitotic: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		area := map[int]int{}
		dsum, msum := map[int]float64{}, map[int]float64{}
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				if id := int(f.Labels.Gray16At(x, y).Y); id > 0 {
					area[id]++
					dsum[id] += gray(f.DAPI, x, y)
					msum[id] += gray(f.Marker, x, y)
				}
			}
		}
		all := append(append([]Nucleus(nil), f.Nuclei...), f.Apoptotic...)
		if len(area) != len(all) {
			t.Fatalf("field %d: %d labels, %d nuclei + %d apoptotic", i, len(area), len(f.Nuclei), len(f.Apoptotic))
		}
		figs := map[int]int{}
		stage := map[int]string{}
		var inter, interM []float64
		for k, n := range all {
			if n.ID != k+1 || area[n.ID] != n.AreaPx {
				t.Fatalf("field %d: entry %d id %d area %d vs %d labelled", i, k, n.ID, n.AreaPx, area[n.ID])
			}
			wantApo := k >= len(f.Nuclei)
			if (n.Class == mitosis.ClassApoptotic) != wantApo || (n.Class == mitosis.ClassMitotic) != n.Mitotic || (n.Figure > 0) != n.Mitotic {
				t.Fatalf("field %d: entry %d class %s mitotic %v figure %d", i, k, n.Class, n.Mitotic, n.Figure)
			}
			if n.Class == mitosis.ClassInterphase && !n.Border && n.AreaPx > 30 {
				inter = append(inter, dsum[n.ID]/float64(n.AreaPx))
				if !n.Positive {
					interM = append(interM, msum[n.ID]/float64(n.AreaPx))
				}
			}
			if n.Mitotic {
				figs[n.Figure]++
				if s, ok := stage[n.Figure]; ok && s != n.Stage {
					t.Fatalf("field %d: figure %d has stages %s and %s", i, n.Figure, s, n.Stage)
				}
				stage[n.Figure] = n.Stage
				if n.Stage == "" {
					t.Fatalf("field %d: unstaged mitotic nucleus %d", i, n.ID)
				}
			}
		}
		for fig, c := range figs {
			if c > 1 && stage[fig] != mitosis.StageTelophase || c > 2 {
				t.Fatalf("field %d: figure %d (%s) has %d labels", i, fig, stage[fig], c)
			}
		}
		if len(figs) != f.Mitotic || math.Abs(f.MitoticIndex-float64(f.Mitotic)/float64(len(f.Nuclei))) > 1e-12 {
			t.Fatalf("field %d: %d figures labelled, truth %d, index %.4f", i, len(figs), f.Mitotic, f.MitoticIndex)
		}
		sort.Float64s(inter)
		sort.Float64s(interM)
		for _, n := range all {
			if n.Class == mitosis.ClassInterphase || n.Border || n.AreaPx < 12 {
				continue
			}
			d := dsum[n.ID] / float64(n.AreaPx)
			if n.Class == mitosis.ClassApoptotic {
				if n.Positive || !(d > inter[len(inter)/2]) {
					t.Fatalf("field %d: apoptotic %d positive %v, DAPI %.0f vs interphase %.0f", i, n.ID, n.Positive, d, inter[len(inter)/2])
				}
				continue
			}
			dRatio = append(dRatio, d/inter[len(inter)/2])
			if f.Params["marker"] == "Ki-67" {
				ki67++
				if m := msum[n.ID] / float64(n.AreaPx); !n.Positive || len(interM) > 0 && !(m > 2*interM[len(interM)/2]) {
					t.Fatalf("field %d: Ki-67 mitotic %d positive %v marker %.0f vs negative %.0f", i, n.ID, n.Positive, m, interM[len(interM)/2])
				}
			}
		}
	}
	sort.Float64s(dRatio)
	if len(dRatio) < 10 || ki67 == 0 || !(dRatio[len(dRatio)/2] > 1.3) {
		t.Fatalf("%d mitotic nuclei (%d Ki-67), DAPI ratio median %.2f", len(dRatio), ki67, dRatio[len(dRatio)/2])
	}
}
