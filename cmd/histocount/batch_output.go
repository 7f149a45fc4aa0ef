package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/pipeline"
	"github.com/histocount/histocount/report"
)

// field is one top-level field of results.json.
type field struct {
	k string
	v any
}

// table is one streamed CSV output.
type table struct {
	name   string // file name, e.g. "images.csv"
	header []string
}

// batchOutput streams the files every batch subcommand writes: CSV tables
// and results.json, committed together at the end (also after an
// interrupt, with what finished).
type batchOutput struct {
	dir                 string
	tables              map[string]*report.CSV
	order               []string
	json                *report.JSONStream
	extra               []*report.CSV // sample tables, committed with the rest
	release             func()        // unlocks --out
	ok, failed, flagged int
}

// newBatchOutput opens the tables and writes results.json's head fields
// followed by the opening of its "images" array.
func newBatchOutput(dir string, tables []table, head []field) (*batchOutput, error) {
	release, err := prepareOut(dir)
	if err != nil {
		return nil, err
	}
	b := &batchOutput{dir: dir, tables: map[string]*report.CSV{}, release: release}
	for _, t := range tables {
		c, err := report.NewCSV(filepath.Join(dir, t.name), t.header)
		if err != nil {
			b.abort()
			return nil, err
		}
		b.tables[t.name], b.order = c, append(b.order, t.name)
	}
	if b.json, err = report.NewJSONStream(filepath.Join(dir, "results.json")); err != nil {
		b.abort()
		return nil, err
	}
	for _, f := range head {
		if err := b.json.Field(f.k, f.v); err != nil {
			b.abort()
			return nil, err
		}
	}
	if err := b.json.BeginArray("images"); err != nil {
		b.abort()
		return nil, err
	}
	return b, nil
}

// count records one item's outcome for the summary.
func (b *batchOutput) count(status string, qc []string) {
	if status != models.StatusOK {
		b.failed++
		return
	}
	b.ok++
	if len(models.Doubtful(qc)) > 0 {
		b.flagged++
	}
}

// attach adds a finished table (samples.csv) to be committed with the
// others.
func (b *batchOutput) attach(c *report.CSV) { b.extra = append(b.extra, c) }

func (b *batchOutput) row(table string, rec []string) error { return b.tables[table].Row(rec) }

func (b *batchOutput) elem(v any) error { return b.json.Elem(v) }

func (b *batchOutput) summary(inputs int, interrupted bool) models.RunSummary {
	s := models.RunSummary{Inputs: inputs, OK: b.ok, Failed: b.failed, Flagged: b.flagged, Interrupted: interrupted}
	switch {
	case interrupted:
		s.ExitCode = ExitInterrupted
	case b.failed == inputs:
		s.ExitCode = ExitFailure
	case b.failed > 0:
		s.ExitCode = ExitPartial
	}
	return s
}

// commit closes the images array, writes the tail fields (the summary last)
// and renames every file into place.
func (b *batchOutput) commit(tail []field) error {
	if err := b.json.EndArray(); err != nil {
		return err
	}
	for _, f := range tail {
		if err := b.json.Field(f.k, f.v); err != nil {
			return err
		}
	}
	if err := b.json.Field("finished", time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	// All or nothing: results.json never goes missing beside its tables.
	var files []*report.AtomicFile
	for _, name := range b.order {
		files = append(files, b.tables[name].File())
	}
	for _, c := range b.extra {
		files = append(files, c.File())
	}
	jf, err := b.json.Close()
	if err != nil {
		return err
	}
	return report.CommitAll(append(files, jf)...)
}

// abort discards whatever was not committed and unlocks --out.
func (b *batchOutput) abort() {
	for _, c := range b.tables {
		c.Abort()
	}
	for _, c := range b.extra {
		c.Abort()
	}
	if b.json != nil {
		b.json.Abort()
	}
	if b.release != nil {
		b.release()
		b.release = nil
	}
}

// batch runs work over paths with progress and ordered output. emit turns
// each result (failed ones included) into rows and returns its status and
// QC flags; finish writes the sample-level outputs and commits. batch maps
// the outcome to the command's error (exit code).
func batch[T any](ctx context.Context, bf batchFlags, paths []string, out *batchOutput, stderr io.Writer,
	work pipeline.WorkFunc[string, T],
	emit func(pipeline.Result[T]) (image string, status string, qc []string, err error),
	finish func(models.RunSummary) error) error {
	started := time.Now()
	log := newLogger(bf.LogFormat, stderr)
	setupThreads(bf.Workers)
	prog := newProgress(len(paths), bf.Quiet, log, stderr)
	analyse := work
	work = func(ctx context.Context, i int, path string) (T, error) {
		if err := bf.inputErrs[path]; err != nil {
			var zero T
			return zero, err
		}
		v, err := analyse(ctx, i, path)
		if err == nil {
			// A NaN or ±Inf that slipped through fails this item, not the run.
			err = kinds.CheckEncodable(v)
		}
		return v, err
	}
	sink := func(r pipeline.Result[T]) error {
		image, status, qc, err := emit(r)
		if err != nil {
			return err
		}
		out.count(status, qc)
		prog.item(image, r.Err, qc)
		return nil
	}
	runErr := pipeline.Run(ctx, paths, pipeline.Options{Workers: bf.Workers}, work, sink)
	prog.finish()
	interrupted := ctx.Err() != nil
	if runErr != nil && !interrupted {
		return fmt.Errorf("%w; nothing was committed in %s (no results.json, no tables)", runErr, bf.Out)
	}
	sum := out.summary(len(paths), interrupted)
	if err := finish(sum); err != nil {
		return fmt.Errorf("%w; nothing was committed in %s (no results.json, no tables)", err, bf.Out)
	}
	log.Info("done", "out", bf.Out, "images", sum.Inputs, "ok", sum.OK, "failed", sum.Failed, "flagged", sum.Flagged,
		"seconds", fmt.Sprintf("%.1f", time.Since(started).Seconds()))
	switch {
	case interrupted:
		return context.Canceled
	case sum.Failed == sum.Inputs:
		return errAllFailed{sum.Inputs}
	case sum.Failed > 0:
		return errPartial{failed: sum.Failed, total: sum.Inputs}
	}
	return nil
}
