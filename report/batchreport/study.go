package batchreport

import (
	"fmt"
	"strconv"

	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
	"github.com/histocount/histocount/study"
)

// StudyPage builds the report of `histocount study`: per group and time
// point the mean, the change from baseline with its interval and the
// paired tests, the change figure (SVG from the study itself), the
// subjects, and the sheet rows that could not be used.
func StudyPage(r *study.Report, figureSVG []byte) htmlreport.Page {
	p := htmlreport.Page{Title: "Study: change of " + r.Metric + " from baseline", Subtitle: "histocount study"}
	im := r.Images
	p.Meta = []htmlreport.KV{{Key: "metric", Value: r.Metric}, {Key: "baseline", Value: "month " + strconv.FormatFloat(r.BaselineMonth, 'g', -1, 64)},
		{Key: "sheet rows", Value: strconv.Itoa(im.SheetRows)}, {Key: "used", Value: strconv.Itoa(im.Used)},
		{Key: "intervals", Value: human.Fixed(100*r.Level, 0) + " %"}}
	pv := func(v float64) string {
		if v < 0.001 {
			return "< 0.001"
		}
		return human.Sig(v, 2)
	}
	tt := htmlreport.Table{Header: []string{"group", "month", "subjects", "mean ± SD", "change (mean, CI)", "paired t p", "Wilcoxon p"},
		Right: []bool{false, true, true, true, true, true, true}}
	for _, g := range r.Groups {
		for _, tp := range g.Timepoints {
			row := []string{g.Group, strconv.FormatFloat(tp.Month, 'g', -1, 64), strconv.Itoa(tp.Subjects),
				human.Sig(tp.Value.Mean, 3) + " ± " + human.Sig(tp.Value.SD, 2), "baseline", "", ""}
			if c := tp.ChangePct; c != nil {
				row[4] = fmt.Sprintf("%s %% (%s – %s)", human.Fixed(c.Mean, 1), human.Fixed(c.CILow, 1), human.Fixed(c.CIHigh, 1))
			}
			if tp.TTest != nil {
				row[5] = pv(tp.TTest.P)
			}
			if tp.Wilcoxon != nil {
				row[6] = pv(tp.Wilcoxon.P)
			}
			tt.Rows = append(tt.Rows, row)
		}
	}
	sec := htmlreport.Section{ID: "timepoints", Heading: "Per time point", Tables: []htmlreport.Table{tt}}
	if len(figureSVG) > 0 {
		sec.Figures = []htmlreport.Figure{{SVG: figureSVG, Caption: "Relative change from baseline, mean with its confidence interval per group."}}
	}
	p.Sections = append(p.Sections, sec)
	st := htmlreport.Table{Header: []string{"group", "subject", "month", "sections", "value", "change"}, Right: []bool{false, false, true, true, true, true}}
	for _, g := range r.Groups {
		for _, s := range g.Subjects {
			for _, pt := range s.Points {
				ch := ""
				if pt.ChangePct != nil {
					ch = human.Fixed(*pt.ChangePct, 1) + " %"
				}
				st.Rows = append(st.Rows, []string{g.Group, s.Subject, strconv.FormatFloat(pt.Month, 'g', -1, 64), strconv.Itoa(pt.Sections), human.Sig(pt.Value, 4), ch})
				st.Flag = append(st.Flag, !s.HasBaseline)
			}
		}
	}
	p.Sections = append(p.Sections, htmlreport.Section{ID: "subjects", Heading: "Subjects", Tables: []htmlreport.Table{st},
		Notes: []string{"Highlighted: subjects without a baseline (not in the paired statistics)."}})
	it := htmlreport.Table{Header: []string{"line", "image", "why not used"}, Right: []bool{true, false, false}}
	for _, group := range [][]study.ImageIssue{im.NotOK, im.MissingMetric, im.UnmatchedSheet} {
		for _, is := range group {
			it.Rows = append(it.Rows, []string{strconv.Itoa(is.Line), is.Image, is.Reason})
			it.Flag = append(it.Flag, true)
		}
	}
	is := htmlreport.Section{ID: "issues", Heading: "Sheet rows not used", Notes: r.Notes}
	if len(it.Rows) == 0 {
		is.Lead = []string{"Every sheet row was used."}
	} else {
		is.Tables = []htmlreport.Table{it}
	}
	p.Sections = append(p.Sections, is)
	p.Footer = "histocount study · schema " + r.SchemaVersion + " · study.json holds every number"
	return p
}
