package cells

import (
	"cmp"
	"slices"
	"sort"
)

// Constants for nuclei joined by a dim bridge (splitAtDimBridges).
const (
	nucleiBridgeMaxRatio    = 0.75 // a bridge's level (above bg) is below this × the dimmer body's peak ...
	nucleiBridgeMinBodyFrac = 0.25 // ... between two bodies of at least this × the median object area each ...
	nucleiBridgeMaxSolidity = 0.92 // ... in a foreground region less convex than this
)

// splitAtDimBridges cuts the objects of lab (labels 1..n, image width w)
// that are bright bodies joined by a dim bridge, and returns the new count
// (labels renumbered in scan order). Lowering a level through an object's
// own signal sm (a max-tree of its pixels), two bodies of at least
// nucleiBridgeMinBodyFrac × the median object area each meet at a level
// below nucleiBridgeMaxRatio × the dimmer body's peak (both above bg); and
// the foreground region the object was trimmed from (pre: the watershed
// regions before trimToOwnEdge) has a solidity below
// nucleiBridgeMaxSolidity. Each body then seeds a watershed of the signal
// inside the object.
//
// Two nuclei that do not touch are bridged by the foreground threshold
// where their blurred edges overlap (dense fields): the signal sags
// between them and the region they share is pinched where they meet. A
// crease or fold across one nucleus sags as deep, but the region around it
// keeps the nucleus' convex outline (synthetic folds: solidity 0.92–0.98;
// DSB2018 unseen merged pairs the rule cut: 2/3 below 0.92), so the
// outline, not the signal, tells them apart (TestNucleiFoldedNotSplit).
func splitAtDimBridges(lab []int32, n, w int, sm []float32, bg float32, pre []int32) int {
	if n < 3 {
		return n
	}
	pix := labelPixels(lab, n)
	areas := make([]int, 0, n)
	for l := 1; l <= n; l++ {
		areas = append(areas, len(pix[l]))
	}
	sort.Ints(areas)
	minBody := max(4, int(nucleiBridgeMinBodyFrac*float64(areas[len(areas)/2])))
	var prePix [][]int32 // each foreground region's pixels, gathered on first need
	regionSolidity := func(obj []int32) float64 {
		if prePix == nil {
			prePix = labelPixels(pre, int(slices.Max(pre)))
		}
		// Trimming only removes pixels, so the region holding most of the
		// object is the one it came from.
		votes := map[int32]int{}
		best := int32(0)
		for _, i := range obj {
			if p := pre[i]; p > 0 {
				votes[p]++
				if votes[p] > votes[best] || votes[p] == votes[best] && p < best {
					best = p
				}
			}
		}
		if best == 0 {
			return solidity(obj, w)
		}
		return solidity(prePix[best], w)
	}
	next := int32(n)
	for l := 1; l <= n; l++ {
		if len(pix[l]) < 2*minBody {
			continue
		}
		parts := bridgeBodies(pix[l], w, sm, bg, minBody)
		if len(parts) < 2 || regionSolidity(pix[l]) >= nucleiBridgeMaxSolidity {
			continue
		}
		for _, p := range parts[1:] {
			next++
			for _, i := range p {
				lab[i] = next
			}
		}
	}
	if next == int32(n) {
		return n
	}
	out := make([]int32, len(lab))
	m := relabelByArea(lab, out, int(next), 1)
	copy(lab, out)
	return m
}

// bridgeBodies returns the object pix (image width w) divided among its
// bodies (see splitAtDimBridges), or nil when it has fewer than two.
// Pixels join in order of decreasing signal (union-find, 8-connected);
// when two components of at least minBody pixels meet at a level below
// nucleiBridgeMaxRatio × the dimmer one's peak (above bg), each becomes a
// body, its pixels above that level the seed of its part.
func bridgeBodies(pix []int32, w int, sm []float32, bg float32, minBody int) [][]int32 {
	g := newObjectGrid(pix, w)
	val := make([]float32, len(g.mask))
	cells := make([]int32, 0, len(pix))
	for c, in := range g.mask {
		if in {
			val[c] = sm[(g.y0+c/g.w)*w+g.x0+c%g.w]
			cells = append(cells, int32(c))
		}
	}
	// Brightest first; ties in grid order, so the result is deterministic.
	slices.SortFunc(cells, func(a, b int32) int { return cmp.Or(cmp.Compare(val[b], val[a]), cmp.Compare(a, b)) })
	parent := make([]int32, len(g.mask))
	area := make([]int, len(g.mask))
	peak := make([]int32, len(g.mask)) // brightest cell of each component (at its root)
	marked := make([]bool, len(g.mask))
	active := make([]bool, len(g.mask))
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	type seed struct {
		cell  int32
		level float32
	}
	var seeds []seed
	for _, c := range cells {
		parent[c], area[c], peak[c], active[c] = c, 1, c, true
		x, y := int(c)%g.w, int(c)/g.w
		for _, o := range neighbours8 {
			nb := int32((y+o[1])*g.w + x + o[0]) // inside: the grid has a background rim
			if !active[nb] {
				continue
			}
			ra, rb := find(c), find(nb)
			if ra == rb {
				continue
			}
			lo := min(val[peak[ra]], val[peak[rb]]) - bg
			if area[ra] >= minBody && area[rb] >= minBody && val[c]-bg < nucleiBridgeMaxRatio*lo {
				for _, r := range [2]int32{ra, rb} {
					if !marked[r] {
						seeds = append(seeds, seed{peak[r], val[c]})
						marked[r] = true
					}
				}
			}
			parent[rb] = ra
			area[ra] += area[rb]
			if val[peak[rb]] > val[peak[ra]] {
				peak[ra] = peak[rb]
			}
			marked[ra] = marked[ra] || marked[rb]
		}
	}
	if len(seeds) < 2 {
		return nil
	}
	// Each seed is its body above the level where it met another; a
	// watershed of the signal (brightest first) gives every other pixel to
	// the body it is reached from.
	part := make([]int32, len(g.mask))
	q := &floodQueue{}
	var order uint32
	push := func(c int32) {
		q.push(floodItem{key: floodKey(-val[c], order), idx: c})
		order++
	}
	var stack []int32
	for k, s := range seeds {
		id := int32(k + 1)
		part[s.cell] = id
		stack = append(stack[:0], s.cell)
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			push(c)
			x, y := int(c)%g.w, int(c)/g.w
			for _, o := range neighbours8 {
				nb := int32((y+o[1])*g.w + x + o[0])
				if g.mask[nb] && part[nb] == 0 && val[nb] > s.level {
					part[nb] = id
					stack = append(stack, nb)
				}
			}
		}
	}
	for len(*q) > 0 {
		c := q.pop().idx
		x, y := int(c)%g.w, int(c)/g.w
		for _, o := range neighbours8 {
			nb := int32((y+o[1])*g.w + x + o[0])
			if g.mask[nb] && part[nb] == 0 {
				part[nb] = part[c]
				push(nb)
			}
		}
	}
	out := make([][]int32, len(seeds))
	for c, p := range part {
		if p > 0 {
			out[p-1] = append(out[p-1], int32((g.y0+c/g.w)*w+g.x0+c%g.w))
		}
	}
	return out
}
