package study

import (
	"errors"
	"strings"
	"testing"
)

// A row whose image starts with # is not silently dropped as a comment
// (issue 15); whole-line comments still are, and a quoted name is data.
func TestSheetHashRowNotDropped(t *testing.T) {
	_, err := ReadSheet(strings.NewReader("image,subject,month\na.png,S1,0\n#12.png,S1,6\n"))
	if !errors.Is(err, ErrSheet) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err %v, want ErrSheet naming line 3", err)
	}
	rows, err := ReadSheet(strings.NewReader("image,subject,month\n# re-cut at visit 2\na.png,S1,0\n\"#12.png\",S1,6\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1].Image != "#12.png" {
		t.Fatalf("rows %+v", rows)
	}
}

// FuzzStudySheet: ReadSheet never panics, and what it accepts is usable:
// rows with an image, a subject and a finite month ≥ 0, no image twice.
func FuzzStudySheet(f *testing.F) {
	f.Add("image,subject,month\na.png,S1,0\nb.png,S1,M12\n")
	f.Add("\ufeffSection ID;Patient;Visit Month\n")
	f.Add("image,subject,month,stain,side,group\n# c\na.png,S1,12m,he,left,treated\n")
	f.Add("image,subject,month\n#a.png,S1,0\n")
	f.Add("image,subject,month\n\"a\nb.png\",S1,NaN\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ReadSheet(strings.NewReader(s))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.Image == "" || r.Subject == "" || !(r.Month >= 0) || r.Month > 1e308 {
				t.Fatalf("accepted a bad row %+v", r)
			}
			if seen[cleanPath(r.Image)] {
				t.Fatalf("image %q twice", r.Image)
			}
			seen[cleanPath(r.Image)] = true
		}
	})
}

// Subjects and groups from the sheet reach study_subjects.csv defused.
func TestStudyCSVFormulaInjection(t *testing.T) {
	var b strings.Builder
	r := &Report{Metric: "m", Groups: []GroupReport{{Group: "=cmd|' /C calc'!A0", Subjects: []SubjectSeries{{Subject: "@SUM(1)", Points: []SubjectPoint{{Month: 0, Sections: 1, Value: -2}}}}}}}
	if err := WriteSubjectsCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); !strings.Contains(s, "'=cmd") || !strings.Contains(s, "'@SUM") || !strings.Contains(s, ",-2,") {
		t.Errorf("not defused or a number quoted:\n%s", s)
	}
}
