package passport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/histocount/histocount/models"
)

// Skin measures a reference may describe.
const (
	MeasureCFE           = "cfe_pct"
	MeasureProliferating = "proliferating_pct"
	MeasureViability     = "viability_pct"
	MeasureDoublingTime  = "doubling_time_h"
)

// Reference is the lab-editable population reference of the skin
// passport (a JSON file, see DefaultReferenceJSON). Each measure is either
// a normal population (kind "normal": mean, sd) — the passport gives the
// donor's z-score and percentile — or a range (kind "range": low, high) —
// the passport says whether the value falls within, below or above it.
type Reference struct {
	Name      string                      `json:"name"`
	Statement string                      `json:"statement,omitempty"` // what the lab's reference states, printed verbatim
	Measures  map[string]ReferenceMeasure `json:"measures"`
}

// ReferenceMeasure is the reference of one measure.
type ReferenceMeasure struct {
	Kind       string   `json:"kind"` // "normal" or "range"
	Mean       *float64 `json:"mean,omitempty"`
	SD         *float64 `json:"sd,omitempty"`
	Low        *float64 `json:"low,omitempty"`
	High       *float64 `json:"high,omitempty"`
	Population string   `json:"population"`
	Note       string   `json:"note,omitempty"`
}

// DefaultReferenceJSON is the built-in reference, from the lab's data
// (issue 13): CFE 45.0 ± 9.5 % (mean ± SD) for donors aged 18–82 y,
// independent of age; up to 14 % proliferating cells even in cultures from
// 95-year-old donors. Copy it, edit it, and pass it with --reference.
const DefaultReferenceJSON = `{
  "name": "histocount default skin reference (lab data, issue 13)",
  "statement": "Population reference values of cultured dermal fibroblasts. The passport reports where a donor's measurements fall; it makes no clinical prediction.",
  "measures": {
    "cfe_pct": {"kind": "normal", "mean": 45.0, "sd": 9.5,
      "population": "donors aged 18–82 y", "note": "independent of donor age"},
    "proliferating_pct": {"kind": "range", "low": 0, "high": 14,
      "population": "fibroblast cultures of donors up to 95 y", "note": "up to 14 % even in cultures from 95-year-olds"}
  }
}
`

// ParseReference reads and checks a reference file.
func ParseReference(b []byte) (*Reference, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r Reference
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("reference: %v", err)
	}
	if r.Name == "" {
		return nil, fmt.Errorf("reference: empty name")
	}
	names := make([]string, 0, len(r.Measures))
	for k := range r.Measures {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		m := r.Measures[k]
		switch k {
		case MeasureCFE, MeasureProliferating, MeasureViability, MeasureDoublingTime:
		default:
			return nil, fmt.Errorf("reference: unknown measure %q (known: %s, %s, %s, %s)", k, MeasureCFE, MeasureProliferating, MeasureViability, MeasureDoublingTime)
		}
		finite := func(p *float64) bool { return p != nil && !math.IsNaN(*p) && !math.IsInf(*p, 0) }
		switch m.Kind {
		case "normal":
			if !finite(m.Mean) || !finite(m.SD) || !(*m.SD > 0) {
				return nil, fmt.Errorf("reference: %s: a normal reference needs a finite mean and sd > 0", k)
			}
		case "range":
			if !finite(m.Low) || !finite(m.High) || !(*m.High > *m.Low) {
				return nil, fmt.Errorf("reference: %s: a range reference needs finite low < high", k)
			}
		default:
			return nil, fmt.Errorf("reference: %s: kind %q (want normal or range)", k, m.Kind)
		}
	}
	return &r, nil
}

// Place puts value on the reference of measure (nil when the reference
// does not describe it). Normal: z = (value − mean)/sd, percentile
// 100·Φ(z), position within mean ± 2 SD or below/above. Range: within,
// below or above [low, high].
func (r *Reference) Place(measure string, value float64) *models.SkinPlacement {
	if r == nil {
		return nil
	}
	m, ok := r.Measures[measure]
	if !ok {
		return nil
	}
	pl := &models.SkinPlacement{Population: m.Population, Kind: m.Kind, Mean: m.Mean, SD: m.SD, Low: m.Low, High: m.High, Note: m.Note}
	lo, hi := 0.0, 0.0
	switch m.Kind {
	case "normal":
		z := (value - *m.Mean) / *m.SD
		pct := 100 * distuv.UnitNormal.CDF(z)
		z, pct = math.Round(z*100)/100, math.Round(pct*10)/10
		pl.Z, pl.Percentile = &z, &pct
		lo, hi = *m.Mean-2**m.SD, *m.Mean+2**m.SD
	case "range":
		lo, hi = *m.Low, *m.High
	}
	switch {
	case value < lo:
		pl.Position = "below"
	case value > hi:
		pl.Position = "above"
	default:
		pl.Position = "within"
	}
	return pl
}
