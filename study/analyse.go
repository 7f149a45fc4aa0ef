package study

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/histocount/histocount/stats"
)

// DefaultMetric is the results column analysed when Options.Metric is empty.
const DefaultMetric = "dermis_thickness_mean_um"

// SchemaVersion is the version of study.json.
const SchemaVersion = "1.0.0"

// Group names used when the sheet does not give one.
const (
	GroupAll        = "all"        // the sheet has no group column
	GroupUnassigned = "unassigned" // this row has no group but others do
)

// Options configure Analyse. The zero value analyses the mean dermal
// thickness against month 0 at 95 % confidence.
type Options struct {
	Metric        string  // results column; DefaultMetric when empty
	BaselineMonth float64 // baseline time point; 0 falls back to the earliest month when absent
	Stain         string  // keep only sheet rows with this stain (case-insensitive); "" keeps all
	Side          string  // keep only sheet rows with this side/area (case-insensitive); "" keeps all
	Level         float64 // confidence level of the intervals; 0.95 when 0
	Wilcoxon      stats.WilcoxonOptions
}

// Report is everything `histocount study` computes; it is study.json.
type Report struct {
	SchemaVersion string            `json:"schema_version"`
	Kind          string            `json:"kind"` // "study"
	Metric        string            `json:"metric"`
	BaselineMonth float64           `json:"baseline_month"`
	Level         float64           `json:"ci_level"`
	Stain         string            `json:"stain_filter,omitempty"`
	Side          string            `json:"side_filter,omitempty"`
	ZeroMethod    string            `json:"wilcoxon_zero_method"`
	Months        []float64         `json:"months"` // every month with a used section, ascending
	Images        ImageAccounting   `json:"images"`
	Groups        []GroupReport     `json:"groups"`
	Comparisons   []GroupComparison `json:"group_comparisons,omitempty"`
	Notes         []string          `json:"notes,omitempty"`
}

// ImageAccounting says what happened to every sheet row and result row.
type ImageAccounting struct {
	SheetRows        int            `json:"sheet_rows"`
	FilteredOut      int            `json:"filtered_out"` // sheet rows dropped by the stain/side filters
	Results          int            `json:"results"`
	Matched          int            `json:"matched"`
	Used             int            `json:"used"` // matched, status ok, metric present
	MatchRules       map[string]int `json:"match_rules"`
	NotOK            []ImageIssue   `json:"not_ok,omitempty"`
	MissingMetric    []ImageIssue   `json:"missing_metric,omitempty"`
	UnmatchedSheet   []ImageIssue   `json:"unmatched_sheet,omitempty"`
	UnmatchedResults []ImageIssue   `json:"unmatched_results,omitempty"`
}

// GroupReport is the analysis of one group (or of all subjects).
type GroupReport struct {
	Group           string           `json:"group"`
	Subjects        []SubjectSeries  `json:"subjects"`
	Timepoints      []TimepointStats `json:"timepoints"`
	WithoutBaseline []string         `json:"subjects_without_baseline,omitempty"`
}

// SubjectSeries is one subject's values over time.
type SubjectSeries struct {
	Subject     string         `json:"subject"`
	HasBaseline bool           `json:"has_baseline"`
	Baseline    float64        `json:"baseline_value,omitempty"` // v(s, baseline) when HasBaseline
	Points      []SubjectPoint `json:"points"`
}

// SubjectPoint is one subject at one month.
type SubjectPoint struct {
	Month      float64  `json:"month"`
	Sections   int      `json:"sections"`
	Value      float64  `json:"value"`                 // mean of the sections, metric units
	SectionsSD *float64 `json:"sections_sd,omitempty"` // SD between sections, when ≥ 2
	Change     *float64 `json:"change,omitempty"`      // value − baseline, when the subject has a baseline
	ChangePct  *float64 `json:"change_pct,omitempty"`  // 100·change/baseline
}

