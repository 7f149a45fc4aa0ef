package eval

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
)

// The synthetic plate sets: colonies.SynthesizePlate with fixed seeds,
// drawn in memory, one set per kind. None of their plates is used to set
// a constant (the seeds of the package's own tests differ), so they are
// held out from the fitting in the leave-one-set-out sense as far as the
// generator's look differs from the dev plates'.
func init() {
	Register(Dataset{Name: "colony-synth-dark-on-light", Run: func(_ string, w io.Writer) (map[string]float64, error) {
		return runSynthPlates(colonies.PlateDarkOnLight, 24, 1000, w)
	}})
	Register(Dataset{Name: "colony-synth-light-on-dark", Run: func(_ string, w io.Writer) (map[string]float64, error) {
		return runSynthPlates(colonies.PlateLightOnDark, 24, 1000, w)
	}})
	Register(Dataset{Name: "colony-synth-crystal-violet", Run: func(_ string, w io.Writer) (map[string]float64, error) {
		return runSynthPlates(colonies.PlateViolet, 16, 1000, w)
	}})
	Register(Dataset{Name: "gen-plates", Run: runGenPlates})
}

// evalSeed separates the evaluation plates from the tests' (seed 1..).
const evalSeed = 20261201

// violetMinDiameterPx is the colony size rule of the crystal-violet sets,
// as the lab gives it: --min-colony-diameter-px 20 at 1000².
const violetMinDiameterPx = 20

func runSynthPlates(kind string, n, size int, w io.Writer) (map[string]float64, error) {
	items := make([]plateItem, n)
	opt := colonies.Options{}
	for i := range items {
		seed := uint64(i)
		items[i] = plateItem{name: fmt.Sprintf("%s-%02d", kind, i+1), load: func() (*imageio.Image, error) {
			img, _ := colonies.SynthesizePlate(rand.New(rand.NewPCG(evalSeed, seed)), colonies.PlateSpec{Kind: kind, SizePx: size})
			return img, nil
		}}
		// The truth is known without drawing twice: draw once here.
		_, tr := colonies.SynthesizePlate(rand.New(rand.NewPCG(evalSeed, seed)), colonies.PlateSpec{Kind: kind, SizePx: size})
		items[i].colonies = tr.Colonies
		if kind == colonies.PlateViolet {
			items[i].cfeSeed = 1000
		}
	}
	if kind == colonies.PlateViolet {
		d := float64(violetMinDiameterPx) * float64(size) / 1000
		opt.MinColonyAreaPx = 3.14159265358979 / 4 * d * d
	}
	return evalPlates("colony-synth-"+kind, items, opt, w)
}

// runGenPlates evaluates on the independent generator's plates in
// $HISTOCOUNT_GEN_PLATES (default /work/gen-data/plates): a truth.csv with
// image,colonies like colony-plates. Held out: nothing is tuned on it.
func runGenPlates(_ string, w io.Writer) (map[string]float64, error) {
	dir := os.Getenv("HISTOCOUNT_GEN_PLATES")
	if dir == "" {
		dir = "/work/gen-data/plates"
	}
	if _, err := os.Stat(filepath.Join(dir, "truth.csv")); err != nil {
		return nil, fmt.Errorf("gen-plates: %w", err)
	}
	truth, err := readColonyTruth(dir)
	if err != nil {
		return nil, err
	}
	items := make([]plateItem, len(truth))
	for i, t := range truth {
		items[i] = plateItem{name: t.image, colonies: t.colonies, load: func() (*imageio.Image, error) {
			return imageio.Load(filepath.Join(dir, t.image), imageio.Options{})
		}}
	}
	return evalPlates("gen-plates", items, colonies.Options{}, w)
}
