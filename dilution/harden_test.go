package dilution

import (
	"strings"
	"testing"

	"github.com/histocount/histocount/models"
)

// Names from the template reach the CSVs defused against formula
// injection (issue 15); numbers stay numbers.
func TestFilesCSVFormulaInjection(t *testing.T) {
	run := models.DilutionRun{Methods: []models.DilutionMethod{{CountingMethod: "=HYPERLINK(\"x\")",
		Metrics: []models.DilutionMetric{{Name: "@r2", Value: -0.5}}}}}
	files, err := Files(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".csv") {
			continue
		}
		for _, line := range strings.Split(string(f.Data), "\n") {
			if strings.HasPrefix(line, "=") || strings.HasPrefix(line, "\"=") || strings.Contains(line, ",@") {
				t.Errorf("%s: formula not defused: %q", f.Name, line)
			}
		}
		if strings.Contains(string(f.Data), "@r2") && !strings.Contains(string(f.Data), ",-0.5") {
			t.Errorf("%s: number quoted:\n%s", f.Name, f.Data)
		}
	}
}
