package cells

import (
	"math"
	"testing"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/models"
)

// deadSplitScene is a flattened field with objects painted in: each object
// one label and class.
type deadSplitScene struct {
	w, h    int
	flat    []int16
	labels  []int32
	classes []string
}

func newDeadSplitScene(w, h int) *deadSplitScene {
	return &deadSplitScene{w: w, h: h, flat: make([]int16, w*h), labels: make([]int32, w*h)}
}

// object starts a new object of class c and returns its label.
func (s *deadSplitScene) object(c string) int32 {
	s.classes = append(s.classes, c)
	return int32(len(s.classes))
}

// stained paints a stained disc (darkest at its centre, as a sphere's
// path length) of radius r into object l; overlapping discs add up.
func (s *deadSplitScene) stained(l int32, cx, cy, r float64) {
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			if d := math.Hypot(float64(x)-cx, float64(y)-cy) / r; d <= 1 {
				s.labels[y*s.w+x] = l
				s.flat[y*s.w+x] += int16(-20 - 60*math.Sqrt(1-d*d))
			}
		}
	}
}

// ringCell paints a live cell (light middle, dark rim) of radius r into
// object l.
func (s *deadSplitScene) ringCell(l int32, cx, cy, r float64) {
	for y := int(cy - r - 1); y <= int(cy+r+1); y++ {
		for x := int(cx - r - 1); x <= int(cx+r+1); x++ {
			if d := math.Hypot(float64(x)-cx, float64(y)-cy) / r; d <= 1 {
				s.labels[y*s.w+x] = l
				v := int16(-70 * math.Exp(-(d-0.8)*(d-0.8)/0.02))
				s.flat[y*s.w+x] = min(s.flat[y*s.w+x], v)
			}
		}
	}
}

func (s *deadSplitScene) run() *trypanResult {
	mask := make([]byte, s.w*s.h)
	for i, l := range s.labels {
		if l != 0 {
			mask[i] = 1
		}
	}
	res := &trypanResult{w: s.w, h: s.h, flat: s.flat, mask: mask, labels: s.labels, classes: s.classes}
	res.feats = make([]trypanFeatures, len(s.classes))
	dist := morph.DistanceToBackground(mask, s.w, s.h, morph.BorderIsBackground)
	sc := trypanScale{minDiamPx: 6, maxDiamPx: 40, minCellDiamPx: 8, grid: true, pixelSizeUM: 1}
	trypanSplitStainedClumps(res, make([]int16, s.w*s.h), dist, nil, sc, 8)
	return res
}

// TestTrypanSplitStainedClumps: two touching stained discs called dead as
// one object come out as two dead objects; two touching live ring cells
// (called dead) and a single large stained disc stay whole.
func TestTrypanSplitStainedClumps(t *testing.T) {
	s := newDeadSplitScene(220, 120)
	const r = 7.0
	for k := range 6 {
		s.stained(s.object(models.ClassDead), 15+30*float64(k), 15, r)
	}
	pair := s.object(models.ClassDead)
	s.stained(pair, 30, 60, r)
	s.stained(pair, 30+1.8*r, 60, r)
	rings := s.object(models.ClassDead)
	s.ringCell(rings, 100, 60, 10)
	s.ringCell(rings, 119, 60, 10)
	big := s.object(models.ClassDead)
	s.stained(big, 170, 70, 2.2*r)
	res := s.run()

	if got := len(res.classes); got != 10 {
		t.Errorf("objects: got %d, want 10 (6 single discs, the pair as 2, the ring pair and the large disc whole)", got)
	}
	a, b := res.labels[60*s.w+30], res.labels[60*s.w+43]
	if a == 0 || b == 0 || a == b {
		t.Errorf("touching stained discs: labels %d and %d, want two objects", a, b)
	}
	for _, l := range []int32{a, b} {
		if l > 0 && res.classes[l-1] != models.ClassDead {
			t.Errorf("stained part %d called %s", l, res.classes[l-1])
		}
	}
	if a, b := res.labels[60*s.w+95], res.labels[60*s.w+124]; a != b {
		t.Errorf("live ring pair split (labels %d, %d)", a, b)
	}
	if a, b := res.labels[70*s.w+160], res.labels[70*s.w+180]; a != b {
		t.Errorf("one large stained disc split (labels %d, %d)", a, b)
	}
}
