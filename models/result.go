package models

// ItemResult is one line of results.jsonl written by `histocount run`: the
// outcome of one manifest item. Everything outside Provenance depends only
// on the input file, the effective parameters and the histocount version,
// so two runs of the same manifest (sharded or not, any --workers) give the
// same bytes once Provenance is removed.
type ItemResult struct {
	SchemaVersion   string   `json:"schema_version"`
	ID              string   `json:"id"`
	Index           int      `json:"index"` // position in the manifest's items, 0-based
	Kind            string   `json:"kind"`
	Path            string   `json:"path"` // as written in the manifest
	SampleID        string   `json:"sample_id,omitempty"`
	Subject         string   `json:"subject,omitempty"`
	TimePointMonths *float64 `json:"time_point_months,omitempty"`
	Replicate       string   `json:"replicate,omitempty"`
	Status          string   `json:"status"` // StatusOK or StatusError
	Error           string   `json:"error,omitempty"`
	// Input identifies the analysed file; empty when it could not be read.
	Input ItemInput `json:"input"`
	// Parameters are the effective parameters the item was analysed with.
	Parameters Params `json:"parameters"`
	// The kind's result; present when Status is ok (exactly the one of Kind).
	Cells      *CellsImage        `json:"cells,omitempty"`
	Colonies   *ColonyPlateResult `json:"colonies,omitempty"`
	Dermis     *DermisSection     `json:"dermis,omitempty"`
	Provenance ItemProvenance     `json:"provenance"`
}

// ItemInput identifies an input file by content.
type ItemInput struct {
	SHA256 string `json:"sha256,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
}

// ItemProvenance records how and where one item was analysed. It is the
// only part of an ItemResult that varies between identical runs.
type ItemProvenance struct {
	Tool          string `json:"tool"`
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	OpenCVVersion string `json:"opencv_version,omitempty"`
	GoVersion     string `json:"go_version,omitempty"`
	Host          string `json:"host,omitempty"`
	Started       string `json:"started"`  // RFC 3339, UTC
	Finished      string `json:"finished"` // RFC 3339, UTC
	ResolvedPath  string `json:"resolved_path,omitempty"`
	// Reused is true when the record was carried over from a previous run
	// into the same output directory (same input sha256 and parameters);
	// the other fields then describe the run that analysed it.
	Reused bool `json:"reused,omitempty"`
	// RecordSHA256 is the SHA-256 (hex) of the whole results line with
	// this value replaced by 64 zeros: merge refuses a line edited by hand
	// after it was written. Always the last field of the line.
	RecordSHA256 string `json:"record_sha256,omitempty"`
}

// JobSummary is summary.json, written at the end of `histocount run` (for
// one shard) and `histocount merge` (for the whole job).
type JobSummary struct {
	SchemaVersion string    `json:"schema_version"`
	JobID         string    `json:"job_id"`
	Command       string    `json:"command"`         // "run" or "merge"
	Shard         *ShardRef `json:"shard,omitempty"` // run with --shard
	ManifestItems int       `json:"manifest_items"`  // items in the whole manifest
	Counts        JobCounts `json:"counts"`
	ExitCode      int       `json:"exit_code"`
	// CellsSamples pools the cells items by sample_id (items without one
	// are samples of their own), in order of first appearance.
	CellsSamples []CellsSample `json:"cells_samples"`
	// ColoniesSamples pools the colonies items by sample_id (items without
	// one are samples of their own), sorted by sample: pooled CFE with its
	// exact Poisson 95 % interval, and mean ± SD over the replicate dishes.
	// Items that failed or have no cells_seeded count as failed_images.
	ColoniesSamples []CFESample `json:"colonies_samples"`
	// Passports lists the passports the manifest's passports block asked
	// for (absent without one; a sharded run leaves them to the merge).
	Passports  []JobPassport `json:"passports,omitempty"`
	Provenance JobProvenance `json:"provenance"`
}

// JobPassport is one passport a job wrote, or could not write.
type JobPassport struct {
	Kind string `json:"kind"` // PassportDose or PassportSkin
	ID   string `json:"id"`   // batch or donor
	// Status is Released or NotReleased (dose), PassportComplete or
	// PassportIncomplete (skin: a measure missing), or PassportError
	// (nothing written for it: Reasons say why).
	Status  string   `json:"status"`
	Dir     string   `json:"dir,omitempty"` // relative to the job's output folder
	Reasons []string `json:"reasons,omitempty"`
}

// Statuses of a skin passport, and of a passport the job could not build.
const (
	PassportComplete   = "complete"
	PassportIncomplete = "incomplete"
	PassportError      = "error"
)

// ShardRef names one shard of a job: items whose FNV-1a hash of the id
// modulo Count equals Index.
type ShardRef struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// JobCounts count the items of a run; OK, Failed, Skipped and Interrupted
// are disjoint and sum to Total.
type JobCounts struct {
	Total       int `json:"total"`       // items this run was responsible for (its shard)
	OK          int `json:"ok"`          // analysed now, status ok
	Failed      int `json:"failed"`      // analysed now, status error
	Skipped     int `json:"skipped"`     // reused from a previous run (status ok)
	Interrupted int `json:"interrupted"` // never finished: the run was stopped
	Flagged     int `json:"flagged"`     // ok or skipped with a doubtful QC flag
}

// JobProvenance describes the run that wrote a summary.
type JobProvenance struct {
	Tool           string   `json:"tool"`
	Version        string   `json:"version"`
	Commit         string   `json:"commit,omitempty"`
	OpenCVVersion  string   `json:"opencv_version,omitempty"`
	GoVersion      string   `json:"go_version,omitempty"`
	Host           string   `json:"host,omitempty"`
	Started        string   `json:"started"`
	Finished       string   `json:"finished"`
	ManifestSHA256 string   `json:"manifest_sha256"`
	Workers        int      `json:"workers,omitempty"`
	MergedFrom     []string `json:"merged_from,omitempty"` // merge: the shard directories
}