// TimepointStats summarises one month of one group.
type TimepointStats struct {
	Month    float64       `json:"month"`
	Subjects int           `json:"subjects"` // subjects with a value at this month
	Sections int           `json:"sections"`
	Value    stats.Summary `json:"value"` // across subjects' means
	// Paired statistics: subjects with both this month and the baseline.
	// Nil at the baseline month itself.
	Paired    int             `json:"paired"`
	Change    *stats.Summary  `json:"change,omitempty"`
	ChangePct *stats.Summary  `json:"change_pct,omitempty"`
	TTest     *stats.TTest    `json:"paired_t_test,omitempty"`
	Wilcoxon  *stats.Wilcoxon `json:"wilcoxon_signed_rank,omitempty"`
}

// GroupComparison compares the percent change of two groups at one month.
// When the groups share subjects (a split-body design: treated and
// untreated areas of the same subject) the comparison is paired over the
// shared subjects; otherwise it is Welch's two-sample t-test.
type GroupComparison struct {
	Month    float64         `json:"month"`
	GroupA   string          `json:"group_a"`
	GroupB   string          `json:"group_b"`
	Design   string          `json:"design"`             // "paired" (shared subjects) or "independent"
	N        int             `json:"n"`                  // pairs, or subjects in A + B
	TTest    *stats.TTest    `json:"t_test,omitempty"`   // of change_pct(A) − change_pct(B)
	Wilcoxon *stats.Wilcoxon `json:"wilcoxon,omitempty"` // signed-rank, paired design only
}

// Analyse matches the sheet to the measurements and computes the study
// statistics; see the package documentation. It fails only when nothing
// can be analysed (ErrNoData, ErrMetric, ErrNoBaseline); everything else is
// counted in Report.Images or explained in Report.Notes.
func Analyse(rows []SheetRow, ms []Measurement, opt Options) (*Report, error) {
	opt, err := checkOptions(opt)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		SchemaVersion: SchemaVersion, Kind: "study", Metric: opt.Metric, Level: opt.Level,
		Stain: opt.Stain, Side: opt.Side, ZeroMethod: opt.Wilcoxon.Zero.String(),
	}
	rep.Images.SheetRows = len(rows)
	rep.Images.Results = len(ms)
	rep.Images.MatchRules = map[string]int{}
	// The steps: filter the sheet, match it to the results, collect the
	// section values per subject and month, pick the baseline, then per
	// group the subjects' series and time points, then group comparisons.
	kept, all, err := matchSheet(rep, rows, ms, opt)
	if err != nil {
		return nil, err
	}
	vals, err := collectValues(rep, kept, all, opt)
	if err != nil {
		return nil, err
	}
	if err := chooseBaseline(rep, vals.months, opt); err != nil {
		return nil, err
	}
	for _, g := range vals.groups() {
		rep.Groups = append(rep.Groups, groupReport(rep, g, vals, opt))
	}
	rep.Comparisons = compareAll(rep.Groups, rep.Months, rep.BaselineMonth, opt)
	return rep, nil
}

// checkOptions fills the defaults of opt and checks it.
func checkOptions(opt Options) (Options, error) {
	if opt.Metric == "" {
		opt.Metric = DefaultMetric
	}
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		return opt, fmt.Errorf("study: %w", stats.ErrLevel)
	}
	if math.IsNaN(opt.BaselineMonth) || opt.BaselineMonth < 0 {
		return opt, fmt.Errorf("study: baseline month %g must be ≥ 0", opt.BaselineMonth)
	}
	return opt, nil
}

// keepRow reports whether a sheet row passes the stain/side filter.
func keepRow(r SheetRow, opt Options) bool {
	return (opt.Stain == "" || strings.EqualFold(r.Stain, opt.Stain)) &&
		(opt.Side == "" || strings.EqualFold(r.Side, opt.Side))
}

