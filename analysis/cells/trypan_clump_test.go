package cells

import (
	"image"
	"math"
	"testing"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/internal/physgen/chamber"
	"github.com/histocount/histocount/models"
)

// clumpScene is a flattened field (1 µm/px, 0 = chamber grey) with its
// regions: cells of radius clumpCellR drawn as live rings (bright centre,
// dark rim) or stained discs.
type clumpScene struct {
	w, h int
	flat []int16
	reg  []int32
}

const clumpCellR = 8

func newClumpScene(w, h int) *clumpScene {
	return &clumpScene{w: w, h: h, flat: make([]int16, w*h), reg: make([]int32, w*h)}
}

// cell draws one cell of region l centred on (cx, cy).
func (s *clumpScene) cell(cx, cy float64, l int32, dead bool) {
	for y := int(cy) - clumpCellR - 1; y <= int(cy)+clumpCellR+1; y++ {
		for x := int(cx) - clumpCellR - 1; x <= int(cx)+clumpCellR+1; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / clumpCellR
			if d > 1 {
				continue
			}
			p := y*s.w + x
			s.reg[p] = l
			switch {
			case dead:
				s.flat[p] = -60
			case d < 0.5:
				s.flat[p] = 40
			case d >= 0.7:
				s.flat[p] = -50
			default:
				s.flat[p] = min(s.flat[p], 0)
			}
		}
	}
}

// patch marks a rectangle as region l with a uniform departure v.
func (s *clumpScene) patch(r0, c0, r1, c1 int, l int32, v int16) {
	for y := r0; y < r1; y++ {
		for x := c0; x < c1; x++ {
			s.reg[y*s.w+x] = l
			s.flat[y*s.w+x] = v
		}
	}
}

// split runs trypanSplitClumps at 1 µm/px and returns the number of
// distinct labels now covering the pixels that were region l.
func (s *clumpScene) split(t *testing.T, l int32) (pieces int) {
	t.Helper()
	before := append([]int32(nil), s.reg...)
	mask := make([]byte, len(s.reg))
	for i, v := range s.reg {
		if v != 0 {
			mask[i] = 1
		}
	}
	dist := morph.DistanceToBackground(mask, s.w, s.h, morph.BorderIsBackground)
	bg := make([]int16, len(s.flat))
	for i := range bg {
		bg[i] = 150
	}
	cross := make([]int16, len(s.flat))
	sc := trypanScaleFor(models.Calibration{PixelSizeUM: 1}, Options{}, 2000, 2000)
	peaks := trypanRingPeaks(s.flat, s.w, s.h, trypanRingRadii(1), trypanRingK*8, nil)
	trypanSplitClumps(s.reg, s.flat, bg, cross, dist, peaks, 8, s.w, s.h, sc)
	seen := map[int32]bool{}
	for i, v := range before {
		if v == l && s.reg[i] != 0 {
			seen[s.reg[i]] = true
		}
	}
	return len(seen)
}

// singles adds three lone live cells (regions 2–4) so that the field has
// a typical cell size.
func (s *clumpScene) singles() {
	for k := range 3 {
		s.cell(float64(30+40*k), 170, int32(2+k), false)
	}
}

// TestTrypanSplitClumps: a clump of eight touching cells, two of them
// stained, over the 40 µm largest cell area, comes out as eight pieces
// (the old code dropped it whole); a patch without any cell cue and a
// lone cell are left whole.
func TestTrypanSplitClumps(t *testing.T) {
	s := newClumpScene(200, 200)
	for k := range 8 {
		x, y := 30+float64(k%4)*2*clumpCellR, 40+float64(k/4)*2*clumpCellR
		s.cell(x, y, 1, k == 2 || k == 5)
	}
	s.singles()
	if n := s.split(t, 1); n != 8 {
		t.Errorf("clump of 8 cells: %d pieces, want 8", n)
	}
	if n := s.split(t, 2); n != 1 {
		t.Errorf("lone cell: %d pieces, want 1", n)
	}

	s = newClumpScene(200, 200)
	// 40 × 40 px: 1600 px², over the largest cell (1257 px²), ≈ 8 cells;
	// columns alternating ±20 grey levels give it structure (spread over
	// trypanClumpMinStdK thresholds) but neither a ring nor a dark disc.
	s.patch(20, 20, 60, 60, 1, 20)
	for y := 20; y < 60; y++ {
		for x := 21; x < 60; x += 2 {
			s.flat[y*s.w+x] = -20
		}
	}
	s.singles()
	if n := s.split(t, 1); n != 1 {
		t.Errorf("cue-less patch: %d pieces, want it left whole", n)
	}
}

