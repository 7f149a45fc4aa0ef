package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/pipeline"
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

Kinds and their parameters ('histocount schema manifest' for all):
  cells     stain, pixel_size_um, depth_um, dilution, trypan_ratio, …
  colonies  cells_seeded (CFE), polarity, pixel_size_um, min_colony_area_px,
            min_colony_area_um2, min_colony_diameter_um, min_cells with
            cell_area_um2; sample_id pools replicate dishes
  dermis    stain, pixel_size_um, interval_um

Resume: running the same manifest into the same DIR again carries over every
item whose earlier record is ok and has the same input sha256, effective
parameters and histocount build (counted as skipped); the rest is analysed.
An interrupted run (exit 130) keeps what finished. --fresh ignores DIR.

Sharding: --shard i/n (0 <= i < n) runs the items whose id hashes (FNV-1a)
to i modulo n: the same slice whatever the item order. --shard auto/n takes
i from JOB_COMPLETION_INDEX (Kubernetes indexed Job) or SLURM_ARRAY_TASK_ID
(minus SLURM_ARRAY_TASK_MIN). Give every shard its own DIR and combine them
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
	Shard      string
	Fresh      bool
	Overlays   bool
	SaveLabels bool
}

// runTestHooks let tests observe and interrupt a run; nil in production.
var runTestHooks struct {
	beforeAnalyse func(id string) // called by workers before an item is analysed (not when reused)
	afterItem     func(done int)  // called by the sink after each record is written
}

// errNotStarted marks items the pipeline dispatched after cancellation.
var errNotStarted = errors.New("not started: run interrupted")

func runRunCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := o.flagSet("run", runHelp, stderr)
	fs.StringVar(&o.Shard, "shard", "", "run one shard: i/n (0-based) or auto/n (from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
	fs.BoolVar(&o.Fresh, "fresh", false, "analyse every item, ignoring an earlier results.jsonl in --out")
	fs.BoolVar(&o.Overlays, "overlays", false, "write overlays/<id>.png with outlined, numbered objects")
	fs.BoolVar(&o.SaveLabels, "save-labels", false, "write labels/<id>.png: 16-bit instance labels (cells, colonies) or layer labels and geojson/<id>.geojson (dermis)")
	withReport := fs.Bool("report", false, "also write report.html: counts, samples, failed and flagged items, overlays (self-contained)")
	pos, err := o.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("run needs exactly one manifest (a file or -), got %d arguments", len(pos))
	}
	shard, err := parseShard(o.Shard, os.Getenv)
	if err != nil {
		return err
	}
	m, data, baseDir, err := loadManifest(pos[0], true)
	if err != nil {
		return err
	}
	j := &runJob{o: o, m: m, manifestSHA: sha256Hex(data), baseDir: baseDir, shard: shard,
		items: selectShard(m.Items, shard), stderr: stderr}
	return finishRun(o, m.Items, *withReport, j.run(ctx), stdout, stderr)
}

// loadManifest reads and checks a manifest file (or stdin for "-"),
// including, with checkFiles, that every item's file exists. Any problem
// is a usage error (exit 2) listing all of them.
func loadManifest(name string, checkFiles bool) (*models.Manifest, []byte, string, error) {
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
	var ferr error
	if m != nil && checkFiles {
		ferr = m.CheckFiles(baseDir)
	}
	if err := models.JoinManifestErrors(perr, ferr); err != nil {
		return nil, nil, "", usageErrorf("%s: %v", name, err)
	}
	return m, data, baseDir, nil
}

// runJob is one `histocount run`: the items of one shard of a manifest.
type runJob struct {
	o           runOptions
	m           *models.Manifest
	manifestSHA string
	baseDir     string
	shard       *models.ShardRef
	items       []models.ManifestItem
	stderr      io.Writer

	env  *itemEnv
	prov models.ItemProvenance // template for every record
	prev *previousResults
}

