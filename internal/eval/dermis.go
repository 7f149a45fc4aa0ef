package eval

import (
	"fmt"
	"image"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/analysis/dermis/synth"
	"github.com/histocount/histocount/imageio"
)

func init() {
	Register(Dataset{Name: "synthetic-sections", Run: runSyntheticSections})
	Register(Dataset{Name: "he-skin-sample", Run: runHESkin})
	Register(Dataset{Name: "collagen-trichrome", Run: runCollagen})
}

// SyntheticCase is one generated section of the synthetic evaluation.
type SyntheticCase struct {
	Name   string
	Params synth.Params
	Seed   int64
}

// SyntheticCases returns the fixed synthetic benchmark: H&E and silver at
// tilts up to ±15°, PAS at −15°, 0° and +15°, flat and curved surfaces,
// with and without hypodermis, all with the generator's default histology
// (basal layer, papillary dermis, lifted corneum, adnexa, vessels, stain
// variation, vignetting).
func SyntheticCases() []SyntheticCase {
	var out []SyntheticCase
	seed := int64(100)
	for _, stain := range []string{synth.StainHE, synth.StainSilver, synth.StainPAS} {
		tilts := []float64{-15, -7, 0, 8, 15}
		if stain == synth.StainPAS {
			tilts = []float64{-15, 0, 15}
		}
		for _, tilt := range tilts {
			for _, curved := range []bool{false, true} {
				p := synth.Default()
				p.Width, p.Height = 1000, 900
				p.Stain, p.TiltDeg = stain, tilt
				p.EpidermisUM = 30 + float64(seed%4)*8
				p.DermisUM = 380 + float64(seed%5)*40
				p.Hypodermis = seed%3 != 0
				if curved {
					p.CurvatureRadiusUM = 2500
					if seed%2 == 0 {
						p.CurvatureRadiusUM = -3000
					}
				}
				seed++
				out = append(out, SyntheticCase{
					Name:   fmt.Sprintf("%s_tilt%+.0f_curved%v", stain, tilt, curved),
					Params: p, Seed: seed,
				})
			}
		}
	}
	return out
}

// SyntheticErrors are relative thickness errors (measured/true − 1), with
// the stain of each case.
type SyntheticErrors struct {
	Epidermis, Dermis []float64
	Stain             []string
}

// EvaluateSynthetic measures every case and returns relative errors.
func EvaluateSynthetic(cases []SyntheticCase, w io.Writer) (SyntheticErrors, error) {
	var e SyntheticErrors
	for _, c := range cases {
		img, tr := synth.Generate(c.Params, rand.New(rand.NewSource(c.Seed)))
		r, err := dermis.Measure(img, dermis.Options{})
		if err != nil {
			return e, fmt.Errorf("%s: %w", c.Name, err)
		}
		s := r.Section
		ee := s.Epidermis.Mean/tr.EpidermisUM - 1
		de := s.Dermis.Mean/tr.DermisUM - 1
		e.Epidermis = append(e.Epidermis, ee)
		e.Dermis = append(e.Dermis, de)
		e.Stain = append(e.Stain, c.Params.Stain)
		if w != nil {
			fmt.Fprintf(w, "  %-28s epidermis %6.1f/%5.1f µm (%+5.1f%%)  dermis %6.1f/%5.1f µm (%+5.1f%%) n=%d hypo=%v qc=%v\n",
				c.Name, s.Epidermis.Mean, tr.EpidermisUM, 100*ee, s.Dermis.Mean, tr.DermisUM, 100*de, s.Dermis.N, s.HypodermisPresent, s.QC)
		}
	}
	return e, nil
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func meanAbs(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += math.Abs(x)
	}
	return s / float64(len(v))
}

// TreatmentPair generates an untreated section and a treated one whose
// dermis is 62.5 % thicker, and returns the measured relative change in
// percent.
func TreatmentPair(stain string, seed int64) (measuredPct, truePct float64, err error) {
	base := synth.Default()
	base.Width, base.Height = 1000, 1100
	base.Stain = stain
	base.DermisUM = 400
	base.TiltDeg = 6
	treated := base
	treated.DermisUM = 650
	treated.TiltDeg = -9
	treated.CurvatureRadiusUM = 3000
	a, _ := synth.Generate(base, rand.New(rand.NewSource(seed)))
	b, _ := synth.Generate(treated, rand.New(rand.NewSource(seed+1)))
	ra, err := dermis.Measure(a, dermis.Options{})
	if err != nil {
		return 0, 0, err
	}
	rb, err := dermis.Measure(b, dermis.Options{})
	if err != nil {
		return 0, 0, err
	}
	return 100 * (rb.Section.Dermis.Mean/ra.Section.Dermis.Mean - 1), 100 * (treated.DermisUM/base.DermisUM - 1), nil
}

