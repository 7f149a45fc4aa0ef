package dilution

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/histocount/histocount/models"
)

// Metric names, COMET's, in COMET's order.
const (
	PropConst         = "Prop.Const.x"
	RSquared          = "R.squared"
	ScaledSSE         = "Scaled.Sum.Squared.Error"
	SSE               = "Sum.Squared.Error"
	ScaledSAE         = "Scaled.Sum.Absolute.Error"
	SAE               = "Sum.Absolute.Error"
	SmoothedR2        = "Smoothed.R.squared"
	SmoothedScaledSSE = "Smoothed.Scaled.Sum.Squared.Error"
	SmoothedSSE       = "Smoothed.Sum.Squared.Error"
	SmoothedScaledSAE = "Smoothed.Scaled.Sum.Absolute.Error"
	SmoothedSAE       = "Smoothed.Sum.Absolute.Error"
	VSSmoothedSSE     = "Variance.Stabilized.Smoothed.Sum.Squared.Error"
	VSSmoothedSAE     = "Variance.Stabilized.Smoothed.Sum.Absolute.Error"
)

var fitMetricNames = []string{PropConst, RSquared, ScaledSSE, SSE, ScaledSAE, SAE, SmoothedR2,
	SmoothedScaledSSE, SmoothedSSE, SmoothedScaledSAE, SmoothedSAE, VSSmoothedSSE, VSSmoothedSAE}

// CVName and MeanName name the per-DF metrics as COMET does.
func CVName(df float64) string   { return "mean_CV_" + FormatDF(df) }
func MeanName(df float64) string { return "mean_conc_" + FormatDF(df) }

// Options configure Analyse. The zero value computes point values only.
type Options struct {
	Boot  int     // bootstrap replicates (0: no intervals)
	Seed  uint64  // seed of the bootstrap's random numbers
	Level float64 // confidence level of the intervals; 0 means 0.95
}

// Analysis is the result of Analyse.
type Analysis struct {
	Methods      []Method
	Design       []models.DilutionDesign
	DesignMet    bool
	Comparisons  []models.DilutionRatio
	MeasuredDF   bool
	SmoothDegree int
	Observations []Observation // as analysed (sorted, filled)
	Dropped      int
	Notes        []string
	Options      Options
}

// Method is one counting method's result and what its figure needs.
type Method struct {
	models.DilutionMethod
	Beta        float64   // proportionality constant, cells/ml per unit DF
	SmoothCoef  []float64 // smoothing polynomial, constant term first
	ObsDF, ObsY []float64 // observations: x and concentration
	values      []float64 // metric values in Metrics order
}

// methodData is one method's observations with their replicate-sample
// grouping, fixed across bootstrap replicates.
type methodData struct {
	name, cellType, concType string
	obs                      []int     // indices into prepared.obs
	conc                     []float64 // per obs
	rep                      []int     // replicate sample of each obs
	repKey                   []models.DilutionReplicate
	repX, repDF              []float64
	dfs                      []float64 // distinct target DFs, ascending
	dfOf                     []int     // per obs: index into dfs
	degree                   int
	names                    []string
}

// Analyse computes COMET's metrics for every counting method in obs, the
// design check, method-pair ratios and, with opt.Boot > 0, bootstrap
// intervals. It fails (ErrInput) on data it cannot analyse: no usable rows,
// several cell or concentration types, a method with a single dilution
// fraction, DFs ≤ 0.
func Analyse(obs []Observation, opt Options) (*Analysis, error) {
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		return nil, inputErrorf("confidence level must be in (0, 1), got %v", opt.Level)
	}
	if opt.Boot < 0 {
		return nil, inputErrorf("bootstrap replicates must be ≥ 0, got %d", opt.Boot)
	}
	p, err := prepare(obs)
	if err != nil {
		return nil, err
	}
	a := &Analysis{MeasuredDF: p.measuredDF, SmoothDegree: p.degree, Observations: p.obs, Dropped: p.dropped, Notes: p.notes, Options: opt}
	mds := group(p)
	a.Design, a.DesignMet = checkDesign(p.obs)
	for _, md := range mds {
		vals, reps, coef, beta := md.compute(md.conc)
		m := Method{Beta: beta, SmoothCoef: coef, values: vals}
		m.CountingMethod, m.CellType, m.ConcentrationType = md.name, md.cellType, md.concType
		m.ReplicateSamples = reps
		for _, i := range md.obs {
			m.ObsDF = append(m.ObsDF, p.x[i])
			m.ObsY = append(m.ObsY, p.obs[i].CellConc)
		}
		if md.degree < p.degree {
			a.Notes = append(a.Notes, fmt.Sprintf("%s: only %d distinct dilution fractions; smoothing degree lowered to %d", md.name, md.degree+1, md.degree))
		}
		a.Methods = append(a.Methods, m)
	}
	for _, m := range a.Methods {
		if !finiteMethod(m) {
			return nil, inputErrorf("counting method %q: the fits are not finite (degenerate dilution fractions or concentrations)", m.CountingMethod)
		}
	}
	var boots [][][]float64 // method → replicate → values
	if opt.Boot > 0 {
		boots = make([][][]float64, len(mds))
		for b := 0; b < opt.Boot; b++ {
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(b+1)))
			for k, md := range mds {
				vals, _, _, _ := md.compute(md.resample(rng))
				boots[k] = append(boots[k], vals)
			}
		}
	}
	tval := 0.0
	if opt.Boot > 1 {
		tval = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(opt.Boot - 1)}.Quantile((1 + opt.Level) / 2)
	}
	for k, md := range mds {
		m := &a.Methods[k]
		for i, name := range md.names {
			v := m.values[i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				a.Notes = append(a.Notes, fmt.Sprintf("%s: %s cannot be computed (too few observations)", md.name, name))
				continue
			}
			met := models.DilutionMetric{Name: name, Value: v}
			if opt.Boot > 1 {
				col := make([]float64, len(boots[k]))
				for b := range boots[k] {
					col[b] = boots[k][b][i]
				}
				met.Lower, met.Upper = interval(name, v, col, tval)
			}
			m.Metrics = append(m.Metrics, met)
			for j, df := range md.dfs {
				switch name {
				case CVName(df):
					m.CV = append(m.CV, models.DilutionPerDF{TargetDF: md.dfs[j], Value: v, Lower: met.Lower, Upper: met.Upper})
				case MeanName(df):
					m.Means = append(m.Means, models.DilutionPerDF{TargetDF: md.dfs[j], Value: v, Lower: met.Lower, Upper: met.Upper})
				}
			}
		}
	}
	a.Comparisons = compare(mds, a.Methods, boots, opt.Level)
	return a, nil
}

