package study

import (
	"fmt"

	"github.com/histocount/histocount/internal/imagename"
)

// Matching rules, in the order they are tried (see package imagename).
const (
	RulePath   = string(imagename.RulePath)
	RuleSuffix = string(imagename.RuleSuffix)
	RuleBase   = string(imagename.RuleBase)
	RuleStem   = string(imagename.RuleStem)
)

// MatchedImage pairs a sheet row with its measurement.
type MatchedImage struct {
	Row         SheetRow
	Measurement Measurement
	Rule        string // RulePath, RuleSuffix, RuleBase or RuleStem
}

// ImageIssue is an image that could not be used, and why.
type ImageIssue struct {
	Line   int    `json:"line"` // line in the sheet or in the results table
	Image  string `json:"image"`
	Reason string `json:"reason"`
}

// UnmatchedRow is a sheet row without a unique result.
type UnmatchedRow struct {
	Row    SheetRow
	Reason string
}

// Matching is the outcome of MatchImages.
type Matching struct {
	Matched          []MatchedImage
	UnmatchedSheet   []UnmatchedRow // sheet rows without a (unique) result
	UnmatchedResults []ImageIssue   // result rows no sheet row claimed
}

// cleanPath makes paths written on different systems comparable.
func cleanPath(p string) string { return imagename.Clean(p) }

// MatchImages pairs sheet rows with measurements by image name, one to
// one, by imagename's rules (listed in the package documentation). Output
// order follows the sheet and the results table.
func MatchImages(rows []SheetRow, ms []Measurement) Matching {
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.Image
	}
	images := make([]string, len(ms))
	for j, m := range ms {
		images[j] = m.Image
	}
	pairs := imagename.Assign(names, images)
	used := make([]bool, len(ms))
	var out Matching
	for i, r := range rows {
		p := pairs[i]
		if p.Image >= 0 {
			used[p.Image] = true
			out.Matched = append(out.Matched, MatchedImage{Row: r, Measurement: ms[p.Image], Rule: string(p.Rule)})
			continue
		}
		why := "no result for this image"
		switch c := p.Candidates; {
		case len(c) > 1:
			why = fmt.Sprintf("ambiguous: %d results match by %s (%s, %s…)", len(c), p.Rule, ms[c[0]].Image, ms[c[1]].Image)
		case p.Claims > 1:
			why = fmt.Sprintf("ambiguous: result %s matches %d sheet rows by %s", ms[c[0]].Image, p.Claims, p.Rule)
		}
		out.UnmatchedSheet = append(out.UnmatchedSheet, UnmatchedRow{Row: r, Reason: why})
	}
	for j, m := range ms {
		if !used[j] {
			out.UnmatchedResults = append(out.UnmatchedResults, ImageIssue{Line: m.Line, Image: m.Image, Reason: "not in the sample sheet"})
		}
	}
	return out
}
