package colonies

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

// TestDishCFE: the CFE is finite for every seeding, absent outside the
// plausible seeding range, and flagged above 100 %.
func TestDishCFE(t *testing.T) {
	t.Parallel()
	cases := []struct {
		colonies int
		seeded   float64
		want     float64
		ok       bool
		flag     string
	}{
		{50, 1000, 5, true, ""},
		{0, 500, 0, true, ""},
		{100, 100, 100, true, ""},
		{101, 100, 101, true, models.QCImplausibleCFE},
		{25, 1e-300, 0, false, models.QCNoSeeding},
		{25, 0.5, 0, false, models.QCNoSeeding},
		{25, 0, 0, false, models.QCNoSeeding},
		{25, math.NaN(), 0, false, models.QCNoSeeding},
		{25, math.Inf(1), 0, false, models.QCNoSeeding},
		{25, 1e308, 0, false, models.QCNoSeeding},
	}
	for _, c := range cases {
		got, ok, qc := DishCFE(c.colonies, c.seeded)
		if ok != c.ok || math.Abs(got-c.want) > 1e-9 || math.IsNaN(got) || math.IsInf(got, 0) {
			t.Errorf("DishCFE(%d, %g) = %g, %v; want %g, %v", c.colonies, c.seeded, got, ok, c.want, c.ok)
		}
		if (c.flag == "") != (len(qc) == 0) || (c.flag != "" && !slices.Contains(qc, c.flag)) {
			t.Errorf("DishCFE(%d, %g) qc %v, want %q", c.colonies, c.seeded, qc, c.flag)
		}
	}
}

func TestSummariseCFEImplausible(t *testing.T) {
	t.Parallel()
	rows := []models.ColonyPlateResult{
		{Sample: "a", Status: models.StatusOK, Colonies: 30, CellsSeeded: 10},
		{Sample: "b", Status: models.StatusOK, Colonies: 30, CellsSeeded: 1e-300},
		{Sample: "c", Status: models.StatusOK, Colonies: 30, CellsSeeded: 1000},
	}
	s := SummariseCFE(rows)
	if len(s) != 3 {
		t.Fatalf("%d samples, want 3", len(s))
	}
	if !slices.Contains(s[0].QC, models.QCImplausibleCFE) {
		t.Errorf("sample a (CFE %g %%): qc %v, want %s", s[0].CFEPct, s[0].QC, models.QCImplausibleCFE)
	}
	if s[1].Images != 0 || s[1].FailedImages != 1 || s[1].CFEPct != 0 {
		t.Errorf("sample b seeded 1e-300: %+v, want failed and no CFE", s[1])
	}
	if math.Abs(s[2].CFEPct-3) > 1e-9 || len(s[2].QC) != 0 {
		t.Errorf("sample c: %+v, want CFE 3 %% and no flags", s[2])
	}
}

// TestSummariseCFEPassesDishFlags: a dish flag that says its count may be
// wrong reaches the sample (a contested polarity, a confluent dish); one
// about the dish's layout (objects near the rim) stays with the dish.
func TestSummariseCFEPassesDishFlags(t *testing.T) {
	t.Parallel()
	rows := []models.ColonyPlateResult{
		{Sample: "a", Status: models.StatusOK, Colonies: 30, CellsSeeded: 100, QC: []string{models.QCPolarityContested}},
		{Sample: "a", Status: models.StatusOK, Colonies: 40, CellsSeeded: 100, QC: []string{models.QCRimObjects}},
		{Sample: "b", Status: models.StatusOK, Colonies: 40, CellsSeeded: 100, QC: []string{models.QCConfluent, models.QCRimObjects}},
	}
	s := SummariseCFE(rows)
	if len(s) != 2 {
		t.Fatalf("%d samples, want 2", len(s))
	}
	if !reflect.DeepEqual(s[0].QC, []string{models.QCPolarityContested}) {
		t.Errorf("sample a qc %v, want [%s]", s[0].QC, models.QCPolarityContested)
	}
	if !reflect.DeepEqual(s[1].QC, []string{models.QCConfluent}) {
		t.Errorf("sample b qc %v, want [%s]", s[1].QC, models.QCConfluent)
	}
}

