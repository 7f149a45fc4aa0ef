package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

const mergeHelp = `
Usage: histocount merge --manifest MANIFEST --out DIR SHARD_DIR...

Combines the results.jsonl of the shards of one job (histocount run --shard)
into DIR/results.jsonl in manifest order, and writes a summary.json for the
whole job. Every item of MANIFEST must be present exactly once across the
shards, and run with the manifest's parameters and paths; otherwise nothing
is written and the missing, duplicated, unknown or stale items are listed
(exit 1). Shards run from another manifest (their summary.json records its
SHA-256) and lines edited after they were written (each carries its own
record_sha256) are refused too; DIR must not be a shard folder (exit 2).
Lines are copied byte for byte.

Example:
  histocount merge --manifest job.json --out results/all results/shard-*
`

// maxListed bounds the ids listed per kind of merge problem.
const maxListed = 20

type mergeLoc struct {
	shard int
	off   int64
	n     int
}

func runMergeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out, manifest, logFormat string
	var quiet bool
	fs := newFlagSet("merge", mergeHelp, stderr)
	fs.StringVar(&out, "out", "", "output `dir`ectory (required)")
	fs.StringVar(&manifest, "manifest", "", "the job's manifest (required; - for stdin)")
	fs.StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&quiet, "quiet", false, "no summary log line")
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case out == "":
		return usageErrorf("--out is required")
	case manifest == "":
		return usageErrorf("--manifest is required")
	case len(dirs) == 0:
		return usageErrorf("no shard directories given")
	case logFormat != "text" && logFormat != "json":
		return usageErrorf("--log-format must be text or json, got %q", logFormat)
	}
	started := time.Now()
	// The images need not be reachable from the merging host.
	m, data, _, err := loadManifest(manifest, manifestChecks{})
	if err != nil {
		return err
	}
	manifestSHA := sha256Hex(data)
	_, outReal := canonical(out)
	for _, d := range dirs {
		if _, r := canonical(d); r == outReal {
			return usageErrorf("--out %s is the shard folder %s: merging into it would overwrite the shard", out, d)
		}
	}
	byID := make(map[string]int, len(m.Items))
	for i, it := range m.Items {
		byID[it.ID] = i
	}

	files := make([]*os.File, len(dirs))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	locs := make(map[string][]mergeLoc, len(m.Items))
	var unknown, stale, unreadable, edited, foreign []string
	for si, d := range dirs {
		if err := shardManifest(d, manifestSHA); err != nil {
			foreign = append(foreign, fmt.Sprintf("%s (%v)", d, err))
		}
		rp := filepath.Join(d, "results.jsonl")
		if err := report.CheckRegularOrMissing(rp); err != nil {
			return fmt.Errorf("merge: shard %s: %w", d, err)
		}
		f, err := os.Open(rp)
		if err != nil {
			return fmt.Errorf("merge: shard %s: %w", d, err)
		}
		files[si] = f
		line := 0
		err = scanLines(f, func(off int64, b []byte) {
			line++
			var k recordKey
			if err := json.Unmarshal(b, &k); err != nil || k.ID == "" {
				unreadable = append(unreadable, fmt.Sprintf("%s line %d", d, line))
				return
			}
			i, ok := byID[k.ID]
			if !ok {
				unknown = append(unknown, fmt.Sprintf("%q (%s line %d)", k.ID, d, line))
				return
			}
			if it := m.Items[i]; k.Kind != it.Kind || k.Path != it.Path || k.Parameters.Key() != it.Params.Key() {
				stale = append(stale, fmt.Sprintf("%q (%s line %d)", k.ID, d, line))
			}
			if err := checkRecordDigest(b); err != nil {
				edited = append(edited, fmt.Sprintf("%q (%s line %d: %v)", k.ID, d, line, err))
			} else if k.Status == models.StatusOK && len(k.Input.SHA256) != 64 {
				edited = append(edited, fmt.Sprintf("%q (%s line %d: ok without an input sha256)", k.ID, d, line))
			}
			locs[k.ID] = append(locs[k.ID], mergeLoc{si, off, len(b)})
		})
		if err != nil {
			return fmt.Errorf("merge: read %s: %w", d, err)
		}
	}
	var missing, dup []string
	for _, it := range m.Items {
		switch l := locs[it.ID]; {
		case len(l) == 0:
			missing = append(missing, fmt.Sprintf("%q", it.ID))
		case len(l) > 1:
			var where []string
			for _, x := range l {
				where = append(where, dirs[x.shard])
			}
			dup = append(dup, fmt.Sprintf("%q (%s)", it.ID, strings.Join(where, ", ")))
		}
	}
	var probs []string
	for _, p := range []struct {
		what string
		ids  []string
	}{{"missing", missing}, {"duplicated", dup}, {"not in the manifest", unknown},
		{"run with other parameters, kind or path than the manifest's (stale shard)", stale}, {"unreadable", unreadable},
		{"edited after they were written", edited}, {"shards not run from this manifest", foreign}} {
		if len(p.ids) > 0 {
			probs = append(probs, fmt.Sprintf("%d %s: %s", len(p.ids), p.what, listIDs(p.ids)))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("merge: %d items in the manifest; nothing written:\n  %s", len(m.Items), strings.Join(probs, "\n  "))
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	af, err := report.Create(filepath.Join(out, "results.jsonl"))
	if err != nil {
		return err
	}
	defer af.Abort()
	tally := newJobTally()
	var buf []byte
	for _, it := range m.Items {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := locs[it.ID][0]
		if cap(buf) < l.n+1 {
			buf = make([]byte, l.n, 2*l.n+1)
		}
		buf = buf[:l.n]
		if _, err := files[l.shard].ReadAt(buf, l.off); err != nil {
			return fmt.Errorf("merge: read %s: %w", dirs[l.shard], err)
		}
		var rec models.ItemResult
		if err := json.Unmarshal(buf, &rec); err != nil {
			return fmt.Errorf("merge: %s: item %q: %w", dirs[l.shard], it.ID, err)
		}
		tally.add(&rec)
		if _, err := af.Write(append(buf, '\n')); err != nil {
			return err
		}
	}
	tally.counts.Total = len(m.Items)
	prov := jobProvenance(started, sha256Hex(data), 0)
	prov.MergedFrom = dirs
	sum := models.JobSummary{SchemaVersion: models.SchemaVersion, JobID: m.JobID, Command: "merge",
		ManifestItems: len(m.Items), Counts: tally.counts, ExitCode: jobExitCode(tally.counts, false),
		CellsSamples: tally.cellsSamples(), ColoniesSamples: tally.coloniesSamples(),
		Provenance: prov}
	if err := af.Commit(); err != nil {
		return err
	}
	if err := writeSummary(out, sum); err != nil {
		return err
	}
	if !quiet {
		c := sum.Counts
		newLogger(logFormat, stderr).Info("merged", "out", out, "shards", len(dirs), "items", c.Total, "ok", c.OK,
			"failed", c.Failed, "skipped", c.Skipped, "flagged", c.Flagged)
	}
	return jobError(sum)
}

// shardManifest checks that shard folder d was run from the manifest
// whose SHA-256 is sha (its summary.json says so): shards of another
// manifest with the same ids are refused.
func shardManifest(d, sha string) error {
	p := filepath.Join(d, "summary.json")
	if err := report.CheckRegularOrMissing(p); err != nil {
		return err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("no summary.json: the shard did not finish")
	}
	var s struct {
		Provenance struct {
			ManifestSHA256 string `json:"manifest_sha256"`
		} `json:"provenance"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("summary.json: %v", err)
	}
	if s.Provenance.ManifestSHA256 != sha {
		return fmt.Errorf("manifest sha256 %.12s…, not %.12s… of --manifest", s.Provenance.ManifestSHA256, sha)
	}
	return nil
}

func listIDs(ids []string) string {
	if len(ids) <= maxListed {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:maxListed], ", ") + fmt.Sprintf(", … and %d more", len(ids)-maxListed)
}
