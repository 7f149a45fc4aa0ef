package eval

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/analysis/cells/chambersynth"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/chamber"
)

func init() {
	Register(Dataset{Name: "chamber-fields-synth", Run: runTrypanFieldsSynth})
}

// Seeds of the generated whole-field evaluation. The detector was
// developed on seeds below TrypanFieldsHeldOutSeed; the seeds from it on
// were never looked at while tuning and are the figure to quote.
const (
	TrypanFieldsHeldOutSeed = 100000
	trypanFieldsN           = 12
)

// FieldCounts is one field's truth and count.
type FieldCounts struct {
	TrueLive, TrueDead, Live, Dead int
}

// FieldScores summarise whole-field counting.
type FieldScores struct {
	Fields int
	// WAPEPct = Σ|pred total − true total| / Σ true total · 100.
	WAPEPct float64
	// LiveWAPEPct, DeadWAPEPct: the same for each class.
	LiveWAPEPct, DeadWAPEPct float64
	// PooledViabilityErrPP = |pooled pred viability − pooled true|.
	PooledViabilityErrPP float64
	// ViabilityMAEPP is the mean per-field |pred − true| viability.
	ViabilityMAEPP   float64
	TrueLive, Live   int
	TrueDead, Dead   int
	SecondsPerField  float64
	MegapixelsPerSec float64
}

// Metrics keys the headline numbers.
func (s FieldScores) Metrics() map[string]float64 {
	return map[string]float64{
		"wape_pct":                s.WAPEPct,
		"live_wape_pct":           s.LiveWAPEPct,
		"dead_wape_pct":           s.DeadWAPEPct,
		"pooled_viability_err_pp": s.PooledViabilityErrPP,
		"viability_mae_pp":        s.ViabilityMAEPP,
	}
}

// ScoreFields computes FieldScores from per-field counts.
func ScoreFields(fc []FieldCounts) FieldScores {
	s := FieldScores{Fields: len(fc)}
	var absT, absL, absD, via float64
	nv := 0
	for _, c := range fc {
		s.TrueLive += c.TrueLive
		s.TrueDead += c.TrueDead
		s.Live += c.Live
		s.Dead += c.Dead
		absT += math.Abs(float64(c.Live + c.Dead - c.TrueLive - c.TrueDead))
		absL += math.Abs(float64(c.Live - c.TrueLive))
		absD += math.Abs(float64(c.Dead - c.TrueDead))
		if c.TrueLive+c.TrueDead > 0 {
			via += math.Abs(cells.Viability(c.Live, c.Dead) - cells.Viability(c.TrueLive, c.TrueDead))
			nv++
		}
	}
	pct := func(a float64, b int) float64 {
		if b == 0 {
			return 0
		}
		return 100 * a / float64(b)
	}
	s.WAPEPct = pct(absT, s.TrueLive+s.TrueDead)
	s.LiveWAPEPct = pct(absL, s.TrueLive)
	s.DeadWAPEPct = pct(absD, s.TrueDead)
	s.PooledViabilityErrPP = math.Abs(cells.Viability(s.Live, s.Dead) - cells.Viability(s.TrueLive, s.TrueDead))
	if nv > 0 {
		s.ViabilityMAEPP = via / float64(nv)
	}
	return s
}

// EvalTrypanFieldsSynth generates n fields from seeds first..first+n−1
// with chambersynth's defaults, counts them with the pixel size given (as
// `--pixel-size` would) and scores the counts.
func EvalTrypanFieldsSynth(first int64, n int, p chambersynth.Params) (FieldScores, []FieldCounts, error) {
	var fc []FieldCounts
	var dur time.Duration
	pix := 0
	for k := 0; k < n; k++ {
		f, err := chambersynth.Generate(p, first+int64(k))
		if err != nil {
			return FieldScores{}, nil, err
		}
		t0 := time.Now()
		res, err := cells.Count(f.Image, cells.Options{Stain: cells.StainTrypan, PixelSizeUM: f.PixelSizeUM})
		dur += time.Since(t0)
		if err != nil {
			return FieldScores{}, nil, fmt.Errorf("eval: field seed %d: %w", first+int64(k), err)
		}
		pix += f.Image.Width * f.Image.Height
		fc = append(fc, FieldCounts{TrueLive: f.Live, TrueDead: f.Dead, Live: res.Live, Dead: res.Dead})
	}
	s := ScoreFields(fc)
	if n > 0 {
		s.SecondsPerField = dur.Seconds() / float64(n)
		s.MegapixelsPerSec = float64(pix) / 1e6 / dur.Seconds()
	}
	return s, fc, nil
}

