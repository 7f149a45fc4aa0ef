package job

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/batchreport"
	"github.com/histocount/histocount/report/human"
)

// ReportItems reads dir/results.jsonl into the rows of the job's report,
// in file order, with each row's manifest index (for its overlay).
// Unreadable lines are left out: the report shows what can be shown.
func ReportItems(dir string) (rows []batchreport.RunItem, index []int, err error) {
	f, err := os.Open(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		var r models.ItemResult
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		it := batchreport.RunItem{ID: r.ID, Kind: r.Kind, Sample: r.SampleID, Status: r.Status, Error: r.Error}
		switch {
		case r.Cells != nil:
			it.QC, it.Summary = r.Cells.QC, fmt.Sprintf("%d live, %d dead", r.Cells.Live, r.Cells.Dead)
		case r.Colonies != nil:
			it.QC, it.Summary = r.Colonies.QC, fmt.Sprintf("%d colonies", r.Colonies.Colonies)
		case r.Dermis != nil:
			it.QC, it.Summary = r.Dermis.QC, "dermis "+human.Sig(r.Dermis.Dermis.Mean, 3)+" "+map[string]string{"um": "µm", "px": "px"}[r.Dermis.Unit]
		}
		rows = append(rows, it)
		index = append(index, r.Index)
	}
	return rows, index, nil
}