// matchSheet filters the sheet and matches every row (filtered-out ones
// too, so that their results do not count as unmatched) to the results;
// it fails when the filter keeps nothing or no result has the metric.
func matchSheet(rep *Report, rows []SheetRow, ms []Measurement, opt Options) ([]SheetRow, Matching, error) {
	var kept []SheetRow
	for _, r := range rows {
		if !keepRow(r, opt) {
			rep.Images.FilteredOut++
			continue
		}
		kept = append(kept, r)
	}
	if len(kept) == 0 && len(rows) > 0 {
		return nil, Matching{}, fmt.Errorf("%w: the stain/side filter (%q/%q) keeps none of %d sheet rows", ErrNoData, opt.Stain, opt.Side, len(rows))
	}
	all := MatchImages(rows, ms)
	rep.Images.UnmatchedResults = all.UnmatchedResults
	for _, u := range all.UnmatchedSheet {
		if keepRow(u.Row, opt) {
			rep.Images.UnmatchedSheet = append(rep.Images.UnmatchedSheet, ImageIssue{Line: u.Row.Line, Image: u.Row.Image, Reason: u.Reason})
		}
	}
	for _, m := range ms {
		if _, ok := m.Metrics[opt.Metric]; ok {
			return kept, all, nil
		}
	}
	return nil, Matching{}, fmt.Errorf("%w: %q (metrics in the results: %s)", ErrMetric, opt.Metric, strings.Join(MetricNames(ms), ", "))
}

// subjectKey is one subject within one group.
type subjectKey struct{ group, subject string }

// sectionValues are the usable section values: (group, subject) → month → values.
type sectionValues struct {
	bySubject map[subjectKey]map[float64][]float64
	months    []float64 // sorted
}

// groups returns the subjects of each group, groups and subjects in
// natural order.
func (v *sectionValues) groups() []groupSubjects {
	byGroup := map[string][]string{}
	for k := range v.bySubject {
		byGroup[k.group] = append(byGroup[k.group], k.subject)
	}
	var out []groupSubjects
	for g, subjects := range byGroup {
		sort.Slice(subjects, func(i, j int) bool { return naturalLess(subjects[i], subjects[j]) })
		out = append(out, groupSubjects{g, subjects})
	}
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i].group, out[j].group) })
	return out
}

type groupSubjects struct {
	group    string
	subjects []string
}

// collectValues takes the metric of every matched, kept, ok section into
// its group, subject and month, counting what it leaves out in rep.
func collectValues(rep *Report, kept []SheetRow, all Matching, opt Options) (*sectionValues, error) {
	groupCol := false
	for _, r := range kept {
		if r.Group != "" {
			groupCol = true
			break
		}
	}
	v := &sectionValues{bySubject: map[subjectKey]map[float64][]float64{}}
	monthSet := map[float64]bool{}
	for _, mi := range all.Matched {
		if !keepRow(mi.Row, opt) {
			continue
		}
		rep.Images.Matched++
		rep.Images.MatchRules[mi.Rule]++
		if !mi.Measurement.OK() {
			rep.Images.NotOK = append(rep.Images.NotOK, ImageIssue{Line: mi.Row.Line, Image: mi.Row.Image, Reason: "status " + mi.Measurement.Status})
			continue
		}
		x, ok := mi.Measurement.Metrics[opt.Metric]
		if !ok {
			rep.Images.MissingMetric = append(rep.Images.MissingMetric, ImageIssue{Line: mi.Row.Line, Image: mi.Row.Image, Reason: "no " + opt.Metric})
			continue
		}
		rep.Images.Used++
		// Group labels are typed by hand: "Treated" and "treated " are one group.
		g := strings.ToLower(strings.TrimSpace(mi.Row.Group))
		switch {
		case !groupCol:
			g = GroupAll
		case g == "":
			g = GroupUnassigned
		}
		k := subjectKey{g, mi.Row.Subject}
		if v.bySubject[k] == nil {
			v.bySubject[k] = map[float64][]float64{}
		}
		v.bySubject[k][mi.Row.Month] = append(v.bySubject[k][mi.Row.Month], x)
		monthSet[mi.Row.Month] = true
	}
	if rep.Images.Used == 0 {
		return nil, fmt.Errorf("%w: %d sheet rows, %d results, %d matched, none ok with %s",
			ErrNoData, len(kept), rep.Images.Results, rep.Images.Matched, opt.Metric)
	}
	for m := range monthSet {
		v.months = append(v.months, m)
	}
	sort.Float64s(v.months)
	return v, nil
}

