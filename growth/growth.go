package growth

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/histocount/histocount/internal/csvsheet"
)

// ErrSheet marks a passage sheet that cannot be read at all (no header,
// required columns missing). Bad rows are not errors: see Row.Problem.
var ErrSheet = errors.New("growth sheet")

// Columns documents the passage sheet.
const Columns = "donor, passage, cells_seeded, cells_harvested, days (required)"

// QC flags of passages and donors.
const (
	FlagNoGrowth   = "no_growth"   // harvested ≤ seeded: PD ≤ 0, no doubling time
	FlagPassageGap = "passage_gap" // a passage of the donor is missing or unusable
	FlagBadRow     = "bad_row"     // the row could not be used (see Problem)
)

// Row is one passage as read, with its derived values.
type Row struct {
	Line           int      `json:"line"`
	Donor          string   `json:"donor"`
	Passage        int      `json:"passage"`
	Seeded         float64  `json:"cells_seeded"`
	Harvested      float64  `json:"cells_harvested"`
	Days           float64  `json:"days"`
	PD             float64  `json:"population_doublings"`
	DoublingTimeH  float64  `json:"doubling_time_h,omitempty"` // 0 when PD ≤ 0
	CumulativePD   float64  `json:"cumulative_pd"`
	CumulativeDays float64  `json:"cumulative_days"`
	Flags          []string `json:"flags,omitempty"`
	Problem        string   `json:"problem,omitempty"` // why the row was left out
}

// Valid reports whether the row entered the calculations.
func (r Row) Valid() bool { return r.Problem == "" }

// Donor is the growth of one donor's culture.
type Donor struct {
	Donor         string   `json:"donor"`
	Passages      []Row    `json:"passages"` // by passage number, bad rows included (Problem set)
	ValidPassages int      `json:"valid_passages"`
	CumulativePD  float64  `json:"cumulative_pd"`
	TotalDays     float64  `json:"total_days"`
	MeanDTH       float64  `json:"mean_doubling_time_h,omitempty"` // Σ days·24 / Σ PD over PD > 0
	MinDTH        float64  `json:"min_doubling_time_h,omitempty"`
	MaxDTH        float64  `json:"max_doubling_time_h,omitempty"`
	Flags         []string `json:"flags,omitempty"`
}

// ReadSheet reads a passage sheet and computes every donor's growth, in
// the order donors first appear. Only an unreadable sheet is an error;
// bad rows come back with Problem set (and in problems, one line each).
func ReadSheet(r io.Reader) (donors []Donor, problems []string, err error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	sh, err := csvsheet.Parse(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrSheet, err)
	}
	var missing []string
	for _, c := range [][]string{{"donor", "donor_id"}, {"passage"}, {"cells_seeded", "seeded"}, {"cells_harvested", "harvested"}, {"days"}} {
		if !sh.Has(c...) {
			missing = append(missing, c[0])
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%w: line 1: missing column(s) %s (columns: %s)", ErrSheet, strings.Join(missing, ", "), Columns)
	}
	var rows []Row
	for i, rec := range sh.Rows {
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		row := Row{Line: sh.Line(i), Donor: sh.Get(rec, "donor", "donor_id")}
		var bad []string
		num := func(name string, dst *float64, names ...string) {
			s := sh.Get(rec, names...)
			v, ok := sh.Number(s)
			if !ok || !(v > 0) {
				bad = append(bad, fmt.Sprintf("%s %q must be a number > 0", name, s))
				return
			}
			*dst = v
		}
		if row.Donor == "" {
			bad = append(bad, "empty donor")
		}
		var p float64
		num("passage", &p, "passage")
		if p > 0 && (p != math.Trunc(p) || p > 1000) {
			bad = append(bad, fmt.Sprintf("passage %v must be a whole number 1..1000", p))
		}
		row.Passage = int(p)
		num("cells_seeded", &row.Seeded, "cells_seeded", "seeded")
		num("cells_harvested", &row.Harvested, "cells_harvested", "harvested")
		num("days", &row.Days, "days")
		for _, c := range []struct {
			name   string
			v, max float64
			min    float64
		}{{"cells_seeded", row.Seeded, 1e15, 1}, {"cells_harvested", row.Harvested, 1e15, 1}, {"days", row.Days, 3650, 0}} {
			if c.v != 0 && (c.v < c.min || c.v > c.max) {
				bad = append(bad, fmt.Sprintf("%s %v out of range %v..%v", c.name, c.v, c.min, c.max))
			}
		}
		if len(bad) > 0 {
			row.Problem = strings.Join(bad, "; ")
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%w: no passages (columns: %s)", ErrSheet, Columns)
	}
	donors = Compute(rows)
	for _, d := range donors {
		for _, r := range d.Passages {
			if r.Problem != "" {
				problems = append(problems, fmt.Sprintf("line %d (donor %s): %s", r.Line, d.Donor, r.Problem))
			}
		}
	}
	return donors, problems, nil
}

// Compute groups rows by donor (first-appearance order) and fills PD,
// doubling time and cumulative values. Rows with Problem set are kept but
// not used; a repeated passage number makes the later row a problem.
func Compute(rows []Row) []Donor {
	var order []string
	by := map[string][]Row{}
	for _, r := range rows {
		if _, ok := by[r.Donor]; !ok {
			order = append(order, r.Donor)
		}
		by[r.Donor] = append(by[r.Donor], r)
	}
	var out []Donor
	for _, name := range order {
		rs := by[name]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Passage < rs[j].Passage })
		d := Donor{Donor: name}
		seen := map[int]int{}
		var sumDays24, sumPD float64
		prev := 0
		gap := false
		for i := range rs {
			r := &rs[i]
			if r.Problem == "" {
				if l, dup := seen[r.Passage]; dup {
					r.Problem = fmt.Sprintf("passage %d already on line %d", r.Passage, l)
				} else {
					seen[r.Passage] = r.Line
				}
			}
			if r.Problem != "" {
				r.Flags = append(r.Flags, FlagBadRow)
				gap = true
				continue
			}
			if prev > 0 && r.Passage != prev+1 {
				gap = true
			}
			prev = r.Passage
			r.PD = math.Log2(r.Harvested / r.Seeded)
			d.CumulativePD += r.PD
			d.TotalDays += r.Days
			r.CumulativePD, r.CumulativeDays = d.CumulativePD, d.TotalDays
			d.ValidPassages++
			if r.PD > 0 {
				r.DoublingTimeH = r.Days * 24 / r.PD
				sumDays24 += r.Days * 24
				sumPD += r.PD
				if d.MinDTH == 0 || r.DoublingTimeH < d.MinDTH {
					d.MinDTH = r.DoublingTimeH
				}
				d.MaxDTH = math.Max(d.MaxDTH, r.DoublingTimeH)
			} else {
				r.Flags = append(r.Flags, FlagNoGrowth)
				if !contains(d.Flags, FlagNoGrowth) {
					d.Flags = append(d.Flags, FlagNoGrowth)
				}
			}
		}
		if sumPD > 0 {
			d.MeanDTH = sumDays24 / sumPD
		}
		if gap {
			d.Flags = append(d.Flags, FlagPassageGap)
		}
		d.Passages = rs
		out = append(out, d)
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
