package cells

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/histocount/histocount/imageio"
)

// WriteTrypanCandidates writes, as CSV to out, the features of every
// candidate object the uncalibrated trypan segmenter finds in the
// brightfield-viability images under dir (truth.csv, boxes.csv), labelled
// live, dead or none by matching to the annotated boxes, with the
// descriptors of trypanCellVector as columns v0..v24: the training data of
// scripts/train/trypan_cellmlp.py. Run it with
//
//	go run ./cmd/histocount-trypan-candidates ../shared/data/brightfield-viability > /tmp/cand.csv
//
// A candidate matches a box when its centroid lies within the box (2 px
// slack); each box takes the nearest unmatched candidate.
func WriteTrypanCandidates(out io.Writer, dir string) error {
	boxes := map[string][][4]float64{}
	boxClass := map[string][]string{}
	recs, err := trypanReadCSV(filepath.Join(dir, "boxes.csv"))
	if err != nil {
		return err
	}
	for _, r := range recs[1:] {
		var b [4]float64
		for k := range b {
			if len(r) < 6 {
				return fmt.Errorf("cells: boxes.csv: short row %q", r)
			}
			v, err := strconv.Atoi(r[2+k])
			if err != nil {
				return fmt.Errorf("cells: boxes.csv: %w", err)
			}
			b[k] = float64(v)
		}
		boxes[r[0]] = append(boxes[r[0]], b)
		boxClass[r[0]] = append(boxClass[r[0]], r[1])
	}
	truthRecs, err := trypanReadCSV(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return err
	}
	f := bufio.NewWriter(out)
	patch := make([]float32, trypanPatchLen)
	vec := make([]float64, trypanCellVectorLen)
	hdr := "image,truth,pred,bright,headroom,dark,mean,brightfrac,area,maxins,std,border,darkfrac,elong,cx,cy,accept"
	for k := range vec {
		hdr += fmt.Sprintf(",v%d", k)
	}
	fmt.Fprintln(f, hdr)
	for _, r := range truthRecs[1:] {
		img, err := imageio.Load(filepath.Join(dir, r[0]), imageio.Options{})
		if err != nil {
			return err
		}
		g := trypanGrey(img)
		sc := trypanScaleFor(img.Calibration, Options{}, img.Width, img.Height)
		sc.keepCandidates = true
		res := trypanAnalyse(g, img.Width, img.Height, sc)
		truth := make([]string, len(res.feats))
		for i := range truth {
			truth[i] = "none"
		}
		for bi, b := range boxes[r[0]] {
			best, bestD := -1, math.Inf(1)
			for i, ft := range res.feats {
				if truth[i] != "none" || ft.cx < b[0]-2 || ft.cx > b[2]+2 || ft.cy < b[1]-2 || ft.cy > b[3]+2 {
					continue
				}
				if d := math.Hypot(ft.cx-(b[0]+b[2])/2, ft.cy-(b[1]+b[3])/2); d < bestD {
					best, bestD = i, d
				}
			}
			if best >= 0 {
				truth[best] = boxClass[r[0]][bi]
			}
		}
		for i, ft := range res.feats {
			trypanPatch(res.flat, res.labels, img.Width, img.Height, int32(i+1), ft.cx, ft.cy, sc, patch)
			trypanCellVector(ft, patch, img.Width, img.Height, sc, vec)
			fmt.Fprintf(f, "%s,%s,%s,%.1f,%.1f,%.1f,%.2f,%.3f,%d,%.2f,%.2f,%v,%.3f,%.3f,%.1f,%.1f,%v", r[0], truth[i], res.classes[i],
				ft.bright, ft.headroom, ft.dark, ft.meanFlat, ft.brightFrac, ft.area, ft.maxInscribed, ft.std, ft.border, ft.darkFrac, ft.elongation,
				ft.cx, ft.cy, trypanIsCell(ft, sc))
			for _, v := range vec {
				fmt.Fprintf(f, ",%.9g", v)
			}
			fmt.Fprintln(f)
		}
	}
	return f.Flush()
}

func trypanReadCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cells: read %s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("cells: %s: no rows", path)
	}
	return recs, nil
}

// trypanGrey converts a decoded image to grey as cvutil.Gray does
// (OpenCV's BGR→grey weights), without a Mat.
func trypanGrey(img *imageio.Image) []byte {
	if img.Channels == 1 {
		return img.Pix
	}
	g := make([]byte, img.Width*img.Height)
	for i := range g {
		b, gg, r := float64(img.Pix[3*i]), float64(img.Pix[3*i+1]), float64(img.Pix[3*i+2])
		g[i] = byte(math.Round(0.114*b + 0.587*gg + 0.299*r))
	}
	return g
}