// EvalTrypanFieldsDir counts the fields listed in dir/truth.csv
// (image,live,dead[,pixel_size_um]) and scores them.
func EvalTrypanFieldsDir(dir string, pixelSizeUM float64) (FieldScores, error) {
	truth, err := readTrypanTruthPixel(dir)
	if err != nil {
		return FieldScores{}, err
	}
	var fc []FieldCounts
	for _, t := range truth {
		img, err := imageio.Load(joinData(dir, t.image), imageio.Options{})
		if err != nil {
			return FieldScores{}, err
		}
		ps := pixelSizeUM
		if t.pixelSizeUM > 0 {
			ps = t.pixelSizeUM
		}
		res, err := cells.Count(img, cells.Options{Stain: cells.StainTrypan, PixelSizeUM: ps})
		if err != nil {
			return FieldScores{}, fmt.Errorf("eval: %s: %w", t.image, err)
		}
		fc = append(fc, FieldCounts{TrueLive: t.live, TrueDead: t.dead, Live: res.Live, Dead: res.Dead})
	}
	return ScoreFields(fc), nil
}

// EvalTrypanFieldsPhysgen renders fields first..first+n-1 of the
// independent physical generator's chamber data set seeded by seed, at
// w×h pixels (0 for the generator's own sizes), round-trips each through
// PNG with its pixel size as a file would, counts it with the pixel size
// given and scores the counts against the generator's edge-rule truth.
func EvalTrypanFieldsPhysgen(seed uint64, first, n, w, h int) (FieldScores, []FieldCounts, error) {
	var fc []FieldCounts
	var dur time.Duration
	pix := 0
	for k := first; k < first+n; k++ {
		f, err := chamber.Generate(seed, k, chamber.Options{W: w, H: h})
		if err != nil {
			return FieldScores{}, nil, err
		}
		b, err := imageio.EncodePNG(f.Image, f.PixelSizeUM)
		if err != nil {
			return FieldScores{}, nil, err
		}
		img, err := imageio.Decode(b, imageio.Options{})
		if err != nil {
			return FieldScores{}, nil, err
		}
		t0 := time.Now()
		res, err := cells.Count(img, cells.Options{Stain: cells.StainTrypan, PixelSizeUM: f.PixelSizeUM})
		dur += time.Since(t0)
		if err != nil {
			return FieldScores{}, nil, fmt.Errorf("eval: physgen field %d/%d: %w", seed, k, err)
		}
		live, dead, _, _, _, _ := f.Counts()
		pix += img.Width * img.Height
		fc = append(fc, FieldCounts{TrueLive: live, TrueDead: dead, Live: res.Live, Dead: res.Dead})
	}
	s := ScoreFields(fc)
	if n > 0 {
		s.SecondsPerField = dur.Seconds() / float64(n)
		s.MegapixelsPerSec = float64(pix) / 1e6 / dur.Seconds()
	}
	return s, fc, nil
}

// runTrypanFieldsSynth is the registered whole-field evaluation on
// generated fields with seeds never used while tuning.
func runTrypanFieldsSynth(_ string, w io.Writer) (map[string]float64, error) {
	s, _, err := EvalTrypanFieldsSynth(TrypanFieldsHeldOutSeed, trypanFieldsN, chambersynth.DefaultParams())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "   %d generated 1600x1200 fields at 1.2 um/px (held-out seeds %d..%d)\n", s.Fields, TrypanFieldsHeldOutSeed, TrypanFieldsHeldOutSeed+trypanFieldsN-1)
	fmt.Fprintf(w, "   live %d / %d true, dead %d / %d true; %.2f s per field\n", s.Live, s.TrueLive, s.Dead, s.TrueDead, s.SecondsPerField)
	fmt.Fprintf(w, "   total WAPE %.2f %% (live %.2f %%, dead %.2f %%); pooled viability error %.2f pp, per-field MAE %.2f pp\n",
		s.WAPEPct, s.LiveWAPEPct, s.DeadWAPEPct, s.PooledViabilityErrPP, s.ViabilityMAEPP)
	return s.Metrics(), nil
}