// runSyntheticSections ignores dir: the sections are generated in-process.
func runSyntheticSections(_ string, w io.Writer) (map[string]float64, error) {
	e, err := EvaluateSynthetic(SyntheticCases(), w)
	if err != nil {
		return nil, err
	}
	m := map[string]float64{
		"epidermis_mae_pct":   100 * meanAbs(e.Epidermis),
		"dermis_mae_pct":      100 * meanAbs(e.Dermis),
		"epidermis_worst_pct": 100 * maxAbs(e.Epidermis),
		"dermis_worst_pct":    100 * maxAbs(e.Dermis),
	}
	for _, st := range []string{synth.StainHE, synth.StainSilver, synth.StainPAS} {
		var ep, de []float64
		for i, s := range e.Stain {
			if s == st {
				ep, de = append(ep, e.Epidermis[i]), append(de, e.Dermis[i])
			}
		}
		fmt.Fprintf(w, "  %-6s n=%2d  epidermis MAE %5.2f %% (worst %5.1f %%)  dermis MAE %5.2f %% (worst %5.1f %%)\n",
			st, len(ep), 100*meanAbs(ep), 100*maxAbs(ep), 100*meanAbs(de), 100*maxAbs(de))
	}
	for _, st := range []string{synth.StainHE, synth.StainSilver} {
		got, want, err := TreatmentPair(st, 7)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "  treated vs untreated (%s): dermis %+.1f %% (true %+.1f %%)\n", st, got, want)
		m["treatment_err_pp_"+st] = got - want
	}
	fmt.Fprintf(w, "synthetic-sections: epidermis MAE %.2f %% (worst %.1f %%), dermis MAE %.2f %% (worst %.1f %%)\n",
		m["epidermis_mae_pct"], m["epidermis_worst_pct"], m["dermis_mae_pct"], m["dermis_worst_pct"])
	return m, nil
}

// loadRGBA decodes any image file to RGBA.
func loadRGBA(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, y, src.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out, nil
}

// Mask_6D colour code of the SemanticSegmentation (Thomas et al.) data:
// orange epidermis, red keratin, green dermis, yellow follicle/gland, blue
// hypodermis-like loose tissue, black background.
var (
	sixDEpidermis = [3]uint8{255, 106, 0}
	sixDKeratin   = [3]uint8{255, 0, 0}
)

func rgbAt(m *image.RGBA, x, y int) [3]uint8 {
	o := m.PixOffset(x, y)
	return [3]uint8{m.Pix[o], m.Pix[o+1], m.Pix[o+2]}
}

// iou of two boolean masks.
func iou(a, b []bool) float64 {
	var in, un int
	for i := range a {
		if a[i] && b[i] {
			in++
		}
		if a[i] || b[i] {
			un++
		}
	}
	if un == 0 {
		return 1
	}
	return float64(in) / float64(un)
}

func dice(a, b []bool) float64 {
	var in, na, nb int
	for i := range a {
		if a[i] {
			na++
		}
		if b[i] {
			nb++
		}
		if a[i] && b[i] {
			in++
		}
	}
	if na+nb == 0 {
		return 1
	}
	return 2 * float64(in) / float64(na+nb)
}

// HESkinScores measures the H&E sample: epidermis IoU against Mask_6D
// (orange) and tissue IoU against mask.png (black = tissue).
type HESkinScores struct {
	EpidermisIoU        float64 // label 2 vs orange
	EpidermisKeratinIoU float64 // labels 1–2 vs orange ∪ red
	TissueIoU           float64 // labels ≠ 0 vs mask.png tissue
}

