package main

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// gcPercent replaces Go's default GOGC of 100 for batch runs. The analyses
// allocate several MB of scratch per image and keep almost nothing, so at
// 100 the collector and page faults took a third of the CPU on small
// images (360 trypan crops: 5.2 s → 3.9 s at 300, peak RSS +8 MB).
const gcPercent = 300

// tuneGC applies gcPercent, with a soft memory limit of half the machine's
// (or the container's) memory so that large images cannot make the heap
// run away; the GOGC and GOMEMLIMIT environment variables still win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := memoryBytes(); total > 0 {
			debug.SetMemoryLimit(total / 2)
		}
	}
}

// memoryBytes is the cgroup v2 memory limit when there is one, else the
// physical memory; 0 when neither can be read.
func memoryBytes() int64 {
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 {
			return v
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
