package study_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/histocount/histocount/study"
)

func ExampleAnalyse() {
	sheet := `image,subject,month
S01_m0.tif,S01,0
S01_m12.tif,S01,12
S02_m0.tif,S02,0
S02_m12.tif,S02,12
S03_m0.tif,S03,0
S03_m12.tif,S03,12
`
	results := `image,status,dermis_thickness_mean_um
/run/S01_m0.tif,ok,1500
/run/S01_m12.tif,ok,2400
/run/S02_m0.tif,ok,1300
/run/S02_m12.tif,ok,2150
/run/S03_m0.tif,ok,1650
/run/S03_m12.tif,ok,2700
`
	rows, err := study.ReadSheet(strings.NewReader(sheet))
	if err != nil {
		log.Fatal(err)
	}
	ms, err := study.ReadResultsCSV(strings.NewReader(results))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := study.Analyse(rows, ms, study.Options{})
	if err != nil {
		log.Fatal(err)
	}
	tp := rep.Groups[0].Timepoints[1]
	c := tp.ChangePct
	fmt.Printf("month %g: %+.1f ± %.1f %% (95 %% CI %.1f to %.1f), n = %d, paired t-test p = %.3f\n",
		tp.Month, c.Mean, c.SD, c.CILow, c.CIHigh, tp.Paired, tp.TTest.P)
	// Output: month 12: +63.0 ± 2.7 % (95 % CI 56.2 to 69.8), n = 3, paired t-test p = 0.004
}

func ExampleReadSheet() {
	sheet := "\ufeffSubject,Section_ID , Month,Group,Notes\n" +
		"P01,biopsies/P01_a.tif,M12,Treated,left flank\n"
	rows, err := study.ReadSheet(strings.NewReader(sheet))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s month %g %s (line %d)\n", rows[0].Subject, rows[0].Image, rows[0].Month, rows[0].Group, rows[0].Line)
	// Output: P01 biopsies/P01_a.tif month 12 Treated (line 2)
}
