package cvutil

/*
#cgo pkg-config: opencv4
#cgo CXXFLAGS: -std=c++11
#include "threads.h"
*/
import "C"

// SetNumThreads sets OpenCV's own thread pool size (cv::setNumThreads).
// With N pipeline workers on C cores, OpenCV should get about C/N threads so
// the two levels of parallelism do not oversubscribe the machine; 1 turns
// OpenCV's internal parallelism off.
func SetNumThreads(n int) {
	if n < 1 {
		n = 1
	}
	C.hc_set_num_threads(C.int(n))
}

// NumThreads returns OpenCV's current thread pool size.
func NumThreads() int { return int(C.hc_get_num_threads()) }

// MallocArenaCap returns the cap on glibc malloc arenas that arena.c set when
// the binary loaded (one per online core, at least 2), or 0 when
// MALLOC_ARENA_MAX in the environment decided instead.
func MallocArenaCap() int { return int(C.hc_malloc_arena_cap()) }
