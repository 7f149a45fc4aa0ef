package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"time"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// jobTally counts records and pools cells and colonies samples as records
// stream by, for summary.json of run and merge alike. Memory is per cells
// sample, and a few dozen bytes per colonies item.
type jobTally struct {
	counts   models.JobCounts
	samples  map[string]*cells.SampleAccumulator
	chambers map[string]models.Chamber
	order    []string
	dishes   cfeRows
}

func newJobTally() *jobTally {
	return &jobTally{samples: map[string]*cells.SampleAccumulator{}, chambers: map[string]models.Chamber{}}
}

func (t *jobTally) add(rec *models.ItemResult) {
	ok := rec.Status == models.StatusOK
	switch {
	case !ok:
		t.counts.Failed++
	case rec.Provenance.Reused:
		t.counts.Skipped++
	default:
		t.counts.OK++
	}
	if ok && len(models.Doubtful(qcOf(rec))) > 0 {
		t.counts.Flagged++
	}
	name := rec.SampleID
	if name == "" {
		name = rec.ID
	}
	if rec.Kind == models.KindColonies {
		d := models.ColonyPlateResult{Sample: name, Status: rec.Status, CellsSeeded: rec.Parameters.Num("cells_seeded")}
		if c := rec.Colonies; ok && c != nil {
			d.Colonies, d.QC = c.Colonies, c.QC
		} else {
			d.Status = models.StatusError
		}
		t.dishes.add(d)
		return
	}
	if rec.Kind != models.KindCells {
		return
	}
	acc := t.samples[name]
	p := rec.Parameters
	if acc == nil {
		acc = &cells.SampleAccumulator{Name: name}
		t.samples[name] = acc
		t.order = append(t.order, name)
		// The manifest parser guarantees one preparation per sample.
		t.chambers[name] = models.Chamber{PixelSizeUM: p.Num("pixel_size_um"), DepthUM: p.Num("depth_um"),
			Dilution: p.Num("dilution"), TrypanRatio: p.Num("trypan_ratio"), MinViablePML: p.Num("min_viable_per_ml")}
	}
	if c := rec.Cells; ok && c != nil {
		vol := cells.FieldVolumeUL(c.Input.Width, c.Input.Height, c.Calibration.PixelSizeUM, p.Num("depth_um"))
		acc.Add(c.Live, c.Dead, vol, c.QC)
	} else {
		acc.AddFailed()
	}
}

// coloniesSamples pools the colonies items by sample.
func (t *jobTally) coloniesSamples() []models.CFESample { return t.dishes.summaries() }

func (t *jobTally) cellsSamples() []models.CellsSample {
	out := []models.CellsSample{}
	for _, name := range t.order {
		out = append(out, t.samples[name].Summary(t.chambers[name]))
	}
	return out
}

// jobExitCode is the exit code of a finished (or interrupted) job.
func jobExitCode(c models.JobCounts, interrupted bool) int {
	switch {
	case interrupted:
		return ExitInterrupted
	case c.Failed > 0 && c.OK+c.Skipped == 0:
		return ExitFailure
	case c.Failed > 0:
		return ExitPartial
	}
	return ExitOK
}

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

// jobProvenance fills the run-level provenance of a summary.
func jobProvenance(started time.Time, manifestSHA string, workers int) models.JobProvenance {
	p := provenance(started, nil)
	return models.JobProvenance{Tool: p.Tool, Version: p.Version, Commit: p.Commit, OpenCVVersion: p.OpenCVVersion,
		GoVersion: p.GoVersion, Host: p.Host, Started: p.Started, ManifestSHA256: manifestSHA, Workers: workers}
}

// writeSummary writes dir/summary.json atomically.
func writeSummary(dir string, s models.JobSummary) error {
	s.Provenance.Finished = time.Now().UTC().Format(time.RFC3339)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return report.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'))
}

// hashFile returns the SHA-256 (hex) and size of a file. Only regular
// files are opened: a FIFO named in a manifest must not block the run.
func hashFile(path string) (string, int64, error) {
	f, err := imageio.OpenRegular(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