// TestTrypanClumpGapNotStained: the gap between three touching live cells
// seen below focus (dark all over, lighter at the centre, their rims'
// blur filling the gap: physgen seed-8 field 1) is dark
// enough to be a stained-disc candidate, but the gap test turns it down;
// a stained cell (darkest at its centre, Beer–Lambert) touching the same
// cells passes.
func TestTrypanClumpGapNotStained(t *testing.T) {
	s := newClumpScene(120, 120)
	r := float64(clumpCellR)
	// Three touching live cells round a gap at (50, 50), centres
	// gapSpan radii apart (cells are slightly elliptical and their rims
	// blurred, so they meet over a short stretch, not at one point), and a
	// stained cell touching two of them on the far side.
	const gapSpan = 2.2
	var centres [][2]float64
	for k := range 3 {
		a := 2*math.Pi*float64(k)/3 - math.Pi/2
		centres = append(centres, [2]float64{50 + gapSpan*r/math.Sqrt(3)*math.Cos(a), 50 + gapSpan*r/math.Sqrt(3)*math.Sin(a)})
	}
	for _, c := range centres {
		s.cell(c[0], c[1], 1, false)
		// Seen below focus: the blurred rim darkens the whole cell but
		// the centre stays lighter.
		for y := int(c[1]) - clumpCellR; y <= int(c[1])+clumpCellR; y++ {
			for x := int(c[0]) - clumpCellR; x <= int(c[0])+clumpCellR; x++ {
				if d := math.Hypot(float64(x)-c[0], float64(y)-c[1]) / r; d <= 1 {
					s.flat[y*s.w+x] = int16(-15 - 50*d)
				}
			}
		}
	}
	// Between the cells, the rims' blur: darkest along each rim, fading
	// away from it (a quarter radius to 1/e).
	for y := 30; y < 70; y++ {
		for x := 30; x < 70; x++ {
			if s.reg[y*s.w+x] != 0 || math.Hypot(float64(x)-50, float64(y)-50) >= r {
				continue
			}
			near := math.Inf(1)
			for _, c := range centres {
				near = math.Min(near, math.Hypot(float64(x)-c[0], float64(y)-c[1]))
			}
			s.reg[y*s.w+x] = 1
			s.flat[y*s.w+x] = int16(-65 * math.Exp(-(near-r)/(r/4)))
		}
	}
	dead := [2]float64{centres[1][0] + centres[2][0] - 50, centres[1][1] + centres[2][1] - 50}
	dead = [2]float64{50 + 2*(dead[0]-50)*1.1, 50 + 2*(dead[1]-50)*1.1}
	for y := int(dead[1]) - clumpCellR; y <= int(dead[1])+clumpCellR; y++ {
		for x := int(dead[0]) - clumpCellR; x <= int(dead[0])+clumpCellR; x++ {
			if d := math.Hypot(float64(x)-dead[0], float64(y)-dead[1]) / r; d <= 1 {
				s.reg[y*s.w+x] = 1
				s.flat[y*s.w+x] = int16(-80 * math.Sqrt(1-d*d))
			}
		}
	}
	const fgThr = 8
	sums := trypanNewClumpSums(s.reg, 1, s.flat, image.Rect(0, 0, s.w, s.h), s.w)
	half := int(trypanClumpDiscFrac * r)
	if sum, in := sums.square(50, 50, half); sum/float64(in) >= -trypanClumpDarkK*fgThr {
		t.Fatalf("the gap's square mean %.0f is not a disc candidate: the test shows nothing", sum/float64(in))
	}
	if trypanStainedDisc(s.flat, s.w, s.h, 50, 50, r) {
		fill, dark, _ := trypanDiscSpread(s.flat, s.w, s.h, 50, 50, r)
		t.Errorf("gap between three cells taken for a stained cell (fill %.2f, darkest sector %.2f of the centre)", fill, dark)
	}
	if !trypanStainedDisc(s.flat, s.w, s.h, int(dead[0]), int(dead[1]), r) {
		fill, dark, _ := trypanDiscSpread(s.flat, s.w, s.h, int(dead[0]), int(dead[1]), r)
		t.Errorf("stained cell turned down (fill %.2f, darkest sector %.2f of the centre)", fill, dark)
	}
	var ps []int32
	for i, l := range s.reg {
		if l == 1 {
			ps = append(ps, int32(i))
		}
	}
	discs := trypanDarkDiscs(ps, sums, s.flat, s.w, s.h, r, fgThr, nil)
	for _, d := range discs {
		if math.Hypot(float64(d.x)-dead[0], float64(d.y)-dead[1]) > r/2 {
			t.Errorf("stained disc at (%d, %d), %.1f px from the stained cell", d.x, d.y, math.Hypot(float64(d.x)-dead[0], float64(d.y)-dead[1]))
		}
	}
	if len(discs) != 1 {
		t.Errorf("%d stained discs, want 1 (the stained cell)", len(discs))
	}
}

