package eval

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/histocount/histocount/internal/physgen/dapi"
)

func init() {
	Register(Dataset{Name: "gen-dapi", Run: runGenDAPI})
}

// GenDAPIDir is the independent generator's DAPI fields (BBBC002-like
// Kc167 nuclei: small, lobed, touching, two brightness populations):
// $HISTOCOUNT_GEN_DAPI, else gen-data/dapi beside shared/.
func GenDAPIDir(sharedDataDir string) string {
	if d := os.Getenv("HISTOCOUNT_GEN_DAPI"); d != "" {
		return d
	}
	return filepath.Join(sharedDataDir, "..", "..", "gen-data", "dapi")
}

// GenDAPIScores summarise nuclei counted on physgen DAPI fields.
type GenDAPIScores struct {
	Fields                      int
	CountMAPE, CountMedianAPE   float64 // |pred − true| / true, %
	MeanSignedPct               float64 // mean (pred − true) / true, %: < 0 under-counts
	Over                        int     // fields over-counted
	F1                          float64 // pooled F1 at IoU 0.5
	TP, FP, FN, Pred, TrueCount int
	ExtraPieces, MissedSplits   int // over-split pieces and under-split (merged) nuclei, summed (overlaps.splitErrors)
}

// Metrics are the headline figures by name.
func (s GenDAPIScores) Metrics() map[string]float64 {
	return map[string]float64{"fields": float64(s.Fields), "count_mape_pct": s.CountMAPE, "count_median_ape_pct": s.CountMedianAPE,
		"mean_signed_pct": s.MeanSignedPct, "f1_iou50_pooled": s.F1}
}

// EvalGenDAPI scores every field of a physgen dapi folder (truth.csv:
// image, labels, nuclei).
func EvalGenDAPI(dir string) (GenDAPIScores, error) {
	var s GenDAPIScores
	recs, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return s, err
	}
	if len(recs) < 2 {
		return s, fmt.Errorf("gen-dapi: %s: no fields", dir)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var ape []float64
	var signed float64
	opt := nucleiEvalOptions()
	for _, r := range recs[1:] {
		sc, err := scoreNucleiImage(dir, r[col["image"]], r[col["labels"]], r[col["nuclei"]], opt)
		if err != nil {
			return s, err
		}
		s.Fields++
		s.TP, s.FP, s.FN, s.Pred, s.TrueCount = s.TP+sc.tp, s.FP+sc.fp, s.FN+sc.fn, s.Pred+sc.pred, s.TrueCount+sc.truth
		s.ExtraPieces, s.MissedSplits = s.ExtraPieces+sc.extraPieces, s.MissedSplits+sc.missedSplits
		if sc.truth > 0 {
			d := float64(sc.pred-sc.truth) / float64(sc.truth) * 100
			ape = append(ape, math.Abs(d))
			signed += d
			if sc.pred > sc.truth {
				s.Over++
			}
		}
	}
	if len(ape) == 0 {
		return s, fmt.Errorf("gen-dapi: no field with nuclei")
	}
	for _, v := range ape {
		s.CountMAPE += v
	}
	s.CountMAPE /= float64(len(ape))
	s.MeanSignedPct = signed / float64(len(ape))
	sort.Float64s(ape)
	s.CountMedianAPE = ape[len(ape)/2]
	_, _, s.F1 = F1(s.TP, s.FP, s.FN)
	return s, nil
}

// WriteGenDAPI renders n physgen DAPI fields with the given seed into dir.
func WriteGenDAPI(dir string, seed uint64, n int) error { return dapi.WriteDataset(dir, seed, n) }

// runGenDAPI evaluates the independent generator's DAPI fields (never used
// to tune the segmenter). Skipped when its folder is absent.
func runGenDAPI(dir string, w io.Writer) (map[string]float64, error) {
	d := GenDAPIDir(filepath.Dir(dir))
	if _, err := os.Stat(filepath.Join(d, "truth.csv")); err != nil {
		fmt.Fprintf(w, "   skipped: no %s\n", filepath.Join(d, "truth.csv"))
		return map[string]float64{}, nil
	}
	s, err := EvalGenDAPI(d)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "   %d DAPI fields of an independent physical generator (%s)\n", s.Fields, d)
	fmt.Fprintf(w, "   nuclei %d / %d true; count MAPE %.2f %% (median %.2f %%), mean signed %+.2f %%, %d fields over-counted\n",
		s.Pred, s.TrueCount, s.CountMAPE, s.CountMedianAPE, s.MeanSignedPct, s.Over)
	fmt.Fprintf(w, "   F1@IoU0.5 pooled %.3f (TP %d FP %d FN %d)\n", s.F1, s.TP, s.FP, s.FN)
	fmt.Fprintf(w, "   split: %d extra pieces (over-split), %d merged nuclei (under-split)\n", s.ExtraPieces, s.MissedSplits)
	return s.Metrics(), nil
}
