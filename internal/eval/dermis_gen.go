package eval

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/raster"
	physsections "github.com/histocount/histocount/internal/physgen/sections"
	"github.com/histocount/histocount/models"
)

func init() {
	Register(Dataset{Name: "gen-sections", Run: runGenSections})
}

// GenSectionScores summarise the independent physgen sections
// (/work/gen-data/sections, rendered by another helper from a physical
// description, never used to tune dermis): relative thickness errors and
// whether the fat was found.
type GenSectionScores struct {
	N                          int
	EpidermisMAE, DermisMAE    float64 // mean |measured/true − 1| (dermis: sections with fat)
	DermisMAEHE, DermisMAESilv float64
	FatFound, FatPresent       int
	Implausible, Errors        int
}

// EvaluateGenSections measures every section listed in truth.csv.
func EvaluateGenSections(dir string, w io.Writer) (GenSectionScores, error) {
	var sc GenSectionScores
	rows, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return sc, fmt.Errorf("truth.csv: %w", err)
	}
	if len(rows) < 2 {
		return sc, fmt.Errorf("truth.csv: no rows")
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	num := func(r []string, k string) float64 {
		var v float64
		fmt.Sscan(r[col[k]], &v)
		return v
	}
	var ee, de, deHE, deSi []float64
	for _, r := range rows[1:] {
		img, err := imageio.Load(filepath.Join(dir, r[col["image"]]), imageio.Options{})
		if err != nil {
			return sc, err
		}
		sc.N++
		res, err := dermis.Measure(img, dermis.Options{})
		if err != nil {
			sc.Errors++
			fmt.Fprintf(w, "  %s: error %v\n", r[col["image"]], err)
			continue
		}
		s := res.Section
		tE, tD := num(r, "epidermis_um"), num(r, "dermis_um")
		fat := r[col["fat_present"]] == "true"
		e := s.Epidermis.Mean/tE - 1
		d := s.Dermis.Mean/tD - 1
		ee = append(ee, e)
		if fat {
			sc.FatPresent++
			if s.HypodermisPresent {
				sc.FatFound++
			}
			de = append(de, d)
			if r[col["stain"]] == "he" {
				deHE = append(deHE, d)
			} else {
				deSi = append(deSi, d)
			}
		}
		if slices.Contains(s.QC, models.QCImplausible) {
			sc.Implausible++
		}
		fmt.Fprintf(w, "  %-18s %-6s epidermis %6.1f/%6.1f µm (%+6.1f%%)  dermis %7.1f/%7.1f µm (%+6.1f%%) fat %v/%v qc=%v\n",
			filepath.Base(r[col["image"]]), r[col["stain"]], s.Epidermis.Mean, tE, 100*e, s.Dermis.Mean, tD, 100*d, s.HypodermisPresent, fat, s.QC)
	}
	mae := func(v []float64) float64 {
		if len(v) == 0 {
			return math.NaN()
		}
		return 100 * meanAbs(v)
	}
	sc.EpidermisMAE, sc.DermisMAE = mae(ee), mae(de)
	sc.DermisMAEHE, sc.DermisMAESilv = mae(deHE), mae(deSi)
	fmt.Fprintf(w, "gen-sections (seed 1 of make eval: dermis was tuned on it; held-out seeds in TestDermisPhysgenHeldOut): %d sections, epidermis MAE %.1f %%, dermis MAE %.1f %% (H&E %.1f %%, silver %.1f %%, sections with fat), fat found %d/%d, implausible %d, errors %d\n",
		sc.N, sc.EpidermisMAE, sc.DermisMAE, sc.DermisMAEHE, sc.DermisMAESilv, sc.FatFound, sc.FatPresent, sc.Implausible, sc.Errors)
	return sc, nil
}

func runGenSections(dir string, w io.Writer) (map[string]float64, error) {
	// The independent sections live beside shared/, not in it: dir when it
	// holds them, else $HISTOCOUNT_GEN_SECTIONS, else gen-data/sections
	// (make eval renders them there).
	if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err != nil {
		shared := filepath.Dir(dir)
		if dir = os.Getenv("HISTOCOUNT_GEN_SECTIONS"); dir == "" {
			dir = filepath.Join(shared, "..", "..", "gen-data", "sections")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err != nil {
		fmt.Fprintf(w, "   skipped: no %s\n", filepath.Join(dir, "truth.csv"))
		return map[string]float64{}, nil
	}
	sc, err := EvaluateGenSections(dir, w)
	if err != nil {
		return nil, err
	}
	ff := math.NaN()
	if sc.FatPresent > 0 {
		ff = float64(sc.FatFound) / float64(sc.FatPresent)
	}
	return map[string]float64{
		"epidermis_mae_pct": sc.EpidermisMAE, "dermis_mae_pct": sc.DermisMAE,
		"dermis_mae_pct_he": sc.DermisMAEHE, "dermis_mae_pct_silver": sc.DermisMAESilv,
		"fat_found_frac": ff, "sections": float64(sc.N), "errors": float64(sc.Errors),
	}, nil
}

// WriteGenSections renders n physgen sections (seed, indices 0…n−1, at
// most maxW px wide, 0 = the generator's default) into dir with a
// truth.csv that EvaluateGenSections reads: the CI stand-in for
// /work/gen-data/sections. Sections render in parallel (workers ≥ 1).
func WriteGenSections(dir string, seed uint64, n, maxW, workers int) error {
	rows := make([][]string, n)
	errs := make([]error, n)
	idx := make(chan int)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				rows[i], errs[i] = writeGenSection(dir, seed, i, maxW)
			}
		}()
	}
	for i := range n {
		idx <- i
	}
	close(idx)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	header := []string{"image", "mask", "stain", "pixel_size_um", "epidermis_um", "dermis_um", "fat_present", "glass_present"}
	return raster.WriteCSV(filepath.Join(dir, "truth.csv"), header, rows)
}

func writeGenSection(dir string, seed uint64, i, maxW int) ([]string, error) {
	s, err := physsections.Generate(seed, i, physsections.Options{MaxW: maxW})
	if err != nil {
		return nil, fmt.Errorf("section %d: %w", i, err)
	}
	name := fmt.Sprintf("images/section_%03d.png", i)
	if err := raster.WritePNG(filepath.Join(dir, name), s.Image, s.Truth.PixelSizeUM); err != nil {
		return nil, err
	}
	t := s.Truth
	return []string{name, "", t.Stain, raster.F(t.PixelSizeUM, 4), raster.F(t.EpidermisUM, 1), raster.F(t.DermisUM, 1),
		strconv.FormatBool(t.FatPresent), strconv.FormatBool(t.GlassPresent)}, nil
}
