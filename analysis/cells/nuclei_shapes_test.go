package cells_test

import (
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/eval"
	"github.com/histocount/histocount/internal/physgen/raster"
	"github.com/histocount/histocount/internal/shareddata"
)

// trueShape is one nucleus outline cut from a DSB2018 instance mask.
type trueShape struct {
	w, h     int
	in       []bool // w×h, row-major
	area     int
	solidity float64 // area ÷ convex-hull area
	rEq      float64 // √(area/π), px
}

// Shape-test constants.
const (
	shapeMinAreaPx    = 20   // smaller masks are annotation specks, not outlines
	shapeIrregularMax = 0.9  // solidity below this: an irregular (lobed, notched) nucleus
	shapeRegularMin   = 0.93 // pair partners are at least this convex, so only the contact makes a neck
	shapePressFrac    = 0.3  // pair partners overlap by this × the smaller one's rEq beyond first contact
	shapeMaxImages    = 24   // source images used (the fitted rows, in truth.csv order)
)

// dsbFluorescenceShapes returns the nuclei of the fluorescence images among
// the DSB2018 rows the segmenter was tuned on (eval.NucleiFittedRows; the
// rows after them stay unseen), one slice per source image, border nuclei
// left out.
func dsbFluorescenceShapes(t *testing.T) [][]trueShape {
	dir := shareddata.Dir(t, "nuclei-dsb2018")
	rows := readCSVRows(t, filepath.Join(dir, "truth.csv"))
	var out [][]trueShape
	for _, r := range rows[1 : 1+eval.NucleiFittedRows] {
		img, err := imageio.Load(filepath.Join(dir, r[0]), imageio.Options{BlackBackground: true})
		if err != nil {
			t.Fatal(err)
		}
		if eval.NucleiModality(img) != "fluorescence" {
			continue
		}
		lf, err := os.Open(filepath.Join(dir, r[1]))
		if err != nil {
			t.Fatal(err)
		}
		m, err := png.Decode(lf)
		lf.Close()
		if err != nil {
			t.Fatal(err)
		}
		if shapes := shapesOf(m); len(shapes) >= 4 {
			out = append(out, shapes)
		}
		if len(out) == shapeMaxImages {
			break
		}
	}
	return out
}

// shapesOf cuts every labelled nucleus of m that does not touch the image
// border out of its bounding box.
func shapesOf(m image.Image) []trueShape {
	b := m.Bounds()
	type box struct{ x0, y0, x1, y1 int }
	boxes := map[uint32]*box{}
	label := func(x, y int) uint32 { v, _, _, _ := m.At(x, y).RGBA(); return v }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			l := label(x, y)
			if l == 0 {
				continue
			}
			bx, ok := boxes[l]
			if !ok {
				bx = &box{x, y, x, y}
				boxes[l] = bx
			}
			bx.x0, bx.y0, bx.x1, bx.y1 = min(bx.x0, x), min(bx.y0, y), max(bx.x1, x), max(bx.y1, y)
		}
	}
	ids := make([]uint32, 0, len(boxes))
	for l := range boxes {
		ids = append(ids, l)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []trueShape
	for _, l := range ids {
		bx := boxes[l]
		if bx.x0 == b.Min.X || bx.y0 == b.Min.Y || bx.x1 == b.Max.X-1 || bx.y1 == b.Max.Y-1 {
			continue
		}
		s := trueShape{w: bx.x1 - bx.x0 + 1, h: bx.y1 - bx.y0 + 1}
		s.in = make([]bool, s.w*s.h)
		var pix []int32
		for y := bx.y0; y <= bx.y1; y++ {
			for x := bx.x0; x <= bx.x1; x++ {
				if label(x, y) == l {
					i := (y-bx.y0)*s.w + (x - bx.x0)
					s.in[i] = true
					pix = append(pix, int32(i))
				}
			}
		}
		s.area = len(pix)
		if s.area < shapeMinAreaPx {
			continue
		}
		s.solidity = cells.Solidity(pix, s.w)
		s.rEq = math.Sqrt(float64(s.area) / math.Pi)
		out = append(out, s)
	}
	return out
}

// shapeField is a rendered DAPI-like field with its truth.
type shapeField struct {
	img   *imageio.Image
	truth *image.Gray16
	n     int // true nuclei
}

// placed is one shape at an offset in a field, with its label.
type placed struct {
	s      trueShape
	x0, y0 int
	label  uint16
}

