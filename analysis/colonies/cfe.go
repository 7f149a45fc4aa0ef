package colonies

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/histocount/histocount/internal/imagename"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// PlateEntry is one row of a plate map.
type PlateEntry = models.PlateEntry

// ErrPlateMap is wrapped by every plate-map parsing error.
var ErrPlateMap = errors.New("colonies: invalid plate map")

// Seeding limits: a dish holds at least one cell, and no culture dish
// holds 10¹² (a confluent 15 cm dish is ~2·10⁷ cells). Outside them a
// plate-map value is a typo, not a seeding.
const (
	MinCellsSeeded = 1.0
	MaxCellsSeeded = 1e12
)

// MaxPlausibleCFEPct: every colony grows from at least one seeded cell, so
// a CFE above 100 % means a wrong seeding or count, flagged, never passed.
const MaxPlausibleCFEPct = 100.0

// CFE returns the colony-formation efficiency in percent: colonies ÷
// cells seeded × 100; 0 when the seeding is outside [MinCellsSeeded,
// MaxCellsSeeded] (so the result is always finite).
func CFE(colonies int, cellsSeeded float64) float64 {
	if !validSeeding(cellsSeeded) {
		return 0
	}
	return 100 * float64(colonies) / cellsSeeded
}

func validSeeding(n float64) bool { return n >= MinCellsSeeded && n <= MaxCellsSeeded }

// DishCFE is the CFE of one dish with its QC flags: no_cells_seeded when
// the seeding is missing or outside the plausible range (no CFE is given),
// cfe_implausible when the CFE exceeds MaxPlausibleCFEPct.
func DishCFE(colonies int, cellsSeeded float64) (pct float64, ok bool, qc []string) {
	if !validSeeding(cellsSeeded) {
		return 0, false, []string{models.QCNoSeeding}
	}
	pct = CFE(colonies, cellsSeeded)
	if pct > MaxPlausibleCFEPct {
		qc = append(qc, models.QCImplausibleCFE)
	}
	return pct, true, qc
}

// SummariseCFE pools the dishes of each sample (sorted by sample name).
// Dishes with status other than ok, or without cells seeded, are counted as
// failed and left out. The pooled CFE is Σcolonies ÷ Σcells seeded × 100
// with an exact Poisson 95 % interval on Σcolonies (the seeding is taken as
// exact); mean ± SD (n−1) are over the per-dish CFEs.
func SummariseCFE(rows []models.ColonyPlateResult) []models.CFESample {
	type acc struct {
		s    models.CFESample
		cfes []float64
		qc   map[string]bool
	}
	groups := map[string]*acc{}
	var names []string
	for _, r := range rows {
		a := groups[r.Sample]
		if a == nil {
			a = &acc{s: models.CFESample{Sample: r.Sample}, qc: map[string]bool{}}
			groups[r.Sample] = a
			names = append(names, r.Sample)
		}
		if (r.Status != "" && r.Status != models.StatusOK) || !validSeeding(r.CellsSeeded) {
			a.s.FailedImages++
			if r.Status == "" || r.Status == models.StatusOK {
				a.qc[models.QCNoSeeding] = true
			}
			continue
		}
		a.s.Images++
		a.s.Colonies += r.Colonies
		a.s.CellsSeeded += r.CellsSeeded
		a.cfes = append(a.cfes, CFE(r.Colonies, r.CellsSeeded))
		for _, q := range r.QC {
			if SampleFlag(q) {
				a.qc[q] = true
			}
		}
	}
	sort.Strings(names)
	out := make([]models.CFESample, 0, len(names))
	for _, n := range names {
		a := groups[n]
		s := a.s
		if s.Images > 0 {
			s.CFEPct = models.Round3(CFE(s.Colonies, s.CellsSeeded))
			lo, hi, _ := stats.PoissonCI(s.Colonies, 0.95) // Colonies ≥ 0 and the level is valid: no error
			s.CFECILowPct = models.Round3(100 * lo / s.CellsSeeded)
			s.CFECIHighPct = models.Round3(100 * hi / s.CellsSeeded)
			if len(a.cfes) > 1 {
				m, sd := stat.MeanStdDev(a.cfes, nil)
				s.MeanCFEPct, s.SDCFEPct = models.Round3(m), models.Round3(sd)
			} else {
				s.MeanCFEPct = models.Round3(a.cfes[0])
			}
			if s.Colonies < 10 {
				a.qc[models.QCFewColonies] = true
			}
			if s.CFEPct > MaxPlausibleCFEPct {
				a.qc[models.QCImplausibleCFE] = true
			}
		}
		for q := range a.qc {
			s.QC = append(s.QC, q)
		}
		sort.Strings(s.QC)
		out = append(out, s)
	}
	return out
}

