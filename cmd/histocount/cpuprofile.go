package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file that receives a Go CPU profile of the whole
// run (for `go tool pprof`): batches are profiled as users run them, with
// the real decoding, writing and worker split. OpenCV's own pool threads
// are not sampled, so profile with as many workers as cores (OpenCV then
// runs on the workers' threads) or use perf.
const cpuProfileEnv = "HISTOCOUNT_CPUPROFILE"

// startCPUProfile starts the profile named by cpuProfileEnv, if any, and
// returns the function that stops and writes it.
func startCPUProfile(stderr io.Writer) func() {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "histocount: %s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "histocount: %s: %v\n", cpuProfileEnv, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "histocount: %s: %v\n", cpuProfileEnv, err)
		}
	}
}
