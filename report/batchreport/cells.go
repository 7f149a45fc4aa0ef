// Package batchreport lays out the report.html that the batch commands
// write with --report (cells, colonies, dermis), from their results.json:
// the per-sample summary with confidence intervals (table and bar chart),
// QC flags and failures highlighted, a gallery of the overlays linked to
// their full-size files, histograms of object size and intensity, and
// provenance. Everything is embedded (htmlreport); the overlays it links
// to sit beside the report.
package batchreport

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
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

// MaxGallery caps the thumbnails embedded (flagged images first), so that
// a batch of thousands still gives a report a browser opens quickly.
const MaxGallery = 120

// Overlay gives, for image i, its overlay's path relative to the report
// ("" when none) and a thumbnail PNG (nil when none).
type Overlay func(i int) (href string, thumb []byte)

// Page builds the report of a cells run.
func Page(run models.CellsRun, overlay Overlay) htmlreport.Page {
	p := htmlreport.Page{Title: "Cell counts — " + stainName(run), Subtitle: "histocount cells · " + run.Finished}
	s := run.Summary
	p.Meta = []htmlreport.KV{{Key: "images", Value: strconv.Itoa(s.Inputs)}, {Key: "analysed", Value: strconv.Itoa(s.OK)},
		{Key: "failed", Value: strconv.Itoa(s.Failed)}, {Key: "flagged", Value: strconv.Itoa(s.Flagged)}, {Key: "samples", Value: strconv.Itoa(len(run.Samples))}}
	calibrated := false
	for _, sm := range run.Samples {
		if sm.VolumeUL > 0 {
			calibrated = true
		}
	}
	// Per-sample summary.
	st := htmlreport.Table{Right: []bool{false, true, true, true, true, true, true, false, false}}
	st.Header = []string{"sample", "fields", "live", "dead", "viability (95 % CI)", "viable cells/ml (95 % CI)", "total cells/ml", "release", "QC"}
	for _, sm := range run.Samples {
		viable, total := "–", "–"
		if sm.VolumeUL > 0 {
			viable = human.PerML(sm.ViablePerML) + " (" + human.Range(sm.ViablePerMLCILow, sm.ViablePerMLCIHigh, 3) + ")"
			total = human.PerML(sm.TotalPerML)
		}
		fields := strconv.Itoa(sm.Images)
		if sm.FailedImages > 0 {
			fields += fmt.Sprintf(" (+%d failed)", sm.FailedImages)
		}
		st.Rows = append(st.Rows, []string{sm.Sample, fields, human.Int(int64(sm.Live)), human.Int(int64(sm.Dead)),
			human.Pct(sm.ViabilityPct) + " (" + human.Fixed(sm.ViabilityCILowPct, 1) + " – " + human.Fixed(sm.ViabilityCIHighPct, 1) + ")",
			viable, total, sm.Release, strings.Join(sm.QC, ", ")})
		st.Flag = append(st.Flag, sm.FailedImages > 0 || len(models.Doubtful(sm.QC)) > 0 || sm.Release == "fail")
	}
	sec := htmlreport.Section{ID: "samples", Heading: "Samples", Tables: []htmlreport.Table{st}}
	if !calibrated && run.Kind == "cells" && len(run.Samples) > 0 {
		sec.Lead = []string{"No pixel size: concentrations are unknown (rerun with --pixel-size or calibrated images)."}
	}
	if svg := sampleBars(run, calibrated); svg != nil {
		sec.Figures = append(sec.Figures, htmlreport.Figure{SVG: svg, Caption: "Per sample, with 95 % confidence intervals (" +
			map[bool]string{true: "exact Poisson on the live count; dashed: release threshold", false: "Wilson"}[calibrated] + ")."})
	}
	p.Sections = append(p.Sections, sec)

	// QC and failures.
	qt := htmlreport.Table{Header: []string{"image", "sample", "status", "QC flags / error"}}
	for _, im := range run.Images {
		doubtful := models.Doubtful(im.QC)
		if im.Status != models.StatusOK || len(doubtful) > 0 {
			what := strings.Join(doubtful, ", ")
			if im.Status != models.StatusOK {
				what = im.Error
			}
			qt.Rows = append(qt.Rows, []string{im.Image, im.Sample, im.Status, what})
			qt.Flag = append(qt.Flag, true)
		}
	}
	qs := htmlreport.Section{ID: "qc", Heading: "QC flags and failures"}
	if len(qt.Rows) == 0 {
		qs.Lead = []string{"Every image was analysed without a doubtful QC flag."}
	} else {
		qs.Tables = []htmlreport.Table{qt}
	}
	p.Sections = append(p.Sections, qs)

	// Histograms.
	var hs htmlreport.Section
	hs.ID, hs.Heading = "objects", "Objects"
	if svg := histogram(run, "size"); svg != nil {
		hs.Figures = append(hs.Figures, htmlreport.Figure{SVG: svg, Caption: "Equivalent diameter of every counted object, by class."})
	}
	if svg := histogram(run, "intensity"); svg != nil {
		hs.Figures = append(hs.Figures, htmlreport.Figure{SVG: svg, Caption: "Mean grey level inside every counted object, by class."})
	}
	if len(hs.Figures) > 0 {
		p.Sections = append(p.Sections, hs)
	}

	items := make([]galleryItem, len(run.Images))
	for i, im := range run.Images {
		items[i] = galleryItem{caption: fmt.Sprintf("%s — %d live, %d dead", base(im.Image), im.Live, im.Dead),
			flagged: im.Status != models.StatusOK || len(models.Doubtful(im.QC)) > 0}
	}
	if g, ok := gallery(items, overlay, "Click a picture for the full-size overlay (live green, dead magenta, nuclei yellow); flagged images are framed."); ok {
		p.Sections = append(p.Sections, g)
	}
	p.Sections = append(p.Sections, provenanceSection(run.Provenance, htmlreport.KV{Key: "chamber", Value: fmt.Sprintf("depth %g µm, dilution %g, trypan ratio %g, release threshold %s", run.Chamber.DepthUM, run.Chamber.Dilution, run.Chamber.TrypanRatio, human.PerML(run.Chamber.MinViablePML))}))
	p.Footer = "histocount " + run.Provenance.Version + " · schema " + run.SchemaVersion
	return p
}

