package job

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// MaxListed bounds the ids listed per kind of merge problem.
const MaxListed = 20

type mergeLoc struct {
	shard int
	off   int64
	n     int
}

// Merge combines the results.jsonl of the shard folders dirs of manifest m
// (whose SHA-256 is manifestSHA) into out/results.jsonl in manifest order,
// copying lines byte for byte, and writes out/summary.json for the whole
// job; build is this build's provenance, started when the merge did. Every
// item must be present exactly once, run with the manifest's kind, path
// and parameters, with its record digest intact, from shards of this
// manifest; otherwise nothing is written and every problem is listed.
func Merge(ctx context.Context, m *models.Manifest, manifestSHA, baseDir string, dirs []string, out string, build models.Provenance) (models.JobSummary, error) {
	x, err := indexShards(m, manifestSHA, dirs)
	if err != nil {
		return models.JobSummary{}, err
	}
	defer x.close()
	if err := x.problems(m); err != nil {
		return models.JobSummary{}, err
	}
	files, locs := x.files, x.locs
	if err := os.MkdirAll(out, 0o755); err != nil {
		return models.JobSummary{}, err
	}
	af, err := report.Create(filepath.Join(out, "results.jsonl"))
	if err != nil {
		return models.JobSummary{}, err
	}
	defer af.Abort()
	tally := NewTally()
	var buf []byte
	for _, it := range m.Items {
		if err := ctx.Err(); err != nil {
			return models.JobSummary{}, err
		}
		l := locs[it.ID][0]
		if cap(buf) < l.n+1 {
			buf = make([]byte, l.n, 2*l.n+1)
		}
		buf = buf[:l.n]
		if _, err := files[l.shard].ReadAt(buf, l.off); err != nil {
			return models.JobSummary{}, fmt.Errorf("merge: read %s: %w", dirs[l.shard], err)
		}
		var rec models.ItemResult
		if err := json.Unmarshal(buf, &rec); err != nil {
			return models.JobSummary{}, fmt.Errorf("merge: %s: item %q: %w", dirs[l.shard], it.ID, err)
		}
		tally.Add(&rec)
		if _, err := af.Write(append(buf, '\n')); err != nil {
			return models.JobSummary{}, err
		}
	}
	tally.Counts.Total = len(m.Items)
	prov := Provenance(build, manifestSHA, 0)
	prov.MergedFrom = dirs
	sum := models.JobSummary{SchemaVersion: models.SchemaVersion, JobID: m.JobID, Command: "merge",
		ManifestItems: len(m.Items), Counts: tally.Counts, ExitCode: ExitCode(tally.Counts, false),
		CellsSamples: tally.CellsSamples(), ColoniesSamples: tally.ColoniesSamples(),
		Provenance: prov}
	if err := af.Commit(); err != nil {
		return models.JobSummary{}, err
	}
	if m.Passports != nil {
		// No overlay thumbnails: they stay in the shard folders.
		list, err := WritePassports(PassportConfig{Manifest: m, BaseDir: baseDir, Dir: out, Build: build, Finished: time.Now()})
		if err != nil {
			return models.JobSummary{}, err
		}
		sum.Passports, sum.ExitCode = list, PassportsExit(sum.ExitCode, list)
	}
	if err := WriteSummary(out, sum); err != nil {
		return models.JobSummary{}, err
	}
	return sum, nil
}

// shardIndex locates every results line of the shard folders by item id,
// and collects what is wrong with them.
type shardIndex struct {
	dirs  []string
	files []*os.File // results.jsonl of each shard, open for ReadAt
	locs  map[string][]mergeLoc
	// problems found while reading, each a list for the message
	unknown, stale, unreadable, edited, foreign []string
}

func (x *shardIndex) close() {
	for _, f := range x.files {
		if f != nil {
			f.Close()
		}
	}
}

