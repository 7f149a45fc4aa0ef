// Package imagename pairs the image names people write in sheets (a cells
// sample sheet, a colony plate map, a study sheet) with the image paths a
// run saw. It is the one rule for all of them.
//
// Names are compared after Clean (surrounding space trimmed, \ → /,
// path.Clean, a leading "./" removed), by these rules, most specific first:
//
//  1. "path":   the same path;
//  2. "suffix": one path ends with the other at a "/", and the shorter one
//     has a folder (sheet "m12/S01.tif" matches "/data/run/m12/S01.tif");
//  3. "base":   the same file name (case-sensitive);
//  4. "stem":   the same file name without extension, ignoring case
//     ("S01" or "s01.png" matches "S01.tif").
//
// Rules 3 and 4 need one of the two to be a bare file name: folders
// written on both sides must agree, by rule 1 or 2 (plate map
// "x/images/d2.png" never names "/data/y/images/d2.png").
//
// Assign pairs names and images one to one: each name takes the first rule
// by which any still unpaired image matches it. A name with two or more
// images at that rule, or whose only image is also the only image of
// another name at that rule, is ambiguous and gets none; an image is used
// at most once. So two images of one stem (a.png and a.tif) never both
// take the row "a", and a row names one image, never a pooled pair.
package imagename

import (
	"path"
	"strings"
)

// Rule names how a listed name matched its image.
type Rule string

// The rules, in the order they are tried.
const (
	RulePath   Rule = "path"
	RuleSuffix Rule = "suffix"
	RuleBase   Rule = "base"
	RuleStem   Rule = "stem"
)

// Rules lists the rules in the order Assign tries them.
var Rules = []Rule{RulePath, RuleSuffix, RuleBase, RuleStem}

// Clean makes paths written on different systems comparable.
func Clean(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), `\`, "/")
	p = path.Clean(p)
	return strings.TrimPrefix(p, "./")
}

// Stem is the lower-cased file name of cleaned path p without extension.
func Stem(p string) string {
	b := path.Base(p)
	return strings.ToLower(strings.TrimSuffix(b, path.Ext(b)))
}

// hasPathSuffix reports whether long ends with short at a "/" boundary.
func hasPathSuffix(long, short string) bool {
	return strings.HasSuffix(long, short) && (len(long) == len(short) || long[len(long)-len(short)-1] == '/')
}

// bare reports whether a or b is a file name without a folder.
func bare(a, b string) bool { return !strings.Contains(a, "/") || !strings.Contains(b, "/") }

// Matches reports whether cleaned paths a and b match by rule r.
func Matches(r Rule, a, b string) bool {
	switch r {
	case RulePath:
		return a == b
	case RuleSuffix:
		// Only multi-component suffixes; a bare name is the base rule.
		if len(a) < len(b) {
			return strings.Contains(a, "/") && hasPathSuffix(b, a)
		}
		return strings.Contains(b, "/") && hasPathSuffix(a, b)
	case RuleBase:
		return bare(a, b) && path.Base(a) == path.Base(b)
	case RuleStem:
		return bare(a, b) && Stem(a) == Stem(b)
	}
	return false
}

// Pairing is the outcome of Assign for one listed name.
type Pairing struct {
	Image int  // index into the images, -1 when none
	Rule  Rule // the rule that paired it, or at which it was ambiguous
	// When ambiguous (Image −1, Rule set): the images that matched at Rule
	// (two or more), or the one image that Claims names took at Rule.
	Candidates []int
	Claims     int
}

// Ambiguous reports whether the name matched, but not uniquely.
func (p Pairing) Ambiguous() bool { return p.Image < 0 && p.Rule != "" }

// Assign pairs names with images one to one by the package's rules; the
// result has one Pairing per name, in order. Inputs need not be cleaned.
func Assign(names, images []string) []Pairing {
	nameKey := make([]string, len(names))
	for i, n := range names {
		nameKey[i] = Clean(n)
	}
	imgKey := make([]string, len(images))
	for j, m := range images {
		imgKey[j] = Clean(m)
	}
	// Bucket images by stem: every rule implies equal stems, so candidate
	// search stays linear in practice.
	byStem := map[string][]int{}
	for j, k := range imgKey {
		byStem[Stem(k)] = append(byStem[Stem(k)], j)
	}
	out := make([]Pairing, len(names))
	used := make([]bool, len(images))
	done := make([]bool, len(names))
	for i := range out {
		out[i].Image = -1
	}
	for _, r := range Rules {
		cands := make(map[int][]int) // name → candidate images
		claims := map[int]int{}      // image → names with it as sole candidate
		for i := range names {
			if done[i] {
				continue
			}
			for _, j := range byStem[Stem(nameKey[i])] {
				if !used[j] && Matches(r, nameKey[i], imgKey[j]) {
					cands[i] = append(cands[i], j)
				}
			}
			if len(cands[i]) == 1 {
				claims[cands[i][0]]++
			}
		}
		for i := range names {
			c := cands[i]
			switch {
			case done[i] || len(c) == 0:
				continue
			case len(c) > 1:
				out[i] = Pairing{Image: -1, Rule: r, Candidates: c}
			case claims[c[0]] > 1:
				out[i] = Pairing{Image: -1, Rule: r, Candidates: c, Claims: claims[c[0]]}
			default:
				out[i] = Pairing{Image: c[0], Rule: r}
			}
			done[i] = true
		}
		for i := range out {
			if j := out[i].Image; j >= 0 && out[i].Rule == r {
				used[j] = true
			}
		}
	}
	return out
}

// Lookup returns, for each image, the index of the name Assign paired it
// with (-1 for none), and the pairings themselves.
func Lookup(names, images []string) (nameOf []int, pairs []Pairing) {
	pairs = Assign(names, images)
	nameOf = make([]int, len(images))
	for j := range nameOf {
		nameOf[j] = -1
	}
	for i, p := range pairs {
		if p.Image >= 0 {
			nameOf[p.Image] = i
		}
	}
	return nameOf, pairs
}
