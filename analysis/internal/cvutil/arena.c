// glibc gives every thread that calls malloc its own arena, up to eight per
// core, and never returns an arena's high-water mark: with OpenCV's pool and
// the pipeline's workers allocating image-sized buffers on ever-changing
// threads, peak RSS creeps up over a long batch. One arena per core keeps it
// flat (measured in README "Throughput and memory"). This runs when the
// binary loads, before any thread exists; MALLOC_ARENA_MAX in the
// environment, if set, wins.
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

static int hc_arena_cap;

__attribute__((constructor)) static void hc_cap_malloc_arenas(void) {
	if (getenv("MALLOC_ARENA_MAX") != NULL) {
		return;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2) {
		n = 2;
	}
	if (mallopt(M_ARENA_MAX, (int)n) == 1) {
		hc_arena_cap = (int)n;
	}
}

int hc_malloc_arena_cap(void) { return hc_arena_cap; }
