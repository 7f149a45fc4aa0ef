package passport

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/histocount/histocount/growth"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/figure"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// Skin passport file names, in the donor's folder.
const (
	SkinJSONFile = "skin_passport.json"
	SkinHTMLFile = "skin_passport.html"
	SkinPDFFile  = "skin_passport.pdf"
)

// SkinFiles renders a skin passport as JSON, HTML and PDF in memory.
func SkinFiles(b *Built) ([]report.File, error) {
	return render(b, SkinPage(b), SkinJSONFile, SkinHTMLFile, SkinPDFFile)
}

// SkinPage lays out a skin passport: subject, what it is (no decision),
// the measurements on the reference with a figure, growth, completeness,
// QC, images, provenance and signatures.
func SkinPage(b *Built) htmlreport.Page {
	p := b.Passport
	sk := p.Skin
	pg := htmlreport.Page{Title: title(p), Subtitle: "histocount passport " + p.SchemaVersion + " · kind " + p.Kind}
	meta := []htmlreport.KV{{Key: "donor", Value: p.Subject.Donor}}
	if sk != nil && sk.AgeYears != nil {
		meta = append(meta, htmlreport.KV{Key: "age", Value: strconv.FormatFloat(*sk.AgeYears, 'f', -1, 64) + " y"})
	}
	for _, kv := range []htmlreport.KV{{Key: "operator", Value: p.Subject.Operator}, {Key: "date", Value: p.Subject.Date},
		{Key: "issued", Value: strings.Replace(strings.TrimSuffix(p.Issued, "Z"), "T", " ", 1) + " UTC"}} {
		if kv.Value != "" {
			meta = append(meta, kv)
		}
	}
	pg.Meta = meta
	missing := len(p.Decision.Reasons)
	banner := &htmlreport.Banner{Text: "MEASUREMENTS REPORTED", OK: missing == 0, Sub: "every measure present"}
	if missing > 0 {
		banner.Sub = strings.Join(p.Decision.Reasons, "; ")
	}
	pg.Sections = append(pg.Sections, htmlreport.Section{ID: "decision", Heading: "What this passport is", Banner: banner,
		Lead: []string{p.Decision.Rule}})
	if sk != nil {
		pg.Sections = append(pg.Sections, skinMeasuresSection(sk))
		if sk.Growth != nil {
			pg.Sections = append(pg.Sections, skinGrowthSection(p.Subject.Donor, sk.Growth))
		}
	}
	ct := htmlreport.Table{Header: []string{"measure", "source", "measured", "status"}}
	for _, c := range p.Decision.Checks {
		st := "present"
		if c.Result != Pass {
			st = "missing"
		}
		ct.Rows = append(ct.Rows, []string{c.Name, c.Requirement, c.Measured, st})
		ct.Flag = append(ct.Flag, c.Result != Pass)
	}
	pg.Sections = append(pg.Sections, htmlreport.Section{ID: "checks", Heading: "Completeness", Tables: []htmlreport.Table{ct}})
	pg.Sections = append(pg.Sections, qcSection(p.QC, "(donor)"))
	it := htmlreport.Table{Header: []string{"image", "status", "count", "sha256"}, Right: []bool{false, false, true, false}}
	for _, im := range p.Images {
		it.Rows = append(it.Rows, []string{shortName(im.Image), im.Status, strconv.Itoa(im.Live + im.Dead), im.SHA256})
		it.Flag = append(it.Flag, im.Status != models.StatusOK || len(models.Doubtful(im.QC)) > 0)
	}
	is := htmlreport.Section{ID: "images", Heading: "Images", Tables: []htmlreport.Table{it},
		Notes: []string{"count: colonies per dish (CFE), nuclei per field (proliferation) or cells per field (viability)."}}
	if len(p.Images) == 0 {
		is = htmlreport.Section{ID: "images", Heading: "Images", Lead: []string{"No images."}}
	}
	pg.Sections = append(pg.Sections, is)
	pv := p.Provenance
	ref := ""
	if sk != nil {
		ref = sk.Reference.Name + " — " + sk.Reference.Source
		if sk.Reference.SHA256 != "" {
			ref += " (sha256 " + sk.Reference.SHA256 + ")"
		}
	}
	pg.Sections = append(pg.Sections, htmlreport.Section{ID: "provenance", Heading: "Provenance", KVs: []htmlreport.KV{
		{Key: "histocount", Value: strings.TrimSpace(pv.Version + " " + pv.Commit)},
		{Key: "OpenCV / Go", Value: strings.Trim(pv.OpenCVVersion+" / "+pv.GoVersion, " /")},
		{Key: "results", Value: pv.Results},
		{Key: "donor sheet", Value: pv.Sheet + " (sha256 " + pv.SheetSHA256 + ")"},
		{Key: "reference", Value: ref},
		{Key: "analysis parameters", Value: params(pv.Analysis)},
	}})
	var sign []string
	for _, sg := range p.Signatures {
		sign = append(sign, strings.ToUpper(sg.Role[:1])+sg.Role[1:]+" by (name, signature, date)")
	}
	pg.Sections = append(pg.Sections, htmlreport.Section{ID: "signatures", Heading: "Signatures", Sign: sign})
	pg.Footer = "Skin passport " + p.ID + " · schema " + p.SchemaVersion + " (histocount schema passport) · " + p.Issued
	return pg
}