// renderShapes draws the placed shapes as a DAPI field: flat nuclei of
// random brightness (one field holds dim and bright ones) with chromatin
// texture, no dark seam where two touch (the brighter one wins), blurred
// by a PSF of σ 1 px, on a dark background with read noise. A pixel inside
// two shapes belongs, in the truth, to the shape drawn first.
func renderShapes(w, h int, shapes []placed, rng *rand.Rand) shapeField {
	sig := raster.New(w, h, 1, 0.05)
	truth := image.NewGray16(image.Rect(0, 0, w, h))
	tex := raster.NewFBm(rng, 4, 2)
	for _, p := range shapes {
		peak := float32(raster.Uniform(rng, 0.3, 0.7))
		for y := 0; y < p.s.h; y++ {
			for x := 0; x < p.s.w; x++ {
				if !p.s.in[y*p.s.w+x] {
					continue
				}
				fx, fy := p.x0+x, p.y0+y
				v := 0.05 + peak*float32(1+0.5*(tex.At(float64(fx), float64(fy))-0.5))
				o := sig.Off(fx, fy)
				sig.Pix[o] = max(sig.Pix[o], v)
				if truth.Gray16At(fx, fy).Y == 0 {
					truth.SetGray16(fx, fy, color.Gray16{Y: p.label})
				}
			}
		}
	}
	sig.Blur(1)
	sig.Noise(rng, 0.01, 0)
	g := sig.Gray8()
	return shapeField{img: &imageio.Image{Width: w, Height: h, Channels: 1, Pix: g.Pix}, truth: truth, n: len(shapes)}
}

// singlesField places every shape alone in a grid cell, a gap of at least
// one typical radius (6 px minimum) from its neighbours.
func singlesField(shapes []trueShape, rng *rand.Rand) shapeField {
	cell := 0
	var radii []float64
	for _, s := range shapes {
		cell = max(cell, s.w, s.h)
		radii = append(radii, s.rEq)
	}
	sort.Float64s(radii)
	cell += max(6, int(radii[len(radii)/2]))
	cols := int(math.Ceil(math.Sqrt(float64(len(shapes)))))
	rows := (len(shapes) + cols - 1) / cols
	var ps []placed
	for i, s := range shapes {
		cx, cy := (i%cols)*cell+cell/2, (i/cols)*cell+cell/2
		ps = append(ps, placed{s, cx - s.w/2 + cell/2, cy - s.h/2 + cell/2, uint16(i + 1)})
	}
	return renderShapes((cols+1)*cell, (rows+1)*cell, ps, rng)
}

// pairsField presses regular shapes together two by two, in a random
// direction, shapePressFrac of the smaller one's radius past first contact:
// two nuclei squeezed against each other meet along a neck, as in a clump.
// Returns the field and how many pairs it holds.
func pairsField(shapes []trueShape, rng *rand.Rand) (shapeField, int) {
	var regular []trueShape
	for _, s := range shapes {
		if s.solidity >= shapeRegularMin {
			regular = append(regular, s)
		}
	}
	cell := 0
	for _, s := range regular {
		cell = max(cell, s.w, s.h)
	}
	cell = 3*cell + 12
	np := len(regular) / 2
	if np == 0 {
		return shapeField{}, 0
	}
	cols := int(math.Ceil(math.Sqrt(float64(np))))
	rows := (np + cols - 1) / cols
	var ps []placed
	for k := 0; k < np; k++ {
		a, b := regular[2*k], regular[2*k+1]
		ox, oy := (k%cols)*cell+cell/2, (k/cols)*cell+cell/2
		ax, ay := ox-a.w/2, oy-a.h/2
		theta := rng.Float64() * 2 * math.Pi
		ux, uy := math.Cos(theta), math.Sin(theta)
		// Walk b in from far away until it touches a, then press.
		var bx, by int
		start := float64(a.w + a.h + b.w + b.h)
		press := shapePressFrac * min(a.rEq, b.rEq)
		for d := start; d > 0; d -= 0.5 {
			bx, by = ox+int(math.Round(d*ux))-b.w/2, oy+int(math.Round(d*uy))-b.h/2
			if touches(a, ax, ay, b, bx, by) {
				d -= press
				bx, by = ox+int(math.Round(d*ux))-b.w/2, oy+int(math.Round(d*uy))-b.h/2
				break
			}
		}
		ps = append(ps, placed{a, ax, ay, uint16(2*k + 1)}, placed{b, bx, by, uint16(2*k + 2)})
	}
	f := renderShapes((cols+1)*cell, (rows+1)*cell, ps, rng)
	return f, np
}

