package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Helpers shared by the command tests and benchmarks.

// buildBinary builds histocount into a temp dir so that a benchmark can
// measure the real process (its peak RSS), not the test binary.
func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "histocount")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runPeakRSS runs bin with args, fails the benchmark if it fails, and
// returns the process's peak resident set in KiB (Linux ru_maxrss; 0 where
// the platform does not report it).
func runPeakRSS(b *testing.B, bin string, args ...string) int64 {
	b.Helper()
	cmd := exec.Command(bin, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// readOutputs reads the named files under dir, keyed by name.
func readOutputs(t *testing.T, dir string, names []string) map[string][]byte {
	t.Helper()
	got := make(map[string][]byte, len(names))
	for _, f := range names {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		got[f] = b
	}
	return got
}

// checkSameAcrossWorkers calls run once per --workers value, each time
// with a fresh output dir, and reports every named output file that is not
// byte-identical to the one written with workers[0].
func checkSameAcrossWorkers(t *testing.T, what string, workers, files []string, run func(workers, out string)) {
	t.Helper()
	var ref map[string][]byte
	for _, w := range workers {
		out := t.TempDir()
		run(w, out)
		got := readOutputs(t, out, files)
		if ref == nil {
			ref = got
			continue
		}
		for _, f := range files {
			if !bytes.Equal(got[f], ref[f]) {
				t.Errorf("%s%s differs between --workers %s and %s", what, f, workers[0], w)
			}
		}
	}
}

// selfCommand is this test binary run as histocount with args, its child
// hook env (killChildEnv, interruptChildEnv) set to k: the child acts after
// k items. Its stderr is collected in the returned buffer.
func selfCommand(t *testing.T, hook string, k int, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", hook, k))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}
