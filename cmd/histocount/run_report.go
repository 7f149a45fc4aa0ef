package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/batchreport"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// finishRun prints the job's summary table (unless --quiet) and, with
// --report, writes report.html from summary.json and results.jsonl. A run
// that did not finish (usage error, interruption) is left as it is.
func finishRun(o runOptions, items []models.ManifestItem, withReport bool, runErr error, stdout, stderr io.Writer) error {
	var partial errPartial
	var all errAllFailed
	if runErr != nil && !errors.As(runErr, &partial) && !errors.As(runErr, &all) {
		return runErr
	}
	b, err := os.ReadFile(filepath.Join(o.Out, "summary.json"))
	if err != nil {
		return errors.Join(runErr, err)
	}
	var sum models.JobSummary
	if err := json.Unmarshal(b, &sum); err != nil {
		return errors.Join(runErr, err)
	}
	if !o.Quiet {
		printRunSummary(stdout, sum)
	}
	if !withReport {
		return runErr
	}
	rows, index, err := job.ReportItems(o.Out)
	if err != nil {
		return errors.Join(runErr, err)
	}
	stems := itemStems(items)
	overlay := func(i int) (string, []byte) {
		rel := filepath.Join("overlays", stems[index[i]]+".png")
		p := filepath.Join(o.Out, rel)
		if _, err := os.Stat(p); err != nil {
			return "", nil
		}
		th, err := htmlreport.Thumbnail(p, 180)
		if err != nil {
			return "", nil
		}
		return filepath.ToSlash(rel), th
	}
	html, err := htmlreport.Render(batchreport.RunPage(sum, rows, overlay))
	if err == nil {
		err = report.WriteFile(filepath.Join(o.Out, ReportFile), html)
	}
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("report: %w", err))
	}
	if !o.Quiet {
		fmt.Fprintf(stderr, "run: report in %s\n", filepath.Join(o.Out, ReportFile))
	}
	return runErr
}

func printRunSummary(w io.Writer, s models.JobSummary) {
	c := s.Counts
	fmt.Fprintln(w)
	human.Table(w, []string{"job", "items", "ok", "reused", "failed", "interrupted", "flagged"},
		[][]string{{s.JobID, fmt.Sprint(c.Total), fmt.Sprint(c.OK), fmt.Sprint(c.Skipped), fmt.Sprint(c.Failed), fmt.Sprint(c.Interrupted), fmt.Sprint(c.Flagged)}},
		[]bool{false, true, true, true, true, true, true})
	if len(s.CellsSamples) > 0 {
		var cells models.CellsRun
		cells.Samples = s.CellsSamples
		printCellsSummary(w, cells)
	}
	if len(s.ColoniesSamples) > 0 {
		var col models.ColoniesRun
		col.Samples = s.ColoniesSamples
		printColoniesSummary(w, col)
	}
}

// itemStems gives every manifest item a file-name-safe stem derived from
// its id, unique within the manifest (computed over all items, so a shard
// names its files as the unsharded run would).
func itemStems(items []models.ManifestItem) map[int]string {
	cands, keys := make([]string, len(items)), make([]string, len(items))
	natural := make([]bool, len(items))
	for i, it := range items {
		s := strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
				return r
			}
			return '_'
		}, it.ID)
		if strings.HasPrefix(s, ".") {
			s = "_" + s[1:]
		}
		// An id kept as it is never yields to a sanitised one: a/b does
		// not take a_b's name, nor a_b__2's.
		cands[i], keys[i], natural[i] = s, it.ID, s == it.ID
	}
	stems := uniqueStems(cands, keys, natural)
	out := make(map[int]string, len(items))
	for i, it := range items {
		out[it.Index] = stems[i]
	}
	return out
}