// touches reports whether shape b at (bx, by) overlaps or 4-touches shape a
// at (ax, ay).
func touches(a trueShape, ax, ay int, b trueShape, bx, by int) bool {
	inA := func(x, y int) bool {
		x, y = x-ax, y-ay
		return x >= 0 && y >= 0 && x < a.w && y < a.h && a.in[y*a.w+x]
	}
	for y := 0; y < b.h; y++ {
		for x := 0; x < b.w; x++ {
			if !b.in[y*b.w+x] {
				continue
			}
			X, Y := bx+x, by+y
			if inA(X, Y) || inA(X+1, Y) || inA(X-1, Y) || inA(X, Y+1) || inA(X, Y-1) {
				return true
			}
		}
	}
	return false
}

// TestNucleiTrueShapesSplit: real nucleus outlines (DSB2018 fluorescence
// truth masks of the fitted rows) rendered as DAPI fields, one field per
// source image so each keeps its own magnification. Single nuclei, however
// irregular, must stay one object; regular nuclei pressed together in
// pairs must come apart. The counts are of split errors against the drawn
// truth (eval.SplitErrors), summed over all fields.
func TestNucleiTrueShapesSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	images := dsbFluorescenceShapes(t)
	if len(images) < 10 {
		t.Fatalf("only %d fluorescence images with shapes", len(images))
	}
	var singles, irregular, extraSingles, pairs, mergedPairs, extraPairs int
	for i, shapes := range images {
		rng := rand.New(rand.NewPCG(uint64(i), 9))
		sf := singlesField(shapes, rng)
		extra, _ := countSplitErrors(t, sf)
		singles += sf.n
		extraSingles += extra
		for _, s := range shapes {
			if s.solidity < shapeIrregularMax {
				irregular++
			}
		}
		pf, np := pairsField(shapes, rng)
		if np == 0 {
			continue
		}
		extra, merged := countSplitErrors(t, pf)
		pairs += np
		mergedPairs += merged
		extraPairs += extra
	}
	t.Logf("%d images: singles %d (%d irregular, solidity < %.2f): %d extra pieces; pairs %d: %d merged, %d extra pieces",
		len(images), singles, irregular, shapeIrregularMax, extraSingles, pairs, mergedPairs, extraPairs)
	if got := float64(extraSingles) / float64(singles); !(got <= shapeSinglesMaxSplit) {
		t.Errorf("single nuclei split: %d extra pieces in %d nuclei (%.1f %%, allowed %.1f %%)", extraSingles, singles, 100*got, 100*shapeSinglesMaxSplit)
	}
	if got := float64(mergedPairs) / float64(pairs); !(got <= shapePairsMaxMerged) {
		t.Errorf("touching pairs left whole: %d of %d (%.1f %%, allowed %.1f %%)", mergedPairs, pairs, 100*got, 100*shapePairsMaxMerged)
	}
}

// countSplitErrors counts f with the classical segmenter and returns its
// split errors against f's truth.
func countSplitErrors(t *testing.T, f shapeField) (extra, merged int) {
	t.Helper()
	res, err := cells.Count(f.img, cells.Options{Stain: cells.StainFluorescence, Labels: true, NucleiMethod: cells.NucleiClassical})
	if err != nil {
		t.Fatal(err)
	}
	extra, merged, err = eval.SplitErrors(res.Labels, f.truth)
	if err != nil {
		t.Fatal(err)
	}
	return extra, merged
}

// Bounds of TestNucleiTrueShapesSplit, just above what was measured on
// 2026-12-01 (24 images: 5 extra pieces in 1001 singles, 0.5 %; 186 of 443
// pairs left whole, 42 %: two nuclei of equal texture pressed together
// without a seam are the splitter's weak case, not lobed singles).
// Without the k-means split of featureless clumps 238 pairs stay whole.
const (
	shapeSinglesMaxSplit = 0.01 // share of single nuclei split into pieces
	shapePairsMaxMerged  = 0.45 // share of touching pairs left as one
)

// readCSVRows reads a whole CSV file (header included) or fails the test.
func readCSVRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
