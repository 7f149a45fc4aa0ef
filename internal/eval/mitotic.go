package eval

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
)

// MitoticRate is how often `cells` calls nuclei mitotic on a set of real
// fluorescence images without mitosis truth (the DSB2018 dev set): a
// plausibility check, mitoses being a few percent of nuclei at most.
type MitoticRate struct {
	Images, Nuclei, Mitotic int
	Flagged                 []MitoticFlag // every mitotic call, for inspection
	All                     []MitoticFlag // every nucleus, for tuning
}

// MitoticFlag is one nucleus called mitotic.
type MitoticFlag struct {
	Image    string
	ID       int
	X, Y     float64
	Features cells.MitoticFeatures
}

// DSBMitoticRate runs cells.Count on the fluorescence images of the
// DSB2018 dev set in dir and counts the mitotic calls. When cropDir is
// not empty it writes a 4×-enlarged crop around every call (the nucleus
// outlined in red) for eyeballing.
func DSBMitoticRate(dir, cropDir string) (MitoticRate, error) {
	var out MitoticRate
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return out, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return out, fmt.Errorf("read truth.csv: %w", err)
	}
	opt := cells.Options{Stain: cells.StainFluorescence, Labels: cropDir != ""}
	for _, row := range rows[1:] {
		img, err := imageio.Load(filepath.Join(dir, row[0]), imageio.Options{BlackBackground: true})
		if err != nil {
			return out, err
		}
		if NucleiModality(img) != "fluorescence" {
			continue
		}
		res, err := cells.Count(img, opt)
		if err != nil {
			return out, fmt.Errorf("%s: %w", row[0], err)
		}
		if res.Mitotic == nil {
			continue
		}
		out.Images++
		out.Nuclei += res.Mitotic.Nuclei
		out.Mitotic += res.Mitotic.Mitotic
		for _, o := range res.Objects {
			fl := MitoticFlag{Image: row[0], ID: o.ID, X: o.CentroidXPx, Y: o.CentroidYPx, Features: res.MitoticFeatures[o.ID-1]}
			out.All = append(out.All, fl)
			if o.Mitotic == nil || !*o.Mitotic {
				continue
			}
			out.Flagged = append(out.Flagged, fl)
			if cropDir != "" {
				if err := writeMitoticCrop(cropDir, img, res.Labels, fl, len(out.Flagged)); err != nil {
					return out, err
				}
			}
		}
	}
	return out, nil
}

