package eval

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
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
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
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
	if len(truth) == 0 {
		return nil, fmt.Errorf("colony-plates: no truth rows")
	}
	fmt.Fprintf(w, "%-22s %6s %6s %6s %7s  %s\n", "image", "true", "pred", "abserr", "ape%", "qc")
	var apes []float64
	var sumAbs float64
	var elapsed, cpu time.Duration
	for _, t := range truth {
		img, err := imageio.Load(filepath.Join(dir, t.image), imageio.Options{})
		if err != nil {
			return nil, fmt.Errorf("colony-plates: %s: %w", t.image, err)
		}
		start, cpu0 := time.Now(), processCPUTime()
		res, err := colonies.Count(img, colonies.Options{})
		elapsed += time.Since(start)
		cpu += processCPUTime() - cpu0
		if err != nil {
			return nil, fmt.Errorf("colony-plates: %s: %w", t.image, err)
		}
		pred := len(res.Colonies)
		abs := math.Abs(float64(pred - t.colonies))
		ape := 100 * abs / math.Max(1, float64(t.colonies))
		apes = append(apes, ape)
		sumAbs += abs
		fmt.Fprintf(w, "%-22s %6d %6d %6.0f %7.2f  %v\n", t.image, t.colonies, pred, abs, ape, res.QC)
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
	m := map[string]float64{
		"mape_pct":          mape,
		"median_ape_pct":    med,
		"mean_abs_error":    sumAbs / float64(len(apes)),
		"plates":            float64(len(apes)),
		"ms_per_plate_cpu":  float64(cpu.Milliseconds()) / float64(len(apes)),
		"ms_per_plate_wall": float64(elapsed.Milliseconds()) / float64(len(apes)),
	}
	fmt.Fprintf(w, "plates %d  MAPE %.2f %%  median APE %.2f %%  mean |error| %.1f  %.0f CPU ms/plate, %.0f ms wall (count only)\n",
		len(apes), mape, med, m["mean_abs_error"], m["ms_per_plate_cpu"], m["ms_per_plate_wall"])
	return m, nil
}
