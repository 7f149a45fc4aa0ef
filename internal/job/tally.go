package job

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"time"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// Tally counts records and pools cells and colonies samples as records
// stream by, for summary.json of run and merge alike. Memory is per cells
// sample, and a few dozen bytes per colonies item.
type Tally struct {
	Counts   models.JobCounts
	samples  *kinds.CellsPool
	chambers map[string]models.Chamber
	nuclei   map[string]bool // fluorescence samples: no release verdict
	dishes   kinds.CFERows
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{samples: kinds.NewCellsPool(), chambers: map[string]models.Chamber{}, nuclei: map[string]bool{}}
}

// Add counts one record and pools it into its sample.
func (t *Tally) Add(rec *models.ItemResult) {
	ok := rec.Status == models.StatusOK
	switch {
	case !ok:
		t.Counts.Failed++
	case rec.Provenance.Reused:
		t.Counts.Skipped++
	default:
		t.Counts.OK++
	}
	if ok && len(models.Doubtful(qcOf(rec))) > 0 {
		t.Counts.Flagged++
	}
	name := sampleOf(rec)
	if rec.Kind == models.KindColonies {
		d := models.ColonyPlateResult{Sample: name, Status: rec.Status, CellsSeeded: rec.Parameters.Num("cells_seeded")}
		if c := rec.Colonies; ok && c != nil {
			d.Colonies, d.QC = c.Colonies, c.QC
		} else {
			d.Status = models.StatusError
		}
		t.dishes.Add(d)
		return
	}
	if rec.Kind != models.KindCells {
		return
	}
	p := rec.Parameters
	if _, seen := t.chambers[name]; !seen {
		// The manifest parser guarantees one preparation per sample.
		t.nuclei[name] = p.Str("stain") == cells.StainFluorescence
		t.chambers[name] = models.Chamber{PixelSizeUM: p.Num("pixel_size_um"), DepthUM: p.Num("depth_um"),
			Dilution: p.Num("dilution"), TrypanRatio: p.Num("trypan_ratio"), MinViablePML: p.Num("min_viable_per_ml")}
	}
	c := rec.Cells
	if !ok || c == nil {
		t.samples.Add(name, nil, 0)
		return
	}
	t.samples.Add(name, c, cells.FieldVolumeUL(c.Input.Width, c.Input.Height, c.Calibration.PixelSizeUM, p.Num("depth_um")))
}

// ColoniesSamples pools the colonies items by sample.
func (t *Tally) ColoniesSamples() []models.CFESample { return t.dishes.Summaries() }

// CellsSamples pools the cells items by sample, in the order the samples
// first appear; nuclei samples get no release verdict.
func (t *Tally) CellsSamples() []models.CellsSample {
	out := []models.CellsSample{}
	for _, name := range t.samples.Samples() {
		s := t.samples.Summary(name, t.chambers[name])
		if t.nuclei[name] {
			s = kinds.NucleiNoRelease([]models.CellsSample{s})[0]
		}
		if m, ok := t.samples.Marker(name); ok {
			// The pooled proliferating fraction, as `histocount cells` gives it.
			s.Marker = m
		}
		s.MitoticIndex = t.samples.Mitotic(name)
		out = append(out, s)
	}
	return kinds.FiniteSamples(out)
}

// Nuclei reports whether sample is a fluorescence (nuclei) sample: no
// concentration to release against.
func (t *Tally) Nuclei(sample string) bool { return t.nuclei[sample] }

// Exit codes of a job, as documented for the command line.
const (
	ExitOK          = 0   // every item analysed (QC flags may be set)
	ExitFailure     = 1   // every item failed
	ExitPartial     = 3   // some items failed; the others' results are written
	ExitInterrupted = 130 // stopped by SIGINT/SIGTERM; finished items are written
)

// ExitCode is the exit code of a finished (or interrupted) job.
func ExitCode(c models.JobCounts, interrupted bool) int {
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

// Provenance fills the run-level provenance of a summary from p, the
// provenance of this build (tool, version, host) started at its time.
func Provenance(p models.Provenance, manifestSHA string, workers int) models.JobProvenance {
	return models.JobProvenance{Tool: p.Tool, Version: p.Version, Commit: p.Commit, OpenCVVersion: p.OpenCVVersion,
		GoVersion: p.GoVersion, Host: p.Host, Started: p.Started, ManifestSHA256: manifestSHA, Workers: workers}
}

// WriteSummary writes dir/summary.json atomically.
func WriteSummary(dir string, s models.JobSummary) error {
	s.Provenance.Finished = time.Now().UTC().Format(time.RFC3339)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return report.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'))
}

// HashFile returns the SHA-256 (hex) and size of a file. Only regular
// files are opened: a FIFO named in a manifest must not block the run.
func HashFile(path string) (string, int64, error) {
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
