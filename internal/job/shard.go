package job

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/histocount/histocount/models"
)

// MaxShards bounds --shard n: more shards than this is a typo.
const MaxShards = 100_000

// ShardOf returns the shard (0..n-1) of an item id: FNV-1a (32 bit) of the
// id modulo n. It depends on the id alone, so a shard holds the same items
// however the manifest is ordered or extended.
func ShardOf(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// ParseShard reads --shard "i/n" (0-based i) or "auto/n", where auto takes
// i from JOB_COMPLETION_INDEX (Kubernetes indexed Job, 0-based) or else
// SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (0 if unset), except in
// a one-task array (a lone resubmission, MIN = MAX) whose id is below n,
// which runs shard id. "" means no sharding (nil). The errors name the
// flag: the command line is wrong.
func ParseShard(spec string, getenv func(string) string) (*models.ShardRef, error) {
	if spec == "" {
		return nil, nil
	}
	is, ns, ok := strings.Cut(spec, "/")
	if !ok {
		return nil, fmt.Errorf("--shard must be i/n or auto/n, got %q", spec)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > MaxShards {
		return nil, fmt.Errorf("--shard %s: n must be an integer 1..%d", spec, MaxShards)
	}
	var i int
	if is == "auto" {
		switch {
		case getenv("JOB_COMPLETION_INDEX") != "":
			i, err = strconv.Atoi(getenv("JOB_COMPLETION_INDEX"))
			if err != nil {
				return nil, fmt.Errorf("--shard auto: JOB_COMPLETION_INDEX=%q is not an integer", getenv("JOB_COMPLETION_INDEX"))
			}
		case getenv("SLURM_ARRAY_TASK_ID") != "":
			id, err1 := strconv.Atoi(getenv("SLURM_ARRAY_TASK_ID"))
			lo := 0
			var err2 error
			if s := getenv("SLURM_ARRAY_TASK_MIN"); s != "" {
				lo, err2 = strconv.Atoi(s)
			}
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("--shard auto: SLURM_ARRAY_TASK_ID=%q / SLURM_ARRAY_TASK_MIN=%q are not integers",
					getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_MIN"))
			}
			i = id - lo
			// A task resubmitted alone (sbatch --array=5 after task 5 of
			// --array=0-7 failed) has MIN = MAX = its id: its shard is the
			// id itself, not 0.
			if hi := getenv("SLURM_ARRAY_TASK_MAX"); hi != "" && hi == getenv("SLURM_ARRAY_TASK_MIN") && id < n {
				i = id
			}
		default:
			return nil, fmt.Errorf("--shard auto/%d: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set", n)
		}
	} else if i, err = strconv.Atoi(is); err != nil {
		return nil, fmt.Errorf("--shard %s: i must be an integer or auto", spec)
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("--shard %s: index %d is outside 0..%d", spec, i, n-1)
	}
	return &models.ShardRef{Index: i, Count: n}, nil
}

// SelectShard returns the items of shard s in manifest order (all of them
// when s is nil).
func SelectShard(items []models.ManifestItem, s *models.ShardRef) []models.ManifestItem {
	if s == nil {
		return items
	}
	var out []models.ManifestItem
	for _, it := range items {
		if ShardOf(it.ID, s.Count) == s.Index {
			out = append(out, it)
		}
	}
	return out
}
