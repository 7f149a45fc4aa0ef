// Command histocount-trainlayers trains the learned skin layer classifier
// of analysis/dermis (layers_model.go) on the skin-pas tiles and writes
// its weights, the file `histocount dermis` embeds.
//
// Usage (from the repository root; the recipe of the committed model):
//
//	go run ./cmd/histocount-trainlayers -data ../shared/data/skin-pas \
//	    -out analysis/dermis/weights/layers_mlp.json
//
// Training is seeded and single-threaded, so the same data and flags give
// the same file. Its leave-one-slide-out figures: `go run
// ./cmd/histocount-eval -only skin-pas-layers`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/internal/eval"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-trainlayers:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("histocount-trainlayers", flag.ContinueOnError)
	data := fs.String("data", "../shared/data/skin-pas", "skin-pas folder (truth.csv, images/, masks/)")
	out := fs.String("out", "analysis/dermis/weights/layers_mlp.json", "model file to write")
	cfg := dermis.DefaultLayerTrainConfig()
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tiles, err := eval.SkinPASTrainingTiles(*data)
	if err != nil {
		return err
	}
	m, err := dermis.TrainLayerModel(tiles, cfg)
	if err != nil {
		return err
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d tiles, %d stages, %d bytes\n", *out, len(tiles), len(m.Stages), len(b))
	return nil
}
