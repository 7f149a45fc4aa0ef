package main

import (
	"math"
	"strings"
	"testing"

	"github.com/histocount/histocount/analysis/colonies"
)

// FuzzPlateMap: the plate-map parser (colonies.ReadPlateMap, read by
// `colonies --plate-map`) never panics, and what it accepts is usable:
// every entry has an image, a sample and a finite positive cells_seeded.
// It lives here rather than in analysis/colonies so that `make fuzz`
// reuses this package's instrumented build.
func FuzzPlateMap(f *testing.F) {
	f.Add("image,sample,cells_seeded,replicate\nD01.jpg,P001,100,1\nD02.jpg,P001,100,2\n")
	f.Add("\ufeffdonor,cells_seeded,image\nP2,1e3,a.png\n")
	f.Add("image,sample,cells_seeded\n=HYPERLINK(1).png,S,1e-300\n")
	f.Add("image,sample,cells_seeded\n\"unterminated,S,5\n") // panicked before issue 15
	f.Add("image,image,sample,cells_seeded\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := colonies.ReadPlateMap(strings.NewReader(s))
		if err != nil {
			return
		}
		if len(m) == 0 {
			t.Fatal("no entries without an error")
		}
		for k, e := range m {
			if k == "" || e.Image != k || e.Sample == "" || !(e.CellsSeeded > 0) || math.IsInf(e.CellsSeeded, 0) {
				t.Fatalf("accepted a bad entry %q: %+v", k, e)
			}
		}
	})
}
