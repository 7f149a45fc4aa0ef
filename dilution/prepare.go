package dilution

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Accepted ranges: dilution fractions are fractions (ISO 20391-2 uses
// 0.1 … 1; a stock counted undiluted is 1); concentrations in cells/ml.
const (
	minDF   = 1e-6
	maxDF   = 1e3
	maxConc = 1e13
)

// prepared is the data set after COMET's pre-processing.
type prepared struct {
	obs        []Observation // sorted as COMET arranges them
	x          []float64     // measured DF, or target DF
	measuredDF bool
	dropped    int
	notes      []string
	degree     int // smoothing degree: distinct target DFs − 1 (whole data set)
}

// prepare drops rows without method or concentration (as COMET does),
// validates the rest, fills measured DF, stock extraction and replicate
// sample the way COMET does, and sorts.
func prepare(in []Observation) (*prepared, error) {
	p := &prepared{}
	for _, o := range in {
		if strings.TrimSpace(o.CountingMethod) == "" || math.IsNaN(o.CellConc) {
			p.dropped++
			continue
		}
		// Sane ranges keep every sum and weight (1/x) finite.
		if math.IsNaN(o.TargetDF) || !(o.TargetDF >= minDF && o.TargetDF <= maxDF) {
			return nil, inputErrorf("line %d: target_dilution_fraction must be a number in [%g, %g], got %v", o.Line, minDF, maxDF, o.TargetDF)
		}
		if !math.IsNaN(o.MeasuredDF) && !(o.MeasuredDF >= minDF && o.MeasuredDF <= maxDF) {
			return nil, inputErrorf("line %d: measured_dilution_fraction must be in [%g, %g], got %v", o.Line, minDF, maxDF, o.MeasuredDF)
		}
		if !(o.CellConc >= 0 && o.CellConc <= maxConc) {
			return nil, inputErrorf("line %d: cell_conc must be in [0, %g] cells/ml, got %v", o.Line, maxConc, o.CellConc)
		}
		o.Images = slices.Clone(o.Images)
		p.obs = append(p.obs, o)
	}
	if p.dropped > 0 {
		p.notes = append(p.notes, fmt.Sprintf("%d rows without a counting method or concentration were skipped (as COMET does)", p.dropped))
	}
	if len(p.obs) < 2 {
		return nil, inputErrorf("%d usable observation(s): a dilution series needs several dilution fractions with replicate counts", len(p.obs))
	}
	for _, f := range []struct {
		name string
		get  func(Observation) string
	}{{"cell type", func(o Observation) string { return o.CellType }}, {"concentration type", func(o Observation) string { return o.ConcentrationType }}} {
		seen := map[string]bool{}
		for _, o := range p.obs {
			seen[f.get(o)] = true
		}
		if len(seen) > 1 {
			return nil, inputErrorf("%d different values of %s (%s): analyse one %s per file, as COMET does", len(seen), f.name, strings.Join(sortedKeys(seen), ", "), f.name)
		}
	}
	// Measured DF: used when any row has one; missing ones take the target.
	for _, o := range p.obs {
		if !math.IsNaN(o.MeasuredDF) {
			p.measuredDF = true
			break
		}
	}
	// Stock extraction: COMET falls back to the random sample number when
	// fewer than 3 rows name one.
	named := 0
	for _, o := range p.obs {
		if o.StockExtraction != "" {
			named++
		}
	}
	if named < 3 {
		for i := range p.obs {
			p.obs[i].StockExtraction = p.obs[i].RandomSample
		}
	}
	// Replicate sample: when any is missing, number the random samples
	// within each method and target DF (COMET: as.integer(factor(...))).
	missingRep := false
	for _, o := range p.obs {
		if o.ReplicateSample == "" {
			missingRep = true
			break
		}
	}
	if missingRep {
		type key struct {
			m  string
			df float64
		}
		levels := map[key][]string{}
		for _, o := range p.obs {
			k := key{o.CountingMethod, o.TargetDF}
			if !slices.Contains(levels[k], o.RandomSample) {
				levels[k] = append(levels[k], o.RandomSample)
			}
		}
		for k := range levels {
			slices.SortFunc(levels[k], compareLabel)
		}
		for i, o := range p.obs {
			p.obs[i].ReplicateSample = strconv.Itoa(slices.Index(levels[key{o.CountingMethod, o.TargetDF}], o.RandomSample) + 1)
		}
	}
	xOf := func(o Observation) float64 {
		if math.IsNaN(o.MeasuredDF) {
			return o.TargetDF
		}
		return o.MeasuredDF
	}
	sort.SliceStable(p.obs, func(i, j int) bool {
		a, b := p.obs[i], p.obs[j]
		return cmp.Or(strings.Compare(a.CountingMethod, b.CountingMethod),
			compareLabel(a.StockSolution, b.StockSolution),
			cmp.Compare(a.TargetDF, b.TargetDF),
			cmp.Compare(xOf(a), xOf(b)),
			compareLabel(a.StockExtraction, b.StockExtraction)) < 0
	})
	p.x = make([]float64, len(p.obs))
	dfs := map[float64]bool{}
	for i, o := range p.obs {
		p.x[i] = xOf(o)
		dfs[o.TargetDF] = true
	}
	p.degree = len(dfs) - 1
	// Each method needs at least two dilution fractions to say anything
	// about proportionality.
	perMethod := map[string]map[float64]bool{}
	for _, o := range p.obs {
		if perMethod[o.CountingMethod] == nil {
			perMethod[o.CountingMethod] = map[float64]bool{}
		}
		perMethod[o.CountingMethod][o.TargetDF] = true
	}
	for _, m := range sortedKeys(perMethod) {
		if n := len(perMethod[m]); n < 2 {
			var only float64
			for df := range perMethod[m] {
				only = df
			}
			return nil, inputErrorf("counting method %q has a single dilution fraction (%s): proportionality needs at least 2 (ISO 20391-2 asks for at least 4)", m, FormatDF(only))
		}
	}
	return p, nil
}

// compareLabel orders labels as R orders a column: numerically when both
// are numbers, else as strings; missing ("") last.
func compareLabel(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return cmp.Compare(fa, fb)
	}
	return strings.Compare(a, b)
}

// FormatDF writes a dilution fraction as R's as.character does (up to 15
// significant digits), which is how COMET names mean_CV_<DF>.
func FormatDF(v float64) string { return strconv.FormatFloat(v, 'g', 15, 64) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