func TestReadPlateMapSeeding(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"1e-300", "0", "-5", "NaN", "inf", "1e308", "0.5", "many"} {
		_, err := ReadPlateMap(strings.NewReader("image,sample,cells_seeded\na.png,s," + v + "\n"))
		if !errors.Is(err, ErrPlateMap) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("cells_seeded %s: err %v, want ErrPlateMap naming line 2", v, err)
		}
	}
	m, err := ReadPlateMap(strings.NewReader("\ufeffImage,Donor,cells_seeded,replicate\na.png,d1,1000,1\n\nb.png,d1,2.5e3,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e, found, unused := AssignPlates(m, []string{"dir/b.png"}); !found[0] || e[0].CellsSeeded != 2500 || e[0].Sample != "d1" || e[0].Replicate != "2" ||
		!reflect.DeepEqual(unused, []string{"a.png"}) {
		t.Errorf("b.png: %+v, %v, unused %v", e, found, unused)
	}
	// Keys with a folder match the end of the path at a folder boundary,
	// and the more specific key wins (imagename's rules; before they were
	// shared, the bare file name won here).
	m, err = ReadPlateMap(strings.NewReader("image,sample,cells_seeded\nimages/d1.png,a,100\nd1.png,b,200\nx/images/d2.png,c,300\n"))
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/data/cv/images/d1.png", "/data/x/images/d2.png", "/data/y/images/d2.png", "/data/ximages/d2.png"}
	e, found, unused := AssignPlates(m, paths)
	for j, want := range []string{"a", "c", "", ""} {
		if found[j] != (want != "") || e[j].Sample != want {
			t.Errorf("AssignPlates: %s = %q, %v; want %q", paths[j], e[j].Sample, found[j], want)
		}
	}
	if !reflect.DeepEqual(unused, []string{"d1.png"}) {
		t.Errorf("unused %v, want [d1.png]", unused)
	}
}

// TestSizeRule: the first rule that applies decides, µm rules need a
// pixel size, and the cell rule in px needs none.
func TestSizeRule(t *testing.T) {
	t.Parallel()
	cal := models.Calibration{PixelSizeUM: 10, Source: "flag"}
	none := models.Calibration{}
	cases := []struct {
		name string
		opt  Options
		cal  models.Calibration
		area float64 // working px², scale 0.5
		rule string
	}{
		{"area px", Options{MinColonyAreaPx: 400, MinCells: 50, CellAreaPx: 20}, cal, 100, SizeRuleAreaPx},
		{"area µm²", Options{MinColonyAreaUM2: 40000}, cal, 100, SizeRuleAreaUM2},
		{"diameter µm", Options{MinColonyDiameterUM: 200}, cal, math.Pi / 4 * 100, SizeRuleDiameterUM},
		{"cells µm²", Options{MinCells: 50, CellAreaUM2: 800}, cal, 100, SizeRuleCellsUM2},
		{"cells px", Options{MinCells: 50, CellAreaPx: 8}, none, 100, SizeRuleCellsPx},
		{"cells µm² uncalibrated", Options{MinCells: 50, CellAreaUM2: 800}, none, math.Pi / 4 * 64, SizeRuleAuto},
		{"auto", Options{}, none, math.Pi / 4 * 64, SizeRuleAuto},
	}
	for _, c := range cases {
		got, rule := minColonyAreaWork(c.opt, c.cal, 0.5, 800)
		if rule != c.rule || math.Abs(got-c.area) > 1e-9 {
			t.Errorf("%s: %g px², rule %s; want %g, %s", c.name, got, rule, c.area, c.rule)
		}
	}
}