type galleryItem struct {
	caption string
	flagged bool
}

// gallery embeds the overlays' thumbnails, flagged images first, up to
// MaxGallery.
func gallery(items []galleryItem, overlay Overlay, lead string) (htmlreport.Section, bool) {
	g := htmlreport.Section{ID: "gallery", Heading: "Overlays"}
	if overlay == nil {
		return g, false
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return items[idx[a]].flagged && !items[idx[b]].flagged })
	for _, i := range idx {
		if len(g.Gallery) >= MaxGallery {
			g.Notes = []string{fmt.Sprintf("%d more overlays in overlays/.", len(items)-MaxGallery)}
			break
		}
		href, th := overlay(i)
		if th == nil {
			continue
		}
		g.Gallery = append(g.Gallery, htmlreport.Thumb{Caption: items[i].caption, PNG: th, Href: href, Flag: items[i].flagged})
	}
	if len(g.Gallery) == 0 {
		return g, false
	}
	g.Lead = []string{lead}
	return g, true
}

// provenanceSection lists what produced the results.
func provenanceSection(pv models.Provenance, extra ...htmlreport.KV) htmlreport.Section {
	keys := make([]string, 0, len(pv.Parameters))
	for k := range pv.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var params []string
	for _, k := range keys {
		if v := pv.Parameters[k]; v != "" {
			if x, err := strconv.ParseFloat(v, 64); err == nil && math.Abs(x) >= 1e5 {
				v = human.Sci(x, 3)
			}
			params = append(params, k+"="+v)
		}
	}
	kvs := []htmlreport.KV{
		{Key: "histocount", Value: strings.TrimSpace(pv.Version + " " + pv.Commit)},
		{Key: "OpenCV / Go", Value: pv.OpenCVVersion + " / " + pv.GoVersion},
		{Key: "host", Value: pv.Host}, {Key: "started", Value: pv.Started},
		{Key: "parameters", Value: strings.Join(params, ", ")},
	}
	return htmlreport.Section{ID: "provenance", Heading: "Provenance", KVs: append(kvs, extra...),
		Notes: []string{"Machine-readable: the CSV tables and results.json beside this report."}}
}

func stainName(run models.CellsRun) string {
	for _, im := range run.Images {
		if im.Stain == "fluorescence" {
			return "fluorescent nuclei"
		}
	}
	return "trypan-blue viability"
}

