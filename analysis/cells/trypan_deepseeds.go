package cells

import (
	"math"

	"github.com/histocount/histocount/analysis/internal/morph"
)

// trypanDeepSeeds re-seeds whole-field components whose cells touch:
// blurred neighbours merge at the foreground threshold, but their cores
// stay apart at trypanDeepLevel times it. Seeds are placed on that deeper
// mask as on the foreground (trypanSeeds); a foreground component keeps
// its own seeds unless the deeper level finds more cells in it.
func trypanDeepSeeds(seeds, lab []int32, flat, bg, cross []int16, thr int16, w, h int, sc trypanScale) []int32 {
	deep := make([]byte, w*h)
	t2 := trypanDeepLevel * thr
	for i, v := range flat {
		t := max(t2, cross[i])
		if lab[i] != 0 && (v > t || v < -t) {
			deep[i] = 1
		}
	}
	unit := sc.refRadiusPx / trypanUncalibratedRefRadiusPx
	deep = trypOpenDisc(deep, w, h, math.Max(1, 1.5*unit))
	dDist := morph.DistanceToBackground(deep, w, h, morph.BorderIsBackground)
	dLab, dn := morph.LabelComponents(deep, w, h)
	dSeeds := trypanSeeds(dDist, dLab, dn, flat, bg, w, h, sc)
	// Seeds per foreground component, at each level.
	count := func(s []int32) map[int32]map[int32]bool {
		m := map[int32]map[int32]bool{}
		for i, l := range s {
			if l != 0 && lab[i] != 0 {
				if m[lab[i]] == nil {
					m[lab[i]] = map[int32]bool{}
				}
				m[lab[i]][l] = true
			}
		}
		return m
	}
	nOld, nDeep := count(seeds), count(dSeeds)
	inDeep := map[int32]bool{} // old seeds touching the deeper mask
	for i, l := range seeds {
		if l != 0 && deep[i] != 0 {
			inDeep[l] = true
		}
	}
	out := make([]int32, w*h)
	next := int32(0)
	relabel := map[[2]int32]int32{}
	for i := range out {
		c := lab[i]
		if c == 0 {
			continue
		}
		src, k := seeds[i], int32(0)
		if len(nDeep[c]) > len(nOld[c]) {
			src, k = dSeeds[i], 1
			// A faint cell of the component, below the deeper level,
			// keeps its own seed.
			if src == 0 && seeds[i] != 0 && !inDeep[seeds[i]] {
				src, k = seeds[i], 0
			}
		}
		if src == 0 {
			continue
		}
		key := [2]int32{k, src}
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

// trypanDeepLevel: see trypanDeepSeeds.
const trypanDeepLevel = 2
