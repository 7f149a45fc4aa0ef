package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	_ "image/png" // truth masks are 16-bit PNG
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
)

func init() {
	Register(Dataset{Name: "nuclei-dsb2018", Run: runNuclei})
}

// MatchInstances matches predicted and true instance label images (0 =
// background, 1..n = one object each) one-to-one by intersection over union
// and returns true positives (pairs with IoU ≥ thr), false positives
// (unmatched predictions) and false negatives (unmatched truths).
//
// Pairs are taken greedily in decreasing IoU. For thr > 0.5 every object can
// overlap at most one partner by more than half, so the matching is unique
// and equals the optimal one; for thr ≤ 0.5 greedy is a close, standard
// approximation. The two images must have the same bounds.
func MatchInstances(pred, truth *image.Gray16, thr float64) (tp, fp, fn int, err error) {
	if err := checkLabelPair(pred, truth); err != nil {
		return 0, 0, 0, err
	}
	pairs := overlapsOf(pred, truth).pairs(thr)
	np, nt := countLabels(pred), countLabels(truth)
	tp = len(pairs)
	return tp, np - tp, nt - tp, nil
}

// checkLabelPair reports why two label images cannot be compared (nil, or
// sizes that differ), nil if they can.
func checkLabelPair(pred, truth *image.Gray16) error {
	if pred == nil || truth == nil {
		return fmt.Errorf("eval: nil label image")
	}
	if pred.Bounds().Size() != truth.Bounds().Size() {
		return fmt.Errorf("eval: label images differ in size: %v vs %v", pred.Bounds().Size(), truth.Bounds().Size())
	}
	return nil
}

// matchedPair is one matched prediction–truth pair.
type matchedPair struct {
	pred, truth uint16
	iou         float64
}

// overlaps are the pixel areas of the predicted (pa) and true (ta)
// objects and of every non-empty intersection (pred, truth label).
type overlaps struct {
	pa, ta map[uint16]int
	inter  map[[2]uint16]int
}

// overlapsOf counts the areas and intersections of two label images of
// the same size.
func overlapsOf(pred, truth *image.Gray16) overlaps {
	o := overlaps{pa: map[uint16]int{}, ta: map[uint16]int{}, inter: map[[2]uint16]int{}}
	w, h := pred.Bounds().Dx(), pred.Bounds().Dy()
	pb, tb := pred.Bounds().Min, truth.Bounds().Min
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := pred.Gray16At(pb.X+x, pb.Y+y).Y
			t := truth.Gray16At(tb.X+x, tb.Y+y).Y
			if p != 0 {
				o.pa[p]++
			}
			if t != 0 {
				o.ta[t]++
			}
			if p != 0 && t != 0 {
				o.inter[[2]uint16{p, t}]++
			}
		}
	}
	return o
}

// pairs matches predictions to truths one-to-one, greedily by decreasing
// IoU, keeping pairs with IoU ≥ thr.
func (o overlaps) pairs(thr float64) []matchedPair {
	var cands []matchedPair
	for k, n := range o.inter {
		iou := float64(n) / float64(o.pa[k[0]]+o.ta[k[1]]-n)
		if iou >= thr {
			cands = append(cands, matchedPair{k[0], k[1], iou})
		}
	}
	// Deterministic greedy order: IoU descending, then labels.
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.iou != b.iou {
			return a.iou > b.iou
		}
		if a.pred != b.pred {
			return a.pred < b.pred
		}
		return a.truth < b.truth
	})
	usedP, usedT := map[uint16]bool{}, map[uint16]bool{}
	var out []matchedPair
	for _, c := range cands {
		if usedP[c.pred] || usedT[c.truth] {
			continue
		}
		usedP[c.pred], usedT[c.truth] = true, true
		out = append(out, c)
	}
	return out
}

