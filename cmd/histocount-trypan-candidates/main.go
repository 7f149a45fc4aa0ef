// Command histocount-trypan-candidates writes the candidate objects of the
// trypan segmenter on the brightfield-viability development images, with
// their descriptors and annotated class, as CSV on stdout: the training
// data of scripts/train/trypan_cellmlp.py.
//
//	histocount-trypan-candidates DIR > cand.csv
package main

import (
	"fmt"
	"os"

	"github.com/histocount/histocount/analysis/cells"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: histocount-trypan-candidates DIR (brightfield-viability folder) > cand.csv")
		os.Exit(2)
	}
	if err := cells.WriteTrypanCandidates(os.Stdout, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-trypan-candidates:", err)
		os.Exit(1)
	}
}
