package dilution

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// readRef reads one of COMET's reference tables as maps by column name.
func readRef(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "comet", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func readExample(t *testing.T, n int) []Observation {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "comet", fmt.Sprintf("Full_Template_Example_%d_COMET.csv", n)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	obs, err := ReadTemplate(f)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func relClose(got, want, tol float64) bool {
	if want == 0 {
		return math.Abs(got) <= tol
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}

// TestCOMETPointValues: every point value of every metric of COMET's three
// examples, its method-pair ratios and its replicate-sample table, to 1e-6
// relative.
func TestCOMETPointValues(t *testing.T) {
	const tol = 1e-6
	for n := 1; n <= 3; n++ {
		t.Run(fmt.Sprintf("example%d", n), func(t *testing.T) {
			a, err := Analyse(readExample(t, n), Options{Boot: 20, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]map[string]float64{}
			for _, m := range a.Methods {
				got[m.CountingMethod] = m.Values()
			}
			ref := readRef(t, fmt.Sprintf("example%d_metrics.csv", n))
			if len(ref) == 0 {
				t.Fatal("empty reference")
			}
			checked := 0
			for _, r := range ref {
				want, err := strconv.ParseFloat(r["Value"], 64)
				if err != nil {
					t.Fatalf("reference %v: %v", r, err)
				}
				g, ok := got[r["counting_method"]][r["Metric"]]
				if !ok {
					t.Errorf("%s %s: missing (want %v)", r["counting_method"], r["Metric"], want)
					continue
				}
				if !relClose(g, want, tol) {
					t.Errorf("%s %s = %.12g, COMET %.12g (rel %.2g)", r["counting_method"], r["Metric"], g, want, math.Abs(g-want)/math.Abs(want))
				}
				checked++
			}
			t.Logf("%d metrics checked against COMET", checked)
			total := 0
			for _, m := range got {
				total += len(m)
			}
			if total != checked {
				t.Errorf("%d metrics computed, %d in COMET's reference", total, checked)
			}
			// Replicate samples.
			reps := readRef(t, fmt.Sprintf("example%d_rep_dat.csv", n))
			var ours []struct {
				m    string
				mean float64
				n    int
			}
			for _, m := range a.Methods {
				for _, r := range m.ReplicateSamples {
					ours = append(ours, struct {
						m    string
						mean float64
						n    int
					}{m.CountingMethod, r.MeanConc, r.N})
				}
			}
			if len(ours) != len(reps) {
				t.Fatalf("%d replicate samples, COMET %d", len(ours), len(reps))
			}
			for i, r := range reps {
				want, _ := strconv.ParseFloat(r["mean_conc"], 64)
				if ours[i].m != r["counting_method"] || !relClose(ours[i].mean, want, tol) || strconv.Itoa(ours[i].n) != r["n_conc"] {
					t.Errorf("replicate %d: %s %v n=%d, COMET %s %v n=%s", i, ours[i].m, ours[i].mean, ours[i].n, r["counting_method"], want, r["n_conc"])
				}
			}
			// Method-pair ratios.
			if _, err := os.Stat(filepath.Join("testdata", "comet", fmt.Sprintf("example%d_compare.csv", n))); err == nil {
				cmp := readRef(t, fmt.Sprintf("example%d_compare.csv", n))
				byKey := map[string]float64{}
				for _, c := range a.Comparisons {
					byKey[c.Metric+"|"+c.Level1+"|"+c.Level2] = c.Ratio
				}
				for _, r := range cmp {
					want, _ := strconv.ParseFloat(r["Ratio"], 64)
					g, ok := byKey[r["Metric"]+"|"+r["level1"]+"|"+r["level2"]]
					if !ok || !relClose(g, want, tol) {
						t.Errorf("ratio %s %s/%s = %v (found %v), COMET %v", r["Metric"], r["level1"], r["level2"], g, ok, want)
					}
				}
				if len(cmp) != len(a.Comparisons) {
					t.Errorf("%d ratios, COMET %d", len(a.Comparisons), len(cmp))
				}
			} else if len(a.Comparisons) != 0 {
				t.Errorf("one method, yet %d comparisons", len(a.Comparisons))
			}
		})
	}
}