type namedMeasure struct {
	name, unit string
	m          *models.SkinMeasure
}

func skinMeasures(sk *models.SkinPassport) []namedMeasure {
	var out []namedMeasure
	for _, nm := range []namedMeasure{{"colony-forming efficiency", "%", sk.CFEPct}, {"proliferating fraction", "%", sk.ProliferatingPct},
		{"viability", "%", sk.ViabilityPct}, {"doubling time", "h", sk.DoublingTimeH}} {
		if nm.m != nil {
			out = append(out, nm)
		}
	}
	return out
}

func skinMeasuresSection(sk *models.SkinPassport) htmlreport.Section {
	t := htmlreport.Table{Header: []string{"measure", "value (95 % CI)", "reference", "z", "percentile", "position", "basis"},
		Right: []bool{false, true, false, true, true, false, false}}
	for _, nm := range skinMeasures(sk) {
		ref, z, pct, pos := "none in the reference file", "", "", ""
		if r := nm.m.Reference; r != nil {
			switch r.Kind {
			case "normal":
				ref = fmt.Sprintf("%s ± %s %s (mean ± SD), %s", human.Fixed(*r.Mean, 1), human.Fixed(*r.SD, 1), nm.unit, r.Population)
			case "range":
				ref = fmt.Sprintf("%s – %s %s, %s", human.Fixed(*r.Low, 1), human.Fixed(*r.High, 1), nm.unit, r.Population)
			}
			if r.Note != "" {
				ref += " (" + r.Note + ")"
			}
			if r.Z != nil {
				z = strconv.FormatFloat(*r.Z, 'f', 2, 64)
			}
			if r.Percentile != nil {
				pct = strconv.FormatFloat(*r.Percentile, 'f', 1, 64)
			}
			pos = r.Position
		}
		t.Rows = append(t.Rows, []string{nm.name, fmtEstimate(nm.m.Estimate, nm.unit, 1), ref, z, pct, pos, nm.m.Basis})
		t.Flag = append(t.Flag, nm.m.Reference != nil && nm.m.Reference.Position != "within")
	}
	sec := htmlreport.Section{ID: "measurements", Heading: "Measurements on the population reference", Tables: []htmlreport.Table{t},
		Notes: []string{"Normal references: z = (value − mean) ÷ SD, percentile = 100·Φ(z), within = inside mean ± 2 SD. Range references: within, below or above the range. A flagged row lies outside; it is a measurement, not a prediction."}}
	if png, err := skinReferenceFigure(sk); err == nil {
		sec.Figures = []htmlreport.Figure{{Caption: "Each measure (dot, with its 95 % CI as a bar) on its reference: the population's normal curve (shaded ±2 SD) or its range (shaded).",
			PNG: png, Alt: "donor measurements on the population reference"}}
	}
	return sec
}

func skinGrowthSection(donor string, g *models.SkinGrowth) htmlreport.Section {
	t := htmlreport.Table{Header: []string{"passage", "seeded", "harvested", "days", "PD", "doubling time (h)", "cumulative PD", "flags"},
		Right: []bool{true, true, true, true, true, true, true, false}}
	d := growth.Donor{Donor: donor}
	for _, r := range g.Passages {
		dt := ""
		if r.DoublingTimeH > 0 {
			dt = human.Fixed(r.DoublingTimeH, 1)
		}
		fl := strings.Join(r.Flags, ", ")
		if r.Problem != "" {
			fl = "left out: " + r.Problem
			t.Rows = append(t.Rows, []string{strconv.Itoa(r.Passage), fmtNum(r.Seeded), fmtNum(r.Harvested), human.Sig(r.Days, 3), "", "", "", fl})
		} else {
			t.Rows = append(t.Rows, []string{strconv.Itoa(r.Passage), fmtNum(r.Seeded), fmtNum(r.Harvested), human.Sig(r.Days, 3),
				human.Fixed(r.PD, 2), dt, human.Fixed(r.CumulativePD, 2), fl})
		}
		t.Flag = append(t.Flag, r.Problem != "" || len(r.Flags) > 0)
		d.Passages = append(d.Passages, growth.Row{Passage: r.Passage, PD: r.PD, CumulativePD: r.CumulativePD, Problem: r.Problem,
			CumulativeDays: 0, Days: r.Days})
	}
	// cumulative days for the figure
	cum := 0.0
	for i := range d.Passages {
		if d.Passages[i].Problem == "" {
			cum += d.Passages[i].Days
			d.Passages[i].CumulativeDays = cum
		}
	}
	sec := htmlreport.Section{ID: "growth", Heading: "Growth", Tables: []htmlreport.Table{t}, KVs: []htmlreport.KV{
		{Key: "cumulative population doublings", Value: human.Fixed(g.CumulativePD, 2) + " in " + human.Sig(g.TotalDays, 3) + " days (" + strconv.Itoa(g.ValidPassages) + " passages)"},
	}, Notes: []string{"PD = log2(harvested ÷ seeded); doubling time = days × 24 ÷ PD; assumes every seeded cell attached (PD is a lower bound)."}}
	if g.MeanDoublingTimeH > 0 {
		sec.KVs = append(sec.KVs, htmlreport.KV{Key: "mean doubling time", Value: human.Fixed(g.MeanDoublingTimeH, 1) + " h"})
	}
	if png, err := growth.Figure([]growth.Donor{d}, "png"); err == nil {
		sec.Figures = []htmlreport.Figure{{Caption: "Cumulative population doublings against days in culture.", PNG: png, Alt: "growth curve"}}
	}
	return sec
}

