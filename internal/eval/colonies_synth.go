package eval

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

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
		opt.MinColonyAreaPx = math.Pi / 4 * d * d
	}
	return evalPlates("colony-synth-"+kind, items, opt, w)
}

// genPlatesDir is the independent generator's plates (helper "gen",
// internal/physgen on its branch), $HISTOCOUNT_GEN_PLATES or
// /work/gen-data/plates: agar/ and cv/ with a truth.csv each. Held out:
// nothing in analysis/colonies is tuned on them.
func genPlatesDir() string {
	if d := os.Getenv("HISTOCOUNT_GEN_PLATES"); d != "" {
		return d
	}
	return "/work/gen-data/plates"
}

// runGenPlates evaluates on the independent generator's webcam agar
// plates (auto settings) and crystal-violet dishes (the lab's
// --min-colony-diameter-px 20 with the plate map's seeding).
func runGenPlates(_ string, w io.Writer) (map[string]float64, error) {
	out := map[string]float64{}
	for _, sub := range []string{"agar", "cv"} {
		dir := filepath.Join(genPlatesDir(), sub)
		recs, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
		if err != nil {
			return nil, fmt.Errorf("gen-plates: %w", err)
		}
		var items []plateItem
		col := map[string]int{}
		for i, r := range recs {
			if i == 0 {
				for k, h := range r {
					col[h] = k
				}
				continue
			}
			n, err := strconv.Atoi(r[col["colonies"]])
			if err != nil {
				return nil, fmt.Errorf("gen-plates %s line %d: %w", sub, i+1, err)
			}
			it := plateItem{name: r[0], colonies: n}
			if k, ok := col["cells_seeded"]; ok {
				it.cfeSeed, _ = strconv.ParseFloat(r[k], 64)
			}
			path := filepath.Join(dir, r[0])
			it.load = func() (*imageio.Image, error) { return imageio.Load(path, imageio.Options{}) }
			items = append(items, it)
		}
		opt := colonies.Options{}
		if sub == "cv" {
			opt.MinColonyAreaPx = math.Pi / 4 * violetMinDiameterPx * violetMinDiameterPx
		}
		m, err := evalPlates("gen-plates-"+sub, items, opt, w)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[sub+"_"+k] = v
		}
	}
	return out, nil
}

func readCSVRecords(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return csv.NewReader(f).ReadAll()
}
