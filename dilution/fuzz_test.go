package dilution

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

// FuzzTemplate: whatever the file, ReadTemplate and Analyse return an
// error or a result whose JSON holds no NaN/Inf (encoding/json refuses
// them), and never panic.
func FuzzTemplate(f *testing.F) {
	for _, n := range []string{"1", "2"} {
		b, err := os.ReadFile(filepath.Join("testdata", "comet", "Full_Template_Example_"+n+"_COMET.csv"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("counting_method,target_dilution_fraction,random_sample_number,rep_obsv,cell_conc\nA,0.5,1,1,10\nA,1,1,1,0\nA,1,1,2,0\n"))
	f.Add([]byte("counting_method,target_dilution_fraction,random_sample_number,rep_obsv,cell_conc\nA,0.5,1,1,10\nA,1,2,1,NA\nB,0.25,1,1,1e300\nB,1,1,1,1e300\n"))
	f.Add([]byte("\xef\xbb\xbfcounting_method,target_dilution_fraction,random_sample_number,rep_obsv,cell_conc,measured_dilution_fraction\nA,0.5,1,1,5,0.5\nA,0.5,1,2,6,\nA,1,2,1,10,1e-300\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := ReadTemplate(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(obs) > 400 {
			return // keep each run fast
		}
		a, err := Analyse(obs, Options{Boot: 5, Seed: 1})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dilution: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		run := a.Run(models.Provenance{Tool: "histocount"}, models.DilutionInput{Mode: "comet-template", Path: "x"})
		if _, err := json.Marshal(run); err != nil {
			t.Fatalf("result not encodable (NaN/Inf?): %v", err)
		}
		if _, err := Files(run); err != nil {
			t.Fatal(err)
		}
	})
}
