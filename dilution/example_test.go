package dilution_test

import (
	"fmt"
	"os"

	"github.com/histocount/histocount/dilution"
	"github.com/histocount/histocount/report/human"
)

// COMET's example 1 (ISO 20391-2 Annex D): one method, 5 DFs × 3
// replicate samples × 3 observations.
func ExampleAnalyse() {
	f, err := os.Open("testdata/comet/Full_Template_Example_1_COMET.csv")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	obs, err := dilution.ReadTemplate(f)
	if err != nil {
		panic(err)
	}
	a, err := dilution.Analyse(obs, dilution.Options{}) // point values only
	if err != nil {
		panic(err)
	}
	m := a.Methods[0].Values()
	fmt.Println("design met:", a.DesignMet)
	fmt.Println("β:", human.PerML(m[dilution.PropConst]))
	fmt.Printf("R²: %.6f\n", m[dilution.RSquared])
	fmt.Printf("PI (smoothed scaled SSE): %.6f\n", m[dilution.SmoothedScaledSSE])
	fmt.Printf("mean CV at DF 0.1: %.4f\n", m[dilution.CVName(0.1)])
	// Output:
	// design met: true
	// β: 1.06 × 10⁶ /ml
	// R²: 0.998381
	// PI (smoothed scaled SSE): 0.011623
	// mean CV at DF 0.1: 0.0562
}