func base(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// sampleBars draws viable cells/ml (or viability when uncalibrated) per
// sample with its 95 % interval.
func sampleBars(run models.CellsRun, calibrated bool) []byte {
	n := len(run.Samples)
	if n == 0 {
		return nil
	}
	p := plot.New()
	vals := make(plotter.Values, n)
	var errs plotter.YErrors
	var xys plotter.XYs
	scale, unit := 1.0, "%"
	if calibrated {
		maxV := 0.0
		for _, s := range run.Samples {
			maxV = math.Max(maxV, s.ViablePerMLCIHigh)
		}
		k := math.Floor(math.Log10(math.Max(maxV, 1)))
		scale = math.Pow(10, k)
		unit = "10" + sup(int(k)) + " /ml"
		p.Title.Text = "Viable cells per ml"
	} else {
		p.Title.Text = "Viability"
	}
	p.Y.Label.Text = unit
	names := make([]string, n)
	for i, s := range run.Samples {
		names[i] = s.Sample
		v, lo, hi := s.ViabilityPct, s.ViabilityCILowPct, s.ViabilityCIHighPct
		if calibrated {
			v, lo, hi = s.ViablePerML, s.ViablePerMLCILow, s.ViablePerMLCIHigh
		}
		vals[i] = v / scale
		xys = append(xys, plotter.XY{X: float64(i), Y: v / scale})
		errs = append(errs, struct{ Low, High float64 }{(v - lo) / scale, (hi - v) / scale})
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(math.Min(40, 300/float64(n))))
	if err != nil {
		return nil
	}
	bars.Color = color.RGBA{R: 0x4c, G: 0x8b, B: 0xc4, A: 0xff}
	bars.LineStyle.Width = 0
	eb := &plotter.YErrorBars{XYs: xys, YErrors: errs, LineStyle: draw.LineStyle{Color: color.Black, Width: vg.Points(1)}, CapWidth: vg.Points(6)}
	p.Add(plotter.NewGrid(), bars, eb)
	if calibrated && run.Chamber.MinViablePML > 0 {
		th := plotter.NewFunction(func(float64) float64 { return run.Chamber.MinViablePML / scale })
		th.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		th.Color = color.RGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff}
		p.Add(th)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.7, float64(n)-0.3
	p.Y.Min = 0
	return svgOf(p, 16, 8)
}

// histogram of object equivalent diameter (µm when calibrated, else px)
// or mean intensity, one series per class.
func histogram(run models.CellsRun, what string) []byte {
	byClass := map[string]plotter.Values{}
	unit := "px"
	for _, im := range run.Images {
		if im.Calibration.Known() {
			unit = "µm"
		}
	}
	for _, im := range run.Images {
		for _, o := range im.Objects {
			v := o.MeanIntensity
			if what == "size" {
				v = o.EquivDiameterPx
				if unit == "µm" {
					v = o.EquivDiameterUM
				}
			}
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > 0 {
				byClass[o.Class] = append(byClass[o.Class], v)
			}
		}
	}
	return histogramOf(byClass, what, unit)
}

// histogramOf draws one histogram series per object class.
func histogramOf(byClass map[string]plotter.Values, what, unit string) []byte {
	if len(byClass) == 0 {
		return nil
	}
	p := plot.New()
	if what == "size" {
		p.Title.Text, p.X.Label.Text = "Object size", "equivalent diameter ("+unit+")"
	} else {
		p.Title.Text, p.X.Label.Text = "Object intensity", "mean grey level (0–255)"
	}
	p.Y.Label.Text = "objects"
	colours := map[string]color.Color{models.ClassLive: color.RGBA{G: 0xa0, A: 0xff}, models.ClassDead: color.RGBA{R: 0xc0, B: 0xc0, A: 0xff},
		models.ClassNucleus: color.RGBA{R: 0xc8, G: 0xa0, A: 0xff}, models.ColonyCounted: color.RGBA{G: 0xa0, A: 0xff},
		models.ColonyAbortive: color.RGBA{R: 0xd0, A: 0xff}, models.ColonyDebris: color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		h, err := plotter.NewHist(byClass[c], 30)
		if err != nil {
			continue
		}
		if col, ok := colours[c]; ok {
			h.FillColor = fadeColour(col)
			h.LineStyle.Color = col
		}
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s (%d)", c, len(byClass[c])), h)
	}
	p.Legend.Top = true
	return svgOf(p, 16, 7)
}

func fadeColour(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x70}
}

func svgOf(p *plot.Plot, wCM, hCM float64) []byte {
	// Report-sized type, and ticks as people write them (25, 0.5 — not 25.00).
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Y.Tick.Marker = plainTicks{}
	if _, nominal := p.X.Tick.Marker.(plot.ConstantTicks); !nominal {
		p.X.Tick.Marker = plainTicks{}
	}
	wt, err := p.WriterTo(vg.Length(wCM)*vg.Centimeter, vg.Length(hCM)*vg.Centimeter, "svg")
	if err != nil {
		return nil
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil
	}
	return b.Bytes()
}

func sup(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	d := []rune(digits)
	var b strings.Builder
	for _, r := range strconv.Itoa(n) {
		if r == '-' {
			b.WriteRune('⁻')
			continue
		}
		b.WriteRune(d[r-'0'])
	}
	return b.String()
}

// plainTicks are gonum's default ticks labelled without padded zeros or
// binary noise.
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(ts[i].Value, 'g', 10, 64), 64)
			ts[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ts
}
