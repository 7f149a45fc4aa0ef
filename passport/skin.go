package passport

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/histocount/histocount/growth"
	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/internal/csvsheet"
	"github.com/histocount/histocount/models"
)

// SkinDonor is one row of the donor sheet of the skin passport.
type SkinDonor struct {
	Line                int
	Donor               string
	AgeYears            *float64
	CFESample           string // colonies sample (plate-map sample or donor); default the donor id
	ProliferationSample string // cells sample of the two-channel run; default the donor id
	ViabilitySample     string // cells sample of the trypan run; default the donor id
	GrowthDonor         string // donor in the passage sheet; default the donor id
	Operator, Date      string
}

// DonorSheetColumns documents the donor sheet.
const DonorSheetColumns = "donor (required); age; cfe_sample, proliferation_sample, viability_sample, growth_donor (default: the donor id); operator, date"

// ReadDonorSheet reads the donor sheet, one donor per row; every problem
// is reported with its line and nothing is returned unless all rows are
// good.
func ReadDonorSheet(r io.Reader) ([]SkinDonor, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	sh, err := csvsheet.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSheet, err)
	}
	if !sh.Has("donor", "donor_id") {
		return nil, fmt.Errorf("%w: line 1: missing column donor (columns: %s)", ErrSheet, DonorSheetColumns)
	}
	var out []SkinDonor
	var problems []string
	seen := map[string]int{}
	for i, rec := range sh.Rows {
		line := sh.Line(i)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		d := SkinDonor{Line: line, Donor: sh.Get(rec, "donor", "donor_id"), Operator: sh.Get(rec, "operator"), Date: sh.Get(rec, "date")}
		switch {
		case d.Donor == "":
			problems = append(problems, fmt.Sprintf("line %d: empty donor", line))
		case strings.ContainsAny(d.Donor, `/\`) || d.Donor == "." || d.Donor == "..":
			problems = append(problems, fmt.Sprintf("line %d: donor %q must not contain / or \\ (it names the output folder)", line, d.Donor))
		default:
			if prev, dup := seen[d.Donor]; dup {
				problems = append(problems, fmt.Sprintf("line %d: donor %q already on line %d", line, d.Donor, prev))
			}
		}
		seen[d.Donor] = line
		if s := sh.Get(rec, "age", "age_years"); s != "" {
			v, ok := sh.Number(s)
			if !ok || v < 0 || v > 130 {
				problems = append(problems, fmt.Sprintf("line %d: age %q must be a number 0..130", line, s))
			} else {
				d.AgeYears = &v
			}
		}
		or := func(v string) string {
			if v == "" {
				return d.Donor
			}
			return v
		}
		d.CFESample = or(sh.Get(rec, "cfe_sample", "colonies_sample"))
		d.ProliferationSample = or(sh.Get(rec, "proliferation_sample"))
		d.ViabilitySample = or(sh.Get(rec, "viability_sample"))
		d.GrowthDonor = or(sh.Get(rec, "growth_donor"))
		out = append(out, d)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrSheet, strings.Join(problems, "; "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no donors (columns: %s)", ErrSheet, DonorSheetColumns)
	}
	return out, nil
}

// SkinInputs are the results a skin passport joins; any may be nil.
type SkinInputs struct {
	Colonies      *models.ColoniesRun
	Proliferation *cellsrun.Run // two-channel `cells` run (--marker-image/--marker-channel)
	Viability     *cellsrun.Run // trypan `cells` run
	Growth        []growth.Donor
	Reference     *Reference
	ReferenceID   models.SkinReferenceID
}

// QC flags of the skin passport (donor level).
const (
	SkinNoCFE           = "no_cfe"
	SkinCFENoSeeding    = "cfe_no_seeding"
	SkinNoProliferation = "no_proliferation"
	SkinNoMarker        = "no_marker"
	SkinNoViability     = "no_viability"
	SkinNoGrowth        = "no_growth_data"
)

var skinQCMeaning = map[string]string{
	SkinNoCFE:             "no colony-forming efficiency: the donor's sample is not in the colonies results (or none were given)",
	SkinCFENoSeeding:      "colonies were counted but no cells seeded are known (plate map): no CFE",
	SkinNoProliferation:   "no proliferating fraction: the donor's sample is not in the two-channel cells results (or none were given)",
	SkinNoMarker:          "the donor's cells were counted without a proliferation marker (run cells with --marker-image or --marker-channel)",
	SkinNoViability:       "no viability: the donor's sample is not in the trypan cells results (or none were given)",
	SkinNoGrowth:          "no growth: the donor is not in the passage sheet (or none was given)",
	growth.FlagNoGrowth:   "a passage did not grow (harvested ≤ seeded): no doubling time for it",
	growth.FlagPassageGap: "a passage is missing or its row was unusable: cumulative doublings leave it out",
	"few_colonies":        "fewer than 10 colonies pooled: the CFE interval is wide",
	"low_count":           "fewer than 100 cells counted: the interval is wide",
}

func skinMeaning(flag string) string {
	if m, ok := skinQCMeaning[flag]; ok {
		return m
	}
	return qcMeaning(flag)
}

// Skin builds the skin passport of donor d. It never fails for missing
// data: a measure whose data are absent is left out and flagged.
func Skin(d SkinDonor, in SkinInputs, src Sources, issued string) (*Built, error) {
	p := models.Passport{SchemaVersion: models.PassportSchemaVersion, Kind: models.PassportSkin, ID: d.Donor, Issued: issued,
		Subject: models.PassportSubject{Donor: d.Donor, Operator: d.Operator, Date: d.Date},
		QC:      []models.PassportQC{}, Images: []models.PassportImage{},
		Signatures: []models.PassportSign{{Role: "prepared"}, {Role: "reviewed"}}}
	p.Provenance = models.PassportProvenance{Provenance: src.Provenance, Results: src.Results, ResultsSHA256: src.ResultsSHA256,
		Sheet: src.Sheet, SheetSHA256: src.SheetSHA256, Analysis: map[string]string{}}
	sk := &models.SkinPassport{AgeYears: d.AgeYears, Reference: in.ReferenceID}
	b := &Built{Thumbnails: map[string][]byte{}}
	flag := func(image, f string) {
		p.QC = append(p.QC, models.PassportQC{Image: image, Flag: f, Meaning: skinMeaning(f)})
	}
	var checks []models.PassportCheck
	check := func(name, req string, m *models.SkinMeasure, unit string, dec int) {
		c := models.PassportCheck{Name: name, Requirement: req, Result: "unknown", Measured: "not measured"}
		if m != nil {
			c.Result, c.Measured = Pass, fmtEstimate(m.Estimate, unit, dec)
		}
		checks = append(checks, c)
	}

	// CFE from the colonies run's pooled sample (Σcolonies ÷ Σseeded).
	if cs := findCFE(in.Colonies, d.CFESample); cs == nil {
		flag("", SkinNoCFE)
	} else if !(cs.CellsSeeded > 0) {
		flag("", SkinCFENoSeeding)
	} else {
		m := &models.SkinMeasure{Estimate: estimate(cs.CFEPct, cs.CFECILowPct, cs.CFECIHighPct),
			Basis: fmt.Sprintf("%d colonies from %s cells seeded in %d dish(es), sample %s (exact Poisson 95 %% CI)", cs.Colonies, fmtNum(cs.CellsSeeded), cs.Images, cs.Sample)}
		m.Reference = in.Reference.Place(MeasureCFE, m.Value)
		sk.CFEPct = m
		for _, q := range cs.QC {
			flag("", q)
		}
		for _, im := range in.Colonies.Images {
			if im.Sample == cs.Sample {
				p.Images = append(p.Images, models.PassportImage{Image: im.Image, SHA256: im.Input.SHA256, Status: im.Status, Live: im.Colonies, QC: im.QC})
			}
		}
		addParams(p.Provenance.Analysis, "colonies", in.Colonies.Provenance.Parameters)
	}
	check("colony-forming efficiency", "measured (colonies results with a plate map)", sk.CFEPct, "%", 1)

	// Proliferating fraction from the two-channel cells run.
	if s := findCellsSample(in.Proliferation, d.ProliferationSample); s == nil {
		flag("", SkinNoProliferation)
	} else if s.Marker == nil || s.Marker.Nuclei == 0 {
		flag("", SkinNoMarker)
	} else {
		mk := s.Marker
		m := &models.SkinMeasure{Estimate: estimate(mk.PositivePct, mk.CILowPct, mk.CIHighPct),
			Basis: fmt.Sprintf("%d of %d nuclei marker-positive in %d field(s), sample %s (Wilson 95 %% CI)", mk.Positive, mk.Nuclei, s.Images, s.Sample)}
		m.Reference = in.Reference.Place(MeasureProliferating, m.Value)
		sk.ProliferatingPct = m
		addRunImages(&p, in.Proliferation, s.Sample, flag)
		addParams(p.Provenance.Analysis, "proliferation", in.Proliferation.Provenance.Parameters)
	}
	check("proliferating fraction", "measured (cells with a proliferation marker)", sk.ProliferatingPct, "%", 1)

	// Viability from the trypan cells run (Wilson).
	if s := findCellsSample(in.Viability, d.ViabilitySample); s == nil || s.Total == 0 {
		flag("", SkinNoViability)
	} else {
		m := &models.SkinMeasure{Estimate: estimate(s.ViabilityPct, s.ViabilityCILowPct, s.ViabilityCIHighPct),
			Basis: fmt.Sprintf("%d live of %d cells in %d field(s), sample %s (Wilson 95 %% CI)", s.Live, s.Total, s.Images, s.Sample)}
		m.Reference = in.Reference.Place(MeasureViability, m.Value)
		sk.ViabilityPct = m
		if s.Total < LowCount {
			flag("", "low_count")
		}
		addRunImages(&p, in.Viability, s.Sample, flag)
		addParams(p.Provenance.Analysis, "viability", in.Viability.Provenance.Parameters)
	}
	check("viability", "measured (trypan-blue cells)", sk.ViabilityPct, "%", 1)

	// Growth from the passage sheet.
	var gd *growth.Donor
	for i := range in.Growth {
		if in.Growth[i].Donor == d.GrowthDonor {
			gd = &in.Growth[i]
		}
	}
	if gd == nil || gd.ValidPassages == 0 {
		flag("", SkinNoGrowth)
	} else {
		g := &models.SkinGrowth{ValidPassages: gd.ValidPassages, CumulativePD: gd.CumulativePD, TotalDays: gd.TotalDays,
			MeanDoublingTimeH: gd.MeanDTH, Flags: gd.Flags}
		for _, r := range gd.Passages {
			g.Passages = append(g.Passages, models.SkinPassage{Passage: r.Passage, Seeded: r.Seeded, Harvested: r.Harvested, Days: r.Days,
				PD: r.PD, DoublingTimeH: r.DoublingTimeH, CumulativePD: r.CumulativePD, Flags: r.Flags, Problem: r.Problem})
		}
		sk.Growth = g
		if gd.MeanDTH > 0 {
			m := &models.SkinMeasure{Estimate: models.Estimate{Value: gd.MeanDTH},
				Basis: fmt.Sprintf("Σ days·24 ÷ Σ population doublings over %d passage(s), %.2f cumulative PD (no CI)", gd.ValidPassages, gd.CumulativePD)}
			m.Reference = in.Reference.Place(MeasureDoublingTime, m.Value)
			sk.DoublingTimeH = m
		}
		for _, f := range gd.Flags {
			flag("", f)
		}
	}
	check("growth", "measured (passage sheet)", sk.DoublingTimeH, "h", 1)

	p.Skin = sk
	p.Decision = models.PassportDecision{Status: models.Reported, Checks: checks,
		Rule: "The skin passport reports the donor's measurements with their 95 % intervals and where they fall on the lab's reference (" + in.ReferenceID.Name + "); it releases nothing and makes no clinical prediction."}
	for _, c := range checks {
		if c.Result != Pass {
			p.Decision.Reasons = append(p.Decision.Reasons, c.Name+" not measured")
		}
	}
	b.Passport = p
	return b, nil
}

func findCFE(run *models.ColoniesRun, sample string) *models.CFESample {
	if run == nil {
		return nil
	}
	for i := range run.Samples {
		if run.Samples[i].Sample == sample {
			return &run.Samples[i]
		}
	}
	return nil
}

func findCellsSample(run *cellsrun.Run, sample string) *models.CellsSample {
	if run == nil {
		return nil
	}
	for i := range run.Samples {
		if run.Samples[i].Sample == sample {
			return &run.Samples[i]
		}
	}
	return nil
}

func addRunImages(p *models.Passport, run *cellsrun.Run, sample string, flag func(image, f string)) {
	for _, im := range run.Images {
		if im.Sample != sample {
			continue
		}
		p.Images = append(p.Images, models.PassportImage{Image: im.Image, SHA256: im.Input.SHA256, Status: im.Status, Live: im.Live, Dead: im.Dead, QC: im.QC})
		if im.Status != models.StatusOK {
			p.QC = append(p.QC, models.PassportQC{Image: im.Image, Flag: "analysis_failed", Meaning: "not analysed: " + im.Error})
		}
		for _, f := range im.QC {
			flag(im.Image, f)
		}
	}
}

func addParams(dst map[string]string, prefix string, src map[string]string) {
	for k, v := range src {
		dst[prefix+"."+k] = v
	}
}

// estimate builds an Estimate from a value and a CI; a degenerate CI
// (both bounds 0 with a non-zero value) is left out.
func estimate(v, lo, hi float64) models.Estimate {
	e := models.Estimate{Value: v}
	if !math.IsNaN(lo) && !math.IsNaN(hi) && hi >= lo && (hi > 0 || v == 0) {
		e.CILow, e.CIHigh = &lo, &hi
	}
	return e
}

func fmtEstimate(e models.Estimate, unit string, dec int) string {
	s := fmt.Sprintf("%.*f %s", dec, e.Value, unit)
	if e.CILow != nil && e.CIHigh != nil {
		s += fmt.Sprintf(" (95 %% CI %.*f – %.*f)", dec, *e.CILow, dec, *e.CIHigh)
	}
	return s
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%g", v)
}