// finiteMethod reports whether everything written per replicate sample is
// a finite number (NaN/Inf must never reach an output).
func finiteMethod(m Method) bool {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !ok(m.Beta) {
		return false
	}
	for _, r := range m.ReplicateSamples {
		if !ok(r.MeanConc) || !ok(r.Fitted) || !ok(r.Residual) || !ok(r.Smoothed) || (r.VarConc != nil && !ok(*r.VarConc)) {
			return false
		}
	}
	return true
}

// group splits the prepared observations by method and into replicate
// samples (COMET's rep_dat grouping).
func group(p *prepared) []*methodData {
	var mds []*methodData
	var cur *methodData
	type repKey struct {
		ss, se string
		df, x  float64
	}
	var keys map[repKey]int
	for i, o := range p.obs {
		if cur == nil || cur.name != o.CountingMethod {
			cur = &methodData{name: o.CountingMethod, cellType: o.CellType, concType: o.ConcentrationType}
			keys = map[repKey]int{}
			mds = append(mds, cur)
		}
		k := repKey{o.StockSolution, o.StockExtraction, o.TargetDF, p.x[i]}
		r, ok := keys[k]
		if !ok {
			r = len(cur.repKey)
			keys[k] = r
			cur.repKey = append(cur.repKey, models.DilutionReplicate{StockSolution: o.StockSolution, TargetDF: o.TargetDF, X: p.x[i], StockExtraction: o.StockExtraction})
			cur.repX = append(cur.repX, p.x[i])
			cur.repDF = append(cur.repDF, o.TargetDF)
		}
		cur.obs = append(cur.obs, i)
		cur.conc = append(cur.conc, o.CellConc)
		cur.rep = append(cur.rep, r)
		if !slices.Contains(cur.dfs, o.TargetDF) {
			cur.dfs = append(cur.dfs, o.TargetDF)
		}
	}
	for _, md := range mds {
		slices.Sort(md.dfs)
		md.dfOf = make([]int, len(md.obs))
		for j, i := range md.obs {
			md.dfOf[j] = slices.Index(md.dfs, p.obs[i].TargetDF)
		}
		distinct := map[float64]bool{}
		for _, x := range md.repX {
			distinct[x] = true
		}
		md.degree = min(p.degree, len(distinct)-1)
		md.names = slices.Clone(fitMetricNames)
		for _, df := range md.dfs {
			md.names = append(md.names, CVName(df))
		}
		for _, df := range md.dfs {
			md.names = append(md.names, MeanName(df))
		}
	}
	return mds
}

// resample draws, for every observation slot, the concentration of an
// observation of the same target DF (with replacement).
func (md *methodData) resample(rng *rand.Rand) []float64 {
	pools := make([][]float64, len(md.dfs))
	for j, d := range md.dfOf {
		pools[d] = append(pools[d], md.conc[j])
	}
	out := make([]float64, len(md.conc))
	for j, d := range md.dfOf {
		out[j] = pools[d][rng.IntN(len(pools[d]))]
	}
	return out
}

