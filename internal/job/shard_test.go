package job

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/histocount/histocount/models"
)

func TestShardSpec(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		spec   string
		env    func(string) string
		want   *models.ShardRef
		wantOK bool
	}{
		{"", env(), nil, true},
		{"0/1", env(), &models.ShardRef{Index: 0, Count: 1}, true},
		{"3/4", env(), &models.ShardRef{Index: 3, Count: 4}, true},
		{"4/4", env(), nil, false},
		{"-1/4", env(), nil, false},
		{"1/0", env(), nil, false},
		{"1", env(), nil, false},
		{"x/2", env(), nil, false},
		{"auto/4", env("JOB_COMPLETION_INDEX", "2", "SLURM_ARRAY_TASK_ID", "9"), &models.ShardRef{Index: 2, Count: 4}, true},
		{"auto/4", env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "2"), &models.ShardRef{Index: 3, Count: 4}, true},
		{"auto/4", env("SLURM_ARRAY_TASK_ID", "3"), &models.ShardRef{Index: 3, Count: 4}, true},
		{"auto/4", env("SLURM_ARRAY_TASK_ID", "4"), nil, false},
		{"auto/4", env(), nil, false},
		{"auto/4", env("JOB_COMPLETION_INDEX", "one"), nil, false},
	} {
		got, err := ParseShard(c.spec, c.env)
		if (err == nil) != c.wantOK || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseShard(%q) = %+v, %v; want %+v ok=%v", c.spec, got, err, c.want, c.wantOK)
		}
	}
	// FNV-1a 32 of "a" is 0xe40c292c (3826002220): fixed, so shards stay
	// stable across versions.
	if got := ShardOf("a", 1000); got != 220 {
		t.Errorf("ShardOf(a, 1000) = %d, want 220", got)
	}
	var items, reversed []models.ManifestItem
	for i := range 200 {
		items = append(items, models.ManifestItem{ID: fmt.Sprintf("item-%d", i), Index: i})
	}
	for i := len(items) - 1; i >= 0; i-- {
		reversed = append(reversed, items[i])
	}
	seen := map[string]int{}
	for s := range 3 {
		ids := func(list []models.ManifestItem) []string {
			var out []string
			for _, it := range list {
				out = append(out, it.ID)
			}
			slices.Sort(out)
			return out
		}
		a, b := ids(SelectShard(items, &models.ShardRef{Index: s, Count: 3})), ids(SelectShard(reversed, &models.ShardRef{Index: s, Count: 3}))
		if !slices.Equal(a, b) {
			t.Errorf("shard %d depends on item order", s)
		}
		if len(a) < 40 {
			t.Errorf("shard %d has %d of 200 items: badly balanced", s, len(a))
		}
		for _, id := range a {
			seen[id]++
		}
	}
	if len(seen) != 200 {
		t.Errorf("%d of 200 items in some shard", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s in %d shards", id, n)
		}
	}
}

// A Slurm task resubmitted alone (--array=5: MIN = MAX = 5) runs shard 5,
// not 0; an array numbered 1..N still maps to 0..N-1.
func TestShardAutoLoneResubmission(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		env  func(string) string
		want int
	}{
		{env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "5", "SLURM_ARRAY_TASK_MAX", "5"), 5},
		{env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "8"), 0},
		{env("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "8"), 7},
		{env("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_MIN", "8", "SLURM_ARRAY_TASK_MAX", "8"), 0},
	} {
		s, err := ParseShard("auto/8", c.env)
		if err != nil || s.Index != c.want {
			t.Errorf("%v %v, want shard %d", s, err, c.want)
		}
	}
}
