package growth

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// Exact truth: seeded × 2^PD harvested.
func TestReadSheetExact(t *testing.T) {
	sheet := "donor,passage,cells_seeded,cells_harvested,days\n" +
		"D1,1,100000,400000,4\n" + // PD 2, DT 48 h
		"D1,2,100000,800000,6\n" + // PD 3, DT 48 h
		"D1,3,200000,200000,5\n" + // PD 0: no growth
		"D2,2,50000,800000,8\n" + // out of order: PD 4, DT 48 h
		"D2,1,50000,100000,1\n" + // PD 1, DT 24 h
		"D2,3,abc,1,1\n" + // bad row
		"D3,1,1000,2000,2\n" +
		"D3,1,1000,4000,2\n" // repeated passage
	donors, problems, err := ReadSheet(strings.NewReader(sheet))
	if err != nil {
		t.Fatal(err)
	}
	if len(donors) != 3 || len(problems) != 2 {
		t.Fatalf("%d donors, problems %v", len(donors), problems)
	}
	for _, c := range []struct {
		d          int
		cpd, days  float64
		meanDT     float64
		valid      int
		flags      []string
		passagePDs []float64
	}{
		{0, 5, 15, 10.0 * 24 / 5, 3, []string{FlagNoGrowth}, []float64{2, 3, 0}},
		{1, 5, 9, 9.0 * 24 / 5, 2, []string{FlagPassageGap}, []float64{1, 4, 0}},
		{2, 1, 2, 48, 1, []string{FlagPassageGap}, []float64{1, 0}},
	} {
		d := donors[c.d]
		if !(math.Abs(d.CumulativePD-c.cpd) < 1e-12) || d.TotalDays != c.days || !(math.Abs(d.MeanDTH-c.meanDT) < 1e-9) || d.ValidPassages != c.valid {
			t.Errorf("%s: CPD %v days %v meanDT %v valid %d; want %v %v %v %d", d.Donor, d.CumulativePD, d.TotalDays, d.MeanDTH, d.ValidPassages, c.cpd, c.days, c.meanDT, c.valid)
		}
		if strings.Join(d.Flags, ",") != strings.Join(c.flags, ",") {
			t.Errorf("%s: flags %v, want %v", d.Donor, d.Flags, c.flags)
		}
		for i, pd := range c.passagePDs {
			if !(math.Abs(d.Passages[i].PD-pd) < 1e-12) {
				t.Errorf("%s passage %d: PD %v, want %v", d.Donor, d.Passages[i].Passage, d.Passages[i].PD, pd)
			}
		}
	}
	if dt := donors[1].Passages[0].DoublingTimeH; dt != 24 {
		t.Errorf("D2 passage 1 doubling time %v h, want 24", dt)
	}
	if donors[0].Passages[2].DoublingTimeH != 0 {
		t.Error("no-growth passage has a doubling time")
	}
	if donors[1].Passages[1].CumulativePD != 5 || donors[1].Passages[1].CumulativeDays != 9 {
		t.Errorf("D2 cumulative after passage 2: %+v", donors[1].Passages[1])
	}
	if fig, err := Figure(donors, "svg"); err != nil || !bytes.Contains(fig, []byte("<svg")) {
		t.Errorf("figure: %v", err)
	}
	if fig, err := Figure(donors, "png"); err != nil || !bytes.HasPrefix(fig, []byte("\x89PNG")) {
		t.Errorf("png figure: %v", err)
	}
}

func TestReadSheetErrors(t *testing.T) {
	for _, s := range []string{"", "donor,passage\nD,1\n", "donor,passage,cells_seeded,cells_harvested,days\n"} {
		if _, _, err := ReadSheet(strings.NewReader(s)); !errors.Is(err, ErrSheet) {
			t.Errorf("%q: err %v, want ErrSheet", s, err)
		}
	}
	// ';' with decimal commas; bad values are row problems, not errors.
	donors, problems, err := ReadSheet(strings.NewReader("donor;passage;cells_seeded;cells_harvested;days\nA;1;1,5e5;6e5;3,5\nA;2;0;1e5;2\nA;3;1e5;2e5;-1\nA;2.5;1e5;2e5;1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 3 || donors[0].ValidPassages != 1 || donors[0].Passages[0].PD != 2 || donors[0].Passages[0].DoublingTimeH != 42 {
		t.Errorf("problems %v, donor %+v", problems, donors[0])
	}
	if _, err := Figure(nil, "png"); err == nil {
		t.Error("empty figure drew")
	}
}

func FuzzReadSheet(f *testing.F) {
	f.Add("donor,passage,cells_seeded,cells_harvested,days\nD,1,1e5,4e5,4\n")
	f.Add("donor;passage;cells_seeded;cells_harvested;days\nD;1;1e-300;1e300;1e-300\n")
	f.Fuzz(func(t *testing.T, s string) {
		donors, _, err := ReadSheet(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, d := range donors {
			for _, v := range []float64{d.CumulativePD, d.MeanDTH, d.TotalDays} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite value in %+v", d)
				}
			}
		}
	})
}
