package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/histocount/histocount/analysis"
	_ "github.com/histocount/histocount/analysis/cvdecode" // JPEG-in-TIFF and other libtiff-only layouts
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// batchFlags are shared by every batch subcommand.
type batchFlags struct {
	Out       string
	Workers   int
	LogFormat string
	Quiet     bool
	MaxPixels int64
	MaxMemory int64 // bytes one image may take to decode (imageio budget)
	Page      int   // 1-based page of multi-page TIFFs
}

// limits are the input limits every image is loaded with.
func (b *batchFlags) limits() imageio.Options {
	return imageio.Options{MaxPixels: b.MaxPixels, MaxMemory: b.MaxMemory, Page: b.Page}
}

// flagSet returns the flag set of batch command name (help is its usage
// text) with the shared flags registered into b.
func (b *batchFlags) flagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet(name, help, stderr)
	b.register(fs)
	return fs
}

func (b *batchFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.Out, "out", "", "output `dir`ectory (required); created if missing")
	fs.IntVar(&b.Workers, "workers", runtime.NumCPU(), "images analysed in parallel")
	fs.StringVar(&b.LogFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&b.Quiet, "quiet", false, "no progress bar or per-image log lines")
	fs.Int64Var(&b.MaxPixels, "max-pixels", 150_000_000, "refuse images with more pixels than this (decompression-bomb guard)")
	fs.Int64Var(&b.MaxMemory, "max-memory", defaultMaxMemory(), "refuse images whose decoding needs more `bytes` than this, estimated from the header")
	fs.IntVar(&b.Page, "page", 1, "page of multi-page TIFFs to analyse (1 = first)")
}

func (b *batchFlags) validate() error {
	if b.Out == "" {
		return usageErrorf("--out is required")
	}
	if b.Workers < 1 || b.Workers > 1024 {
		return usageErrorf("--workers must be 1..1024, got %d", b.Workers)
	}
	if b.MaxMemory < 1<<20 {
		return usageErrorf("--max-memory must be at least 1048576 bytes, got %d", b.MaxMemory)
	}
	if b.Page < 1 || b.Page > 100_000 {
		return usageErrorf("--page must be 1..100000, got %d", b.Page)
	}
	if b.LogFormat != "text" && b.LogFormat != "json" {
		return usageErrorf("--log-format must be text or json, got %q", b.LogFormat)
	}
	return nil
}

// parse parses args, whose flags may follow the inputs, into fs (on
// which b was registered) and checks the shared flags; it returns the
// positional arguments.
func (b *batchFlags) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return pos, nil
}

// pixelSizeFlag registers --pixel-size, shared by the image commands.
func pixelSizeFlag(fs *flag.FlagSet, um *float64) {
	fs.Float64Var(um, "pixel-size", 0, "µm per pixel; overrides image metadata (0: read TIFF/PNG calibration)")
}

// defaultMaxMemory is the per-image decoding budget: imageio's default,
// lowered on a small machine so that one image per core fits in half of it.
func defaultMaxMemory() int64 {
	m := imageio.DefaultMaxMemory
	if total := memoryBytes(); total > 0 {
		m = min(m, max(64<<20, total/int64(2*runtime.NumCPU())))
	}
	return m
}

// setupThreads splits the cores between pipeline workers and OpenCV's own
// pool so that the two do not oversubscribe the machine.
func setupThreads(workers int) {
	tuneGC()
	analysis.SetOpenCVThreads(max(1, runtime.NumCPU()/workers))
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// progress shows a bar on a terminal and periodic log lines otherwise.
type progress struct {
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	log     *slog.Logger
	total   int
	done    int
	failed  int
	start   time.Time
	lastLog time.Time
	quiet   bool
}

func newProgress(total int, quiet bool, log *slog.Logger, stderr io.Writer) *progress {
	p := &progress{total: total, log: log, start: time.Now(), lastLog: time.Now(), quiet: quiet}
	if f, ok := stderr.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("images"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("img"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// item records one finished input.
func (p *progress) item(path string, err error, qc []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if err != nil {
		p.failed++
	}
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	if p.quiet {
		return
	}
	if err != nil {
		p.log.Warn("image failed", "image", path, "error", err.Error())
	} else if d := models.Doubtful(qc); len(d) > 0 {
		p.log.Info("image flagged", "image", path, "qc", strings.Join(d, ";"))
	}
	if time.Since(p.lastLog) > 5*time.Second || p.done == p.total {
		p.lastLog = time.Now()
		rate := float64(p.done) / time.Since(p.start).Seconds()
		eta := time.Duration(float64(p.total-p.done)/max(rate, 1e-9)) * time.Second
		p.log.Info("progress", "done", p.done, "total", p.total, "failed", p.failed,
			"images_per_s", fmt.Sprintf("%.1f", rate), "eta", eta.Round(time.Second).String())
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// provenance describes this run for every results document.
func provenance(started time.Time, params map[string]string) models.Provenance {
	host, _ := os.Hostname()
	c := commit
	if c == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					c = s.Value
				}
			}
		}
	}
	return models.Provenance{
		Tool: "histocount", Version: version, Commit: c,
		OpenCVVersion: analysis.OpenCVVersion(), GoVersion: runtime.Version(),
		Host: host, Started: started.UTC().Format(time.RFC3339), Parameters: params,
	}
}

// expandInputs resolves a batch command's inputs (files, directories,
// globs) to image paths: a usage error when none are given or one cannot
// be resolved, a plain error when they hold no image.
func expandInputs(cmd string, inputs []string) ([]string, error) {
	if len(inputs) == 0 {
		return nil, usageErrorf("no inputs given (see histocount %s --help)", cmd)
	}
	paths, err := imageio.Expand(inputs)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no images found in %s", strings.Join(inputs, " "))
	}
	return paths, nil
}

// outputStems gives every input a unique file stem for its overlay and
// label files: the base name, prefixed by parent directories only where two
// inputs share a base name.
func outputStems(paths []string) []string {
	stems := make([]string, len(paths))
	depth := make([]int, len(paths))
	for {
		seen := map[string][]int{}
		for i, p := range paths {
			stems[i] = stemAt(p, depth[i])
			seen[stems[i]] = append(seen[stems[i]], i)
		}
		clash := false
		for _, idx := range seen {
			if len(idx) > 1 {
				for _, i := range idx {
					if depth[i] < 8 {
						depth[i]++
						clash = true
					} else {
						stems[i] = fmt.Sprintf("%s__%d", stems[i], i)
					}
				}
			}
		}
		if !clash {
			return stems
		}
	}
}

func stemAt(p string, depth int) string {
	p = filepath.Clean(p)
	base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
	dir := filepath.Dir(p)
	parts := []string{base}
	for d := 0; d < depth; d++ {
		b := filepath.Base(dir)
		if b == "." || b == "/" || b == ".." {
			break
		}
		parts = append([]string{b}, parts...)
		dir = filepath.Dir(dir)
	}
	s := strings.Join(parts, "__")
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, s)
}
