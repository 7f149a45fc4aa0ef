package batchreport

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// ColoniesPage builds the report of a colonies run: CFE per sample with
// its exact 95 % interval, the dishes, QC, overlays and provenance.
func ColoniesPage(run models.ColoniesRun, overlay Overlay) htmlreport.Page {
	p := htmlreport.Page{Title: "Colony counts and colony-forming efficiency", Subtitle: "histocount colonies"}
	s := run.Summary
	p.Meta = []htmlreport.KV{{Key: "dishes", Value: strconv.Itoa(s.Inputs)}, {Key: "analysed", Value: strconv.Itoa(s.OK)},
		{Key: "failed", Value: strconv.Itoa(s.Failed)}, {Key: "flagged", Value: strconv.Itoa(s.Flagged)}, {Key: "samples", Value: strconv.Itoa(len(run.Samples))}}
	if len(run.Samples) > 0 {
		st := htmlreport.Table{Header: []string{"sample", "dishes", "colonies", "cells seeded", "CFE (95 % CI)", "mean ± SD of dishes", "QC"},
			Right: []bool{false, true, true, true, true, true, false}}
		var names []string
		var v, lo, hi []float64
		for _, sm := range run.Samples {
			dishes := strconv.Itoa(sm.Images)
			if sm.FailedImages > 0 {
				dishes += fmt.Sprintf(" (+%d not used)", sm.FailedImages)
			}
			st.Rows = append(st.Rows, []string{sm.Sample, dishes, human.Int(int64(sm.Colonies)), human.Sci(sm.CellsSeeded, 3),
				human.Pct(sm.CFEPct) + " (" + human.Fixed(sm.CFECILowPct, 1) + " – " + human.Fixed(sm.CFECIHighPct, 1) + ")",
				human.Fixed(sm.MeanCFEPct, 1) + " ± " + human.Fixed(sm.SDCFEPct, 1) + " %", strings.Join(sm.QC, ", ")})
			st.Flag = append(st.Flag, sm.FailedImages > 0 || len(models.Doubtful(sm.QC)) > 0)
			names = append(names, sm.Sample)
			v, lo, hi = append(v, sm.CFEPct), append(lo, sm.CFECILowPct), append(hi, sm.CFECIHighPct)
		}
		sec := htmlreport.Section{ID: "samples", Heading: "Colony-forming efficiency per sample", Tables: []htmlreport.Table{st}}
		if svg := barsCI("CFE per sample", "CFE (%)", names, v, lo, hi); svg != nil {
			sec.Figures = []htmlreport.Figure{{SVG: svg, Caption: "Pooled CFE per sample with its exact Poisson 95 % interval."}}
		}
		p.Sections = append(p.Sections, sec)
	}
	dt := htmlreport.Table{Header: []string{"dish", "sample", "status", "colonies", "rejected", "covered", "CFE", "QC / error"},
		Right: []bool{false, false, false, true, true, true, true, false}}
	items := make([]galleryItem, len(run.Images))
	for i, im := range run.Images {
		cfe := "–"
		if im.CellsSeeded > 0 {
			cfe = human.Pct(im.CFEPct)
		}
		what := strings.Join(im.QC, ", ")
		if im.Status != models.StatusOK {
			what = im.Error
		}
		flagged := im.Status != models.StatusOK || len(models.Doubtful(im.QC)) > 0
		dt.Rows = append(dt.Rows, []string{base(im.Image), im.Sample, im.Status, strconv.Itoa(im.Colonies), strconv.Itoa(im.RejectedClusters),
			human.Pct(im.CoveredAreaPct), cfe, what})
		dt.Flag = append(dt.Flag, flagged)
		items[i] = galleryItem{caption: fmt.Sprintf("%s — %d colonies", base(im.Image), im.Colonies), flagged: flagged}
	}
	p.Sections = append(p.Sections, htmlreport.Section{ID: "dishes", Heading: "Dishes", Tables: []htmlreport.Table{dt}})
	size, inten := map[string]plotter.Values{}, map[string]plotter.Values{}
	unit := "px"
	for _, im := range run.Images {
		if im.Calibration.Known() {
			unit = "µm"
		}
	}
	for _, im := range run.Images {
		for _, o := range im.Objects {
			d := o.EquivDiameterPx
			if unit == "µm" {
				d = o.EquivDiameterUM
			}
			if d > 0 && !math.IsInf(d, 0) {
				size[o.Class] = append(size[o.Class], d)
			}
			if o.MeanIntensity > 0 && !math.IsInf(o.MeanIntensity, 0) {
				inten[o.Class] = append(inten[o.Class], o.MeanIntensity)
			}
		}
	}
	var hs htmlreport.Section
	hs.ID, hs.Heading = "objects", "Colonies and rejected objects"
	if svg := histogramOf(size, "size", unit); svg != nil {
		hs.Figures = append(hs.Figures, htmlreport.Figure{SVG: svg, Caption: "Equivalent diameter of counted colonies and of rejected abortive clusters and debris."})
	}
	if svg := histogramOf(inten, "intensity", unit); svg != nil {
		hs.Figures = append(hs.Figures, htmlreport.Figure{SVG: svg, Caption: "Mean grey level inside each object."})
	}
	if len(hs.Figures) > 0 {
		p.Sections = append(p.Sections, hs)
	}
	if g, ok := gallery(items, overlay, "Click a picture for the full-size overlay (counted colonies green and numbered, rejected clusters red, dish yellow); flagged dishes are framed."); ok {
		p.Sections = append(p.Sections, g)
	}
	p.Sections = append(p.Sections, provenanceSection(run.Provenance))
	p.Footer = "histocount " + run.Provenance.Version + " · schema " + run.SchemaVersion
	return p
}

// barsCI draws one bar per name with its interval [lo, hi].
func barsCI(title, unit string, names []string, v, lo, hi []float64) []byte {
	n := len(names)
	if n == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = title, unit
	vals := make(plotter.Values, n)
	var xys plotter.XYs
	var errs plotter.YErrors
	for i := range names {
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			continue
		}
		vals[i] = v[i]
		xys = append(xys, plotter.XY{X: float64(i), Y: v[i]})
		errs = append(errs, struct{ Low, High float64 }{v[i] - lo[i], hi[i] - v[i]})
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(math.Min(40, 300/float64(n))))
	if err != nil {
		return nil
	}
	bars.Color = color.RGBA{R: 0x4c, G: 0x8b, B: 0xc4, A: 0xff}
	bars.LineStyle.Width = 0
	p.Add(plotter.NewGrid(), bars)
	if len(xys) > 0 {
		p.Add(&plotter.YErrorBars{XYs: xys, YErrors: errs, LineStyle: draw.LineStyle{Color: color.Black, Width: vg.Points(1)}, CapWidth: vg.Points(6)})
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.7, float64(n)-0.3
	p.Y.Min = 0
	return svgOf(p, 16, 8)
}