// compute returns the metric values (in md.names order), the replicate
// table, the smoothing coefficients and β for the concentrations conc.
func (md *methodData) compute(conc []float64) ([]float64, []models.DilutionReplicate, []float64, float64) {
	nr := len(md.repKey)
	reps := slices.Clone(md.repKey)
	sum := make([]float64, nr)
	for j, r := range md.rep {
		reps[r].N++
		sum[r] += conc[j]
	}
	ybar := make([]float64, nr)
	for r := range reps {
		ybar[r] = sum[r] / float64(reps[r].N)
		reps[r].MeanConc = ybar[r]
	}
	ss := make([]float64, nr)
	for j, r := range md.rep {
		d := conc[j] - ybar[r]
		ss[r] += d * d
	}
	variance := make([]float64, nr)
	for r := range reps {
		variance[r] = math.NaN()
		if reps[r].N > 1 {
			variance[r] = ss[r] / float64(reps[r].N-1)
			v := variance[r]
			reps[r].VarConc = &v
		}
	}
	// Proportional fit, weights n/x: β = Σ nȳ / Σ nx.
	var num, den float64
	for r := range reps {
		n := float64(reps[r].N)
		num += n * ybar[r]
		den += n * md.repX[r]
	}
	beta := num / den
	f := make([]float64, nr)
	var mss, rss, sse, ssse, sae, ssae float64
	for r := range reps {
		f[r] = beta * md.repX[r]
		res := ybar[r] - f[r]
		w := float64(reps[r].N) / md.repX[r]
		mss += w * f[r] * f[r]
		rss += w * res * res
		sse += res * res
		ssse += (res / f[r]) * (res / f[r])
		sae += math.Abs(res)
		ssae += math.Abs(res / f[r])
		reps[r].Fitted, reps[r].Residual = f[r], res
	}
	// Smoothing fit: polynomial of degree d with intercept, weights 1/x.
	coef := polyFit(md.repX, ybar, md.degree)
	s := make([]float64, nr)
	for r := range reps {
		s[r] = polyEval(coef, md.repX[r])
		reps[r].Smoothed = s[r]
	}
	var swsf, swff float64
	for r := range reps {
		w := 1 / md.repX[r]
		swsf += w * s[r] * f[r]
		swff += w * f[r] * f[r]
	}
	c := swsf / swff
	var smss, srss, sSSE, sScSSE, sSAE, sScSAE, vsSSE, vsSAE float64
	for r := range reps {
		w := 1 / md.repX[r]
		fit := c * f[r]
		smss += w * fit * fit
		srss += w * (s[r] - fit) * (s[r] - fit)
		e := s[r] - f[r]
		sSSE += e * e
		sScSSE += (e / f[r]) * (e / f[r])
		sSAE += math.Abs(e)
		sScSAE += math.Abs(e / f[r])
		vsSSE += e * e / math.Abs(f[r])
		vsSAE += math.Abs(e) / math.Sqrt(math.Abs(f[r]))
	}
	f1 := f[0]
	vals := []float64{beta, mss / (mss + rss), ssse, sse, ssae, sae, smss / (smss + srss),
		sScSSE, sSSE / (f1 * f1), sScSAE, sSAE / f1, vsSSE, vsSAE}
	// mean CV per target DF: Σ n·sd/(ȳ + 1e-8) / Σ n; a DF with a
	// single-observation replicate sample falls back to SD/mean of its
	// observations (COMET compute_cvs).
	for d := range md.dfs {
		var num, den float64
		fallback := false
		for r := range reps {
			if md.repDF[r] != md.dfs[d] {
				continue
			}
			if reps[r].N < 2 {
				fallback = true
				break
			}
			n := float64(reps[r].N)
			num += n * math.Sqrt(variance[r]) / (ybar[r] + 1e-8)
			den += n
		}
		cv := num / den
		if fallback {
			var ys []float64
			for j, dd := range md.dfOf {
				if dd == d {
					ys = append(ys, conc[j])
				}
			}
			cv = sd(ys) / mean(ys)
		}
		vals = append(vals, cv)
	}
	for d := range md.dfs {
		var ys []float64
		for j, dd := range md.dfOf {
			if dd == d {
				ys = append(ys, conc[j])
			}
		}
		vals = append(vals, mean(ys))
	}
	return vals, reps, coef, beta
}

// polyFit fits y = Σ cₖxᵏ (k = 0…d) by least squares with weights 1/x,
// through a QR decomposition of the weighted design matrix (as R's lm).
func polyFit(x, y []float64, d int) []float64 {
	n := len(x)
	a := mat.NewDense(n, d+1, nil)
	b := mat.NewDense(n, 1, nil)
	for i := range x {
		sw := math.Sqrt(1 / x[i])
		p := 1.0
		for k := 0; k <= d; k++ {
			a.Set(i, k, sw*p)
			p *= x[i]
		}
		b.Set(i, 0, sw*y[i])
	}
	var qr mat.QR
	qr.Factorize(a)
	var c mat.Dense
	if err := qr.SolveTo(&c, false, b); err != nil {
		out := make([]float64, d+1)
		for k := range out {
			out[k] = math.NaN()
		}
		return out
	}
	out := make([]float64, d+1)
	for k := range out {
		out[k] = c.At(k, 0)
	}
	return out
}

func polyEval(c []float64, x float64) float64 {
	v := 0.0
	for k := len(c) - 1; k >= 0; k-- {
		v = v*x + c[k]
	}
	return v
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func sd(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m := mean(x)
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}
