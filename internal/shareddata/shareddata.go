// Package shareddata locates ../shared/data (the development images with
// ground truth) for tests and evaluations.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Find returns the shared data directory: $HISTOCOUNT_DATA, or the first
// shared/data found walking up from the working directory. "" if none.
func Find() string {
	if d := os.Getenv("HISTOCOUNT_DATA"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the data set directory sub (e.g. "nuclei-dsb2018") for a test.
// Under CI (CI=true) a missing directory fails the test, so accuracy floors
// can never pass by being skipped; elsewhere the test is skipped.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	root := Find()
	d := filepath.Join(root, sub)
	if st, err := os.Stat(d); root == "" || err != nil || !st.IsDir() {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared data %q not found (CI must have ../shared beside the repo)", sub)
		}
		t.Skipf("shared data %q not found", sub)
	}
	return d
}
