package study

import (
	"fmt"
	"path"
	"strings"
)

// Matching rules, in the order they are tried.
const (
	RulePath   = "path"
	RuleSuffix = "suffix"
	RuleBase   = "base"
	RuleStem   = "stem"
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
func cleanPath(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), `\`, "/")
	p = path.Clean(p)
	return strings.TrimPrefix(p, "./")
}

func stem(p string) string {
	b := path.Base(p)
	return strings.ToLower(strings.TrimSuffix(b, path.Ext(b)))
}

// hasPathSuffix reports whether long ends with short at a "/" boundary.
func hasPathSuffix(long, short string) bool {
	return strings.HasSuffix(long, short) && (len(long) == len(short) || long[len(long)-len(short)-1] == '/')
}

var matchRules = []struct {
	name string
	ok   func(a, b string) bool // cleaned sheet path, cleaned result path
}{
	{RulePath, func(a, b string) bool { return a == b }},
	{RuleSuffix, func(a, b string) bool {
		// Only multi-component suffixes; a bare name is the base rule.
		if len(a) < len(b) {
			return strings.Contains(a, "/") && hasPathSuffix(b, a)
		}
		return strings.Contains(b, "/") && hasPathSuffix(a, b)
	}},
	{RuleBase, func(a, b string) bool { return path.Base(a) == path.Base(b) }},
	{RuleStem, func(a, b string) bool { return stem(a) == stem(b) }},
}

// MatchImages pairs sheet rows with measurements by image name; see the
// package documentation for the rules. Each measurement is used at most
// once. Output order follows the sheet and the results table.
func MatchImages(rows []SheetRow, ms []Measurement) Matching {
	sheetKey := make([]string, len(rows))
	for i, r := range rows {
		sheetKey[i] = cleanPath(r.Image)
	}
	resKey := make([]string, len(ms))
	for j, m := range ms {
		resKey[j] = cleanPath(m.Image)
	}
	// Bucket results by stem: every rule implies equal stems, so candidate
	// search stays linear in practice.
	byStem := map[string][]int{}
	for j, k := range resKey {
		byStem[stem(k)] = append(byStem[stem(k)], j)
	}
	matchOf := make([]int, len(rows)) // index into ms, -1 none
	rule := make([]string, len(rows))
	reason := make([]string, len(rows))
	used := make([]bool, len(ms))
	done := make([]bool, len(rows))
	for i := range matchOf {
		matchOf[i] = -1
	}
	for _, mr := range matchRules {
		cands := make(map[int][]int) // sheet row → candidate results
		claims := map[int]int{}      // result → rows with it as sole candidate
		for i := range rows {
			if done[i] {
				continue
			}
			for _, j := range byStem[stem(sheetKey[i])] {
				if !used[j] && mr.ok(sheetKey[i], resKey[j]) {
					cands[i] = append(cands[i], j)
				}
			}
			if len(cands[i]) == 1 {
				claims[cands[i][0]]++
			}
		}
		for i := range rows {
			c := cands[i]
			switch {
			case done[i] || len(c) == 0:
				continue
			case len(c) > 1:
				reason[i] = fmt.Sprintf("ambiguous: %d results match by %s (%s, %s…)", len(c), mr.name, ms[c[0]].Image, ms[c[1]].Image)
			case claims[c[0]] > 1:
				reason[i] = fmt.Sprintf("ambiguous: result %s matches %d sheet rows by %s", ms[c[0]].Image, claims[c[0]], mr.name)
			default:
				matchOf[i], rule[i] = c[0], mr.name
			}
			done[i] = true
		}
		for i, j := range matchOf {
			if j >= 0 && rule[i] == mr.name {
				used[j] = true
			}
		}
	}
	var out Matching
	for i, r := range rows {
		if j := matchOf[i]; j >= 0 {
			out.Matched = append(out.Matched, MatchedImage{Row: r, Measurement: ms[j], Rule: rule[i]})
			continue
		}
		why := reason[i]
		if why == "" {
			why = "no result for this image"
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
