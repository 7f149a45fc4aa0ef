package batchreport

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// DermisRun is the results.json of `histocount dermis`.
type DermisRun struct {
	SchemaVersion string                 `json:"schema_version"`
	Kind          string                 `json:"kind"`
	Provenance    models.Provenance      `json:"provenance"`
	Images        []models.DermisSection `json:"images"`
	Summary       models.RunSummary      `json:"summary"`
}

// DermisPage builds the report of a dermis run: thickness per section
// (mean ± SD, n) with a bar chart, QC, overlays and provenance.
func DermisPage(run DermisRun, overlay Overlay) htmlreport.Page {
	p := htmlreport.Page{Title: "Skin-section layers", Subtitle: "histocount dermis"}
	s := run.Summary
	p.Meta = []htmlreport.KV{{Key: "sections", Value: strconv.Itoa(s.Inputs)}, {Key: "analysed", Value: strconv.Itoa(s.OK)},
		{Key: "failed", Value: strconv.Itoa(s.Failed)}, {Key: "flagged", Value: strconv.Itoa(s.Flagged)}}
	t := htmlreport.Table{Header: []string{"section", "status", "stain", "epidermis", "dermis", "fibre", "nuclei/mm²", "QC / error"},
		Right: []bool{false, false, false, true, true, true, true, false}}
	items := make([]galleryItem, len(run.Images))
	var names []string
	var v, lo, hi []float64
	unit := ""
	for i, d := range run.Images {
		th := func(l models.LayerThickness) string {
			if l.N == 0 {
				return "–"
			}
			u := map[string]string{"um": "µm", "px": "px"}[l.Unit]
			return human.Sig(l.Mean, 3) + " ± " + human.Sig(l.SD, 2) + " " + u + " (n " + strconv.Itoa(l.N) + ")"
		}
		what := strings.Join(d.QC, ", ")
		if d.Status != models.StatusOK {
			what = d.Error
		}
		flagged := d.Status != models.StatusOK || len(models.Doubtful(d.QC)) > 0
		dermis := th(d.Dermis)
		if d.DermisLowerBound && d.Dermis.N > 0 {
			dermis = "≥ " + dermis
		}
		nuc := "–"
		if d.NucleiPerMM2 > 0 {
			nuc = human.Sig(d.NucleiPerMM2, 3)
		}
		t.Rows = append(t.Rows, []string{base(d.Image), d.Status, d.Stain, th(d.Epidermis), dermis, human.Pct(d.FibreAreaPct), nuc, what})
		t.Flag = append(t.Flag, flagged)
		items[i] = galleryItem{caption: base(d.Image), flagged: flagged}
		if d.Status == models.StatusOK && d.Dermis.N > 0 && (unit == "" || unit == d.Dermis.Unit) {
			unit = d.Dermis.Unit
			names = append(names, base(d.Image))
			v, lo, hi = append(v, d.Dermis.Mean), append(lo, d.Dermis.Mean-d.Dermis.SD), append(hi, d.Dermis.Mean+d.Dermis.SD)
		}
	}
	sec := htmlreport.Section{ID: "sections", Heading: "Thickness per section", Tables: []htmlreport.Table{t},
		Lead: []string{"Thickness is measured along the surface's normal every interval; mean ± SD over the measurements. ≥ marks a dermis that ran off the section (a lower bound)."}}
	if len(names) > 0 && len(names) <= 40 {
		if svg := barsCI("Dermal thickness", fmt.Sprintf("dermis (%s), mean ± SD", map[string]string{"um": "µm", "px": "px"}[unit]), names, v, lo, hi); svg != nil {
			sec.Figures = []htmlreport.Figure{{SVG: svg, Caption: "Mean dermal thickness per section, bars ± 1 SD of its measurements."}}
		}
	}
	p.Sections = append(p.Sections, sec)
	if g, ok := gallery(items, overlay, "Click a picture for the full-size overlay (surface, junction, dermis/hypodermis boundary and the measurement lines); flagged sections are framed."); ok {
		p.Sections = append(p.Sections, g)
	}
	p.Sections = append(p.Sections, provenanceSection(run.Provenance))
	p.Footer = "histocount " + run.Provenance.Version + " · schema " + run.SchemaVersion
	return p
}
