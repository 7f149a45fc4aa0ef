package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/pipeline"
	"github.com/histocount/histocount/report"
)

// Files a run writes in its output folder.
const (
	ResultsFile = "results.jsonl"
	// JournalFile receives every finished item as soon as it is done
	// (one flushed line each), so that a killed run (kill -9, out of
	// memory, node lost) keeps its work: the next run reads it like an
	// earlier results.jsonl. It is removed once results.jsonl is
	// committed.
	JournalFile = "results.partial.jsonl"
)

// errNotStarted marks items the pipeline dispatched after cancellation.
var errNotStarted = errors.New("not started: run interrupted")

// Progress is told about every record written, and when the items are
// done.
type Progress interface {
	Item(id string, err error, qc []string)
	Finish()
}

// Config is one `histocount run`: the items of one shard of a manifest and
// where their results go. The caller has prepared Out (created, locked)
// and checked that its results files are regular files or missing.
type Config struct {
	Manifest    *models.Manifest
	ManifestSHA string                // hex SHA-256 of the manifest bytes
	BaseDir     string                // item paths are relative to it
	Shard       *models.ShardRef      // nil: unsharded
	Items       []models.ManifestItem // the shard's items, in manifest order
	Stems       map[int]string        // manifest index → file stem for overlays, labels, GeoJSON

	Out      string
	Workers  int
	Fresh    bool            // ignore earlier results in Out
	Overlays bool            // write overlays/<stem>.png
	Labels   bool            // write labels/<stem>.png (and geojson/ for dermis)
	Limits   imageio.Options // input limits every image is loaded with

	// Build is the provenance of this build (tool, version, commit,
	// host); Started is replaced by the run's start.
	Build    models.Provenance
	Log      *slog.Logger
	Progress Progress

	// Hooks let tests observe and interrupt a run; nil in production.
	BeforeAnalyse func(id string) // called by workers before an item is analysed (not when reused)
	AfterItem     func(done int)  // called by the sink after each record is written
}

// Outcome is a finished (or interrupted) run.
type Outcome struct {
	Summary models.JobSummary // as written to summary.json
	Tally   *Tally
}

// runner is one Run in progress.
type runner struct {
	Config
	env  *itemEnv
	prov models.ItemProvenance // template for every record
	prev *previousResults
}

