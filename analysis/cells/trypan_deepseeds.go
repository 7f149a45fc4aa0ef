package cells

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/morph"
)

// trypanDeepSeeds re-seeds the whole-field components whose cells touch:
// blurred neighbours merge at the foreground threshold thr, but their
// cores stay apart at trypanDeepLevel times it (physgen seed-2 field 0 at
// 1.59 µm/px, cells 6–11 px: half its cells had no seed of their own).
// Seeds are placed on that deeper mask as on the foreground (trypanSeeds).
// A foreground component (lab) without a bright core takes the deeper
// seeds only where they are more than its own, and then keeps its own
// seeds of faint cells that never reach the deeper level. lab holds the
// components 1..n. Returns the new seed labels.
func trypanDeepSeeds(seeds, lab []int32, n int, flat, bg, cross []int16, thr int16, w, h int, sc trypanScale) []int32 {
	deep := trypanDeepMask(lab, flat, cross, thr, w, h, sc)
	dDist := morph.DistanceToBackground(deep, w, h, morph.BorderIsBackground)
	dLab, dn := morph.LabelComponents(deep, w, h)
	dSeeds := trypanSeeds(dDist, dLab, dn, flat, bg, w, h, sc)
	nOld, nDeep := distinctPerKey(lab, seeds, n), distinctPerKey(lab, dSeeds, n)
	reachesDeep := map[int32]bool{}
	for i, l := range seeds {
		if l != 0 && deep[i] != 0 {
			reachesDeep[l] = true
		}
	}
	// Components holding a live cell's bright core are split by the cores
	// already (trypanCoreSeeds); at the deeper level a ring cell's rim
	// would break into arcs.
	cored := map[int32]bool{}
	coreN := map[int32]int{}
	for i, c := range lab {
		if c != 0 && trypanBrightCorePx(flat[i], bg[i]) {
			if coreN[c]++; coreN[c] >= trypanMinCorePx {
				cored[c] = true
			}
		}
	}
	out := make([]int32, w*h)
	next := int32(0)
	relabel := map[[2]int32]int32{} // (level, seed) → new label
	for i, c := range lab {
		if c == 0 {
			continue
		}
		src, level := seeds[i], int32(0)
		if nDeep[c] > nOld[c] && !cored[c] {
			src, level = dSeeds[i], 1
			if src == 0 && seeds[i] != 0 && !reachesDeep[seeds[i]] {
				src, level = seeds[i], 0
			}
		}
		if src == 0 {
			continue
		}
		key := [2]int32{level, src}
		l, ok := relabel[key]
		if !ok {
			next++
			l = next
			relabel[key] = l
		}
		out[i] = l
	}
	return out
}

// trypanDeepMask is the foreground of the components lab at
// trypanDeepLevel times the threshold (and above the ruling's misfit
// cross), darker than the chamber (a stained cell, a live cell's rim),
// holes filled and opened like the foreground so single pixels seed
// nothing.
func trypanDeepMask(lab []int32, flat, cross []int16, thr int16, w, h int, sc trypanScale) []byte {
	deep := make([]byte, w*h)
	t2 := trypanDeepLevel * thr
	for i, v := range flat {
		if lab[i] != 0 && v < -max(t2, cross[i]) {
			deep[i] = 1
		}
	}
	// A ring cell's dark rim encloses its centre: one disc, one seed.
	morph.FillHoles(deep, w, h, int(math.Pi*sc.maxDiamPx*sc.maxDiamPx/4))
	unit := sc.refRadiusPx / trypanUncalibratedRefRadiusPx
	return trypOpenDisc(deep, w, h, math.Max(1, 1.5*unit))
}

// trypanDeepLevel: see trypanDeepSeeds. Twice the foreground threshold:
// deep enough that the blurred junction of two touching cells falls
// below it, shallow enough that a pale cell's core still reaches it.
const trypanDeepLevel = 2
