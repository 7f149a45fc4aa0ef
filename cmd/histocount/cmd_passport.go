package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/passport"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/human"
)

const passportHelp = `
Usage: histocount passport dose --sheet BATCHES.csv --results CELLS_DIR --out DIR

Writes one dose passport per cell batch: DIR/<batch_id>/passport.json
(histocount schema passport), passport.html (self-contained) and
passport.pdf (A4), from the counts of 'histocount cells' (CELLS_DIR, with
a pixel size) and a batch sheet, one row per batch:

  batch_id, container_volume_ml, dose_viable_cells   required
  images   the batch's fields as named in the results, separated by ';'
  sample   … or the cells sample that pools them (--sample-by dir: folder)
  donor, product, operator, date                      printed on the passport
  min_viable_per_ml (default 1e6), min_viability_pct (default 70)

Each passport gives viable cells/ml and viability with 95 % intervals, the
viable cells in the container, the volume to draw for the dose (with its
range), the release decision with the rule that decided it and every
check, QC flags, every image with its sha256 and an overlay thumbnail, the
histocount version, commit and counting parameters, and signature lines.

Release: only when every check passes (concentration known; lower 95 %
limits of viable cells/ml and of viability at or above the minimums; the
dose fits the container). Exit codes: 0 every batch released; 3 passports
written but at least one batch NOT released (reasons on stderr and on the
passport); 2 bad sheet or results (images not in the results, unknown
sample, bad numbers) — nothing written; 1 outputs could not be written.

Example:
  histocount cells --stain trypan --pixel-size 0.65 --sample-by dir --out counts/ batch-images/
  histocount passport dose --sheet batches.csv --results counts/ --out passports/
`

func runPassportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := newFlagSet("passport", passportHelp, stderr)
		if _, err := parseInterspersed(fs, args); err != nil {
			return err
		}
		return usageErrorf("passport needs a kind: dose or skin (see histocount passport --help, histocount passport skin --help)")
	}
	switch args[0] {
	case models.PassportDose:
		return runPassportDose(ctx, args[1:], stdout, stderr)
	case models.PassportSkin:
		return runPassportSkin(ctx, args[1:], stdout, stderr)
	}
	return usageErrorf("unknown passport kind %q; kinds: dose, skin", args[0])
}

type passportOptions struct {
	Sheet, Results, Out, Issued string
}

func runPassportDose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o passportOptions
	fs := newFlagSet("passport dose", passportHelp, stderr)
	fs.StringVar(&o.Sheet, "sheet", "", "batch sheet CSV (required)")
	fs.StringVar(&o.Results, "results", "", "results `dir` of histocount cells (required)")
	fs.StringVar(&o.Out, "out", "", "output `dir` (required): one folder per batch")
	fs.StringVar(&o.Issued, "issued", "", "issue time, RFC 3339 (default: now; set it to reproduce a passport byte for byte)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("passport dose takes no positional arguments, got %v", pos)
	}
	if o.Sheet == "" || o.Results == "" || o.Out == "" {
		return usageErrorf("--sheet, --results and --out are required")
	}
	started := time.Now()
	issued, err := issuedTime(o.Issued, started)
	if err != nil {
		return err
	}
	sheetBytes, err := os.ReadFile(o.Sheet)
	if err != nil {
		return usageErrorf("--sheet: %v", err)
	}
	batches, err := passport.ReadBatchSheet(strings.NewReader(string(sheetBytes)))
	if err != nil {
		return usageErrorf("%s: %v", o.Sheet, err)
	}
	run, err := cellsrun.Load(o.Results)
	if err != nil {
		return usageErrorf("--results: %v", err)
	}
	resultsBytes, err := os.ReadFile(run.Path)
	if err != nil {
		return usageErrorf("--results: %v", err)
	}
	paths := make([]string, len(run.Images))
	for i, im := range run.Images {
		paths[i] = im.Image
	}
	stems := outputStems(paths)
	outAbs, _ := filepath.Abs(o.Out)
	src := passport.Sources{
		Provenance: provenance(started, map[string]string{"sheet": o.Sheet, "results": o.Results}),
		Results:    run.Path, ResultsSHA256: sha256Hex(resultsBytes), Sheet: o.Sheet, SheetSHA256: sha256Hex(sheetBytes),
		Overlay: func(i int) string {
			p := filepath.Join(run.Dir, "overlays", stems[i]+".png")
			if _, err := os.Stat(p); err != nil {
				return ""
			}
			abs, _ := filepath.Abs(p)
			return abs
		},
	}
	var files []report.File
	var built []*passport.Built
	var problems []string
	for _, bt := range batches {
		src.OutDir = filepath.Join(outAbs, bt.BatchID)
		b, err := passport.Dose(bt, run, src, issued)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		fs, err := passport.Files(b)
		if err != nil {
			return fmt.Errorf("passport %s: %w", bt.BatchID, err)
		}
		for _, f := range fs {
			files = append(files, report.File{Name: filepath.Join(bt.BatchID, f.Name), Data: f.Data})
		}
		built = append(built, b)
	}
	if len(problems) > 0 {
		return usageErrorf("nothing written: %s", strings.Join(problems, "\n  "))
	}
	if err := report.WriteAll(o.Out, files); err != nil {
		return fmt.Errorf("passport: %w", err)
	}
	// The summary a technician reads on the terminal.
	var rows [][]string
	notReleased := 0
	for _, b := range built {
		p := b.Passport
		d := p.Dose
		viable, draw := "unknown", "unknown"
		if d.ViablePerML != nil {
			viable = human.PerML(d.ViablePerML.Value)
		}
		if d.DrawVolumeML != nil {
			draw = human.Sig(d.DrawVolumeML.Value, 3) + " ml"
		}
		decision := "RELEASED"
		if p.Decision.Status != models.Released {
			decision = "NOT RELEASED"
			notReleased++
		}
		rows = append(rows, []string{p.ID, viable, human.Pct(d.ViabilityPct.Value), human.Sig(d.ContainerVolumeML, 3) + " ml", draw, decision})
	}
	fmt.Fprintln(stdout)
	human.Table(stdout, []string{"batch", "viable cells", "viability", "container", "dose volume", "decision"}, rows,
		[]bool{false, true, true, true, true, false})
	for _, b := range built {
		for _, r := range b.Passport.Decision.Reasons {
			fmt.Fprintf(stderr, "passport: batch %s NOT RELEASED: %s\n", b.Passport.ID, r)
		}
	}
	fmt.Fprintf(stderr, "passport: %d passport(s) in %s\n", len(built), o.Out)
	if notReleased > 0 {
		return errPartial{notReleased, len(built), fmt.Sprintf("%d of %d batch(es) not released (see the passports)", notReleased, len(built))}
	}
	return nil
}

// issuedTime is --issued (RFC 3339) in UTC, or now when it is empty.
func issuedTime(flag string, now time.Time) (string, error) {
	if flag == "" {
		return now.UTC().Format(time.RFC3339), nil
	}
	t, err := time.Parse(time.RFC3339, flag)
	if err != nil {
		return "", usageErrorf("--issued: %v", err)
	}
	return t.UTC().Format(time.RFC3339), nil
}
