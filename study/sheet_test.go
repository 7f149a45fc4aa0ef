package study

import (
	"errors"
	"strings"
	"testing"
)

func TestReadSheet(t *testing.T) {
	in := "\ufeff Month , SECTION_ID ,Subject,Side-Area,Group,extra\n" +
		"# comment line\n" +
		"0, a/S1_0.tif , S1 ,left,treated,x\n" +
		"\n" +
		"M12,a/S1_12.tif,S1,left,treated\n" +
		"12 months,\"b/S 2,12.tif\",S2,,control,y\n"
	rows, err := ReadSheet(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []SheetRow{
		{Line: 3, Image: "a/S1_0.tif", Subject: "S1", Month: 0, Side: "left", Group: "treated"},
		{Line: 5, Image: "a/S1_12.tif", Subject: "S1", Month: 12, Side: "left", Group: "treated"},
		{Line: 6, Image: "b/S 2,12.tif", Subject: "S2", Month: 12, Group: "control"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows %+v, want %d", len(rows), rows, len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestReadSheetErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty file"},
		{"no month column", "image,subject\na.tif,S1\n", "line 1: no month column"},
		{"no image column", "subject,month\nS1,0\n", "line 1: no image column"},
		{"two image columns", "image,section_id,subject,month\na,b,S1,0\n", "line 1: columns"},
		{"bad month", "image,subject,month\na.tif,S1,0\nb.tif,S1,twelve\n", "line 3: month \"twelve\""},
		{"negative month", "image,subject,month\na.tif,S1,-1\n", "line 2: month \"-1\""},
		{"empty subject", "image,subject,month\na.tif,S1,0\n\nb.tif,,3\n", "line 4: empty subject"},
		{"empty image", "image,subject,month\n,S1,0\n", "line 2: empty image"},
		{"duplicate image", "image,subject,month\na/x.tif,S1,0\nb.tif,S1,1\n./a/x.tif,S2,0\n", "line 4: image ./a/x.tif already listed on line 2"},
		{"header only", "image,subject,month\n", "no rows"},
		{"bad quote", "image,subject,month\n\"a.tif,S1,0\n", "line"},
	} {
		_, err := ReadSheet(strings.NewReader(tc.in))
		if err == nil || !errors.Is(err, ErrSheet) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrSheet containing %q", tc.name, err, tc.want)
		}
	}
}

func TestParseMonth(t *testing.T) {
	for in, want := range map[string]float64{"0": 0, "12": 12, "1.5": 1.5, "M6": 6, "m24": 24, "3m": 3, "6 mo": 6, "12 months": 12, " 1 month ": 1} {
		if got, err := parseMonth(in); err != nil || got != want {
			t.Errorf("parseMonth(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "NaN", "-3", "Inf", "m"} {
		if _, err := parseMonth(in); err == nil {
			t.Errorf("parseMonth(%q) accepted", in)
		}
	}
}
