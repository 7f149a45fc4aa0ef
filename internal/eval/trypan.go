package eval

import (
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
)

func init() {
	Register(Dataset{Name: "brightfield-viability", Run: runTrypan})
}

// TrypanScores are the trypan-blue counting metrics over one data set.
type TrypanScores struct {
	Images       int     // images listed in truth.csv
	Failed       int     // images that could not be loaded or analysed
	TotalMAPEPct float64 // mean over images with truth total > 0 of |pred−true|/true·100
	PooledErrPct float64 // |Σpred−Σtrue|/Σtrue·100
	LiveMAE      float64 // mean |pred live − true live|, cells per image
	DeadMAE      float64 // mean |pred dead − true dead|, cells per image
	// ViabilityMAEPP is the mean |pred − true| viability in percentage
	// points over images where both truth and prediction have cells;
	// ViabilityExcluded counts the analysed images left out for that.
	ViabilityMAEPP    float64
	ViabilityExcluded int
	TruthTotal        int
	PredTotal         int
	TruthLive         int
	PredLive          int
	// WAPEPct = Σ|pred total − true total| / Σ true total · 100 over
	// images (the hidden-set figure).
	WAPEPct float64
	// PooledViabilityErrPP = |pooled pred viability − pooled true|.
	PooledViabilityErrPP float64
	// CV is true when every image was classified by the classifier fitted
	// without its fold (cells.Options.TrypanCVFold).
	CV bool
}

// Metrics returns the headline numbers keyed as the eval registry reports
// them.
func (s TrypanScores) Metrics() map[string]float64 {
	return map[string]float64{
		"total_mape_pct":          s.TotalMAPEPct,
		"pooled_total_err_pct":    s.PooledErrPct,
		"live_mae":                s.LiveMAE,
		"dead_mae":                s.DeadMAE,
		"viability_mae_pp":        s.ViabilityMAEPP,
		"wape_pct":                s.WAPEPct,
		"pooled_viability_err_pp": s.PooledViabilityErrPP,
	}
}

// TrypanFold is the cross-validation fold (0..4) of a truth.csv image
// name, as scripts/train/trypan_cellmlp.py assigns it: CRC32 mod 5.
func TrypanFold(image string) int { return int(crc32.ChecksumIEEE([]byte(image)) % 5) }

// trypanTruth is one row of truth.csv.
type trypanTruth struct {
	image      string
	live, dead int
}

// readTrypanTruth reads truth.csv (image,live,dead).
func readTrypanTruth(dir string) ([]trypanTruth, error) {
	name := filepath.Join(dir, "truth.csv")
	recs, err := readCSVRecords(name)
	if err != nil {
		return nil, fmt.Errorf("eval: brightfield-viability truth: %w", err)
	}
	if len(recs) < 2 || len(recs[0]) < 3 || recs[0][0] != "image" || recs[0][1] != "live" || recs[0][2] != "dead" {
		return nil, fmt.Errorf("eval: %s: want header image,live,dead", name)
	}
	var out []trypanTruth
	for i, r := range recs[1:] {
		live, err1 := strconv.Atoi(r[1])
		dead, err2 := strconv.Atoi(r[2])
		if err1 != nil || err2 != nil || live < 0 || dead < 0 {
			return nil, fmt.Errorf("eval: %s line %d: bad counts %q,%q", name, i+2, r[1], r[2])
		}
		out = append(out, trypanTruth{image: r[0], live: live, dead: dead})
	}
	return out, nil
}

// EvalTrypan counts live and dead cells with cells.Count (stain "trypan")
// in every image of truth.csv under dir and scores the counts. limit > 0
// evaluates only every k-th image so that about limit images are used (a
// quick, evenly spread subset); 0 means all.
func EvalTrypan(dir string, limit int) (TrypanScores, error) { return evalTrypan(dir, limit, false) }

// EvalTrypanCV is EvalTrypan with each image classified by the classifier
// fitted without its fold: 5-fold cross-validation by image, the figure to
// expect on new images of the same kind.
func EvalTrypanCV(dir string, limit int) (TrypanScores, error) { return evalTrypan(dir, limit, true) }