// fieldTruth is one row of a whole-field truth.csv.
type fieldTruth struct {
	image       string
	live, dead  int
	pixelSizeUM float64
}

// readTrypanTruthPixel reads truth.csv with columns found by name: image,
// live, dead and optionally pixel_size_um.
func readTrypanTruthPixel(dir string) ([]fieldTruth, error) {
	name := filepath.Join(dir, "truth.csv")
	recs, err := readCSVRecords(name)
	if err != nil {
		return nil, fmt.Errorf("eval: fields truth: %w", err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("eval: %s: no rows", name)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[strings.TrimSpace(strings.ToLower(n))] = i
	}
	ci, ok1 := col["image"]
	cl, ok2 := col["live"]
	cd, ok3 := col["dead"]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("eval: %s: want columns image, live, dead", name)
	}
	cp, hasP := col["pixel_size_um"]
	var out []fieldTruth
	for i, r := range recs[1:] {
		if len(r) != len(recs[0]) {
			return nil, fmt.Errorf("eval: %s line %d: %d fields", name, i+2, len(r))
		}
		live, err1 := strconv.Atoi(r[cl])
		dead, err2 := strconv.Atoi(r[cd])
		if err1 != nil || err2 != nil || live < 0 || dead < 0 {
			return nil, fmt.Errorf("eval: %s line %d: bad counts", name, i+2)
		}
		t := fieldTruth{image: r[ci], live: live, dead: dead}
		if hasP {
			if v, err := strconv.ParseFloat(r[cp], 64); err == nil && v > 0 && v < 100 {
				t.pixelSizeUM = v
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// joinData joins a truth.csv path to its folder.
func joinData(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func init() {
	Register(Dataset{Name: "chamber-fields-physgen", Run: runTrypanFieldsPhysgen})
}

// PhysgenChamberDir is where the independent generator's chamber fields
// live: $HISTOCOUNT_CHAMBER_DATA, else gen-data/chamber beside shared/.
func PhysgenChamberDir(sharedDataDir string) string {
	if d := os.Getenv("HISTOCOUNT_CHAMBER_DATA"); d != "" {
		return d
	}
	return filepath.Join(sharedDataDir, "..", "..", "gen-data", "chamber")
}

// runTrypanFieldsPhysgen evaluates whole fields drawn by an independent
// generator from a physical description (never used for tuning). Skipped
// when its folder is absent.
func runTrypanFieldsPhysgen(dir string, w io.Writer) (map[string]float64, error) {
	d := PhysgenChamberDir(filepath.Dir(dir))
	if _, err := os.Stat(filepath.Join(d, "truth.csv")); err != nil {
		fmt.Fprintf(w, "   skipped: no %s\n", filepath.Join(d, "truth.csv"))
		return map[string]float64{}, nil
	}
	t0 := time.Now()
	s, err := EvalTrypanFieldsDir(d, 0)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "   %d fields of an independent physical generator (%s), pixel size from truth.csv; %.2f s per field\n", s.Fields, d, time.Since(t0).Seconds()/float64(max(1, s.Fields)))
	fmt.Fprintf(w, "   live %d / %d true, dead %d / %d true\n", s.Live, s.TrueLive, s.Dead, s.TrueDead)
	fmt.Fprintf(w, "   total WAPE %.2f %% (live %.2f %%, dead %.2f %%); pooled viability error %.2f pp, per-field MAE %.2f pp\n",
		s.WAPEPct, s.LiveWAPEPct, s.DeadWAPEPct, s.PooledViabilityErrPP, s.ViabilityMAEPP)
	return s.Metrics(), nil
}
