// Package eval measures histocount's accuracy on the development data sets
// in ../shared/data. Each data set registers a Dataset; `make eval` runs
// them all and prints one block per data set. Tests in this package assert
// accuracy floors so that accuracy cannot silently regress.
package eval

import (
	"io"
	"sort"

	_ "github.com/histocount/histocount/analysis/cvdecode" // JPEG-in-TIFF and other libtiff-only layouts
)

// Dataset is one evaluation.
type Dataset struct {
	Name string // folder under shared/data
	// Run evaluates on dir, prints a human-readable report to w and returns
	// the headline metrics by name (e.g. "f1_iou50": 0.87).
	Run func(dir string, w io.Writer) (map[string]float64, error)
}

var registry = map[string]Dataset{}

// Register adds a data set; called from init functions.
func Register(d Dataset) { registry[d.Name] = d }

// All returns the registered data sets sorted by name.
func All() []Dataset {
	var out []Dataset
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