// Run analyses the items of c (reusing earlier ok records in c.Out unless
// c.Fresh), writing results.jsonl in manifest order, the journal as items
// finish, and summary.json. Item failures are data in the records and the
// summary's exit code; the error is for what stops the run itself (a disk
// failure, an unreadable earlier result).
func Run(ctx context.Context, c Config) (Outcome, error) {
	started := time.Now()
	j := &runner{Config: c}
	resultsPath := filepath.Join(c.Out, ResultsFile)
	journalPath := filepath.Join(c.Out, JournalFile)
	if c.Fresh {
		if err := os.Remove(journalPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Outcome{}, err
		}
	} else {
		prev, err := openPrevious(c.Build.Version, c.Build.Commit, resultsPath, journalPath)
		if err != nil {
			return Outcome{}, err
		}
		defer prev.close()
		if prev != nil && prev.bad > 0 {
			c.Log.Warn("resume: unreadable lines in the earlier results.jsonl are analysed again", "lines", prev.bad)
		}
		j.prev = prev
	}
	j.env = &itemEnv{out: c.Out, inputOpts: c.Limits, overlays: c.Overlays, labels: c.Labels, stems: c.Stems}
	p := c.Build
	j.prov = models.ItemProvenance{Tool: p.Tool, Version: p.Version, Commit: p.Commit, OpenCVVersion: p.OpenCVVersion,
		GoVersion: p.GoVersion, Host: p.Host}

	out, err := report.Create(resultsPath)
	if err != nil {
		return Outcome{}, err
	}
	defer out.Abort()
	journal, err := report.OpenJournal(journalPath)
	if err != nil {
		return Outcome{}, err
	}
	defer journal.Close()
	var journalMu sync.Mutex
	tally := NewTally()
	written := 0
	type done struct {
		rec  models.ItemResult
		line []byte // the record's results line, newline included
	}
	work := func(ctx context.Context, _ int, it models.ManifestItem) (done, error) {
		if ctx.Err() != nil {
			return done{}, errNotStarted
		}
		rec := j.analyse(ctx, it)
		line, err := EncodeRecord(&rec)
		if err != nil {
			return done{}, err
		}
		if !rec.Provenance.Reused {
			// Persist now, in completion order: a kill -9 keeps it.
			journalMu.Lock()
			err = journal.Append(line)
			journalMu.Unlock()
			if err != nil {
				return done{}, fmt.Errorf("journal: %w", err)
			}
		}
		return done{rec, line}, nil
	}
	sink := func(r pipeline.Result[done]) error {
		if errors.Is(r.Err, errNotStarted) {
			return nil
		}
		rec, line := r.Value.rec, r.Value.line
		if r.Err != nil { // a panic in the analysis, or a record that could not be written
			now := time.Now()
			rec = j.record(j.Items[r.Index])
			rec.Status, rec.Error = models.StatusError, kinds.OneLine(r.Err.Error())
			rec.Provenance = j.itemProvenance(now, now, j.Items[r.Index].Resolve(j.BaseDir))
			var err error
			if line, err = EncodeRecord(&rec); err != nil {
				return err
			}
		}
		if _, err := out.Write(line); err != nil {
			return err
		}
		tally.Add(&rec)
		written++
		var itemErr error
		if rec.Status != models.StatusOK {
			itemErr = errors.New(rec.Error)
		}
		c.Progress.Item(rec.ID, itemErr, qcOf(&rec))
		if c.AfterItem != nil {
			c.AfterItem(written)
		}
		return nil
	}
	runErr := pipeline.Run(ctx, j.Items, pipeline.Options{Workers: c.Workers}, work, sink)
	c.Progress.Finish()
	interrupted := ctx.Err() != nil
	if runErr != nil && !interrupted {
		// A disk failure: results.jsonl is not committed; what finished is
		// in the journal and the next run resumes from it.
		return Outcome{}, fmt.Errorf("%w; results.jsonl not committed (finished items kept in %s for a resume)", runErr, journalPath)
	}
	tally.Counts.Total = len(j.Items)
	tally.Counts.Interrupted = len(j.Items) - written
	build := c.Build
	build.Started = started.UTC().Format(time.RFC3339)
	sum := models.JobSummary{SchemaVersion: models.SchemaVersion, JobID: j.Manifest.JobID, Command: "run", Shard: j.Shard,
		ManifestItems: len(j.Manifest.Items), Counts: tally.Counts, ExitCode: ExitCode(tally.Counts, interrupted),
		CellsSamples: tally.CellsSamples(), ColoniesSamples: tally.ColoniesSamples(),
		Provenance: Provenance(build, j.ManifestSHA, c.Workers)}
	if err := out.Commit(); err != nil {
		return Outcome{}, err
	}
	// Passports need the whole job: a shard leaves them to merge.
	if c.Manifest.Passports != nil && c.Shard == nil && !interrupted {
		list, err := WritePassports(PassportConfig{Manifest: c.Manifest, BaseDir: c.BaseDir, Dir: c.Out, Build: build,
			Overlay: j.overlayFile, Finished: time.Now()})
		if err != nil {
			return Outcome{}, err
		}
		sum.Passports, sum.ExitCode = list, PassportsExit(sum.ExitCode, list)
	}
	if err := WriteSummary(c.Out, sum); err != nil {
		return Outcome{}, err
	}
	journal.Close()
	if err := os.Remove(journalPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		c.Log.Warn("could not remove the journal (harmless: the next run reads it like results.jsonl)", "error", err.Error())
	}
	return Outcome{Summary: sum, Tally: tally}, nil
}

// overlayFile is the overlay a run wrote for manifest item index, "" if
// none.
func (j *runner) overlayFile(index int) string {
	if !j.Overlays {
		return ""
	}
	p := filepath.Join(j.Out, "overlays", j.Stems[index]+".png")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// record is an item's result line before analysis: its manifest metadata.
func (j *runner) record(it models.ManifestItem) models.ItemResult {
	return models.ItemResult{SchemaVersion: models.SchemaVersion, ID: it.ID, Index: it.Index, Kind: it.Kind, Path: it.Path,
		SampleID: it.SampleID, Subject: it.Subject, TimePointMonths: it.TimePointMonths, Replicate: it.Replicate,
		Parameters: it.Params}
}

func (j *runner) itemProvenance(start, end time.Time, path string) models.ItemProvenance {
	p := j.prov
	p.Started, p.Finished = start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano)
	p.ResolvedPath = path
	return p
}

// analyse reuses or analyses one item; item failures are data in the
// record, never an error.
func (j *runner) analyse(ctx context.Context, it models.ManifestItem) models.ItemResult {
	start := time.Now()
	path := it.Resolve(j.BaseDir)
	if rec, ok := j.prev.reuse(it, path); ok {
		return rec
	}
	if j.BeforeAnalyse != nil {
		j.BeforeAnalyse(it.ID)
	}
	rec := j.record(it)
	if err := runKind(ctx, j.env, it, path, &rec); err != nil {
		rec.Status, rec.Error = models.StatusError, kinds.OneLine(err.Error())
		rec.Cells, rec.Colonies, rec.Dermis = nil, nil, nil
		if rec.Input.SHA256 == "" {
			if sha, n, err := HashFile(path); err == nil && n > 0 {
				rec.Input = models.ItemInput{SHA256: sha, Bytes: n}
			}
		}
	} else {
		rec.Status = models.StatusOK
	}
	rec.Provenance = j.itemProvenance(start, time.Now(), path)
	return rec
}
