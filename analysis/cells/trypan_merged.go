package cells

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/morph"
	"github.com/histocount/histocount/models"
)

// A cell merged into a ring cell's accepted outline.
//
// When a live cell touches another cell the two can come out as one
// accepted object. Its ring peaks mark the live cells in it
// (trypanFocusCells splits between two or more); a stained neighbour, or
// a live one whose ring the scan missed, shows no ring, but it leaves a
// cell-sized part of the object outside the rings' discs. A single cell
// leaves at most a thin rind there (its halo, the rim beyond the peak's
// radius), so the test is the part's inscribed radius against the ring's
// radius, and the part is then judged as a cell of its own
// (trypanIsFieldCell) and called by its own look (trypanClassifyField).
const (
	// trypanRemainderGap: pixels beyond this many peak radii from every
	// ring peak of the object are outside the rings' cells.
	trypanRemainderGap = 1.2
	// trypanRemainderInscribed: the part outside must hold a disc of this
	// fraction of the rings' mean radius.
	trypanRemainderInscribed = 0.6
)

// trypanSplitRemainders gives, in each object l of res holding ring
// peaks byObj[l], the largest part outside the peaks' discs
// (trypanRemainderGap) a label of its own when it holds a disc of
// trypanRemainderInscribed of the peaks' mean radius and passes
// trypanIsFieldCell; its class is its own trypanClassifyField call. The
// new labels are appended to classes (returned). bg and dist are
// trypanSegment's background and distance map.
func trypanSplitRemainders(res *trypanResult, byObj [][]trypanRingPeak, classes []string, bg []int16, dist []float32, sc trypanScale, fgThr float64) []string {
	w, h := res.w, res.h
	pix := make(map[int32][]int32)
	for i, l := range res.labels {
		if int(l) < len(byObj) && len(byObj[l]) > 0 {
			pix[l] = append(pix[l], int32(i))
		}
	}
	vals := make([]int, 0, 256)
	// Label order, so the new labels do not depend on map iteration.
	for l := int32(1); int(l) < len(byObj); l++ {
		ps, ok := pix[l]
		if !ok {
			continue
		}
		part, cx, cy, r := trypanRemainderPart(ps, byObj[l], w)
		if len(part) == 0 {
			continue
		}
		f := trypanMeasure(part, res.flat, bg, dist, fgThr, w, h, &vals)
		// The chamber rule: a cell cut by the bottom or right edge is the
		// next field's.
		if f.farBorder || !trypanIsFieldCell(f, sc, fgThr) {
			continue
		}
		class := trypanClassifyField(f, fgThr)
		// A dark part left between ring cells is as often the gap between
		// them as a stained cell: the clump split's gap test decides, at
		// the darkest point near the deepest inscribed disc's centre (a
		// stained cell's own centre; the inscribed disc's centre leans
		// away from the ring cells' rims).
		if class == models.ClassDead {
			if _, _, ok := trypanStainedDiscNear(res.flat, w, h, cx, cy, r); !ok {
				continue
			}
		}
		classes = append(classes, class)
		for _, p := range part {
			res.labels[p] = int32(len(classes))
		}
	}
	return classes
}

// trypanRemainderPart returns the pixels (raster order) of the connected
// part of the object ps farther than trypanRemainderGap radii from every
// peak that holds the deepest inscribed disc, or nil when that disc's
// radius is under trypanRemainderInscribed of the peaks' mean radius;
// with it, the centre of that disc and the peaks' mean radius.
func trypanRemainderPart(ps []int32, peaks []trypanRingPeak, w int) (part []int32, cx, cy int, meanR float64) {
	for _, p := range peaks {
		meanR += p.r / float64(len(peaks))
	}
	var rest []int32
	for _, p := range ps {
		x, y := int(p)%w, int(p)/w
		k := trypanNearestPeak(x, y, peaks)
		q := peaks[k]
		if math.Hypot(float64(x-q.x), float64(y-q.y)) <= trypanRemainderGap*q.r {
			continue
		}
		rest = append(rest, p)
	}
	if float64(len(rest)) < math.Pi*meanR*meanR*trypanRemainderInscribed*trypanRemainderInscribed {
		return nil, 0, 0, 0
	}
	box := trypanPixelBox(rest, w)
	bw, bh := box.Dx(), box.Dy()
	crop := make([]byte, bw*bh)
	for _, p := range rest {
		crop[(int(p)/w-box.Min.Y)*bw+int(p)%w-box.Min.X] = 1
	}
	d := morph.DistanceToBackground(crop, bw, bh, morph.BorderIsBackground)
	best, bi := float32(0), 0
	for i, v := range d {
		if v > best {
			best, bi = v, i
		}
	}
	if float64(best) < trypanRemainderInscribed*meanR {
		return nil, 0, 0, 0
	}
	lab, _ := morph.LabelComponents(crop, bw, bh)
	var sx, sy float64
	for _, p := range rest {
		if lab[(int(p)/w-box.Min.Y)*bw+int(p)%w-box.Min.X] == lab[bi] {
			part = append(part, p)
			sx += float64(int(p)%w - box.Min.X)
			sy += float64(int(p)/w - box.Min.Y)
		}
	}
	// A cell is convex: its centroid lies in it. A halo's ring or
	// crescent round the ring cell has its centroid outside itself.
	mx, my := int(math.Round(sx/float64(len(part)))), int(math.Round(sy/float64(len(part))))
	if lab[my*bw+mx] != lab[bi] {
		return nil, 0, 0, 0
	}
	return part, bi%bw + box.Min.X, bi/bw + box.Min.Y, meanR
}