// indexShards reads the results.jsonl of every shard folder: each line's
// id, kind, path, parameters and digest against the manifest.
func indexShards(m *models.Manifest, manifestSHA string, dirs []string) (*shardIndex, error) {
	byID := make(map[string]int, len(m.Items))
	for i, it := range m.Items {
		byID[it.ID] = i
	}
	x := &shardIndex{dirs: dirs, files: make([]*os.File, len(dirs)), locs: make(map[string][]mergeLoc, len(m.Items))}
	for si, d := range dirs {
		if err := shardManifest(d, manifestSHA); err != nil {
			x.foreign = append(x.foreign, fmt.Sprintf("%s (%v)", d, err))
		}
		rp := filepath.Join(d, "results.jsonl")
		if err := report.CheckRegularOrMissing(rp); err != nil {
			x.close()
			return nil, fmt.Errorf("merge: shard %s: %w", d, err)
		}
		f, err := os.Open(rp)
		if err != nil {
			x.close()
			return nil, fmt.Errorf("merge: shard %s: %w", d, err)
		}
		x.files[si] = f
		line := 0
		err = ScanLines(f, func(off int64, b []byte) {
			line++
			var k RecordKey
			if err := json.Unmarshal(b, &k); err != nil || k.ID == "" {
				x.unreadable = append(x.unreadable, fmt.Sprintf("%s line %d", d, line))
				return
			}
			i, ok := byID[k.ID]
			if !ok {
				x.unknown = append(x.unknown, fmt.Sprintf("%q (%s line %d)", k.ID, d, line))
				return
			}
			if it := m.Items[i]; k.Kind != it.Kind || k.Path != it.Path || k.Parameters.Key() != it.Params.Key() {
				x.stale = append(x.stale, fmt.Sprintf("%q (%s line %d)", k.ID, d, line))
			}
			if err := CheckRecordDigest(b); err != nil {
				x.edited = append(x.edited, fmt.Sprintf("%q (%s line %d: %v)", k.ID, d, line, err))
			} else if k.Status == models.StatusOK && len(k.Input.SHA256) != 64 {
				x.edited = append(x.edited, fmt.Sprintf("%q (%s line %d: ok without an input sha256)", k.ID, d, line))
			}
			x.locs[k.ID] = append(x.locs[k.ID], mergeLoc{si, off, len(b)})
		})
		if err != nil {
			x.close()
			return nil, fmt.Errorf("merge: read %s: %w", d, err)
		}
	}
	return x, nil
}

// problems lists, in one error, every item missing from or duplicated
// across the shards and every problem found while reading them.
func (x *shardIndex) problems(m *models.Manifest) error {
	var missing, dup []string
	for _, it := range m.Items {
		switch l := x.locs[it.ID]; {
		case len(l) == 0:
			missing = append(missing, fmt.Sprintf("%q", it.ID))
		case len(l) > 1:
			var where []string
			for _, at := range l {
				where = append(where, x.dirs[at.shard])
			}
			dup = append(dup, fmt.Sprintf("%q (%s)", it.ID, strings.Join(where, ", ")))
		}
	}
	var probs []string
	for _, p := range []struct {
		what string
		ids  []string
	}{{"missing", missing}, {"duplicated", dup}, {"not in the manifest", x.unknown},
		{"run with other parameters, kind or path than the manifest's (stale shard)", x.stale}, {"unreadable", x.unreadable},
		{"edited after they were written", x.edited}, {"shards not run from this manifest", x.foreign}} {
		if len(p.ids) > 0 {
			probs = append(probs, fmt.Sprintf("%d %s: %s", len(p.ids), p.what, ListIDs(p.ids)))
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("merge: %d items in the manifest; nothing written:\n  %s", len(m.Items), strings.Join(probs, "\n  "))
	}
	return nil
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

// ListIDs lists ids for a message: the first MaxListed and how many more.
func ListIDs(ids []string) string {
	if len(ids) <= MaxListed {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:MaxListed], ", ") + fmt.Sprintf(", … and %d more", len(ids)-MaxListed)
}
