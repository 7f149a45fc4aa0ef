package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/histocount/histocount/internal/job"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

const runHelp = `
Usage: histocount run [flags] --out DIR MANIFEST

Runs a LIMS job. MANIFEST is a JSON file (or - for stdin) listing images,
the analysis each needs (kind: cells, colonies, dermis) and its parameters;
'histocount schema manifest' prints its JSON Schema. The manifest is checked
completely before any work: every problem is listed with its JSON path, and
nothing runs (exit 2).

Outputs in DIR, each renamed into place only when complete:
  results.jsonl  one JSON object per item, in manifest order, with the
                 effective parameters, input sha256 and provenance
                 ('histocount schema result')
  summary.json   counts, exit code, per-sample aggregates: cells pooled
                 into concentration and viability (cells_samples), dishes
                 into CFE with a Poisson 95 % CI and replicate mean ± SD
                 (colonies_samples); 'histocount schema summary'
  overlays/<id>.png, labels/<id>.png with --overlays, --save-labels
                 (dermis items also geojson/<id>.geojson)
  passports/     with a manifest "passports" block (dose sheet, skin
                 donors/growth/reference): dose/<batch>/ and skin/<donor>/
                 passports from this job's results, as 'histocount passport'
                 writes them; listed in summary.json (a batch not released
                 or a donor with a measure missing: exit 3). A sharded run
                 leaves them to 'histocount merge'.

Kinds and their parameters ('histocount schema manifest' for all):
  cells     stain, pixel_size_um, depth_um, dilution, trypan_ratio, …
  colonies  cells_seeded (CFE), polarity, pixel_size_um, min_colony_area_px,
            min_colony_area_um2, min_colony_diameter_um, min_cells with
            cell_area_um2; sample_id pools replicate dishes
  dermis    stain, pixel_size_um, interval_um

Resume: running the same manifest into the same DIR again carries over every
item whose earlier record is ok and has the same input sha256, effective
parameters and histocount build (counted as skipped); the rest is analysed.
An interrupted run (exit 130) keeps what finished; so does a killed one
(kill -9, out of memory): every finished item is appended at once to
DIR/results.partial.jsonl, which the next run reads and a complete run
removes. --fresh ignores DIR.

Job root: every item path must resolve (symlinks followed) inside --root,
by default the manifest's folder (the current folder for -); other paths
are refused with exit 2. --allow-outside-root lifts this when the LIMS
vouches for the manifest.

Sharding: --shard i/n (0 <= i < n) runs the items whose id hashes (FNV-1a)
to i modulo n: the same slice whatever the item order. --shard auto/n takes
i from JOB_COMPLETION_INDEX (Kubernetes indexed Job) or SLURM_ARRAY_TASK_ID
(minus SLURM_ARRAY_TASK_MIN; a task resubmitted alone with
--array=i keeps shard i). Give every shard its own DIR and combine them
with 'histocount merge'.

Example:
  histocount run --workers 4 --out results/ job.json
  histocount run --shard auto/8 --out results/shard-$JOB_COMPLETION_INDEX job.json
  histocount merge --manifest job.json --out results/all results/shard-*
`

// maxManifestBytes bounds a manifest read into memory (~1 M items).
const maxManifestBytes = 512 << 20

type runOptions struct {
	batchFlags
	Shard            string
	Fresh            bool
	Overlays         bool
	SaveLabels       bool
	Root             string
	AllowOutsideRoot bool
}

// runTestHooks let tests observe and interrupt a run; nil in production.
var runTestHooks struct {
	beforeAnalyse func(id string) // called by workers before an item is analysed (not when reused)
	afterItem     func(done int)  // called by the sink after each record is written
}

func runRunCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := o.flagSet("run", runHelp, stderr)
	fs.StringVar(&o.Shard, "shard", "", "run one shard: i/n (0-based) or auto/n (from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
	fs.BoolVar(&o.Fresh, "fresh", false, "analyse every item, ignoring an earlier results.jsonl in --out")
	fs.BoolVar(&o.Overlays, "overlays", false, "write overlays/<id>.png with outlined, numbered objects")
	fs.BoolVar(&o.SaveLabels, "save-labels", false, "write labels/<id>.png: 16-bit instance labels (cells, colonies) or layer labels and geojson/<id>.geojson (dermis)")
	fs.StringVar(&o.Root, "root", "", "job root `dir`: every item path must resolve inside it (default: the manifest's folder; the current folder for -)")
	fs.BoolVar(&o.AllowOutsideRoot, "allow-outside-root", false, "let item paths point anywhere the process can read (the LIMS vouches for the manifest)")
	withReport := fs.Bool("report", false, "also write report.html: counts, samples, failed and flagged items, overlays (self-contained)")
	pos, err := o.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("run needs exactly one manifest (a file or -), got %d arguments", len(pos))
	}
	shard, err := job.ParseShard(o.Shard, os.Getenv)
	if err != nil {
		return usageErrorf("%v", err)
	}
	root := o.Root
	if o.AllowOutsideRoot {
		root = ""
	} else if root == "" {
		root = "."
		if pos[0] != "-" {
			root = filepath.Dir(pos[0])
		}
	}
	m, data, baseDir, err := loadManifest(pos[0], manifestChecks{files: true, root: root,
		problemsFile: filepath.Join(o.Out, "manifest_problems.txt")})
	if err != nil {
		return err
	}
	c := job.Config{Manifest: m, ManifestSHA: sha256Hex(data), BaseDir: baseDir, Shard: shard,
		Items: job.SelectShard(m.Items, shard), Stems: itemStems(m.Items)}
	return finishRun(o, m.Items, *withReport, runJob(ctx, o, c, stderr), stdout, stderr)
}