// physgenTopLeftTruth counts the cells of f that the chamber rule counts
// in its top-left w×h.
func physgenTopLeftTruth(f *chamber.Field, w, h int) (live, dead int) {
	for _, c := range f.Cells {
		if !c.Counted(w, h) {
			continue
		}
		if c.Dead {
			dead++
		} else {
			live++
		}
	}
	return live, dead
}

// emptyObjects is the number of objects of res of class whose label
// holds no centre of a cell of f: pieces cut out of nothing.
func emptyObjects(res *Result, f *chamber.Field, class string) int {
	holds := map[int]bool{}
	b := res.Labels.Bounds()
	for _, c := range f.Cells {
		x, y := int(c.X), int(c.Y)
		if image.Pt(x, y).In(b) {
			holds[int(res.Labels.Gray16At(x, y).Y)] = true
		}
	}
	n := 0
	for _, o := range res.Objects {
		if o.Class == class && !holds[o.ID] {
			n++
		}
	}
	return n
}

// TestTrypanClumpsPhysgen: physgen seed-4 field 10 (colour, focus −0.80,
// many clumps of 2–6), its top-left 800×600: clumps over the largest cell
// were dropped whole (main 9e8c60b: 524 of 669 cells, 78 %); cut between
// the cells they hold, 598 (89 %).
func TestTrypanClumpsPhysgen(t *testing.T) {
	t.Parallel()
	_, res, live, dead := physgenQuarter(t, 4, 10)
	if frac := float64(res.Live+res.Dead) / float64(live+dead); frac < 0.85 || frac > 1.1 {
		t.Errorf("cells found %d of %d (%.0f %%), want 85–110 %%", res.Live+res.Dead, live+dead, 100*frac)
	}
}

// TestTrypanClumpGapsPhysgen: physgen seed-7 field 13 (grey, focus −0.28,
// dense, many clumps), its top-left 800×600. The dark gaps between
// touching cells look like stained cells by darkness; cut out as pieces
// they are dead objects holding no cell (main 9e8c60b: 16 such objects, as
// the segmentation makes them; with the split and its gap test 17).
func TestTrypanClumpGapsPhysgen(t *testing.T) {
	t.Parallel()
	f, res, _, dead := physgenQuarter(t, 7, 13)
	empty := emptyObjects(res, f, models.ClassDead)
	t.Logf("dead objects holding no cell %d", empty)
	if empty > trypanClumpGapsMaxEmpty {
		t.Errorf("%d dead objects hold no cell, want ≤ %d", empty, trypanClumpGapsMaxEmpty)
	}
	if res.Dead > dead {
		t.Errorf("dead found %d of %d, want no more than true", res.Dead, dead)
	}
}

// trypanClumpGapsMaxEmpty: main's 16 cell-less dead objects plus half as
// many again.
const trypanClumpGapsMaxEmpty = 24

// TestTrypanTouchingStainedDiscs: stained cells smaller than the field's
// typical cell (the typical radius comes from regions that hold live
// cells' dark rims) touching live cells in a clump. The darkest square of
// the typical cell's size round each lies off its centre, towards the
// dark rims of its neighbours, where the gap test reads a darker
// neighbour on one side and turned it down: the stained cell was lost
// with the clump's leftovers (physgen seed 10 field 18: dead cells of
// radius 6 px, typical radius 8.8 px; 103 of 715 dead cells not found).
// Tried again at the darkest point near it, the disc's own centre, each
// stained cell becomes one piece; the gap between three live cells
// (TestTrypanClumpGapNotStained) still does not.
func TestTrypanTouchingStainedDiscs(t *testing.T) {
	s := newClumpScene(200, 200)
	const rd = 5.5 // stained cells' radius
	r := float64(clumpCellR)
	step := 1.9 * r
	for k := range 6 {
		s.cell(40+step*float64(k), 40, 1, false)
	}
	var dead [][2]float64
	for _, k := range []float64{0.5, 4.5} {
		dead = append(dead, [2]float64{40 + step*k, 40 + 0.95*(r+rd)})
	}
	for _, c := range dead {
		for y := int(c[1]) - clumpCellR; y <= int(c[1])+clumpCellR; y++ {
			for x := int(c[0]) - clumpCellR; x <= int(c[0])+clumpCellR; x++ {
				if d := math.Hypot(float64(x)-c[0], float64(y)-c[1]) / rd; d <= 1 {
					s.reg[y*s.w+x] = 1
					s.flat[y*s.w+x] = int16(-30 - 60*math.Sqrt(1-d*d))
				}
			}
		}
	}
	s.singles()
	s.split(t, 1)
	seen := map[int32]bool{}
	for _, c := range dead {
		l := s.reg[int(c[1])*s.w+int(c[0])]
		if l == 0 || seen[l] {
			t.Errorf("stained cell at (%.0f, %.0f): label %d (0: dropped; repeated: merged)", c[0], c[1], l)
		}
		seen[l] = true
	}
}