// chooseBaseline sets rep.Months and rep.BaselineMonth: the month asked
// for, or the earliest when month 0 (the default) was not measured.
func chooseBaseline(rep *Report, months []float64, opt Options) error {
	rep.Months = months
	rep.BaselineMonth = opt.BaselineMonth
	for _, m := range months {
		if m == opt.BaselineMonth {
			return nil
		}
	}
	if opt.BaselineMonth != 0 {
		return fmt.Errorf("%w: month %g (months measured: %s)", ErrNoBaseline, opt.BaselineMonth, formatMonths(months))
	}
	rep.BaselineMonth = months[0]
	rep.Notes = append(rep.Notes, fmt.Sprintf("no sections at month 0: the earliest month, %g, is the baseline", rep.BaselineMonth))
	return nil
}

// subjectSeries is one subject's mean per month and its change from the
// baseline month.
func subjectSeries(rep *Report, g, s string, byMonth map[float64][]float64, opt Options) SubjectSeries {
	series := SubjectSeries{Subject: s}
	if vals := byMonth[rep.BaselineMonth]; len(vals) > 0 {
		series.Baseline = stats.Mean(vals)
		// A baseline so close to 0 that 100/baseline overflows (5e-324)
		// gives no percent change, rather than ±Inf in study.json.
		series.HasBaseline = series.Baseline > 0 && !math.IsInf(100/series.Baseline, 0)
		if !series.HasBaseline {
			rep.Notes = append(rep.Notes, fmt.Sprintf("group %s subject %s: baseline %s is %g, not > 0: no change computed", g, s, opt.Metric, series.Baseline))
			series.Baseline = 0
		}
	}
	for _, m := range rep.Months {
		vals := byMonth[m]
		if len(vals) == 0 {
			continue
		}
		p := SubjectPoint{Month: m, Sections: len(vals), Value: stats.Mean(vals)}
		if len(vals) >= 2 {
			sd := stats.SD(vals)
			p.SectionsSD = &sd
		}
		if series.HasBaseline {
			ch := p.Value - series.Baseline
			pct := stats.PercentChange(series.Baseline, p.Value)
			p.Change, p.ChangePct = &ch, &pct
		}
		series.Points = append(series.Points, p)
	}
	return series
}

// groupReport is one group's subject series and per-month statistics.
func groupReport(rep *Report, gs groupSubjects, v *sectionValues, opt Options) GroupReport {
	g := gs.group
	gr := GroupReport{Group: g}
	for _, s := range gs.subjects {
		series := subjectSeries(rep, g, s, v.bySubject[subjectKey{g, s}], opt)
		if !series.HasBaseline {
			gr.WithoutBaseline = append(gr.WithoutBaseline, s)
		}
		gr.Subjects = append(gr.Subjects, series)
	}
	for _, m := range rep.Months {
		tp, notes := timepoint(gr.Subjects, m, rep.BaselineMonth, opt)
		if tp.Subjects == 0 {
			continue
		}
		for _, n := range notes {
			rep.Notes = append(rep.Notes, fmt.Sprintf("group %s month %g: %s", g, m, n))
		}
		gr.Timepoints = append(gr.Timepoints, tp)
	}
	if len(gr.WithoutBaseline) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("group %s: %d subject(s) without a baseline are excluded from change statistics: %s",
			g, len(gr.WithoutBaseline), strings.Join(gr.WithoutBaseline, ", ")))
	}
	return gr
}

