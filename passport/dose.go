package passport

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
	"github.com/histocount/histocount/stats"
)

// ErrBatch marks a batch that cannot be given a passport at all (as
// opposed to one that is not released).
var ErrBatch = errors.New("passport")

// Sources describe where a passport's inputs came from.
type Sources struct {
	Provenance    models.Provenance
	Results       string // the results.json
	ResultsSHA256 string
	Sheet         string
	SheetSHA256   string
	// Overlay returns the overlay file of image i of the run ("" if none).
	Overlay func(i int) string
	// OutDir is where the passport will be written (overlay links are
	// made relative to it).
	OutDir string
}

// Built is a passport and the thumbnails its renderings embed.
type Built struct {
	Passport   models.Passport
	Thumbnails map[string][]byte // by image name
}

// LowCount is the number of counted cells below which a batch is flagged
// low_count: the Poisson interval of 100 cells is already ±20 %.
const LowCount = 100

// ThumbnailPx is the longest side of a thumbnail.
const ThumbnailPx = 240

// Dose builds the dose passport of batch bt from a cells run. It fails
// (ErrBatch) when the batch's images are not all in the results or the
// sample is unknown; a batch that can be described but not released gets
// a passport saying so.
func Dose(bt Batch, run *cellsrun.Run, src Sources, issued string) (*Built, error) {
	if st := run.Provenance.Parameters["stain"]; st != "" && st != "trypan" {
		return nil, fmt.Errorf("%w: batch %s: the results are %s counts; a dose passport needs trypan-blue live/dead counts for viability", ErrBatch, bt.BatchID, st)
	}
	idx, err := batchImages(bt, run)
	if err != nil {
		return nil, err
	}
	p := models.Passport{SchemaVersion: models.PassportSchemaVersion, Kind: models.PassportDose, ID: bt.BatchID, Issued: issued,
		Subject: models.PassportSubject{BatchID: bt.BatchID, Donor: bt.Donor, Product: bt.Product, Operator: bt.Operator, Date: bt.Date},
		QC:      []models.PassportQC{}, Images: []models.PassportImage{},
		Signatures: []models.PassportSign{{Role: "prepared"}, {Role: "reviewed"}}}
	p.Provenance = models.PassportProvenance{Provenance: src.Provenance, Results: src.Results, ResultsSHA256: src.ResultsSHA256,
		Sheet: src.Sheet, SheetSHA256: src.SheetSHA256, Analysis: run.Provenance.Parameters}
	d := &models.DosePassport{ContainerVolumeML: bt.ContainerVolumeML, PrescribedViableCells: bt.PrescribedViableCells, Chamber: run.Chamber,
		Criteria: models.DoseCriteria{MinViablePerML: bt.MinViablePerML, MinViabilityPct: bt.MinViabilityPct}}
	b := &Built{Thumbnails: map[string][]byte{}}
	failed, uncalibrated := 0, 0
	var volume float64
	for _, i := range idx {
		im := run.Images[i]
		pi := models.PassportImage{Image: im.Image, SHA256: im.Input.SHA256, Status: im.Status, Live: im.Live, Dead: im.Dead, QC: im.QC}
		if im.Status != models.StatusOK {
			failed++
			p.QC = append(p.QC, models.PassportQC{Image: im.Image, Flag: "analysis_failed", Meaning: "not analysed: " + im.Error})
		} else {
			d.Images++
			d.Live += im.Live
			d.Dead += im.Dead
			v := run.VolumeUL(i)
			if v <= 0 {
				uncalibrated++
			}
			volume += v
		}
		for _, f := range im.QC {
			p.QC = append(p.QC, models.PassportQC{Image: im.Image, Flag: f, Meaning: qcMeaning(f)})
		}
		if src.Overlay != nil {
			if ov := src.Overlay(i); ov != "" {
				if th, err := htmlreport.Thumbnail(ov, ThumbnailPx); err == nil {
					b.Thumbnails[im.Image] = th
					if rel, err := filepath.Rel(src.OutDir, ov); err == nil {
						pi.Overlay = filepath.ToSlash(rel)
					}
				}
			}
		}
		p.Images = append(p.Images, pi)
	}
	// Viability (Wilson) — known whenever cells were counted.
	n := d.Live + d.Dead
	if n < LowCount {
		p.QC = append(p.QC, models.PassportQC{Flag: "low_count", Meaning: fmt.Sprintf("only %d cells counted in the batch (fewer than %d): the intervals are wide; count more fields", n, LowCount)})
	}
	d.ViabilityPct = models.Estimate{Value: 0}
	if n > 0 {
		lo, hi, err := stats.WilsonCI(d.Live, n, 0.95)
		d.ViabilityPct.Value = 100 * float64(d.Live) / float64(n)
		if err == nil {
			lo, hi = 100*lo, 100*hi
			d.ViabilityPct.CILow, d.ViabilityPct.CIHigh = &lo, &hi
		}
	}
	concKnown := uncalibrated == 0 && d.Images > 0 && volume > 0
	if concKnown {
		d.ImagedVolumeUL = volume
		f := run.Factor() / volume
		d.ViablePerML = poissonEstimate(d.Live, f)
		d.TotalPerML = poissonEstimate(n, f)
		d.TotalViableCells = scale(d.ViablePerML, bt.ContainerVolumeML)
		if d.ViablePerML.Value > 0 {
			dv := models.Estimate{Value: bt.PrescribedViableCells / d.ViablePerML.Value}
			if d.ViablePerML.CIHigh != nil && *d.ViablePerML.CIHigh > 0 {
				lo := bt.PrescribedViableCells / *d.ViablePerML.CIHigh
				dv.CILow = &lo
			}
			if d.ViablePerML.CILow != nil && *d.ViablePerML.CILow > 0 {
				hi := bt.PrescribedViableCells / *d.ViablePerML.CILow
				dv.CIHigh = &hi
			}
			d.DrawVolumeML = &dv
		}
	}
	p.Dose = d
	p.Decision = decideDose(bt, d, failed, uncalibrated)
	b.Passport = p
	return b, nil
}