// splitErrors counts the two ways a splitter fails. A prediction lies in a
// true nucleus when more than half of its pixels do; every piece beyond
// the first lying in one true nucleus is an extra piece (over-split). A
// true nucleus lies in a prediction when more than half of its pixels do;
// every true nucleus beyond the first lying in one prediction is a missed
// split (under-split, merged).
func (o overlaps) splitErrors() (extraPieces, missedSplits int) {
	pieces := map[uint16]int{} // truth label → predictions lying in it
	held := map[uint16]int{}   // pred label → truths lying in it
	for k, n := range o.inter {
		if 2*n > o.pa[k[0]] {
			pieces[k[1]]++
		}
		if 2*n > o.ta[k[1]] {
			held[k[0]]++
		}
	}
	for _, c := range pieces {
		extraPieces += c - 1
	}
	for _, c := range held {
		missedSplits += c - 1
	}
	return extraPieces, missedSplits
}

// SplitErrors returns the over-split pieces and the under-split (merged)
// true nuclei of a prediction against its truth (see overlaps.splitErrors);
// the two label images must have the same size.
func SplitErrors(pred, truth *image.Gray16) (extraPieces, mergedNuclei int, err error) {
	if err := checkLabelPair(pred, truth); err != nil {
		return 0, 0, err
	}
	extraPieces, mergedNuclei = overlapsOf(pred, truth).splitErrors()
	return extraPieces, mergedNuclei, nil
}

// countLabels returns the number of distinct non-zero labels.
func countLabels(m *image.Gray16) int {
	seen := map[uint16]bool{}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if v := m.Gray16At(x, y).Y; v != 0 {
				seen[v] = true
			}
		}
	}
	return len(seen)
}

