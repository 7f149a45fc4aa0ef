// Package job runs a LIMS job (`histocount run`): the items of one shard
// of a manifest, analysed in parallel by kind (internal/kinds, the same
// work as the batch commands), written to results.jsonl in manifest order
// with a journal that survives a kill, resumed from earlier ok records of
// the same input, parameters and build, and summarised in summary.json
// (counts, exit code, cells samples pooled into concentration and
// viability, dishes into CFE). Merge combines the shards of one job.
//
// Sharding is by item id: FNV-1a (32 bit) of the id modulo the shard
// count, so a shard holds the same items however the manifest is ordered.
// Every results line ends with its own SHA-256 (record_sha256), so that an
// edited line is recognised.
//
// Flags, output folder locking, progress display and exit-code mapping
// stay in cmd/histocount.
package job
