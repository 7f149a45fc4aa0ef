package eval

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
)

func init() {
	Register(Dataset{Name: "colony-plates", Run: runColonyPlates})
}

// colonyTruth is one row of colony-plates/truth.csv.
type colonyTruth struct {
	image    string
	colonies int
}

func readColonyTruth(dir string) ([]colonyTruth, error) {
	recs, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return nil, fmt.Errorf("truth.csv: %w", err)
	}
	var out []colonyTruth
	for i, r := range recs {
		if i == 0 || len(r) < 2 {
			continue
		}
		n, err := strconv.Atoi(r[1])
		if err != nil {
			return nil, fmt.Errorf("truth.csv line %d: %w", i+1, err)
		}
		out = append(out, colonyTruth{image: r[0], colonies: n})
	}
	return out, nil
}

// runColonyPlates counts the colonies of every plate and compares them with
// the manual counts: absolute error and absolute percentage error per
// plate; MAPE (mean APE) and median APE over the set.
// processCPUTime is the user + system CPU time of this process, all threads:
// the per-core cost of a count, which a busy machine's wall clock
// overstates. 0 where the platform does not report it.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runColonyPlates(dir string, w io.Writer) (map[string]float64, error) {
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
	return evalPlates("colony-plates", items, colonies.Options{}, w)
}

// plateItem is one plate of an evaluation: its truth and how to get it.
type plateItem struct {
	name     string
	colonies int
	cfeSeed  float64 // cells seeded, > 0 to report the CFE error
	load     func() (*imageio.Image, error)
}

// evalPlates counts every plate with opt and compares with the truth:
// absolute error and absolute percentage error per plate; MAPE (mean
// APE), median and worst APE over the set, the share of plates whose dish
// was found, the CFE error in percentage points when seeded, and the CPU
// time of the count alone (decoding and drawing not timed).
func evalPlates(set string, items []plateItem, opt colonies.Options, w io.Writer) (map[string]float64, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no truth rows", set)
	}
	fmt.Fprintf(w, "%-22s %6s %6s %6s %7s  %s\n", "image", "true", "pred", "abserr", "ape%", "qc")
	var apes []float64
	var sumAbs, dishes, cfeSum, cfeMax float64
	cfeN := 0
	var elapsed, cpu time.Duration
	for _, t := range items {
		img, err := t.load()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", set, t.name, err)
		}
		start, cpu0 := time.Now(), processCPUTime()
		res, err := colonies.Count(img, opt)
		elapsed += time.Since(start)
		cpu += processCPUTime() - cpu0
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", set, t.name, err)
		}
		pred := res.Count()
		abs := math.Abs(float64(pred - t.colonies))
		ape := 100 * abs / math.Max(1, float64(t.colonies))
		apes = append(apes, ape)
		sumAbs += abs
		if res.Dish.Found {
			dishes++
		}
		if t.cfeSeed > 0 {
			e := math.Abs(colonies.CFE(pred, t.cfeSeed) - colonies.CFE(t.colonies, t.cfeSeed))
			cfeSum += e
			cfeMax = math.Max(cfeMax, e)
			cfeN++
		}
		fmt.Fprintf(w, "%-22s %6d %6d %6.0f %7.2f  %v\n", t.name, t.colonies, pred, abs, ape, res.QC)
	}
	mape := 0.0
	for _, a := range apes {
		mape += a
	}
	mape /= float64(len(apes))
	sorted := append([]float64(nil), apes...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	n := float64(len(apes))
	m := map[string]float64{
		"mape_pct":          mape,
		"median_ape_pct":    med,
		"max_ape_pct":       sorted[len(sorted)-1],
		"mean_abs_error":    sumAbs / n,
		"plates":            n,
		"dish_found_frac":   dishes / n,
		"ms_per_plate_cpu":  float64(cpu.Milliseconds()) / n,
		"ms_per_plate_wall": float64(elapsed.Milliseconds()) / n,
	}
	fmt.Fprintf(w, "%s: plates %d  MAPE %.2f %%  median APE %.2f %%  worst %.1f %%  mean |error| %.1f  dish found %.0f/%d  %.0f CPU ms/plate, %.0f ms wall (count only)\n",
		set, len(apes), mape, med, m["max_ape_pct"], m["mean_abs_error"], dishes, len(apes), m["ms_per_plate_cpu"], m["ms_per_plate_wall"])
	if cfeN > 0 {
		m["cfe_err_mean_pp"], m["cfe_err_max_pp"] = cfeSum/float64(cfeN), cfeMax
		fmt.Fprintf(w, "%s: CFE error %.2f pp mean, %.2f pp worst\n", set, m["cfe_err_mean_pp"], cfeMax)
	}
	return m, nil
}
