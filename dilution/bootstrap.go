package dilution

import (
	"math"
	"regexp"
	"slices"
	"sort"

	"github.com/histocount/histocount/models"
)

// COMET transforms R² metrics with the logit and error metrics with the
// log before taking the bootstrap SD (R's grepl, case-insensitive).
var (
	logitMetric = regexp.MustCompile(`(?i)R.squared`)
	logMetric   = regexp.MustCompile(`(?i)error`)
)

// interval returns value ± t·SD of the bootstrap values on the metric's
// scale (logit, log or identity), back-transformed, lower limit ≥ 0. It
// returns nils when fewer than two bootstrap values are finite.
func interval(name string, value float64, boot []float64, tval float64) (*float64, *float64) {
	fwd, back := func(v float64) float64 { return v }, func(v float64) float64 { return v }
	switch {
	case logitMetric.MatchString(name):
		fwd = func(v float64) float64 { return math.Log(v / (1 - v)) }
		back = func(v float64) float64 { return math.Exp(v) / (1 + math.Exp(v)) }
	case logMetric.MatchString(name):
		fwd, back = math.Log, math.Exp
	}
	var t []float64
	for _, b := range boot {
		if v := fwd(b); !math.IsNaN(v) && !math.IsInf(v, 0) {
			t = append(t, v)
		}
	}
	c := fwd(value)
	if len(t) < 2 || math.IsNaN(c) || math.IsInf(c, 0) {
		return nil, nil
	}
	s := sd(t)
	lo, hi := back(c-tval*s), back(c+tval*s)
	if math.IsInf(hi, 0) || math.IsNaN(hi) || math.IsNaN(lo) {
		return nil, nil
	}
	lo = math.Max(lo, 0)
	return &lo, &hi
}

// compare returns metric(m₁)/(metric(m₂) + 1e-7) for every pair of methods
// (COMET compare_metrics) with percentile intervals of the bootstrap
// ratios.
func compare(mds []*methodData, ms []Method, boots [][][]float64, level float64) []models.DilutionRatio {
	out := []models.DilutionRatio{}
	for i := 0; i < len(mds); i++ {
		for j := i + 1; j < len(mds); j++ {
			for a, name := range mds[i].names {
				b := slices.Index(mds[j].names, name)
				if b < 0 {
					continue
				}
				r := ms[i].values[a] / (ms[j].values[b] + 1e-7)
				if math.IsNaN(r) || math.IsInf(r, 0) {
					continue
				}
				cmp := models.DilutionRatio{Metric: name, Level1: mds[i].name, Level2: mds[j].name, Ratio: r}
				if len(boots) > 0 {
					var rs []float64
					for k := range boots[i] {
						v := boots[i][k][a] / (boots[j][k][b] + 1e-7)
						if !math.IsNaN(v) && !math.IsInf(v, 0) {
							rs = append(rs, v)
						}
					}
					if len(rs) >= 2 {
						sort.Float64s(rs)
						lo, hi := quantile7(rs, (1-level)/2), quantile7(rs, (1+level)/2)
						cmp.Lower, cmp.Upper = &lo, &hi
					}
				}
				out = append(out, cmp)
			}
		}
	}
	return out
}

// quantile7 is R's default quantile (type 7) of sorted x.
func quantile7(x []float64, p float64) float64 {
	h := float64(len(x)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (h-lo)*(x[i+1]-x[i])
}

// checkDesign applies COMET's check of ISO 20391-2's minimum design: per
// method at least 4 target DFs having at least 3 replicate samples with at
// least 3 observations each. Replicate samples are the replicate_sample
// column, as in COMET.
func checkDesign(obs []Observation) ([]models.DilutionDesign, bool) {
	type key struct {
		m   string
		df  float64
		rep string
	}
	count := map[key]int{}
	var methods []string
	dfs := map[string][]float64{}
	reps := map[string]map[float64][]string{}
	for _, o := range obs {
		k := key{o.CountingMethod, o.TargetDF, o.ReplicateSample}
		count[k]++
		if !slices.Contains(methods, o.CountingMethod) {
			methods = append(methods, o.CountingMethod)
			reps[o.CountingMethod] = map[float64][]string{}
		}
		if !slices.Contains(dfs[o.CountingMethod], o.TargetDF) {
			dfs[o.CountingMethod] = append(dfs[o.CountingMethod], o.TargetDF)
		}
		if !slices.Contains(reps[o.CountingMethod][o.TargetDF], o.ReplicateSample) {
			reps[o.CountingMethod][o.TargetDF] = append(reps[o.CountingMethod][o.TargetDF], o.ReplicateSample)
		}
	}
	all := true
	var out []models.DilutionDesign
	for _, m := range methods {
		d := models.DilutionDesign{CountingMethod: m}
		slices.Sort(dfs[m])
		for _, df := range dfs[m] {
			row := models.DilutionDesignDF{TargetDF: df, ReplicateSamples: len(reps[m][df]), MinObservations: math.MaxInt}
			for _, r := range reps[m][df] {
				n := count[key{m, df, r}]
				row.MinObservations = min(row.MinObservations, n)
				if n >= 3 {
					row.SamplesWith3Obs++
				}
			}
			if row.SamplesWith3Obs >= 3 {
				d.DFsMeeting++
			}
			d.PerDF = append(d.PerDF, row)
		}
		d.Met = d.DFsMeeting >= 4
		all = all && d.Met
		out = append(out, d)
	}
	return out, all
}

// Values returns a method's metrics by name (for tests and reports).
func (m Method) Values() map[string]float64 {
	out := map[string]float64{}
	for _, v := range m.Metrics {
		out[v.Name] = v.Value
	}
	return out
}
