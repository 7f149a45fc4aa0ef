package cvutil

import (
	"os"
	"runtime"
	"testing"
)

// The constructor in arena.c must have run when the test binary loaded:
// it caps glibc's arenas at one per core unless the environment decides.
func TestMallocArenaCap(t *testing.T) {
	got := MallocArenaCap()
	if os.Getenv("MALLOC_ARENA_MAX") != "" {
		if got != 0 {
			t.Fatalf("MALLOC_ARENA_MAX is set but the constructor capped arenas at %d", got)
		}
		return
	}
	want := runtime.NumCPU()
	if want < 2 {
		want = 2
	}
	// NumCPU follows the affinity mask, sysconf counts every online core,
	// so the cap may be higher than NumCPU, never lower.
	if got < want {
		t.Fatalf("MallocArenaCap() = %d, want ≥ %d", got, want)
	}
}
