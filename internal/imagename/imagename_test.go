package imagename

import (
	"reflect"
	"testing"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		" ./a/b.png ":   "a/b.png",
		`m6\S02.tif`:    "m6/S02.tif",
		"a//b/../c.tif": "a/c.tif",
		"/data/x.png":   "/data/x.png",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Stem("a/S01.Final.TIF"); got != "s01.final" {
		t.Errorf("Stem = %q, want s01.final", got)
	}
}

// TestMatches: the first rule by which each pair of cleaned names matches.
func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want Rule // "" for none
	}{
		{"run1/m0/S01.tif", "run1/m0/S01.tif", RulePath},
		{"m12/S01.tif", "/data/run1/m12/S01.tif", RuleSuffix},
		{"/data/run1/m12/S01.tif", "m12/S01.tif", RuleSuffix}, // either side may be longer
		{"S03.tif", "/elsewhere/S03.tif", RuleBase},
		{"m12/S03.tif", "S03.tif", RuleBase},
		{"s04_M0", "S04_m0.TIF", RuleStem},
		{"S06.png", "/d/S06.jpg", RuleStem},
		{"x/images/d2.png", "/data/y/images/d2.png", ""}, // folders on both sides disagree
		{"x/images/d2.png", "/data/ximages/d2.png", ""},  // not at a folder boundary
		{"m0/S01", "/data/m0/S01.tif", ""},               // a folder needs the file name
		{"S01.tif", "S011.tif", ""},
	} {
		got := Rule("")
		for _, r := range Rules {
			if Matches(r, tc.a, tc.b) {
				got = r
				break
			}
		}
		if got != tc.want {
			t.Errorf("%s vs %s: rule %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestAssign(t *testing.T) {
	names := []string{
		"images/d1.png",   // 0: suffix of image 0
		"d1.png",          // 1: its base too, but image 0 is taken: none
		"x/images/d2.png", // 2: suffix of image 1 only
		"a",               // 3: stem of images 3 and 4: ambiguous
		"b.png",           // 4: base of image 5
		"c.tif",           // 5 and 6: both claim image 6 by stem: ambiguous
		"C.png",           // 6
	}
	images := []string{
		"/data/cv/images/d1.png", // 0
		"/data/x/images/d2.png",  // 1
		"/data/y/images/d2.png",  // 2: no name
		"a.png",                  // 3
		"a.tif",                  // 4
		"dir/b.png",              // 5
		"c.jpg",                  // 6
	}
	got := Assign(names, images)
	want := []Pairing{
		{Image: 0, Rule: RuleSuffix},
		{Image: -1},
		{Image: 1, Rule: RuleSuffix},
		{Image: -1, Rule: RuleStem, Candidates: []int{3, 4}},
		{Image: 5, Rule: RuleBase},
		{Image: -1, Rule: RuleStem, Candidates: []int{6}, Claims: 2},
		{Image: -1, Rule: RuleStem, Candidates: []int{6}, Claims: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assign:\ngot  %+v\nwant %+v", got, want)
	}
	nameOf, _ := Lookup(names, images)
	if wantOf := []int{0, 2, -1, -1, -1, 4, -1}; !reflect.DeepEqual(nameOf, wantOf) {
		t.Errorf("Lookup = %v, want %v", nameOf, wantOf)
	}
	if !got[3].Ambiguous() || got[1].Ambiguous() || got[0].Ambiguous() {
		t.Errorf("Ambiguous: %v %v %v, want true false false", got[3].Ambiguous(), got[1].Ambiguous(), got[0].Ambiguous())
	}
}
