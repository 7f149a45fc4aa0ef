package main

import (
	"context"
	"io"
	"time"

	"github.com/histocount/histocount/internal/job"
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

// maxListed bounds the problems listed on stderr.
const maxListed = job.MaxListed

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
	m, data, baseDir, err := loadManifest(manifest, manifestChecks{})
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
	sum, err := job.Merge(ctx, m, manifestSHA, baseDir, dirs, out, provenance(started, nil))
	if err != nil {
		return err
	}
	if !quiet {
		c := sum.Counts
		newLogger(logFormat, stderr).Info("merged", "out", out, "shards", len(dirs), "items", c.Total, "ok", c.OK,
			"failed", c.Failed, "skipped", c.Skipped, "flagged", c.Flagged)
	}
	return jobError(sum)
}