// EvaluateHESkin runs Measure on the two sample crops.
func EvaluateHESkin(dir string, w io.Writer) (HESkinScores, error) {
	var sc HESkinScores
	// Input_6D with its 6-class mask
	img, err := imageio.Load(filepath.Join(dir, "Input_6D.png"), imageio.Options{})
	if err != nil {
		return sc, err
	}
	r, err := dermis.Measure(img, dermis.Options{Labels: true})
	if err != nil {
		return sc, fmt.Errorf("Input_6D.png: %w", err)
	}
	mask, err := loadRGBA(filepath.Join(dir, "Mask_6D.png"))
	if err != nil {
		return sc, err
	}
	if mask.Bounds().Size() != r.Labels.Bounds().Size() {
		return sc, fmt.Errorf("Mask_6D.png: size %v, image %v", mask.Bounds().Size(), r.Labels.Bounds().Size())
	}
	W, H := img.Width, img.Height
	pe, te := make([]bool, W*H), make([]bool, W*H)
	pk, tk := make([]bool, W*H), make([]bool, W*H)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			i := y*W + x
			l := r.Labels.Pix[i]
			c := rgbAt(mask, x, y)
			pe[i] = l == dermis.LabelEpidermis
			te[i] = c == sixDEpidermis
			pk[i] = l == dermis.LabelEpidermis || l == dermis.LabelCorneum
			tk[i] = c == sixDEpidermis || c == sixDKeratin
		}
	}
	sc.EpidermisIoU = iou(pe, te)
	sc.EpidermisKeratinIoU = iou(pk, tk)
	reportSection(w, "Input_6D.png", r)
	fmt.Fprintf(w, "    epidermis IoU %.3f (with keratin %.3f)\n", sc.EpidermisIoU, sc.EpidermisKeratinIoU)

	img2, err := imageio.Load(filepath.Join(dir, "input.png"), imageio.Options{})
	if err != nil {
		return sc, err
	}
	r2, err := dermis.Measure(img2, dermis.Options{Labels: true})
	if err != nil {
		return sc, fmt.Errorf("input.png: %w", err)
	}
	m2, err := loadRGBA(filepath.Join(dir, "mask.png"))
	if err != nil {
		return sc, err
	}
	if m2.Bounds().Size() != r2.Labels.Bounds().Size() {
		return sc, fmt.Errorf("mask.png: size mismatch")
	}
	W, H = img2.Width, img2.Height
	pt, tt := make([]bool, W*H), make([]bool, W*H)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			i := y*W + x
			pt[i] = r2.Labels.Pix[i] != dermis.LabelBackground
			tt[i] = rgbAt(m2, x, y) == [3]uint8{0, 0, 0}
		}
	}
	sc.TissueIoU = iou(pt, tt)
	reportSection(w, "input.png", r2)
	fmt.Fprintf(w, "    tissue IoU %.3f\n", sc.TissueIoU)
	return sc, nil
}

func reportSection(w io.Writer, name string, r *dermis.Result) {
	s := r.Section
	f := s.LayerFractions
	fmt.Fprintf(w, "  %s: stain %s; layer fractions corneum %.3f epidermis %.3f dermis %.3f hypodermis %.3f; epidermis %.1f±%.1f %s (n=%d), dermis %.1f %s; fibre %.1f %%; qc %v\n",
		name, s.StainDetected, f.Corneum, f.Epidermis, f.Dermis, f.Hypodermis,
		s.Epidermis.Mean, s.Epidermis.SD, s.Unit, s.Epidermis.N, s.Dermis.Mean, s.Unit, s.FibreAreaPct, s.QC)
}

func runHESkin(dir string, w io.Writer) (map[string]float64, error) {
	sc, err := EvaluateHESkin(dir, w)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"epidermis_iou":         sc.EpidermisIoU,
		"epidermis_keratin_iou": sc.EpidermisKeratinIoU,
		"tissue_iou":            sc.TissueIoU,
	}, nil
}

// collagenTile is one trichrome tile with its annotators' masks.
type collagenTile struct {
	image string
	masks map[string]string // annotator folder → mask path
}

