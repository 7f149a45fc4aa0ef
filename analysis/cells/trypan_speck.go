package cells

import "github.com/histocount/histocount/models"

// Small stained cells below focus.
//
// On calibrated whole fields a small dark object (under trypanFieldSpecUM
// across) must be flat-topped to count (trypanIsSpeck): debris of 1–6 µm
// blurs into a dark spot that fades from its middle. A stained cell of
// 8–12 µm is a sphere of dye: its absorbance falls towards the edge with
// the path length through it, and below focus its profile fades like the
// speck's. In grey fields nothing else tells them apart and such objects
// stay rejected; in colour fields the dye does: debris absorbs all colours
// alike, trypan blue takes red and green. The candidates (trypanSpeck) are
// kept aside by trypanFinish and judged by the same colour rules that call
// the field's other cells stained (trypanAdmitStainedSpecks).
//
// Physgen seed 12 field 3 (colour, focus −0.76): 235 of 976 dead cells
// were rejected as specks; over seed 4's colour fields the rejected specks
// that match a dead cell have B−R ≥ 15 above the chamber, debris mostly
// below 10.

// trypanSpeck is a region rejected only as a speck: its pixels and
// features.
type trypanSpeck struct {
	pix []int32
	f   trypanFeatures
}

// trypanSpeckCandidate reports whether a region that trypanAccept
// rejected is a speck passing every other test of a counted cell that
// looks stained: size bounds, the chamber edge rule, trypanFieldCellLook
// and a dead call by its grey look. Calibrated whole fields only.
func trypanSpeckCandidate(f trypanFeatures, sc trypanScale, fgThr float64) bool {
	if !sc.grid || sc.pixelSizeUM <= 0 || sc.learned || sc.keepCandidates || f.farBorder || !trypanIsSpeck(f, sc) {
		return false
	}
	return trypanInSizeBounds(f, sc) && trypanFieldCellLook(f, sc, fgThr) && trypanClassifyField(f, fgThr) == models.ClassDead
}

// trypanMarkSpecks writes the specks of res into its free label pixels as
// labels n+1…n+len(res.specks), n the objects counted so far. A speck
// whose pixels were mostly taken by a later step (ring or focus cells,
// halo merges) is left out.
func trypanMarkSpecks(res *trypanResult) {
	n := len(res.classes)
	for j, s := range res.specks {
		free := 0
		for _, p := range s.pix {
			if res.labels[p] == 0 {
				free++
			}
		}
		if float64(free) < trypanSpeckMinFree*float64(len(s.pix)) {
			continue
		}
		l := int32(n + 1 + j)
		for _, p := range s.pix {
			if res.labels[p] == 0 {
				res.labels[p] = l
			}
		}
	}
}

// trypanAdmitStainedSpecks keeps the marked specks whose colour calls them
// stained by the field's own rule: B−R above the chamber's by the noise
// threshold thr, or above the cut between the field's dye-free and stained
// populations where its objects show two (trypanColourPopulations). The
// others are cleared (all of them when blue is nil). blue holds the n
// counted objects, then the specks. Objects are renumbered when any speck
// is kept.
func trypanAdmitStainedSpecks(res *trypanResult, blue []float64, thr float64) {
	if len(res.specks) == 0 {
		return
	}
	n := len(res.classes)
	keep := make([]bool, len(res.specks))
	kept := 0
	if len(blue) == n+len(res.specks) {
		cut, split := trypanColourPopulations(blue[:n])
		for j := range res.specks {
			if b := blue[n+j]; b > thr || (split && b > cut) {
				keep[j] = true
				kept++
			}
		}
	}
	for j, s := range res.specks {
		if keep[j] {
			continue
		}
		l := int32(n + 1 + j)
		for _, p := range s.pix {
			if res.labels[p] == l {
				res.labels[p] = 0
			}
		}
	}
	if kept > 0 {
		classes := append([]string(nil), res.classes...)
		for _, s := range res.specks {
			classes = append(classes, models.ClassDead)
			res.feats = append(res.feats, s.f)
		}
		trypanRingRenumber(res, classes)
	}
	res.specks = nil
}

// trypanSpeckMinFree: a speck whose region is less than this fraction
// free of other objects is not added.
const trypanSpeckMinFree = 0.8
