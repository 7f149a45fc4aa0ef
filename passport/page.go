package passport

import (
	"math"
	"strconv"
	"strings"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// Page lays a passport out for reading: title and subject, the decision,
// the kind's measurements, the checks with the rule, QC, images, provenance
// and signature lines. The HTML and the PDF are both rendered from it.
func Page(b *Built) htmlreport.Page {
	p := b.Passport
	pg := htmlreport.Page{Title: title(p), Subtitle: "histocount passport " + p.SchemaVersion + " · kind " + p.Kind}
	s := p.Subject
	for _, kv := range []htmlreport.KV{{Key: "batch", Value: s.BatchID}, {Key: "donor", Value: s.Donor}, {Key: "product", Value: s.Product},
		{Key: "operator", Value: s.Operator}, {Key: "date", Value: s.Date}, {Key: "issued", Value: strings.Replace(strings.TrimSuffix(p.Issued, "Z"), "T", " ", 1) + " UTC"}} {
		if kv.Value != "" {
			pg.Meta = append(pg.Meta, kv)
		}
	}
	dec := htmlreport.Section{ID: "decision", Heading: "Release decision"}
	if p.Decision.Status == models.Released {
		dec.Banner = &htmlreport.Banner{Text: "RELEASED", OK: true, Sub: "every check passed"}
	} else {
		dec.Banner = &htmlreport.Banner{Text: "NOT RELEASED", Sub: strings.Join(p.Decision.Reasons, "; ")}
	}
	pg.Sections = append(pg.Sections, dec)
	if p.Dose != nil {
		pg.Sections = append(pg.Sections, doseSection(p.Dose))
	}
	ct := htmlreport.Table{Header: []string{"check", "requirement", "measured", "result"}}
	for _, c := range p.Decision.Checks {
		ct.Rows = append(ct.Rows, []string{c.Name, c.Requirement, c.Measured, c.Result})
		ct.Flag = append(ct.Flag, c.Result != Pass)
	}
	pg.Sections = append(pg.Sections, htmlreport.Section{ID: "checks", Heading: "Acceptance checks", Tables: []htmlreport.Table{ct},
		Notes: []string{"Rule: " + p.Decision.Rule}})
	pg.Sections = append(pg.Sections, qcSection(p.QC, "(batch)"))
	it := htmlreport.Table{Header: []string{"image", "status", "live", "dead", "sha256"}, Right: []bool{false, false, true, true, false}}
	is := htmlreport.Section{ID: "images", Heading: "Images"}
	dir := commonDir(p.Images)
	if dir != "" {
		is.Lead = []string{"Folder: " + dir}
	}
	for _, im := range p.Images {
		it.Rows = append(it.Rows, []string{strings.TrimPrefix(im.Image, dir), im.Status, strconv.Itoa(im.Live), strconv.Itoa(im.Dead), im.SHA256})
		it.Flag = append(it.Flag, im.Status != models.StatusOK || len(models.Doubtful(im.QC)) > 0)
		if th := b.Thumbnails[im.Image]; th != nil {
			is.Gallery = append(is.Gallery, htmlreport.Thumb{Caption: shortName(im.Image), PNG: th, Href: im.Overlay,
				Flag: im.Status != models.StatusOK || len(models.Doubtful(im.QC)) > 0})
		}
	}
	is.Tables = []htmlreport.Table{it}
	pg.Sections = append(pg.Sections, is)
	pv := p.Provenance
	prov := htmlreport.Section{ID: "provenance", Heading: "Provenance", KVs: []htmlreport.KV{
		{Key: "histocount", Value: strings.TrimSpace(pv.Version + " " + pv.Commit)},
		{Key: "OpenCV / Go", Value: strings.Trim(pv.OpenCVVersion+" / "+pv.GoVersion, " /")},
		{Key: "results", Value: pv.Results + " (sha256 " + pv.ResultsSHA256 + ")"},
		{Key: "sheet", Value: pv.Sheet + " (sha256 " + pv.SheetSHA256 + ")"},
		{Key: "counting parameters", Value: params(pv.Analysis)},
	}}
	pg.Sections = append(pg.Sections, prov)
	var sign []string
	for _, sg := range p.Signatures {
		sign = append(sign, strings.ToUpper(sg.Role[:1])+sg.Role[1:]+" by (name, signature, date)")
	}
	pg.Sections = append(pg.Sections, htmlreport.Section{ID: "signatures", Heading: "Signatures", Sign: sign})
	pg.Footer = "Passport " + p.ID + " · " + p.Kind + " · schema " + p.SchemaVersion + " (histocount schema passport) · " + p.Issued
	return pg
}

func title(p models.Passport) string {
	switch p.Kind {
	case models.PassportDose:
		return "Dose passport — batch " + p.ID
	case models.PassportSkin:
		return "Skin passport — donor " + p.ID
	}
	return "Passport " + p.ID
}

func doseSection(d *models.DosePassport) htmlreport.Section {
	ci := func(e *models.Estimate, f func(lo, hi float64) string) string {
		if e == nil || e.CILow == nil || e.CIHigh == nil {
			return ""
		}
		return " (95 % CI " + f(*e.CILow, *e.CIHigh) + ")"
	}
	conc := func(lo, hi float64) string { return human.Range(lo, hi, 3) + " /ml" }
	cells := func(lo, hi float64) string { return human.Range(lo, hi, 3) }
	ml := func(lo, hi float64) string { return human.Sig(lo, 3) + " – " + human.Sig(hi, 3) + " ml" }
	unknown := "unknown — no concentration"
	kv := []htmlreport.KV{}
	if d.ViablePerML != nil {
		kv = append(kv, htmlreport.KV{Key: "viable cells", Value: human.PerML(d.ViablePerML.Value) + ci(d.ViablePerML, conc)})
		kv = append(kv, htmlreport.KV{Key: "total cells", Value: human.PerML(d.TotalPerML.Value) + ci(d.TotalPerML, conc)})
	} else {
		kv = append(kv, htmlreport.KV{Key: "viable cells", Value: unknown, Flag: true})
	}
	v := d.ViabilityPct
	vs := human.Pct(v.Value)
	if v.CILow != nil && v.CIHigh != nil {
		vs += " (95 % CI " + human.Fixed(*v.CILow, 1) + " – " + human.Pct(*v.CIHigh) + ")"
	}
	kv = append(kv, htmlreport.KV{Key: "viability", Value: vs})
	kv = append(kv, htmlreport.KV{Key: "container", Value: human.Sig(d.ContainerVolumeML, 3) + " ml"})
	if d.TotalViableCells != nil {
		kv = append(kv, htmlreport.KV{Key: "viable cells in the container", Value: human.Sci(d.TotalViableCells.Value, 3) + ci(d.TotalViableCells, cells)})
	}
	kv = append(kv, htmlreport.KV{Key: "prescribed dose", Value: human.Sci(d.PrescribedViableCells, 3) + " viable cells"})
	if d.DrawVolumeML != nil {
		kv = append(kv, htmlreport.KV{Key: "volume to draw for the dose", Value: human.Sig(d.DrawVolumeML.Value, 3) + " ml" + ci(d.DrawVolumeML, ml),
			Flag: d.DrawVolumeML.Value > d.ContainerVolumeML})
	} else {
		kv = append(kv, htmlreport.KV{Key: "volume to draw for the dose", Value: unknown, Flag: true})
	}
	counted := human.Int(int64(d.Live)) + " live, " + human.Int(int64(d.Dead)) + " dead in " + strconv.Itoa(d.Images) + " fields"
	if d.ImagedVolumeUL > 0 {
		counted += " (" + human.Sig(d.ImagedVolumeUL, 3) + " µl imaged)"
	}
	kv = append(kv, htmlreport.KV{Key: "counted", Value: counted})
	ch := d.Chamber
	kv = append(kv, htmlreport.KV{Key: "chamber", Value: "depth " + human.Sig(ch.DepthUM, 3) + " µm, dilution " + strconv.FormatFloat(ch.Dilution, 'g', -1, 64) +
		", trypan ratio " + strconv.FormatFloat(ch.TrypanRatio, 'g', -1, 64)})
	return htmlreport.Section{ID: "measurements", Heading: "Measurements", KVs: kv}
}

// commonDir is the folder (ending in /) all images share, "" if none.
func commonDir(ims []models.PassportImage) string {
	if len(ims) == 0 {
		return ""
	}
	dir := ims[0].Image
	if i := strings.LastIndexAny(dir, `/\`); i >= 0 {
		dir = dir[:i+1]
	} else {
		return ""
	}
	for _, im := range ims[1:] {
		for dir != "" && !strings.HasPrefix(im.Image, dir) {
			d := strings.TrimRight(dir, `/\`)
			if i := strings.LastIndexAny(d, `/\`); i >= 0 {
				dir = d[:i+1]
			} else {
				dir = ""
			}
		}
	}
	return dir
}

func shortName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func params(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != "" && v != "0" {
			keys = append(keys, k)
		}
	}
	sortStrings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		if x, err := strconv.ParseFloat(v, 64); err == nil && math.Abs(x) >= 1e5 {
			v = human.Sci(x, 3) // 1e+06 reads as 1.00 × 10⁶
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ", ")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// qcSection lists a passport's QC flags, flagging the ones that are not
// informational; whole names a flag that concerns no single image.
func qcSection(qc []models.PassportQC, whole string) htmlreport.Section {
	qs := htmlreport.Section{ID: "qc", Heading: "QC flags"}
	if len(qc) == 0 {
		qs.Lead = []string{"No QC flags."}
		return qs
	}
	qt := htmlreport.Table{Header: []string{"image", "flag", "meaning"}}
	for _, q := range qc {
		where := q.Image
		if where == "" {
			where = whole
		}
		qt.Rows = append(qt.Rows, []string{shortName(where), q.Flag, q.Meaning})
		qt.Flag = append(qt.Flag, !models.Informational(q.Flag))
	}
	qs.Tables = []htmlreport.Table{qt}
	return qs
}