// ReadPlateMap reads a plate map CSV with a header naming the columns
// image, sample (or donor), cells_seeded and optionally replicate, in any
// order. It returns the entries keyed by the image column as written.
// Errors name the line.
func ReadPlateMap(r io.Reader) (map[string]PlateEntry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: empty file", ErrPlateMap)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: line 1: %v", ErrPlateMap, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if h == "donor" {
			h = "sample"
		}
		if _, dup := col[h]; dup && h != "" {
			return nil, fmt.Errorf("%w: line 1: column %q given twice", ErrPlateMap, h)
		}
		col[h] = i
	}
	for _, need := range []string{"image", "sample", "cells_seeded"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: line 1: missing column %q (need image, sample or donor, cells_seeded[, replicate])", ErrPlateMap, need)
		}
	}
	rep, hasRep := col["replicate"]
	out := map[string]PlateEntry{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPlateMap, err)
		}
		line, _ := cr.FieldPos(0) // panics after a read error, so only now
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := PlateEntry{Image: get(col["image"]), Sample: get(col["sample"]), Line: line}
		if e.Image == "" {
			return nil, fmt.Errorf("%w: line %d: empty image", ErrPlateMap, line)
		}
		if e.Sample == "" {
			return nil, fmt.Errorf("%w: line %d: empty sample for %s", ErrPlateMap, line, e.Image)
		}
		cs := get(col["cells_seeded"])
		n, err := strconv.ParseFloat(cs, 64)
		if err != nil || !validSeeding(n) {
			return nil, fmt.Errorf("%w: line %d: cells_seeded %q is not a number of cells from %g to %g", ErrPlateMap, line, cs, MinCellsSeeded, MaxCellsSeeded)
		}
		e.CellsSeeded = n
		if hasRep {
			e.Replicate = get(rep)
		}
		if prev, dup := out[e.Image]; dup {
			return nil, fmt.Errorf("%w: line %d: image %s already listed on line %d", ErrPlateMap, line, e.Image, prev.Line)
		}
		out[e.Image] = e
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrPlateMap)
	}
	return out, nil
}

// AssignPlates pairs the plate map's images with paths one to one by
// imagename's rules (path, folder suffix, file name, stem; an entry that
// matches several paths by its first rule is ambiguous and pairs none).
// It returns each path's entry (found[j] false for none) and the keys of
// the entries no path took, sorted.
func AssignPlates(m map[string]PlateEntry, paths []string) (entries []PlateEntry, found []bool, unused []string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	nameOf, _ := imagename.Lookup(keys, paths)
	entries, found = make([]PlateEntry, len(paths)), make([]bool, len(paths))
	took := make([]bool, len(keys))
	for j, i := range nameOf {
		if i >= 0 {
			entries[j], found[j], took[i] = m[keys[i]], true, true
		}
	}
	for i, k := range keys {
		if !took[i] {
			unused = append(unused, k)
		}
	}
	return entries, found, unused
}

// SampleFlag reports whether a dish's QC flag passes on to its sample: the
// flags that say the dish's count may be wrong (the sample's CFE then
// needs a look), not the ones about a single dish's layout.
func SampleFlag(q string) bool {
	switch q {
	case models.QCConfluent, models.QCDishNotFound, models.QCOutOfFocus, models.QCSaturated,
		models.QCImplausibleCFE, models.QCPolarityContested:
		return true
	}
	return false
}
