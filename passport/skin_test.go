package passport

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultReferencePlacement(t *testing.T) {
	r, err := ParseReference([]byte(DefaultReferenceJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		measure string
		v       float64
		z, pct  float64 // NaN: none
		pos     string
	}{
		{MeasureCFE, 45, 0, 50, "within"},
		{MeasureCFE, 54.5, 1, 84.1, "within"},
		{MeasureCFE, 25.95, -2.01, 2.2, "below"},
		{MeasureCFE, 64.0, 2, 97.7, "within"}, // exactly +2 SD is within
		{MeasureProliferating, 0, math.NaN(), math.NaN(), "within"},
		{MeasureProliferating, 14, math.NaN(), math.NaN(), "within"},
		{MeasureProliferating, 14.1, math.NaN(), math.NaN(), "above"},
	} {
		p := r.Place(c.measure, c.v)
		if p == nil || p.Position != c.pos {
			t.Errorf("%s %v: %+v, want %s", c.measure, c.v, p, c.pos)
			continue
		}
		if math.IsNaN(c.z) != (p.Z == nil) || (p.Z != nil && !(math.Abs(*p.Z-c.z) < 1e-9 && math.Abs(*p.Percentile-c.pct) < 1e-9)) {
			t.Errorf("%s %v: z %v pct %v, want %v %v", c.measure, c.v, p.Z, p.Percentile, c.z, c.pct)
		}
	}
	if r.Place(MeasureViability, 90) != nil {
		t.Error("placed a measure the reference does not describe")
	}
}

func TestParseReferenceErrors(t *testing.T) {
	for _, s := range []string{
		`{}`,
		`{"name":"x","measures":{"cfe_pct":{"kind":"normal","mean":45}}}`,
		`{"name":"x","measures":{"cfe_pct":{"kind":"normal","mean":45,"sd":0}}}`,
		`{"name":"x","measures":{"proliferating_pct":{"kind":"range","low":14,"high":0}}}`,
		`{"name":"x","measures":{"age":{"kind":"range","low":0,"high":1}}}`,
		`{"name":"x","measures":{"cfe_pct":{"kind":"lognormal"}}}`,
		`{"name":"x","extra":1,"measures":{}}`,
	} {
		if _, err := ParseReference([]byte(s)); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
}

func TestReadDonorSheet(t *testing.T) {
	ds, err := ReadDonorSheet(strings.NewReader("donor;age;cfe_sample\nD1;34,5;plateA\nD2;;\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || *ds[0].AgeYears != 34.5 || ds[0].CFESample != "plateA" || ds[1].CFESample != "D2" || ds[1].AgeYears != nil || ds[1].ViabilitySample != "D2" {
		t.Errorf("%+v", ds)
	}
	for _, s := range []string{"age\n1\n", "donor\n\n", "donor,age\nD1,200\n", "donor\nD1\nD1\n", "donor\na/b\n"} {
		if _, err := ReadDonorSheet(strings.NewReader(s)); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// A donor with no data at all still gets a passport, every measure flagged.
func TestSkinNoData(t *testing.T) {
	r, _ := ParseReference([]byte(DefaultReferenceJSON))
	b, err := Skin(SkinDonor{Donor: "D9", CFESample: "D9", ProliferationSample: "D9", ViabilitySample: "D9", GrowthDonor: "D9"},
		SkinInputs{Reference: r}, Sources{}, "2026-12-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Passport.QC) != 4 || len(b.Passport.Decision.Reasons) != 4 {
		t.Errorf("QC %+v reasons %v", b.Passport.QC, b.Passport.Decision.Reasons)
	}
	if _, err := SkinFiles(b); err != nil {
		t.Fatal(err)
	}
}