// F1 returns precision, recall and their harmonic mean from match counts;
// an image with no objects at all and no predictions scores 1.
func F1(tp, fp, fn int) (precision, recall, f1 float64) {
	if tp+fp+fn == 0 {
		return 1, 1, 1
	}
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		recall = float64(tp) / float64(tp+fn)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

// nucleiImageScore is the evaluation of one image.
type nucleiImageScore struct {
	name, modality string
	tp, fp, fn     int
	pred, truth    int
	f1, countErr   float64
	meanIoU        float64 // of matched pairs
	extraPieces    int     // over-split: predictions beyond the first lying in one true nucleus (overlaps.splitErrors)
	missedSplits   int     // under-split: true nuclei beyond the first lying in one prediction
	heldOut        bool    // in the quarter held out of training (NucleiHeldOut)
	unseen         bool    // added to the set after every constant and the network were fitted (row > NucleiFittedRows)
	seconds        float64 // wall-clock time of cells.Count
}

// NucleiModality sorts an image cheaply into the DSB2018 kinds:
// fluorescence (dark background), stained (coloured brightfield, H&E-like)
// and brightfield (grey, light background).
func NucleiModality(img *imageio.Image) string {
	var sumG, sumS float64
	n := img.Width * img.Height
	for i := 0; i < n; i++ {
		if img.Channels == 1 {
			sumG += float64(img.Pix[i])
			continue
		}
		b, g, r := float64(img.Pix[3*i]), float64(img.Pix[3*i+1]), float64(img.Pix[3*i+2])
		sumG += 0.299*r + 0.587*g + 0.114*b
		sumS += math.Max(r, math.Max(g, b)) - math.Min(r, math.Min(g, b))
	}
	switch {
	case sumG/float64(n) < 100:
		return "fluorescence"
	case sumS/float64(n) > 25:
		return "stained"
	default:
		return "brightfield"
	}
}

// runNuclei scores cells.Count (stain fluorescence) against the DSB2018
// instance masks: F1 of one-to-one matches at IoU ≥ 0.5, per image and
// pooled, the absolute count error in percent of the true count, and the
// split errors (over-split pieces, merged nuclei; overlaps.splitErrors).
// HISTOCOUNT_EVAL_NUCLEI_SUBSET=heldout|train|unseen|fitted scores only the
// network's held-out quarter, its training part, the rows after
// NucleiFittedRows or the rows up to it.
func runNuclei(dir string, w io.Writer) (map[string]float64, error) {
	rows, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return nil, fmt.Errorf("read truth.csv: %w", err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("truth.csv: no rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, k := range []string{"image", "labels", "nuclei"} {
		if _, ok := col[k]; !ok {
			return nil, fmt.Errorf("truth.csv: missing column %q", k)
		}
	}
	opt := nucleiEvalOptions()
	subset := os.Getenv("HISTOCOUNT_EVAL_NUCLEI_SUBSET")
	if subset != "" && subset != "heldout" && subset != "train" && subset != "unseen" && subset != "fitted" {
		return nil, fmt.Errorf("HISTOCOUNT_EVAL_NUCLEI_SUBSET=%q: want heldout, train, unseen or fitted", subset)
	}
	var names, mods []string
	for _, r := range rows[1:] {
		img, err := imageio.Load(filepath.Join(dir, r[col["image"]]), imageio.Options{BlackBackground: true})
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", r[col["image"]], err)
		}
		names = append(names, filepath.Base(r[col["image"]]))
		mods = append(mods, NucleiModality(img))
	}
	held := NucleiHeldOut(names, mods)
	var scores []nucleiImageScore
	for i, r := range rows[1:] {
		if subset == "heldout" && !held[names[i]] || subset == "train" && held[names[i]] ||
			subset == "unseen" && i < NucleiFittedRows || subset == "fitted" && i >= NucleiFittedRows {
			continue
		}
		s, err := scoreNucleiImage(dir, r[col["image"]], r[col["labels"]], r[col["nuclei"]], opt)
		if err != nil {
			return nil, err
		}
		s.heldOut = held[s.name]
		s.unseen = i >= NucleiFittedRows
		scores = append(scores, s)
	}
	method := opt.NucleiMethod
	if method == "" {
		method = cells.DefaultNucleiMethod
	}
	fmt.Fprintf(w, "   segmenter %s%s\n", method, map[bool]string{true: " (model " + opt.NucleiModelPath + ")"}[opt.NucleiModelPath != ""])
	out := reportNuclei(w, scores)
	if os.Getenv("HISTOCOUNT_EVAL_NUCLEI_LOMO") != "0" && subset == "" && opt.NucleiMethod == "" && opt.NucleiModelPath == "" {
		if err := reportLeaveOneModalityOut(w, dir, rows[1:], col, scores, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NucleiFittedRows is the number of truth.csv rows (after the header) that
// existed when the classical constants were tuned and the network trained
// (the set had 120 images until 2026-11-30; the 250 rows after them came
// later from the same source). Rows beyond it are the honest hold-out.
const NucleiFittedRows = 120

// reportLeaveOneModalityOut scores both segmenters (classical and network)
// on every image and, for each modality in turn, picks the segmenter that
// scores the higher pooled F1 on the OTHER modalities and reports it on the
// left-out one: what the per-modality choice of the default (mixed)
// segmenter would give on a kind of image it was not chosen on. It also
// prints the spread of the default segmenter over 5 folds by image
// (file-name hash).
func reportLeaveOneModalityOut(w io.Writer, dir string, rows [][]string, col map[string]int, def []nucleiImageScore, out map[string]float64) error {
	byMethod := map[string][]nucleiImageScore{}
	for _, m := range []string{cells.NucleiClassical, cells.NucleiUNet} {
		opt := nucleiEvalOptions()
		opt.NucleiMethod = m
		for _, r := range rows {
			s, err := scoreNucleiImage(dir, r[col["image"]], r[col["labels"]], r[col["nuclei"]], opt)
			if err != nil {
				return err
			}
			byMethod[m] = append(byMethod[m], s)
		}
	}
	mods := []string{"brightfield", "fluorescence", "stained"}
	var pooled []nucleiImageScore
	fmt.Fprintf(w, "   leave-one-modality-out (segmenter chosen on the other two modalities):\n")
	for _, m := range mods {
		best, bestF1 := "", -1.0
		for _, meth := range []string{cells.NucleiClassical, cells.NucleiUNet} {
			var others []nucleiImageScore
			for _, s := range byMethod[meth] {
				if s.modality != m {
					others = append(others, s)
				}
			}
			if f := summariseNuclei(others).pooledF1; f > bestF1 {
				best, bestF1 = meth, f
			}
		}
		var mine []nucleiImageScore
		for _, s := range byMethod[best] {
			if s.modality == m {
				mine = append(mine, s)
			}
		}
		pooled = append(pooled, mine...)
		g := summariseNuclei(mine)
		fmt.Fprintf(w, "     %-12s n=%3d  chose %-9s  F1 pooled %.3f  count err median %.1f %% mean %.1f %%\n", m, g.n, best, g.pooledF1, g.medianErr, g.meanErr)
		out["f1_iou50_pooled_lomo_"+m] = g.pooledF1
	}
	g := summariseNuclei(pooled)
	fmt.Fprintf(w, "     all          n=%3d  F1 pooled %.3f  count err median %.1f %% mean %.1f %%\n", g.n, g.pooledF1, g.medianErr, g.meanErr)
	out["f1_iou50_pooled_lomo"] = g.pooledF1
	for _, meth := range []string{cells.NucleiClassical, cells.NucleiUNet} {
		a := summariseNuclei(byMethod[meth])
		fmt.Fprintf(w, "     (%s everywhere: F1 pooled %.3f, count err median %.1f %%)\n", meth, a.pooledF1, a.medianErr)
	}
	// 5 folds by image: the default segmenter has no per-fold fitting, so
	// this is its spread over random fifths of the images.
	folds := make([][]nucleiImageScore, 5)
	for _, s := range def {
		h := sha256.Sum256([]byte(s.name))
		folds[int(h[0])%5] = append(folds[int(h[0])%5], s)
	}
	lo, hi, sum := 1.0, 0.0, 0.0
	for _, f := range folds {
		v := summariseNuclei(f).pooledF1
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v/5
	}
	fmt.Fprintf(w, "   5 folds by image (default segmenter): F1 pooled mean %.3f, min %.3f, max %.3f\n", sum, lo, hi)
	out["f1_iou50_pooled_fold_min"] = lo
	return nil
}

// nucleiEvalOptions are the cells options of the evaluation:
// HISTOCOUNT_EVAL_NUCLEI_METHOD=classical|unet picks the segmenter (default:
// cells.DefaultNucleiMethod) and
// HISTOCOUNT_EVAL_NUCLEI_MODEL=file.onnx evaluates another network (e.g.
// one trained without the held-out images).
func nucleiEvalOptions() cells.Options {
	return cells.Options{
		Stain: cells.StainFluorescence, Labels: true,
		NucleiMethod:    os.Getenv("HISTOCOUNT_EVAL_NUCLEI_METHOD"),
		NucleiModelPath: os.Getenv("HISTOCOUNT_EVAL_NUCLEI_MODEL"),
	}
}

// NucleiHeldOut returns the held-out quarter of the DSB2018 dev images used
// to measure the learned segmenter on images it was not trained on
// (scripts/train/nuclei_unet.py uses the same rule): within each modality,
// images sorted by the SHA-256 of their file name, the first ⌈n/4⌉.
func NucleiHeldOut(names, modalities []string) map[string]bool {
	type item struct{ hash, name string }
	by := map[string][]item{}
	for i, n := range names {
		sum := sha256.Sum256([]byte(n))
		by[modalities[i]] = append(by[modalities[i]], item{hex.EncodeToString(sum[:]), n})
	}
	out := map[string]bool{}
	for _, items := range by {
		sort.Slice(items, func(i, j int) bool { return items[i].hash < items[j].hash })
		for _, it := range items[:(len(items)+3)/4] {
			out[it.name] = true
		}
	}
	return out
}

func scoreNucleiImage(dir, imgPath, labPath, nStr string, opt cells.Options) (nucleiImageScore, error) {
	s := nucleiImageScore{name: filepath.Base(imgPath)}
	nTrue, err := strconv.Atoi(nStr)
	if err != nil {
		return s, fmt.Errorf("%s: bad nuclei count %q", imgPath, nStr)
	}
	img, err := imageio.Load(filepath.Join(dir, imgPath), imageio.Options{BlackBackground: true})
	if err != nil {
		return s, fmt.Errorf("load %s: %w", imgPath, err)
	}
	s.modality = NucleiModality(img)
	start := time.Now()
	res, err := cells.Count(img, opt)
	s.seconds = time.Since(start).Seconds()
	if err != nil {
		return s, fmt.Errorf("count %s: %w", imgPath, err)
	}
	truth, err := LoadGray16(filepath.Join(dir, labPath))
	if err != nil {
		return s, fmt.Errorf("truth %s: %w", labPath, err)
	}
	if err := checkLabelPair(res.Labels, truth); err != nil {
		return s, fmt.Errorf("%s: %w", imgPath, err)
	}
	ov := overlapsOf(res.Labels, truth)
	pairs := ov.pairs(0.5)
	s.extraPieces, s.missedSplits = ov.splitErrors()
	s.pred, s.truth = countLabels(res.Labels), countLabels(truth)
	if s.truth != nTrue {
		return s, fmt.Errorf("%s: truth.csv says %d nuclei, mask has %d", imgPath, nTrue, s.truth)
	}
	s.tp = len(pairs)
	s.fp, s.fn = s.pred-s.tp, s.truth-s.tp
	_, _, s.f1 = F1(s.tp, s.fp, s.fn)
	for _, p := range pairs {
		s.meanIoU += p.iou / float64(len(pairs))
	}
	if s.truth > 0 {
		s.countErr = 100 * math.Abs(float64(s.pred-s.truth)) / float64(s.truth)
	}
	return s, nil
}

// LoadGray16 reads a 16-bit instance mask (other grey formats are widened).
func LoadGray16(path string) (*image.Gray16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		return nil, err
	}
	if g, ok := m.(*image.Gray16); ok {
		return g, nil
	}
	g := image.NewGray16(m.Bounds())
	draw.Draw(g, g.Bounds(), m, m.Bounds().Min, draw.Src)
	return g, nil
}

// nucleiSummary aggregates image scores.
type nucleiSummary struct {
	n                     int
	tp, fp, fn            int
	pooledF1, meanF1      float64
	medianErr, meanErr    float64
	precision, recall     float64
	meanIoU               float64
	predTotal, truthTotal int
	extraPieces           int // over-split pieces (nucleiImageScore.extraPieces), summed
	missedSplits          int // under-split nuclei, summed
	overCounted           int // images with more predictions than true nuclei
	underCounted          int // ... and with fewer
}

func summariseNuclei(scores []nucleiImageScore) nucleiSummary {
	var s nucleiSummary
	s.n = len(scores)
	if s.n == 0 {
		return s
	}
	var errs []float64
	var iouSum float64
	for _, x := range scores {
		s.tp += x.tp
		s.fp += x.fp
		s.fn += x.fn
		s.meanF1 += x.f1 / float64(s.n)
		s.meanErr += x.countErr / float64(s.n)
		errs = append(errs, x.countErr)
		iouSum += x.meanIoU * float64(x.tp)
		s.predTotal += x.pred
		s.truthTotal += x.truth
		s.extraPieces += x.extraPieces
		s.missedSplits += x.missedSplits
		switch {
		case x.pred > x.truth:
			s.overCounted++
		case x.pred < x.truth:
			s.underCounted++
		}
	}
	s.precision, s.recall, s.pooledF1 = F1(s.tp, s.fp, s.fn)
	if s.tp > 0 {
		s.meanIoU = iouSum / float64(s.tp)
	}
	sort.Float64s(errs)
	if m := len(errs); m%2 == 1 {
		s.medianErr = errs[m/2]
	} else {
		s.medianErr = (errs[m/2-1] + errs[m/2]) / 2
	}
	return s
}

func reportNuclei(w io.Writer, scores []nucleiImageScore) map[string]float64 {
	all := summariseNuclei(scores)
	var secs []float64
	for _, s := range scores {
		secs = append(secs, s.seconds)
	}
	sort.Float64s(secs)
	var unseen []nucleiImageScore
	for _, s := range scores {
		if s.unseen {
			unseen = append(unseen, s)
		}
	}
	out := map[string]float64{}
	if len(unseen) > 0 {
		u := summariseNuclei(unseen)
		fmt.Fprintf(w, "   UNSEEN (rows after the first %d: never used to tune the constants or train the network): %d images\n", NucleiFittedRows, u.n)
		fmt.Fprintf(w, "   unseen       n=%3d  F1 pooled %.3f mean %.3f  P %.3f R %.3f  count err median %.1f %% mean %.1f %%  IoU %.3f\n",
			u.n, u.pooledF1, u.meanF1, u.precision, u.recall, u.medianErr, u.meanErr, u.meanIoU)
		for k, v := range reportModalities(w, "  ", unseen) {
			out[k+"_unseen"] = v
		}
		out["f1_iou50_pooled_unseen"] = u.pooledF1
		out["count_err_median_pct_unseen"] = u.medianErr
		out["count_err_mean_pct_unseen"] = u.meanErr
		fmt.Fprintf(w, "   ALL (includes the %d images the constants and network were fitted on):\n", NucleiFittedRows)
	}
	fmt.Fprintf(w, "   %d images, %d true nuclei, %d predicted\n", all.n, all.truthTotal, all.predTotal)
	fmt.Fprintf(w, "   F1@IoU0.5 pooled %.3f (P %.3f, R %.3f; TP %d FP %d FN %d), mean per image %.3f\n",
		all.pooledF1, all.precision, all.recall, all.tp, all.fp, all.fn, all.meanF1)
	fmt.Fprintf(w, "   count error |pred-true|/true: median %.1f %%, mean %.1f %%; mean IoU of matches %.3f\n",
		all.medianErr, all.meanErr, all.meanIoU)
	out["f1_iou50_pooled"] = all.pooledF1
	out["f1_iou50_mean"] = all.meanF1
	out["count_err_median_pct"] = all.medianErr
	out["count_err_mean_pct"] = all.meanErr
	for k, v := range reportModalities(w, "", scores) {
		out[k] = v
	}
	var held []nucleiImageScore
	for _, s := range scores {
		if s.heldOut {
			held = append(held, s)
		}
	}
	if len(held) > 0 && len(held) < len(scores) {
		h := summariseNuclei(held)
		fmt.Fprintf(w, "   held-out quarter (not used to train the network's split model): %d images\n", h.n)
		fmt.Fprintf(w, "   held-out     n=%3d  F1 pooled %.3f mean %.3f  P %.3f R %.3f  count err median %.1f %% mean %.1f %%  IoU %.3f\n",
			h.n, h.pooledF1, h.meanF1, h.precision, h.recall, h.medianErr, h.meanErr, h.meanIoU)
		reportModalities(w, "  ", held)
		out["f1_iou50_pooled_heldout"] = h.pooledF1
		out["count_err_median_pct_heldout"] = h.medianErr
	}
	if len(secs) > 0 {
		fmt.Fprintf(w, "   time per image (cells.Count): median %.3f s, max %.3f s\n", secs[len(secs)/2], secs[len(secs)-1])
	}
	if os.Getenv("HISTOCOUNT_EVAL_VERBOSE") != "" {
		for _, s := range scores {
			fmt.Fprintf(w, "   %-12s %.12s held %-5v true %4d pred %4d TP %4d F1 %.3f err %5.1f %% IoU %.3f %.2fs\n",
				s.modality, s.name, s.heldOut, s.truth, s.pred, s.tp, s.f1, s.countErr, s.meanIoU, s.seconds)
		}
	}
	return out
}

// reportModalities prints one line per modality and returns
// f1_iou50_pooled_<modality> and count_err_median_pct_<modality>.
func reportModalities(w io.Writer, indent string, scores []nucleiImageScore) map[string]float64 {
	groups := map[string][]nucleiImageScore{}
	for _, s := range scores {
		groups[s.modality] = append(groups[s.modality], s)
	}
	names := make([]string, 0, len(groups))
	for k := range groups {
		names = append(names, k)
	}
	sort.Strings(names)
	out := map[string]float64{}
	for _, k := range names {
		g := summariseNuclei(groups[k])
		fmt.Fprintf(w, "   %s%-12s n=%3d  F1 pooled %.3f mean %.3f  P %.3f R %.3f  count err median %.1f %% mean %.1f %%  IoU %.3f\n",
			indent, k, g.n, g.pooledF1, g.meanF1, g.precision, g.recall, g.medianErr, g.meanErr, g.meanIoU)
		fmt.Fprintf(w, "   %s%-12s split: %d extra pieces (over-split), %d merged nuclei (under-split) of %d true; images over-counted %d, under %d\n",
			indent, "", g.extraPieces, g.missedSplits, g.truthTotal, g.overCounted, g.underCounted)
		out["f1_iou50_pooled_"+k] = g.pooledF1
		out["count_err_median_pct_"+k] = g.medianErr
	}
	return out
}