func evalTrypan(dir string, limit int, cv bool) (TrypanScores, error) {
	truth, err := readTrypanTruth(dir)
	if err != nil {
		return TrypanScores{}, err
	}
	step := 1
	if limit > 0 && limit < len(truth) {
		step = len(truth) / limit
	}
	s := TrypanScores{CV: cv}
	var mapeSum, viaSum, liveSum, deadSum, absSum float64
	var mapeN, viaN, done int
	for i := 0; i < len(truth); i += step {
		t := truth[i]
		s.Images++
		img, err := imageio.Load(filepath.Join(dir, t.image), imageio.Options{})
		if err != nil {
			s.Failed++
			continue
		}
		opt := cells.Options{Stain: cells.StainTrypan}
		if cv {
			opt.TrypanCVFold = TrypanFold(t.image) + 1
		}
		res, err := cells.Count(img, opt)
		if err != nil {
			s.Failed++
			continue
		}
		done++
		tt, pt := t.live+t.dead, res.Live+res.Dead
		s.TruthTotal += tt
		s.PredTotal += pt
		s.TruthLive += t.live
		s.PredLive += res.Live
		absSum += math.Abs(float64(pt - tt))
		liveSum += math.Abs(float64(res.Live - t.live))
		deadSum += math.Abs(float64(res.Dead - t.dead))
		if tt > 0 {
			mapeSum += math.Abs(float64(pt-tt)) / float64(tt) * 100
			mapeN++
		}
		if tt > 0 && pt > 0 {
			viaSum += math.Abs(cells.Viability(res.Live, res.Dead) - cells.Viability(t.live, t.dead))
			viaN++
		} else {
			s.ViabilityExcluded++
		}
	}
	if done == 0 {
		return s, fmt.Errorf("eval: brightfield-viability: no image could be analysed (%d failed)", s.Failed)
	}
	s.LiveMAE = liveSum / float64(done)
	s.DeadMAE = deadSum / float64(done)
	if mapeN > 0 {
		s.TotalMAPEPct = mapeSum / float64(mapeN)
	}
	if s.TruthTotal > 0 {
		s.PooledErrPct = math.Abs(float64(s.PredTotal-s.TruthTotal)) / float64(s.TruthTotal) * 100
		s.WAPEPct = absSum / float64(s.TruthTotal) * 100
		s.PooledViabilityErrPP = math.Abs(cells.Viability(s.PredLive, s.PredTotal-s.PredLive) - cells.Viability(s.TruthLive, s.TruthTotal-s.TruthLive))
	}
	if viaN > 0 {
		s.ViabilityMAEPP = viaSum / float64(viaN)
	}
	return s, nil
}

// runTrypan is the registered evaluation of the brightfield-viability set.
//
// The lead figures are 5-fold cross-validated by image (keys prefixed
// "cv_"): the learned classifier never saw the images it is scored on.
// The resubstitution figures (the shipped classifier, fitted on all of
// them) follow in brackets and are optimistic.
func runTrypan(dir string, w io.Writer) (map[string]float64, error) {
	cv, err := EvalTrypanCV(dir, 0)
	if err != nil {
		return nil, err
	}
	s, err := EvalTrypan(dir, 0)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "   HELD-OUT (5-fold CV by image): total WAPE %.2f %%, pooled viability error %.2f pp (%.2f vs %.2f %% true), MAPE %.2f %%, viability MAE %.2f pp\n",
		cv.WAPEPct, cv.PooledViabilityErrPP, cells.Viability(cv.PredLive, cv.PredTotal-cv.PredLive), cells.Viability(cv.TruthLive, cv.TruthTotal-cv.TruthLive), cv.TotalMAPEPct, cv.ViabilityMAEPP)
	fmt.Fprintf(w, "   [fitted, resubstitution: total WAPE %.2f %%, pooled viability error %.2f pp]\n", s.WAPEPct, s.PooledViabilityErrPP)
	fmt.Fprintf(w, "   %d images (%d failed); %d true cells, %d counted\n", s.Images, s.Failed, s.TruthTotal, s.PredTotal)
	fmt.Fprintf(w, "   total count error: MAPE %.1f %% (images with cells), pooled |Σpred−Σtrue|/Σtrue %.1f %%\n", s.TotalMAPEPct, s.PooledErrPct)
	fmt.Fprintf(w, "   mean absolute error per image: live %.3f cells, dead %.3f cells\n", s.LiveMAE, s.DeadMAE)
	fmt.Fprintf(w, "   viability MAE %.2f percentage points (%d images excluded: no true or no counted cells)\n", s.ViabilityMAEPP, s.ViabilityExcluded)
	m := s.Metrics()
	for k, v := range cv.Metrics() {
		m["cv_"+k] = v
	}
	return m, nil
}
