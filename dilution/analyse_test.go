package dilution

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// series builds a proportional series: nDF DFs × nRep replicate samples ×
// nObs observations, concentration beta·DF with a small deterministic
// spread.
func series(method string, beta float64, nDF, nRep, nObs int) []Observation {
	var out []Observation
	for d := 1; d <= nDF; d++ {
		df := float64(d) / float64(nDF)
		for r := 1; r <= nRep; r++ {
			for k := 1; k <= nObs; k++ {
				jit := 1 + 0.02*float64((d*7+r*3+k*5)%5-2)
				out = append(out, Observation{CountingMethod: method, TargetDF: df, MeasuredDF: math.NaN(),
					RandomSample: itoa(d*10 + r), Observation: itoa(k), CellConc: beta * df * jit,
					StockExtraction: itoa(d*10 + r), ReplicateSample: itoa(r)})
			}
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestAnalyseBadInput(t *testing.T) {
	one := series("A", 1e6, 1, 3, 3)
	for i := range one {
		one[i].TargetDF = 0.5
	}
	neg := series("A", 1e6, 4, 3, 3)
	neg[0].TargetDF = 0
	mixed := series("A", 1e6, 4, 3, 3)
	mixed[0].CellType = "Jurkat"
	for _, tc := range []struct {
		name string
		obs  []Observation
		want string
	}{
		{"single DF", one, "single dilution fraction (0.5)"},
		{"no rows", nil, "usable observation"},
		{"DF zero", neg, "target_dilution_fraction must be a number in [1e-06, 1000], got 0"},
		{"two cell types", mixed, "cell type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyse(tc.obs, Options{})
			if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInput containing %q", err, tc.want)
			}
		})
	}
}

func TestAnalyseProportionalSeries(t *testing.T) {
	a, err := Analyse(series("A", 2e6, 5, 3, 3), Options{Boot: 200, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !a.DesignMet || len(a.Design) != 1 || a.Design[0].DFsMeeting != 5 {
		t.Fatalf("design = %+v, want met with 5 DFs", a.Design)
	}
	v := a.Methods[0].Values()
	if math.Abs(v[PropConst]/2e6-1) > 0.02 {
		t.Errorf("β = %v, want ≈ 2e6", v[PropConst])
	}
	if !(v[RSquared] > 0.99) {
		t.Errorf("R² = %v, want > 0.99", v[RSquared])
	}
	for _, m := range a.Methods[0].Metrics {
		if m.Lower == nil || m.Upper == nil {
			t.Errorf("%s: no interval", m.Name)
			continue
		}
		if !(*m.Lower <= m.Value && m.Value <= *m.Upper) || *m.Lower < 0 {
			t.Errorf("%s: %v not in [%v, %v]", m.Name, m.Value, *m.Lower, *m.Upper)
		}
	}
	// Same seed, same intervals; another seed, other intervals.
	b, _ := Analyse(series("A", 2e6, 5, 3, 3), Options{Boot: 200, Seed: 7})
	c, _ := Analyse(series("A", 2e6, 5, 3, 3), Options{Boot: 200, Seed: 8})
	if *a.Methods[0].Metrics[0].Lower != *b.Methods[0].Metrics[0].Lower {
		t.Error("same seed gave different intervals")
	}
	if *a.Methods[0].Metrics[0].Lower == *c.Methods[0].Metrics[0].Lower {
		t.Error("another seed gave the same interval")
	}
}

func TestDesignReported(t *testing.T) {
	// 3 DFs × 2 replicate samples × 2 observations: analysable, design not met.
	a, err := Analyse(series("A", 1e6, 3, 2, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.DesignMet || a.Design[0].Met || a.Design[0].DFsMeeting != 0 {
		t.Fatalf("design = %+v, want not met", a.Design[0])
	}
	if len(a.Design[0].PerDF) != 3 || a.Design[0].PerDF[0].ReplicateSamples != 2 || a.Design[0].PerDF[0].MinObservations != 2 {
		t.Fatalf("per DF = %+v", a.Design[0].PerDF)
	}
}

// A template saved by a spreadsheet in a locale with decimal commas (';'
// between fields) or as tab-separated text reads the same as COMET's.
func TestTemplateDialects(t *testing.T) {
	b, err := os.ReadFile("testdata/comet/Full_Template_Example_1_COMET.csv")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ReadTemplate(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var semi, tab strings.Builder
	r := csv.NewReader(bytes.NewReader(b))
	recs, _ := r.ReadAll()
	for _, rec := range recs {
		out := make([]string, len(rec))
		for i, c := range rec {
			out[i] = strings.Replace(c, ".", ",", 1)
		}
		semi.WriteString(strings.Join(out, ";") + "\r\n")
		tab.WriteString(strings.Join(rec, "\t") + "\n")
	}
	for name, text := range map[string]string{"semicolon": semi.String(), "tab": tab.String()} {
		got, err := ReadTemplate(strings.NewReader(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(ref) {
			t.Fatalf("%s: %d rows, want %d", name, len(got), len(ref))
		}
		for i := range ref {
			if got[i].CellConc != ref[i].CellConc || got[i].MeasuredDF != ref[i].MeasuredDF || got[i].TargetDF != ref[i].TargetDF || got[i].CountingMethod != ref[i].CountingMethod {
				t.Fatalf("%s row %d: %+v, want %+v", name, i, got[i], ref[i])
			}
		}
	}
}