// manifestChecks say what loadManifest checks beyond the manifest itself.
type manifestChecks struct {
	files bool   // every item's file exists and is a regular file
	root  string // with files: every item resolves inside root ("" = anywhere)
	// problemsFile receives the full list when there are more problems
	// than maxListed (stderr then gets a summary); "" = all on stderr.
	problemsFile string
}

// loadManifest reads and checks a manifest file (or stdin for "-"). Any
// problem is a usage error (exit 2) listing all of them (or, when there
// are many, the first and the file holding all).
func loadManifest(name string, chk manifestChecks) (*models.Manifest, []byte, string, error) {
	var r io.Reader
	baseDir := "."
	if name == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, "", usageErrorf("manifest: %v", err)
		}
		defer f.Close()
		r, baseDir = f, filepath.Dir(name)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, nil, "", usageErrorf("manifest %s: %v", name, err)
	}
	if len(data) > maxManifestBytes {
		return nil, nil, "", usageErrorf("manifest %s: larger than %d MiB", name, maxManifestBytes>>20)
	}
	m, perr := models.ParseManifest(data)
	var ferr, rerr error
	if m != nil && chk.files {
		ferr = m.CheckFiles(baseDir)
		if chk.root != "" && ferr == nil {
			rerr = m.CheckRoot(baseDir, chk.root)
		}
	}
	var serr error
	if m != nil && perr == nil && ferr == nil && rerr == nil {
		// A bad passport sheet stops the job before any image is analysed.
		serr = job.CheckPassportSheets(m, baseDir)
	}
	if err := models.JoinManifestErrors(perr, ferr, rerr, serr); err != nil {
		return nil, nil, "", usageErrorf("%s: %v", name, summariseProblems(err, chk.problemsFile))
	}
	return m, data, baseDir, nil
}

// summariseProblems keeps stderr short when a manifest has many problems
// (100 000 missing files): the first maxListed, the count, and the full
// list written to file.
func summariseProblems(err error, file string) error {
	var me *models.ManifestError
	if !errors.As(err, &me) || len(me.Problems) <= maxListed || file == "" {
		return err
	}
	var b strings.Builder
	for _, p := range me.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	where := "could not be written"
	if werr := report.WriteFile(file, []byte(b.String())); werr == nil {
		where = "all listed in " + file
	} else {
		where += ": " + werr.Error()
	}
	short := &models.ManifestError{Problems: me.Problems[:maxListed]}
	return fmt.Errorf("%v\n  … and %d more problems (%s)", short, len(me.Problems)-maxListed, where)
}

// runJob prepares --out and runs the job c with the options o: the
// engine is internal/job; this is its wiring, logging and exit code.
func runJob(ctx context.Context, o runOptions, c job.Config, stderr io.Writer) error {
	started := time.Now()
	log := newLogger(o.LogFormat, stderr)
	setupThreads(o.Workers)
	release, err := prepareOut(o.Out)
	if err != nil {
		return err
	}
	defer release()
	for _, p := range []string{filepath.Join(o.Out, job.ResultsFile), filepath.Join(o.Out, job.JournalFile)} {
		if err := report.CheckRegularOrMissing(p); err != nil {
			return usageErrorf("--out: %v", err)
		}
	}
	c.Out, c.Workers, c.Fresh, c.Overlays, c.Labels, c.Limits = o.Out, o.Workers, o.Fresh, o.Overlays, o.SaveLabels, o.limits()
	c.Build, c.Log = provenance(started, nil), log
	c.Progress = jobProgress{newProgress(len(c.Items), o.Quiet, log, stderr)}
	c.BeforeAnalyse = func(id string) {
		if h := runTestHooks.beforeAnalyse; h != nil {
			h(id)
		}
	}
	c.AfterItem = func(done int) {
		if h := runTestHooks.afterItem; h != nil {
			h(done)
		}
	}
	res, err := job.Run(ctx, c)
	if err != nil {
		return err
	}
	sum := res.Summary
	if !o.Quiet {
		noConcentrationNote(stderr, sum.CellsSamples, 0, res.Tally.Nuclei)
	}
	n := sum.Counts
	log.Info("done", "out", o.Out, "items", n.Total, "ok", n.OK, "failed", n.Failed, "skipped", n.Skipped,
		"interrupted", n.Interrupted, "flagged", n.Flagged, "seconds", fmt.Sprintf("%.1f", time.Since(started).Seconds()))
	return jobError(sum)
}

// jobProgress shows a job's progress like a batch's.
type jobProgress struct{ p *progress }

func (j jobProgress) Item(id string, err error, qc []string) { j.p.item(id, err, qc) }
func (j jobProgress) Finish()                                { j.p.finish() }

// jobError turns a summary's exit code into the error main maps back to it.
func jobError(s models.JobSummary) error {
	switch s.ExitCode {
	case ExitInterrupted:
		return context.Canceled
	case ExitFailure:
		return errAllFailed{s.Counts.Failed}
	case ExitPartial:
		return errPartial{failed: s.Counts.Failed, total: s.Counts.Total}
	}
	return nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