// skinReferenceFigure draws one small panel per measure that has a
// reference: the reference (normal density, ±2 SD shaded; or the range
// shaded) and the donor's value with its CI.
func skinReferenceFigure(sk *models.SkinPassport) ([]byte, error) {
	var rows []namedMeasure
	for _, nm := range skinMeasures(sk) {
		if nm.m.Reference != nil {
			rows = append(rows, nm)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no measure on a reference")
	}
	var plots [][]*plot.Plot
	shade := color.NRGBA{R: 160, G: 190, B: 230, A: 140}
	for _, nm := range rows {
		r, m := nm.m.Reference, nm.m
		p := plot.New()
		p.Title.Text = nm.name
		p.X.Label.Text = nm.unit
		p.Y.Tick.Marker = plot.ConstantTicks(nil)
		lo, hi := m.Value, m.Value
		if m.CILow != nil && m.CIHigh != nil {
			lo, hi = math.Min(lo, *m.CILow), math.Max(hi, *m.CIHigh)
		}
		top := 1.0
		switch r.Kind {
		case "normal":
			mu, sd := *r.Mean, *r.SD
			lo, hi = math.Min(lo, mu-3.5*sd), math.Max(hi, mu+3.5*sd)
			f := plotter.NewFunction(func(x float64) float64 { return distuv.Normal{Mu: mu, Sigma: sd}.Prob(x) })
			f.Samples = 200
			f.XMin, f.XMax = lo, hi
			top = distuv.Normal{Mu: mu, Sigma: sd}.Prob(mu) * 1.1
			band := plotter.XYs{{X: mu - 2*sd, Y: 0}, {X: mu - 2*sd, Y: top}, {X: mu + 2*sd, Y: top}, {X: mu + 2*sd, Y: 0}}
			if poly, err := plotter.NewPolygon(band); err == nil {
				poly.Color, poly.LineStyle.Width = shade, 0
				p.Add(poly)
			}
			p.Add(f)
		case "range":
			span := *r.High - *r.Low
			lo, hi = math.Min(lo, *r.Low-0.3*span), math.Max(hi, *r.High+0.3*span)
			band := plotter.XYs{{X: *r.Low, Y: 0}, {X: *r.Low, Y: top}, {X: *r.High, Y: top}, {X: *r.High, Y: 0}}
			if poly, err := plotter.NewPolygon(band); err == nil {
				poly.Color, poly.LineStyle.Width = shade, 0
				p.Add(poly)
			}
		}
		y := top * 0.5
		if m.CILow != nil && m.CIHigh != nil {
			if l, err := plotter.NewLine(plotter.XYs{{X: *m.CILow, Y: y}, {X: *m.CIHigh, Y: y}}); err == nil {
				l.Width = vg.Points(2.5)
				l.Color = color.RGBA{R: 200, A: 255}
				p.Add(l)
			}
		}
		if s, err := plotter.NewScatter(plotter.XYs{{X: m.Value, Y: y}}); err == nil {
			s.Color = color.RGBA{R: 200, A: 255}
			s.Radius = vg.Points(4)
			p.Add(s)
		}
		if vl, err := plotter.NewLine(plotter.XYs{{X: m.Value, Y: 0}, {X: m.Value, Y: top}}); err == nil {
			vl.Color = color.RGBA{R: 200, A: 255}
			vl.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
			p.Add(vl)
		}
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = 0, top
		plots = append(plots, []*plot.Plot{p})
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(8)}
	return figure.Render("png", 16*vg.Centimeter, vg.Length(len(rows))*4.2*vg.Centimeter, func(dc draw.Canvas) {
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			plots[i][0].Draw(canvases[i][0])
		}
	})
}