func collagenTiles(dir string) ([]collagenTile, []string, error) {
	imgs, err := filepath.Glob(filepath.Join(dir, "images", "*.tif"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(imgs)
	annot := []string{"masks-AB", "masks-MG", "masks-SD"}
	var out []collagenTile
	for _, p := range imgs {
		stem := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		t := collagenTile{image: p, masks: map[string]string{}}
		for _, a := range annot {
			m, _ := filepath.Glob(filepath.Join(dir, a, globEscape(stem)+"-labels*.png"))
			if len(m) == 1 {
				t.masks[a] = m[0]
			}
		}
		out = append(out, t)
	}
	return out, annot, nil
}

func globEscape(s string) string {
	r := strings.NewReplacer("[", "\\[", "]", "\\]", "*", "\\*", "?", "\\?")
	return r.Replace(s)
}

// annotatorMask reads a collagen mask: pixels of the minority colour that
// is not black or white mark collagen (cyan or blue in these files); it is
// rescaled (nearest neighbour) to w×h.
func annotatorMask(path string, w, h int) ([]bool, error) {
	m, err := loadRGBA(path)
	if err != nil {
		return nil, err
	}
	mw, mh := m.Bounds().Dx(), m.Bounds().Dy()
	out := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := rgbAt(m, x*mw/w, y*mh/h)
			// collagen is drawn in a blue/cyan colour; background black or white
			out[y*w+x] = c[2] > 128 && c[0] < 128
		}
	}
	return out, nil
}

// CollagenScores summarise the trichrome evaluation.
type CollagenScores struct {
	DiceMean          float64 // prediction vs each annotator, mean over tiles and annotators
	AnnotatorDiceMean float64 // pairwise annotator Dice, mean
	FractionAbsErrPP  float64 // |predicted − annotator-mean fraction|, percentage points
}

// EvaluateCollagen compares CollagenMask with the three annotators.
func EvaluateCollagen(dir string, w io.Writer) (CollagenScores, error) {
	var sc CollagenScores
	tiles, annot, err := collagenTiles(dir)
	if err != nil {
		return sc, err
	}
	if len(tiles) == 0 {
		return sc, fmt.Errorf("collagen-trichrome: no tiles in %s", dir)
	}
	var dsum, asum, fsum float64
	var dn, an, fn int
	for _, t := range tiles {
		img, err := imageio.Load(t.image, imageio.Options{})
		if err != nil {
			return sc, err
		}
		pred, err := dermis.CollagenMask(img)
		if err != nil {
			return sc, fmt.Errorf("%s: %w", filepath.Base(t.image), err)
		}
		W, H := img.Width, img.Height
		pm := make([]bool, W*H)
		np := 0
		for i, v := range pred.Pix {
			pm[i] = v != 0
			if pm[i] {
				np++
			}
		}
		pf := float64(np) / float64(W*H)
		masks := map[string][]bool{}
		line := fmt.Sprintf("  %-45s pred %5.1f %%", trunc(filepath.Base(t.image), 45), 100*pf)
		var afrac float64
		for _, a := range annot {
			p, ok := t.masks[a]
			if !ok {
				continue
			}
			m, err := annotatorMask(p, W, H)
			if err != nil {
				return sc, err
			}
			masks[a] = m
			n := 0
			for _, v := range m {
				if v {
					n++
				}
			}
			f := float64(n) / float64(W*H)
			afrac += f
			d := dice(pm, m)
			dsum += d
			dn++
			line += fmt.Sprintf(" | %s %5.1f %% IoU %.2f Dice %.2f", a[6:], 100*f, iou(pm, m), d)
		}
		if len(masks) > 0 {
			afrac /= float64(len(masks))
			fsum += math.Abs(pf - afrac)
			fn++
		}
		var pair []string
		for i := 0; i < len(annot); i++ {
			for j := i + 1; j < len(annot); j++ {
				a, b := masks[annot[i]], masks[annot[j]]
				if a == nil || b == nil {
					continue
				}
				d := dice(a, b)
				asum += d
				an++
				pair = append(pair, fmt.Sprintf("%s-%s %.2f", annot[i][6:], annot[j][6:], d))
			}
		}
		fmt.Fprintf(w, "%s | annotators %s\n", line, strings.Join(pair, " "))
	}
	sc.DiceMean = dsum / float64(max(dn, 1))
	sc.AnnotatorDiceMean = asum / float64(max(an, 1))
	sc.FractionAbsErrPP = 100 * fsum / float64(max(fn, 1))
	fmt.Fprintf(w, "collagen-trichrome: Dice vs annotators %.3f (annotators' mutual Dice %.3f), fraction error %.1f pp\n",
		sc.DiceMean, sc.AnnotatorDiceMean, sc.FractionAbsErrPP)
	return sc, nil
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func runCollagen(dir string, w io.Writer) (map[string]float64, error) {
	sc, err := EvaluateCollagen(dir, w)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"collagen_dice_mean":  sc.DiceMean,
		"annotator_dice_mean": sc.AnnotatorDiceMean,
		"fraction_abs_err_pp": sc.FractionAbsErrPP,
	}, nil
}