// batchImages resolves the batch's images in the run: by name (every one
// must be there) or by cells sample.
func batchImages(bt Batch, run *cellsrun.Run) ([]int, error) {
	var idx []int
	if len(bt.Images) > 0 {
		var missing []string
		for _, name := range bt.Images {
			i, err := run.Find(name)
			if err != nil {
				missing = append(missing, err.Error())
				continue
			}
			idx = append(idx, i)
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%w: batch %s (sheet line %d): %d image(s) not usable: %s", ErrBatch, bt.BatchID, bt.Line, len(missing), strings.Join(missing, "; "))
		}
		return idx, nil
	}
	var samples []string
	for i, im := range run.Images {
		if im.Sample == bt.Sample {
			idx = append(idx, i)
		}
		if len(samples) < 10 && !contains(samples, im.Sample) {
			samples = append(samples, im.Sample)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("%w: batch %s (sheet line %d): sample %q is not in %s (samples: %s)", ErrBatch, bt.BatchID, bt.Line, bt.Sample, run.Path, strings.Join(samples, ", "))
	}
	return idx, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func poissonEstimate(k int, factor float64) *models.Estimate {
	e := &models.Estimate{Value: float64(k) * factor}
	if lo, hi, err := stats.PoissonCI(k, 0.95); err == nil {
		lo, hi = lo*factor, hi*factor
		e.CILow, e.CIHigh = &lo, &hi
	}
	return e
}

func scale(e *models.Estimate, f float64) *models.Estimate {
	if e == nil {
		return nil
	}
	out := &models.Estimate{Value: e.Value * f}
	if e.CILow != nil {
		v := *e.CILow * f
		out.CILow = &v
	}
	if e.CIHigh != nil {
		v := *e.CIHigh * f
		out.CIHigh = &v
	}
	return out
}

// DoseRule is the release rule, as printed on every dose passport.
const DoseRule = "Released only when every check passes: concentration known (all images analysed and calibrated); " +
	"lower 95 % limit of viable cells/ml ≥ the minimum; lower 95 % limit of viability ≥ the minimum; " +
	"the dose fits the container (upper limit of the volume to draw ≤ the container volume). " +
	"An interval straddling its limit is borderline: count more fields."

// Check results.
const (
	Pass       = "pass"
	Fail       = "fail"
	Borderline = "borderline"
	Unknown    = "unknown"
)

func decideDose(bt Batch, d *models.DosePassport, failed, uncalibrated int) models.PassportDecision {
	dec := models.PassportDecision{Rule: DoseRule}
	add := func(name, req, measured, result, reason string) {
		dec.Checks = append(dec.Checks, models.PassportCheck{Name: name, Requirement: req, Measured: measured, Result: result})
		if result != Pass && reason != "" {
			dec.Reasons = append(dec.Reasons, reason)
		}
	}
	// 1. concentration known
	switch {
	case failed > 0:
		add("concentration known", "every image analysed", fmt.Sprintf("%d of %d images failed", failed, failed+d.Images), Fail,
			fmt.Sprintf("%d image(s) of the batch could not be analysed", failed))
	case uncalibrated > 0 || d.ViablePerML == nil:
		add("concentration known", "calibrated images (pixel size)", fmt.Sprintf("%d image(s) without pixel size", uncalibrated), Unknown,
			"no concentration: the images carry no pixel size, so the imaged volume is unknown — no release (rerun cells with --pixel-size)")
	default:
		add("concentration known", "calibrated images (pixel size)", fmt.Sprintf("%d fields, %s µl imaged", d.Images, human.Sig(d.ImagedVolumeUL, 3)), Pass, "")
	}
	// 2. viable cells/ml
	req := "≥ " + human.PerML(bt.MinViablePerML) + " (lower 95 % limit)"
	if v := d.ViablePerML; v != nil && v.CILow != nil && v.CIHigh != nil {
		m := human.PerML(v.Value) + " (" + human.Range(*v.CILow, *v.CIHigh, 3) + ")"
		switch {
		case *v.CILow >= bt.MinViablePerML:
			add("viable cells/ml", req, m, Pass, "")
		case *v.CIHigh < bt.MinViablePerML:
			add("viable cells/ml", req, m, Fail, "viable cells/ml below the minimum of "+human.PerML(bt.MinViablePerML))
		default:
			add("viable cells/ml", req, m, Borderline, "viable cells/ml borderline: its 95 % interval straddles "+human.PerML(bt.MinViablePerML)+" (count more fields)")
		}
	} else {
		add("viable cells/ml", req, "unknown", Unknown, "")
	}
	// 3. viability
	vreq := "≥ " + human.Pct(bt.MinViabilityPct) + " (lower 95 % limit)"
	if v := d.ViabilityPct; v.CILow != nil && v.CIHigh != nil {
		m := human.Pct(v.Value) + " (" + human.Fixed(*v.CILow, 1) + " – " + human.Pct(*v.CIHigh) + ")"
		switch {
		case *v.CILow >= bt.MinViabilityPct:
			add("viability", vreq, m, Pass, "")
		case *v.CIHigh < bt.MinViabilityPct:
			add("viability", vreq, m, Fail, "viability below the minimum of "+human.Pct(bt.MinViabilityPct))
		default:
			add("viability", vreq, m, Borderline, "viability borderline: its 95 % interval straddles "+human.Pct(bt.MinViabilityPct)+" (count more fields)")
		}
	} else {
		add("viability", vreq, "no cells counted", Fail, "no cells were counted")
	}
	// 4. dose fits the container
	dreq := "volume to draw ≤ " + human.Sig(bt.ContainerVolumeML, 3) + " ml (upper 95 % limit)"
	if dv := d.DrawVolumeML; dv != nil && dv.CIHigh != nil {
		m := human.Sig(dv.Value, 3) + " ml (" + human.Sig(*dv.CILow, 3) + " – " + human.Sig(*dv.CIHigh, 3) + " ml)"
		switch {
		case *dv.CIHigh <= bt.ContainerVolumeML:
			add("dose fits the container", dreq, m, Pass, "")
		case dv.Value > bt.ContainerVolumeML:
			add("dose fits the container", dreq, m, Fail, fmt.Sprintf("the dose of %s viable cells needs %s ml, but the container holds %s ml (%s viable cells)",
				human.Sci(bt.PrescribedViableCells, 3), human.Sig(dv.Value, 3), human.Sig(bt.ContainerVolumeML, 3), human.Sci(d.TotalViableCells.Value, 3)))
		default:
			add("dose fits the container", dreq, m, Borderline, "the dose may not fit the container: the upper limit of the volume to draw exceeds "+human.Sig(bt.ContainerVolumeML, 3)+" ml")
		}
	} else {
		add("dose fits the container", dreq, "unknown", Unknown, "")
	}
	dec.Status = models.Released
	for _, c := range dec.Checks {
		if c.Result != Pass {
			dec.Status = models.NotReleased
		}
	}
	if dec.Status == models.NotReleased && len(dec.Reasons) == 0 {
		dec.Reasons = []string{"not every check passed"}
	}
	return dec
}

// qcMeaning explains a QC flag to the reviewer.
func qcMeaning(flag string) string {
	switch flag {
	case models.QCNoCalibration:
		return "no pixel size: no concentration from this image"
	case models.QCHighBitDepth:
		return "16-bit image rescaled to 8 bits (informational)"
	case models.QCAlphaFlattened:
		return "transparency flattened onto the background"
	case models.QCBlank:
		return "blank field: no contrast"
	case models.QCOutOfFocus:
		return "out of focus: counts may be low"
	case models.QCSaturated:
		return "many clipped pixels: exposure too high"
	case models.QCNoObjects:
		return "no cells found in the field"
	case models.QCCrowded:
		return "cells too dense to separate reliably: dilute further"
	case models.QCStainMismatch:
		return "colours do not match trypan blue"
	case models.QCTooSmall:
		return "image smaller than the analysis needs"
	}
	return "see README (QC flags)"
}
