package main

import (
	"strings"
	"testing"
)

// TestSheetSampler: sample sheets pair rows with inputs one to one by
// imagename's rules.
func TestSheetSampler(t *testing.T) {
	m, err := readSampleSheet(strings.NewReader("image,sample\n" +
		"run/f1.png,A\n" + // path
		"day2/f2.png,B\n" + // folder suffix
		"f3.png,C\n" + // file name
		"f4,D\n" + // stem
		"f5,E\n" + // stem of two inputs: ambiguous
		"other/f6.png,F\n")) // folders disagree: no match
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"run/f1.png", "/data/day2/f2.png", "x/f3.png", "x/f4.png", "f5.png", "f5.tif", "x/f6.png", "f7.png"}
	sampler := sheetSampler(m, paths)
	for _, tc := range []struct{ path, sample, err string }{
		{"run/f1.png", "A", ""},
		{"/data/day2/f2.png", "B", ""},
		{"x/f3.png", "C", ""},
		{"x/f4.png", "D", ""},
		{"f5.png", "", "matches more than one input"},
		{"f5.tif", "", "matches more than one input"},
		{"x/f6.png", "", "not listed"},
		{"f7.png", "", "not listed"},
	} {
		s, err := sampler(tc.path)
		if s != tc.sample || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: sample %q, err %v; want %q, %q", tc.path, s, err, tc.sample, tc.err)
		}
	}
}
