package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/histocount/histocount/dilution"
	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/internal/csvsheet"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

const dilutionHelp = `
Usage: histocount dilution --out DIR TEMPLATE.csv
       histocount dilution --out DIR --sheet SHEET.csv --results CELLS_DIR

Quantifies a counting method's performance from a dilution series as
ISO 20391-2:2019 prescribes, with NIST COMET's metrics (same names, same
point values): proportionality constant, R², the smoothing fit's
proportionality indices, mean CV and mean concentration per dilution
fraction, bootstrap intervals, method-pair ratios, and the design check
(≥ 4 dilution fractions × ≥ 3 replicate samples × ≥ 3 observations).

Input, one of:
  TEMPLATE.csv    COMET's full data template: one row per observation with
                  counting_method, target_dilution_fraction,
                  [measured_dilution_fraction], random_sample_number,
                  rep_obsv, cell_conc, [stock_extraction, replicate_sample …]
  --sheet/--results
                  histocount's own counts: SHEET.csv names each image with
                  columns image, target_dilution_fraction, replicate_sample,
                  observation and optionally counting_method,
                  measured_dilution_fraction; CELLS_DIR is the --out of
                  'histocount cells' (needs a pixel size). Images sharing an
                  observation are pooled as fields of one count.

Outputs in DIR: dilution_metrics.csv (counting_method,metric,value,lower,
upper), dilution_cv.csv, dilution_means.csv, dilution_replicates.csv,
dilution_design.csv, dilution_compare.csv (several methods), dilution.json
(histocount schema dilution), dilution.png/.svg and report.html. All are
written together, or none.

Exit codes: 0 done (also when the design is not met: it is reported),
2 bad input (nothing written), 1 outputs could not be written.

Example:
  histocount dilution --boot 500 --seed 7 --out qual/ Full_Template_Example_1_COMET.csv
  histocount dilution --sheet dilution-sheet.csv --results counts/ --out qual/
`

type dilutionOptions struct {
	Out, Sheet, Results, Concentration string
	Boot                               int
	Seed                               uint64
	Level                              float64
	Report                             bool
}

func runDilutionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o dilutionOptions
	fs := newFlagSet("dilution", dilutionHelp, stderr)
	fs.StringVar(&o.Out, "out", "", "output `dir` (required)")
	fs.StringVar(&o.Sheet, "sheet", "", "dilution sheet CSV naming the images of a `histocount cells` run")
	fs.StringVar(&o.Results, "results", "", "with --sheet: the `dir` of `histocount cells` (results.json)")
	fs.StringVar(&o.Concentration, "concentration", "total", "with --sheet: total or viable cells/ml")
	fs.IntVar(&o.Boot, "boot", 200, "bootstrap replicates for the intervals (0: none)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the bootstrap's random numbers")
	fs.Float64Var(&o.Level, "level", 0.95, "confidence level of the intervals")
	fs.BoolVar(&o.Report, "report", true, "write report.html")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if o.Out == "" {
		return usageErrorf("--out is required")
	}
	if o.Boot < 0 || o.Boot > 100000 {
		return usageErrorf("--boot must be 0..100000, got %d", o.Boot)
	}
	if !(o.Level > 0 && o.Level < 1) {
		return usageErrorf("--level must be in (0, 1)")
	}
	if o.Concentration != "total" && o.Concentration != "viable" {
		return usageErrorf("--concentration must be total or viable, got %q", o.Concentration)
	}
	started := time.Now()
	var obs []dilution.Observation
	var in models.DilutionInput
	switch {
	case o.Sheet != "" || o.Results != "":
		if len(pos) > 0 || o.Sheet == "" || o.Results == "" {
			return usageErrorf("give either a COMET template or --sheet and --results, not both")
		}
		obs, in, err = dilutionFromSheet(o)
	case len(pos) == 1:
		obs, in, err = dilutionFromTemplate(pos[0])
	default:
		return usageErrorf("dilution needs one COMET template CSV, or --sheet and --results (see histocount dilution --help)")
	}
	if err != nil {
		return err
	}
	a, err := dilution.Analyse(obs, dilution.Options{Boot: o.Boot, Seed: o.Seed, Level: o.Level})
	if errors.Is(err, dilution.ErrInput) {
		return usageErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	params := map[string]string{"boot": strconv.Itoa(o.Boot), "seed": strconv.FormatUint(o.Seed, 10), "level": report.F(o.Level),
		"sheet": o.Sheet, "results": o.Results, "concentration": o.Concentration}
	prov := provenance(started, params)
	prov.Finished = time.Now().UTC().Format(time.RFC3339)
	run := a.Run(prov, in)
	files, err := dilution.Files(run)
	if err != nil {
		return err
	}
	png, err := dilution.Figure(a, "png")
	if err != nil {
		return err
	}
	svg, err := dilution.Figure(a, "svg")
	if err != nil {
		return err
	}
	files = append(files, report.File{Name: dilution.FigurePNG, Data: png}, report.File{Name: dilution.FigureSVG, Data: svg})
	if o.Report {
		page, err := htmlreport.Render(dilution.Page(run, svg))
		if err != nil {
			return err
		}
		files = append(files, report.File{Name: dilution.ReportHTML, Data: page})
	}
	if err := report.WriteAll(o.Out, files); err != nil {
		return fmt.Errorf("dilution: %w", err)
	}
	printDilutionSummary(stdout, run)
	for _, n := range run.Notes {
		fmt.Fprintf(stderr, "dilution: note: %s\n", n)
	}
	if !run.DesignMet {
		fmt.Fprintln(stderr, "dilution: the design does NOT meet ISO 20391-2 (≥ 4 DFs × ≥ 3 replicate samples × ≥ 3 observations); see dilution_design.csv")
	}
	fmt.Fprintf(stderr, "dilution: %d observations, %d method(s); outputs in %s\n", run.Input.Observations, len(run.Methods), o.Out)
	return nil
}