func (j *runJob) run(ctx context.Context) error {
	started := time.Now()
	o := j.o
	log := newLogger(o.LogFormat, j.stderr)
	setupThreads(o.Workers)
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	resultsPath := filepath.Join(o.Out, "results.jsonl")
	if !o.Fresh {
		prev, err := openPrevious(resultsPath)
		if err != nil {
			return err
		}
		defer prev.close()
		if prev != nil && prev.bad > 0 {
			log.Warn("resume: unreadable lines in the earlier results.jsonl are analysed again", "lines", prev.bad)
		}
		j.prev = prev
	}
	j.env = &itemEnv{out: o.Out, inputOpts: o.limits(), overlays: o.Overlays, labels: o.SaveLabels, stems: itemStems(j.m.Items)}
	p := provenance(started, nil)
	j.prov = models.ItemProvenance{Tool: p.Tool, Version: p.Version, Commit: p.Commit, OpenCVVersion: p.OpenCVVersion,
		GoVersion: p.GoVersion, Host: p.Host}

	out, err := report.Create(resultsPath)
	if err != nil {
		return err
	}
	defer out.Abort()
	tally := newJobTally()
	prog := newProgress(len(j.items), o.Quiet, log, j.stderr)
	written := 0
	work := func(ctx context.Context, _ int, it models.ManifestItem) (models.ItemResult, error) {
		if ctx.Err() != nil {
			return models.ItemResult{}, errNotStarted
		}
		return j.analyse(ctx, it), nil
	}
	sink := func(r pipeline.Result[models.ItemResult]) error {
		if errors.Is(r.Err, errNotStarted) {
			return nil
		}
		rec := r.Value
		if r.Err != nil { // a panic in the analysis
			now := time.Now()
			rec = j.record(j.items[r.Index])
			rec.Status, rec.Error = models.StatusError, oneLine(r.Err.Error())
			rec.Provenance = j.itemProvenance(now, now, j.items[r.Index].Resolve(j.baseDir))
		}
		line, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := out.Write(append(line, '\n')); err != nil {
			return err
		}
		tally.add(&rec)
		written++
		var itemErr error
		if rec.Status != models.StatusOK {
			itemErr = errors.New(rec.Error)
		}
		prog.item(rec.ID, itemErr, qcOf(&rec))
		if runTestHooks.afterItem != nil {
			runTestHooks.afterItem(written)
		}
		return nil
	}
	runErr := pipeline.Run(ctx, j.items, pipeline.Options{Workers: o.Workers}, work, sink)
	prog.finish()
	interrupted := ctx.Err() != nil
	if runErr != nil && !interrupted {
		return runErr // a disk failure: nothing committed
	}
	tally.counts.Total = len(j.items)
	tally.counts.Interrupted = len(j.items) - written
	sum := models.JobSummary{SchemaVersion: models.SchemaVersion, JobID: j.m.JobID, Command: "run", Shard: j.shard,
		ManifestItems: len(j.m.Items), Counts: tally.counts, ExitCode: jobExitCode(tally.counts, interrupted),
		CellsSamples: tally.cellsSamples(), ColoniesSamples: tally.coloniesSamples(),
		Provenance: jobProvenance(started, j.manifestSHA, o.Workers)}
	if err := out.Commit(); err != nil {
		return err
	}
	if err := writeSummary(o.Out, sum); err != nil {
		return err
	}
	c := sum.Counts
	log.Info("done", "out", o.Out, "items", c.Total, "ok", c.OK, "failed", c.Failed, "skipped", c.Skipped,
		"interrupted", c.Interrupted, "flagged", c.Flagged, "seconds", fmt.Sprintf("%.1f", time.Since(started).Seconds()))
	return jobError(sum)
}

// record is an item's result line before analysis: its manifest metadata.
func (j *runJob) record(it models.ManifestItem) models.ItemResult {
	return models.ItemResult{SchemaVersion: models.SchemaVersion, ID: it.ID, Index: it.Index, Kind: it.Kind, Path: it.Path,
		SampleID: it.SampleID, Subject: it.Subject, TimePointMonths: it.TimePointMonths, Replicate: it.Replicate,
		Parameters: it.Params}
}

func (j *runJob) itemProvenance(start, end time.Time, path string) models.ItemProvenance {
	p := j.prov
	p.Started, p.Finished = start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano)
	p.ResolvedPath = path
	return p
}

// analyse reuses or analyses one item; item failures are data in the
// record, never an error.
func (j *runJob) analyse(ctx context.Context, it models.ManifestItem) models.ItemResult {
	start := time.Now()
	path := it.Resolve(j.baseDir)
	if rec, ok := j.prev.reuse(it, path); ok {
		return rec
	}
	if runTestHooks.beforeAnalyse != nil {
		runTestHooks.beforeAnalyse(it.ID)
	}
	rec := j.record(it)
	if err := runKind(ctx, j.env, it, path, &rec); err != nil {
		rec.Status, rec.Error = models.StatusError, oneLine(err.Error())
		rec.Cells, rec.Colonies, rec.Dermis = nil, nil, nil
		if rec.Input.SHA256 == "" {
			if sha, n, err := hashFile(path); err == nil && n > 0 {
				rec.Input = models.ItemInput{SHA256: sha, Bytes: n}
			}
		}
	} else {
		rec.Status = models.StatusOK
	}
	rec.Provenance = j.itemProvenance(start, time.Now(), path)
	return rec
}
