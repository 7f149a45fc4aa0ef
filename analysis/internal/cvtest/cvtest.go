// Package cvtest holds test helpers for packages that use gocv.
package cvtest

import (
	"fmt"
	"github.com/histocount/histocount/analysis/internal/cvutil"
	"os"
	"testing"
)

// TestMainLeakCheck runs a package's tests and fails them when a Mat was
// left open. Use it as the whole TestMain of every package that touches
// gocv:
//
//	func TestMain(m *testing.M) { cvtest.TestMainLeakCheck(m) }
//
// Without -tags matprofile leaks cannot be seen, so the run fails unless
// HISTOCOUNT_NO_MATPROFILE=1 says that is intended (e.g. in benchmarks).
func TestMainLeakCheck(m *testing.M) {
	code := m.Run()
	if !cvutil.MatProfileEnabled {
		if os.Getenv("HISTOCOUNT_NO_MATPROFILE") == "" {
			fmt.Fprintln(os.Stderr, "FAIL: build with -tags matprofile (or set HISTOCOUNT_NO_MATPROFILE=1) so Mat leaks are caught")
			code = 1
		}
	} else if n, stacks := cvutil.OpenMats(); n != 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d Mat(s) leaked:\n%s\n", n, stacks)
		code = 1
	}
	os.Exit(code)
}