func dilutionFromTemplate(path string) ([]dilution.Observation, models.DilutionInput, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, models.DilutionInput{}, usageErrorf("dilution: %v", err)
	}
	obs, err := dilution.ReadTemplate(bytes.NewReader(b))
	if err != nil {
		return nil, models.DilutionInput{}, usageErrorf("%s: %v", path, err)
	}
	sum := sha256.Sum256(b)
	return obs, models.DilutionInput{Mode: "comet-template", Path: path, SHA256: hex.EncodeToString(sum[:])}, nil
}

// dilutionFromSheet joins a dilution sheet with the per-image counts of a
// cells run: every sheet row is one field; fields sharing (method, target
// DF, replicate sample, observation) pool into one concentration.
func dilutionFromSheet(o dilutionOptions) ([]dilution.Observation, models.DilutionInput, error) {
	in := models.DilutionInput{Mode: "sheet", Path: o.Sheet, Results: o.Results, Concentration: o.Concentration}
	b, err := os.ReadFile(o.Sheet)
	if err != nil {
		return nil, in, usageErrorf("--sheet: %v", err)
	}
	sum := sha256.Sum256(b)
	in.SHA256 = hex.EncodeToString(sum[:])
	run, err := cellsrun.Load(o.Results)
	if err != nil {
		return nil, in, usageErrorf("--results: %v", err)
	}
	sh, err := csvsheet.Parse(b)
	if err != nil {
		return nil, in, usageErrorf("--sheet %s: %v", o.Sheet, err)
	}
	if len(sh.Rows) == 0 {
		return nil, in, usageErrorf("--sheet %s: no rows", o.Sheet)
	}
	names := map[string][]string{
		"image": {"image", "path"}, "df": {"target_dilution_fraction", "dilution_fraction", "df"},
		"rep": {"replicate_sample", "replicate", "sample"}, "obs": {"observation", "rep_obsv"},
		"method": {"counting_method", "method"}, "mdf": {"measured_dilution_fraction"}, "ss": {"stock_solution"},
	}
	for _, k := range []string{"image", "df", "rep", "obs"} {
		if !sh.Has(names[k]...) {
			return nil, in, usageErrorf("--sheet %s: needs columns image, target_dilution_fraction, replicate_sample, observation (header: %s)", o.Sheet, strings.Join(sh.Header, ","))
		}
	}
	cell := func(rec []string, k string) string { return sh.Get(rec, names[k]...) }
	type key struct{ method, df, mdf, ss, rep, obs string }
	type pool struct {
		count  int
		volume float64
		images []string
		line   int
	}
	pools := map[key]*pool{}
	var order []key
	var problems []string
	factor := run.Factor()
	seen := map[int]int{}
	for li, rec := range sh.Rows {
		line := sh.Line(li)
		name := cell(rec, "image")
		if name == "" {
			continue
		}
		idx, err := run.Find(name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		if prev, dup := seen[idx]; dup {
			problems = append(problems, fmt.Sprintf("line %d: %s is already on line %d (a field counts once)", line, name, prev))
			continue
		}
		seen[idx] = line
		im := run.Images[idx]
		if im.Status != models.StatusOK {
			problems = append(problems, fmt.Sprintf("line %d: %s failed in cells: %s", line, name, im.Error))
			continue
		}
		vol := run.VolumeUL(idx)
		if vol <= 0 {
			problems = append(problems, fmt.Sprintf("line %d: %s has no pixel size, so no concentration (rerun cells with --pixel-size)", line, name))
			continue
		}
		k := key{cell(rec, "method"), cell(rec, "df"), cell(rec, "mdf"), cell(rec, "ss"), cell(rec, "rep"), cell(rec, "obs")}
		if k.method == "" {
			k.method = "histocount"
		}
		p := pools[k]
		if p == nil {
			p = &pool{line: line}
			pools[k] = p
			order = append(order, k)
		}
		n := im.Total
		if o.Concentration == "viable" {
			n = im.Live
		}
		p.count += n
		p.volume += vol
		p.images = append(p.images, im.Image)
	}
	if len(problems) > 0 {
		return nil, in, usageErrorf("--sheet %s: %d row(s) cannot be used:\n  %s", o.Sheet, len(problems), strings.Join(problems, "\n  "))
	}
	var obs []dilution.Observation
	for _, k := range order {
		p := pools[k]
		df, ok := sh.Number(k.df)
		if !ok {
			return nil, in, usageErrorf("--sheet %s: line %d: target_dilution_fraction %q is not a number", o.Sheet, p.line, k.df)
		}
		mdf := math.NaN()
		if k.mdf != "" && k.mdf != "NA" {
			var ok bool
			if mdf, ok = sh.Number(k.mdf); !ok {
				return nil, in, usageErrorf("--sheet %s: line %d: measured_dilution_fraction %q is not a number", o.Sheet, p.line, k.mdf)
			}
		}
		rs := k.df + "/" + k.rep
		obs = append(obs, dilution.Observation{Line: p.line, CountingMethod: k.method, TargetDF: df, MeasuredDF: mdf,
			RandomSample: rs, StockExtraction: rs, ReplicateSample: k.rep, StockSolution: k.ss, Observation: k.obs,
			CellConc: float64(p.count) / p.volume * factor, Images: p.images})
	}
	return obs, in, nil
}

// printDilutionSummary prints the key numbers as a table a person reads.
func printDilutionSummary(w io.Writer, run models.DilutionRun) {
	var rows [][]string
	for _, m := range run.Methods {
		v := map[string]models.DilutionMetric{}
		for _, x := range m.Metrics {
			v[x.Name] = x
		}
		cvLo, cvHi := math.Inf(1), math.Inf(-1)
		for _, c := range m.CV {
			cvLo, cvHi = math.Min(cvLo, c.Value), math.Max(cvHi, c.Value)
		}
		design := "no"
		for _, d := range run.Design {
			if d.CountingMethod == m.CountingMethod && d.Met {
				design = "yes"
			}
		}
		cvs := "–"
		if len(m.CV) > 0 {
			cvs = human.Fixed(100*cvLo, 1) + "–" + human.Fixed(100*cvHi, 1) + " %"
		}
		rows = append(rows, []string{m.CountingMethod, human.PerML(v[dilution.PropConst].Value), human.Sig(v[dilution.RSquared].Value, 4),
			human.Sci(v[dilution.SmoothedScaledSSE].Value, 3), cvs, design})
	}
	fmt.Fprintln(w)
	human.Table(w, []string{"method", "β (conc. at DF 1)", "R²", "PI (smoothed scaled SSE)", "mean CV", "ISO design"}, rows,
		[]bool{false, true, true, true, true, false})
}
