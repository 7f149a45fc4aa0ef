// Command histocount-eval prints histocount's accuracy on the development
// data sets (../shared/data or $HISTOCOUNT_DATA). Run it with `make eval`.
//
//	histocount-eval [-only name,name]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/histocount/histocount/internal/eval"
	"github.com/histocount/histocount/internal/shareddata"
)

func main() {
	only := flag.String("only", "", "comma-separated data set names to run (default all)")
	flag.Parse()
	root := shareddata.Find()
	if root == "" {
		fmt.Fprintln(os.Stderr, "histocount-eval: shared/data not found; set HISTOCOUNT_DATA")
		os.Exit(2)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	failed := false
	for _, d := range eval.All() {
		if len(want) > 0 && !want[d.Name] {
			continue
		}
		fmt.Printf("== %s\n", d.Name)
		start := time.Now()
		if _, err := d.Run(filepath.Join(root, d.Name), os.Stdout); err != nil {
			fmt.Printf("   ERROR: %v\n", err)
			failed = true
		}
		fmt.Printf("   (%.1fs)\n\n", time.Since(start).Seconds())
	}
	if failed {
		os.Exit(1)
	}
}
