package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/histocount/histocount/internal/physgen/chamber"
	"github.com/histocount/histocount/internal/shareddata"
)

// makeBatch links n copies of the sample images of stain into a temp dir
// (the manifest benchmarks' input).
func makeBatch(b *testing.B, stain string, n int) string {
	b.Helper()
	src := "../../testdata/samples/trypan/donor-A"
	if stain == "fluorescence" {
		src = "../../testdata/samples/nuclei"
	}
	files, _ := filepath.Glob(filepath.Join(src, "*.png"))
	if len(files) == 0 {
		b.Fatal("no sample images")
	}
	dir := b.TempDir()
	for i := 0; i < n; i++ {
		abs, _ := filepath.Abs(files[i%len(files)])
		if err := os.Symlink(abs, filepath.Join(dir, fmt.Sprintf("img%05d.png", i))); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// benchKind is one kind of real batch for BenchmarkBatch: base returns the
// images it cycles through (skipping when they are not available) and args
// the cells flags besides --workers, --out and the input.
type benchKind struct {
	name string
	base func(b *testing.B, gen string) []string // gen: a dir for generated images
	args []string
}

var benchKinds = []benchKind{
	// The DSB2018 dev images: fluorescence, stained and brightfield in the
	// set's own mix, overlays and labels written.
	{"nuclei", func(b *testing.B, _ string) []string { return sharedImages(b, "nuclei-dsb2018") },
		[]string{"--stain", "fluorescence", "--save-labels"}},
	// The real ~220² trypan crops (uncalibrated, as the set).
	{"trypan-crops", func(b *testing.B, _ string) []string { return sharedImages(b, "brightfield-viability") },
		[]string{"--stain", "trypan"}},
	// Whole 1600×1200 chamber fields from the independent generator (seed 2,
	// calibrated by the pHYs chunk).
	{"trypan-fields", chamberFields, []string{"--stain", "trypan"}},
}

// benchBase is how many images of a set a batch cycles through: the 100-
// and the 2000-image batch hold the same images, so their peak RSS compares
// like with like and only the batch length differs.
const benchBase = 100

// sharedImages returns up to benchBase images of a shared data set, spread
// evenly over it in name order; skips without the shared data.
func sharedImages(b *testing.B, set string) []string {
	b.Helper()
	root := shareddata.Find()
	files, _ := filepath.Glob(filepath.Join(root, set, "images", "*.png"))
	if root == "" || len(files) == 0 {
		b.Skipf("shared %s images not found", set)
	}
	if len(files) <= benchBase {
		return files
	}
	out := make([]string, benchBase)
	for i := range out {
		out[i] = files[i*len(files)/benchBase]
	}
	return out
}

// chamberFields renders four whole chamber fields into gen, once.
func chamberFields(b *testing.B, gen string) []string {
	b.Helper()
	dir := filepath.Join(gen, "chamber")
	files, _ := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	if len(files) > 0 {
		return files
	}
	if err := chamber.WriteDataset(dir, 2, 4, chamber.Options{}); err != nil {
		b.Fatal(err)
	}
	files, _ = filepath.Glob(filepath.Join(dir, "images", "*.png"))
	return files
}

// linkBatch makes a batch of n images cycling through base in a temp dir.
// The batch commands analyse a file reached through several names once
// (symlinks resolve to one path), so a batch of symlinks would hold only
// the distinct images: base is copied once into gen and the batch is made
// of hard links to the copies, each a file of its own to the CLI.
func linkBatch(b *testing.B, gen string, base []string, n int) string {
	b.Helper()
	copies := make([]string, len(base))
	for i, f := range base {
		copies[i] = filepath.Join(gen, "base", strings.NewReplacer("/", "_", ":", "_").Replace(f))
		if _, err := os.Stat(copies[i]); err == nil {
			continue
		}
		data, err := os.ReadFile(f)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(copies[i]), 0o755)
		}
		if err == nil {
			err = os.WriteFile(copies[i], data, 0o644)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	dir := filepath.Join(gen, fmt.Sprintf("batch-%d", batchSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	for i := 0; i < n; i++ {
		if err := os.Link(copies[i%len(copies)], filepath.Join(dir, fmt.Sprintf("img%05d.png", i))); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

var batchSeq atomic.Int64

// benchSizes are the batch lengths: HISTOCOUNT_BENCH_SIZES="100,2000" by
// default (shorter ones make a quick run on a loaded machine).
func benchSizes(b *testing.B) (small, large int) {
	small, large = 100, 2000
	if s := os.Getenv("HISTOCOUNT_BENCH_SIZES"); s != "" {
		if _, err := fmt.Sscanf(s, "%d,%d", &small, &large); err != nil {
			b.Fatalf("HISTOCOUNT_BENCH_SIZES=%q: want small,large", s)
		}
	}
	return small, large
}

// BenchmarkBatch runs the real binary over real batches of each kind (see
// benchKinds): the short batch at 1 and 2 workers, the long one at 2. It
// reports images/s, CPU seconds per image (user+sys of the process and its
// OpenCV threads) and peak RSS, from which make bench prints the 1→2
// worker ratio and the RSS ratio of the long to the short batch. CPU per
// image is the figure a loaded machine does not distort: if it stays put
// from 1 to 2 workers, the workers do not get in each other's way and only
// the cores the machine gives decide the wall-clock ratio.
func BenchmarkBatch(b *testing.B) {
	bin := buildBinary(b)
	small, large := benchSizes(b)
	gen := b.TempDir()
	for _, k := range benchKinds {
		for _, c := range []struct{ workers, n int }{{1, small}, {2, small}, {2, large}} {
			b.Run(fmt.Sprintf("%s/workers=%d/images=%d", k.name, c.workers, c.n), func(b *testing.B) {
				dir := linkBatch(b, gen, k.base(b, gen), c.n)
				var maxRSS int64
				var cpu, wall time.Duration
				for b.Loop() {
					args := append([]string{"cells"}, k.args...)
					args = append(args, "--quiet", "--workers", fmt.Sprint(c.workers), "--out", b.TempDir(), dir)
					t0 := time.Now()
					cmd := exec.Command(bin, args...)
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("%v\n%s", err, out)
					}
					wall += time.Since(t0)
					cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
					if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
						maxRSS = max(maxRSS, ru.Maxrss)
					}
				}
				imgs := float64(c.n * b.N)
				b.ReportMetric(imgs/wall.Seconds(), "images/s")
				b.ReportMetric(cpu.Seconds()/imgs, "cpu-s/image")
				b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MiB")
			})
		}
	}
}