// compareAll compares every pair of groups at every month after the
// baseline.
func compareAll(groups []GroupReport, months []float64, baseline float64, opt Options) []GroupComparison {
	var out []GroupComparison
	for i := 0; i < len(groups); i++ {
		for j := i + 1; j < len(groups); j++ {
			for _, m := range months {
				if m == baseline {
					continue
				}
				if c, ok := compareGroups(groups[i], groups[j], m, opt); ok {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// changesAt returns subject → percent change at month m.
func changesAt(g GroupReport, m float64) map[string]float64 {
	out := map[string]float64{}
	for _, s := range g.Subjects {
		for _, p := range s.Points {
			if p.Month == m && p.ChangePct != nil {
				out[s.Subject] = *p.ChangePct
			}
		}
	}
	return out
}

// compareGroups compares the percent change of groups a and b at month m;
// false when either group has no change there.
func compareGroups(a, b GroupReport, m float64, opt Options) (GroupComparison, bool) {
	ca, cb := changesAt(a, m), changesAt(b, m)
	if len(ca) == 0 || len(cb) == 0 {
		return GroupComparison{}, false
	}
	c := GroupComparison{Month: m, GroupA: a.Group, GroupB: b.Group}
	var xa, xb []float64
	for _, s := range sortedKeys(ca) {
		if v, shared := cb[s]; shared {
			xa, xb = append(xa, ca[s]), append(xb, v)
		}
	}
	if len(xa) > 0 {
		c.Design, c.N = "paired", len(xa)
		if t, err := stats.PairedTTest(xa, xb, opt.Level); err == nil {
			c.TTest = &t
		}
		if w, err := stats.WilcoxonSignedRank(xa, xb, opt.Wilcoxon); err == nil {
			c.Wilcoxon = &w
		}
		return c, true
	}
	xa, xb = values(ca), values(cb)
	c.Design, c.N = "independent", len(xa)+len(xb)
	if t, err := stats.WelchTTest(xa, xb, opt.Level); err == nil {
		c.TTest = &t
	}
	return c, true
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return naturalLess(keys[i], keys[j]) })
	return keys
}

func values(m map[string]float64) []float64 {
	var out []float64
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// timepoint computes the statistics of month m over the subjects' series.
func timepoint(subjects []SubjectSeries, m, baseline float64, opt Options) (TimepointStats, []string) {
	tp := TimepointStats{Month: m}
	var values, after, before, change, pct []float64
	for _, s := range subjects {
		for _, p := range s.Points {
			if p.Month != m {
				continue
			}
			tp.Subjects++
			tp.Sections += p.Sections
			values = append(values, p.Value)
			if s.HasBaseline && m != baseline {
				after = append(after, p.Value)
				before = append(before, s.Baseline)
				change = append(change, *p.Change)
				pct = append(pct, *p.ChangePct)
			}
		}
	}
	tp.Value = stats.Describe(values, opt.Level)
	if m == baseline {
		return tp, nil
	}
	tp.Paired = len(after)
	if tp.Paired == 0 {
		return tp, []string{"no subject with a baseline"}
	}
	var notes []string
	c, cp := stats.Describe(change, opt.Level), stats.Describe(pct, opt.Level)
	tp.Change, tp.ChangePct = &c, &cp
	if t, err := stats.PairedTTest(after, before, opt.Level); err == nil {
		tp.TTest = &t
	} else {
		notes = append(notes, err.Error())
	}
	if w, err := stats.WilcoxonSignedRank(after, before, opt.Wilcoxon); err == nil {
		tp.Wilcoxon = &w
	} else {
		notes = append(notes, err.Error())
	}
	return tp, notes
}

func formatMonths(ms []float64) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = fmt.Sprint(m)
	}
	return strings.Join(s, ", ")
}

// naturalLess orders "S2" before "S10": digit runs compare as numbers;
// names equal that way ("S1", "S01") fall back to byte order.
func naturalLess(a, b string) bool {
	if lessDigitsAsNumbers(a, b) {
		return true
	}
	if lessDigitsAsNumbers(b, a) {
		return false
	}
	return a < b
}

func lessDigitsAsNumbers(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na := strings.TrimLeft(a[:da], "0")
			nb := strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