// writeMitoticCrop writes a 64 px square around the flagged nucleus, 4×
// enlarged, its outline in red.
func writeMitoticCrop(dir string, img *imageio.Image, lab *image.Gray16, fl MitoticFlag, k int) error {
	const half, zoom = 32, 4
	x0, y0 := int(fl.X)-half, int(fl.Y)-half
	out := image.NewRGBA(image.Rect(0, 0, 2*half*zoom, 2*half*zoom))
	for y := range 2 * half {
		for x := range 2 * half {
			sx, sy := x0+x, y0+y
			c := color.RGBA{A: 255}
			if sx >= 0 && sy >= 0 && sx < img.Width && sy < img.Height {
				i := (sy*img.Width + sx) * img.Channels
				v := img.Pix[i]
				if img.Channels == 3 {
					v = max(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
				}
				c = color.RGBA{v, v, v, 255}
				l := lab.Gray16At(sx, sy).Y
				if int(l) == fl.ID && (lab.Gray16At(sx-1, sy).Y != l || lab.Gray16At(sx+1, sy).Y != l ||
					lab.Gray16At(sx, sy-1).Y != l || lab.Gray16At(sx, sy+1).Y != l) {
					c = color.RGBA{255, 0, 0, 255}
				}
			}
			for dy := range zoom {
				for dx := range zoom {
					out.SetRGBA(x*zoom+dx, y*zoom+dy, c)
				}
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("mitotic_%03d.png", k)))
	if err != nil {
		return err
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// MitoticScore compares the mitotic calls of cells.Count with a physgen
// dapi data set's exact truth (objects.csv: class, stage, figure per
// label; truth.csv: mitotic figures and index per field).
//
// Each predicted nucleus is assigned the truth label it overlaps most
// (background aside: a segmented figure takes in its blur halo). A
// call is right when that label is mitotic (precision over calls); a
// truth figure is found when any call lands on one of its labels (recall
// over figures; a telophase pair is one figure). The index error compares
// the image's mitotic index (cells.Result.Mitotic) with the truth's
// figures ÷ nuclei, in percentage points.
type MitoticScore struct {
	Fields            int
	Calls, RightCalls int            // nuclei called mitotic; of which on a mitotic label
	Figures, Found    int            // truth figures; found
	WrongByClass      map[string]int // wrong calls by the truth class they landed on ("none": background)
	MissedByStage     map[string]int // missed figures by stage
	FoundByStage      map[string]int
	// Pooled over the fields: figures called and true, nuclei segmented and
	// true (the index of a sample made of these fields).
	PooledFigures, PooledNuclei, TruthFigures, TruthNuclei int
	SumAbsIndexErrPP                                       float64
	MaxAbsIndexErrPP                                       float64
	PerField                                               []MitoticField
	// Features of every predicted nucleus with the class (and stage) of
	// the truth label it overlaps most, for tuning.
	Features []LabelledFeatures
}

// LabelledFeatures are one predicted nucleus' mitotic features and truth.
type LabelledFeatures struct {
	Image, Class, Stage string
	X, Y                float64 // centroid, px
	cells.MitoticFeatures
}

// MitoticField is one field's mitotic index, measured and true, in %.
type MitoticField struct {
	Image               string
	IndexPct, TruthPct  float64
	Calls, TruthFigures int
}

// Precision is RightCalls ÷ Calls (1 when nothing was called).
func (s MitoticScore) Precision() float64 {
	if s.Calls == 0 {
		return 1
	}
	return float64(s.RightCalls) / float64(s.Calls)
}

// Recall is Found ÷ Figures (1 when there is none).
func (s MitoticScore) Recall() float64 {
	if s.Figures == 0 {
		return 1
	}
	return float64(s.Found) / float64(s.Figures)
}

// PooledIndexPct is the pooled index measured and true, in %.
func (s MitoticScore) PooledIndexPct() (got, truth float64) {
	return 100 * float64(s.PooledFigures) / float64(max(1, s.PooledNuclei)), 100 * float64(s.TruthFigures) / float64(max(1, s.TruthNuclei))
}

// MeanAbsIndexErrPP is the mean absolute mitotic-index error over fields.
func (s MitoticScore) MeanAbsIndexErrPP() float64 {
	return s.SumAbsIndexErrPP / float64(max(1, s.Fields))
}

// PhysgenMitotic scores the first n fields (all when n ≤ 0) of the physgen
// dapi data set in dir.
func PhysgenMitotic(dir string, n int) (MitoticScore, error) {
	s := MitoticScore{WrongByClass: map[string]int{}, MissedByStage: map[string]int{}, FoundByStage: map[string]int{}}
	truth, err := readCSVRecords(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return s, err
	}
	objs, err := readCSVRecords(filepath.Join(dir, "objects.csv"))
	if err != nil {
		return s, err
	}
	if len(truth) < 2 || len(objs) < 1 {
		return s, fmt.Errorf("%s: empty truth", dir)
	}
	tc, oc := columns(truth[0]), columns(objs[0])
	for _, k := range []string{"image", "labels", "nuclei", "mitotic", "mitotic_index"} {
		if _, ok := tc[k]; !ok {
			return s, fmt.Errorf("%s: truth.csv has no %s column (generated without mitotic figures?)", dir, k)
		}
	}
	type obj struct {
		class, stage string
		figure       int
	}
	byImage := map[string]map[int]obj{}
	for _, r := range objs[1:] {
		id, _ := strconv.Atoi(r[oc["id"]])
		fig, _ := strconv.Atoi(r[oc["figure"]])
		if byImage[r[oc["image"]]] == nil {
			byImage[r[oc["image"]]] = map[int]obj{}
		}
		byImage[r[oc["image"]]][id] = obj{r[oc["class"]], r[oc["stage"]], fig}
	}
	opt := cells.Options{Stain: cells.StainFluorescence, Labels: true}
	for k, r := range truth[1:] {
		if n > 0 && k >= n {
			break
		}
		name := r[tc["image"]]
		img, err := imageio.Load(filepath.Join(dir, name), imageio.Options{BlackBackground: true})
		if err != nil {
			return s, err
		}
		tl, err := LoadGray16(filepath.Join(dir, r[tc["labels"]]))
		if err != nil {
			return s, err
		}
		res, err := cells.Count(img, opt)
		if err != nil {
			return s, fmt.Errorf("%s: %w", name, err)
		}
		if res.Mitotic == nil || res.Labels == nil || res.Labels.Rect != tl.Rect {
			return s, fmt.Errorf("%s: no mitotic index or labels", name)
		}
		// overlap[pred][truth] in pixels
		overlap := map[int]map[int]int{}
		for i := 0; i+1 < len(tl.Pix); i += 2 {
			p := int(res.Labels.Pix[i])<<8 | int(res.Labels.Pix[i+1])
			if p == 0 {
				continue
			}
			t := int(tl.Pix[i])<<8 | int(tl.Pix[i+1])
			if overlap[p] == nil {
				overlap[p] = map[int]int{}
			}
			overlap[p][t]++
		}
		info := byImage[name]
		for _, o := range res.Objects {
			best, bt := 0, 0
			for t, c := range overlap[o.ID] {
				if t != 0 && (c > best || c == best && t < bt) {
					best, bt = c, t
				}
			}
			tr, ok := info[bt]
			if !ok {
				tr.class = "none"
			}
			s.Features = append(s.Features, LabelledFeatures{name, tr.class, tr.stage, o.CentroidXPx, o.CentroidYPx, res.MitoticFeatures[o.ID-1]})
		}
		found := map[int]bool{}
		calls := 0
		for _, o := range res.Objects {
			if o.Mitotic == nil || !*o.Mitotic {
				continue
			}
			calls++
			best, bt := 0, 0
			for t, c := range overlap[o.ID] {
				if t != 0 && (c > best || c == best && t < bt) {
					best, bt = c, t
				}
			}
			tr, ok := info[bt]
			switch {
			case bt == 0 || !ok:
				s.WrongByClass["none"]++
			case tr.class == "mitotic":
				s.RightCalls++
				found[tr.figure] = true
			default:
				s.WrongByClass[tr.class]++
			}
		}
		figStage := map[int]string{}
		for _, tr := range info {
			if tr.class == "mitotic" {
				figStage[tr.figure] = tr.stage
			}
		}
		for f, st := range figStage {
			if found[f] {
				s.FoundByStage[st]++
			} else {
				s.MissedByStage[st]++
			}
		}
		s.Fields++
		s.Calls += calls
		s.Figures += len(figStage)
		s.Found += len(found)
		tn, _ := strconv.Atoi(r[tc["nuclei"]])
		s.PooledFigures += res.Mitotic.Mitotic
		s.PooledNuclei += res.Mitotic.Nuclei
		s.TruthFigures += len(figStage)
		s.TruthNuclei += tn
		ti, _ := strconv.ParseFloat(r[tc["mitotic_index"]], 64)
		e := math.Abs(res.Mitotic.IndexPct - 100*ti)
		s.SumAbsIndexErrPP += e
		s.MaxAbsIndexErrPP = max(s.MaxAbsIndexErrPP, e)
		s.PerField = append(s.PerField, MitoticField{Image: name, IndexPct: res.Mitotic.IndexPct, TruthPct: 100 * ti, Calls: calls, TruthFigures: len(figStage)})
	}
	return s, nil
}

func columns(header []string) map[string]int {
	c := map[string]int{}
	for i, h := range header {
		c[h] = i
	}
	return c
}
