package cells

import (
	"image"
	"math"
	"sort"
)

// splitOversized splits objects of lab (1..n) whose area exceeds
// ratio × the typical area and whose solidity (area ÷ convex-hull area)
// is below maxSolidity (clumpSplit.pieces): along a neck where the
// outline shows one, else, when the area alone says several nuclei, by
// k-means into round(area ÷ typical area) parts (at most maxParts).
// The typical area is the median object area, or with areaWeighted the
// area-weighted median (areaWeightedMedian): used on a bright body, where
// yolk granules and scraps of the body left by the top-hat
// (removeBrightBody) outnumber the nuclei and the plain median is theirs.
// Labels are renumbered in scan order. Returns the new count and how many
// of the new objects came from splitting.
func splitOversized(lab []int32, n, w int, ratio, maxSolidity float64, maxParts int, areaWeighted bool) (int, int) {
	if n == 0 {
		return 0, 0
	}
	pix := labelPixels(lab, n)
	areas := make([]int, 0, n)
	for l := 1; l <= n; l++ {
		if len(pix[l]) > 0 {
			areas = append(areas, len(pix[l]))
		}
	}
	if len(areas) < 3 {
		return n, 0
	}
	sort.Ints(areas)
	typ := float64(areas[len(areas)/2])
	if areaWeighted {
		typ = float64(areaWeightedMedian(areas))
	}
	rule := newClumpSplit(typ, ratio, maxSolidity)
	next := int32(n)
	split := 0
	for l := 1; l <= n; l++ {
		parts := rule.pieces(pix[l], w, maxParts)
		if len(parts) < 2 {
			continue
		}
		for _, i := range parts[0] {
			lab[i] = int32(l)
		}
		for _, p := range parts[1:] {
			next++
			for _, i := range p {
				lab[i] = next
			}
		}
		split += len(parts)
	}
	out := make([]int32, len(lab))
	m := relabelByArea(lab, out, int(next), 1)
	copy(lab, out)
	return m, split
}

// kmeansPixels partitions the pixels (row-major indices, image width w)
// into k groups by Lloyd's k-means on their coordinates, seeded evenly
// along the principal axis so the result is deterministic. Returns the
// group 0..k-1 of each pixel.
func kmeansPixels(pix []int32, w, k int) []int {
	mx, my, sxx, sxy, syy := pixelMoments(pix, w)
	// Major axis of the covariance ellipse.
	theta := 0.5 * math.Atan2(2*sxy, sxx-syy)
	ux, uy := math.Cos(theta), math.Sin(theta)
	proj := make([]float64, len(pix))
	for j, i := range pix {
		proj[j] = (float64(int(i)%w)-mx)*ux + (float64(int(i)/w)-my)*uy
	}
	sorted := append([]float64(nil), proj...)
	sort.Float64s(sorted)
	cx, cy := make([]float64, k), make([]float64, k)
	for c := 0; c < k; c++ {
		t := sorted[int((float64(c)+0.5)/float64(k)*float64(len(sorted)-1))]
		cx[c], cy[c] = mx+t*ux, my+t*uy
	}
	assign := make([]int, len(pix))
	sx, sy, cnt := make([]float64, k), make([]float64, k), make([]float64, k)
	for iter := 0; iter < 20; iter++ {
		changed := false
		for j, i := range pix {
			x, y := float64(int(i)%w), float64(int(i)/w)
			best, bd := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				if d := (x-cx[c])*(x-cx[c]) + (y-cy[c])*(y-cy[c]); d < bd {
					best, bd = c, d
				}
			}
			if assign[j] != best || iter == 0 {
				changed = changed || assign[j] != best
				assign[j] = best
			}
		}
		if !changed && iter > 0 {
			break
		}
		for c := range sx {
			sx[c], sy[c], cnt[c] = 0, 0, 0
		}
		for j, i := range pix {
			c := assign[j]
			sx[c] += float64(int(i) % w)
			sy[c] += float64(int(i) / w)
			cnt[c]++
		}
		for c := 0; c < k; c++ {
			if cnt[c] > 0 {
				cx[c], cy[c] = sx[c]/cnt[c], sy[c]/cnt[c]
			}
		}
	}
	return assign
}

// solidity is the pixel count of an object divided by the area of the
// convex hull of its pixel squares (hull of centres grown by half a pixel).
func solidity(pix []int32, w int) float64 { return hullSolidity(len(pix), pixelHull(pix, w)) }

// pixelHull is the convex hull of the pixel centres of pix (row-major
// indices, image width w), counter-clockwise.
func pixelHull(pix []int32, w int) [][2]float64 {
	pts := make([][2]float64, len(pix))
	for j, i := range pix {
		pts[j] = [2]float64{float64(int(i) % w), float64(int(i) / w)}
	}
	return convexHull(pts)
}

// hullSolidity is n pixels divided by the area of hull (of their centres)
// grown by half a pixel.
func hullSolidity(n int, hull [][2]float64) float64 {
	var area, perim float64
	for j := range hull {
		a, b := hull[j], hull[(j+1)%len(hull)]
		area += a[0]*b[1] - b[0]*a[1]
		perim += math.Hypot(b[0]-a[0], b[1]-a[1])
	}
	hullArea := math.Abs(area)/2 + perim/2 + 1
	return float64(n) / hullArea
}

// convexHull returns the convex hull of pts, counter-clockwise (Andrew's
// monotone chain).
func convexHull(pts [][2]float64) [][2]float64 {
	sort.Slice(pts, func(i, j int) bool {
		if pts[i][0] != pts[j][0] {
			return pts[i][0] < pts[j][0]
		}
		return pts[i][1] < pts[j][1]
	})
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	var hull [][2]float64
	for _, p := range pts {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	lower := len(hull) + 1
	for i := len(pts) - 2; i >= 0; i-- {
		p := pts[i]
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	return hull[:len(hull)-1]
}

// dropLowContrast removes objects whose mean signal exceeds the median
// of their surroundings (bounding box grown by margin px, other
// pixels only) by less than minContrast, or by less than wholeMinContrast
// for objects of at least wholeArea px: pieces of cytoplasm and texture
// are no brighter than their neighbourhood, nuclei are, and an object
// the size of a whole nucleus is one even when dim. Returns the new count
// after renumbering in scan order.
func dropLowContrast(lab []int32, n int, sm []float32, w, h, margin int, minContrast float32, wholeArea float64, wholeMinContrast float32) int {
	if n == 0 {
		return 0
	}
	type box struct{ x0, y0, x1, y1 int }
	boxes := make([]box, n+1)
	sum := make([]float64, n+1)
	cnt := make([]float64, n+1)
	for i := range boxes {
		boxes[i] = box{w, h, -1, -1}
	}
	for i, l := range lab {
		if l <= 0 {
			continue
		}
		x, y := i%w, i/w
		b := &boxes[l]
		b.x0, b.y0, b.x1, b.y1 = min(b.x0, x), min(b.y0, y), max(b.x1, x), max(b.y1, y)
		sum[l] += float64(sm[i])
		cnt[l]++
	}
	var ring []float64
	for l := 1; l <= n; l++ {
		if cnt[l] == 0 {
			continue
		}
		b := boxes[l]
		ring = ring[:0]
		for y := max(0, b.y0-margin); y <= min(h-1, b.y1+margin); y++ {
			for x := max(0, b.x0-margin); x <= min(w-1, b.x1+margin); x++ {
				if i := y*w + x; lab[i] != int32(l) {
					ring = append(ring, float64(sm[i]))
				}
			}
		}
		if len(ring) == 0 {
			continue
		}
		need := minContrast
		if cnt[l] >= wholeArea {
			need = min(need, wholeMinContrast)
		}
		if float32(sum[l]/cnt[l]-percentile(ring, 0.5)) < need {
			cnt[l] = 0 // mark for removal
		}
	}
	for i, l := range lab {
		if l > 0 && cnt[l] == 0 {
			lab[i] = 0
		}
	}
	out := make([]int32, len(lab))
	m := relabelByArea(lab, out, n, 1)
	copy(lab, out)
	return m
}

// neckMerge holds mergeShallowNecks' thresholds (ratios, and areas in px).
type neckMerge struct {
	minNeck, minSeam                 float64
	maxSingleArea, minSingleSolidity float64
	minWholeArea, maxDimRatio        float64
}

// mergeShallowNecks merges neighbouring watershed regions of ws (labels
// 1..n) that the shape and the signal both say are one nucleus, and
// returns the new count (labels renumbered 1..m in scan order).
//
// For two touching regions a and b:
//
//   - shape: the neck ratio s = saddle of the foreground distance
//     transform dist on their common border ÷ the smaller of their two
//     peaks (largest inscribed radii). Two round nuclei of radius r whose
//     centres are 1.7 r apart meet at a neck of half-width 0.53 r (s ≈
//     0.53); at 1.4 r apart s ≈ 0.71. A lobed, bean-shaped or textured
//     single nucleus has no neck: s ≥ 0.8.
//   - signal: the seam ratio i = (highest signal on the border − bg) ÷
//     (the dimmer region's peak − bg), on the signal smoothed by 1 px. A
//     dark seam along the whole border between two nuclei gives i well
//     below 1; chromatin texture leaves some bright path across it.
//
// Regions merge when s ≥ rule.minNeck and i ≥ rule.minSeam: only when neither a
// neck nor a dark seam separates them. Measured: textured and lobed single
// nuclei split by their cores have s ≥ 0.97 (i 0.7–0.96); two ellipses
// side by side at 1.7 minor semi-axes have s 0.80–0.86. Ratios are
// scale-free, so the rule holds from 5 to 40 px nuclei.
//
// Without a neck, a dark seam does not keep apart two regions whose union
// is convex (solidity at least rule.minSingleSolidity) and no larger than
// rule.maxSingleArea px (one large nucleus of this image): a fold, a cleft
// or coarse chromatin leave a dark line across one nucleus, while two
// nuclei pressed together leave a notch at each end of their seam or
// make an object too large for one.
//
// Nor do two regions merge when each covers at least rule.minWholeArea px
// and the dimmer one's peak (above bg) is below rule.maxDimRatio × the
// brighter one's: a dim nucleus pressed against a bright one, without
// neck or seam between them. Texture and folds split a nucleus into
// pieces of about the same brightness.
func mergeShallowNecks(ws []int32, n int, dist, smooth []float32, bg float32, w, h int, rule neckMerge) int {
	if n < 2 {
		return n
	}
	peakS := make([]float32, n+1)
	peakI := make([]float32, n+1)
	area := make([]float64, n+1)
	for i := range peakI {
		peakI[i] = float32(math.Inf(-1))
	}
	for i, l := range ws {
		if l > 0 {
			peakS[l] = max(peakS[l], dist[i])
			peakI[l] = max(peakI[l], smooth[i])
			area[l]++
		}
	}
	type edge struct{ a, b int32 }
	saddleS := map[edge]float32{}
	saddleI := map[edge]float32{}
	note := func(i, j int) {
		a, b := ws[i], ws[j]
		if a <= 0 || b <= 0 || a == b {
			return
		}
		if a > b {
			a, b = b, a
		}
		e := edge{a, b}
		if v := min(dist[i], dist[j]); v > saddleS[e] {
			saddleS[e] = v
		}
		if v, ok := saddleI[e]; !ok || min(smooth[i], smooth[j]) > v {
			saddleI[e] = min(smooth[i], smooth[j])
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if x+1 < w {
				note(i, i+1)
			}
			if y+1 < h {
				note(i, i+w)
			}
		}
	}
	type cand struct {
		e     edge
		ratio float64
	}
	var cands []cand
	for e, s := range saddleS {
		if m := min(peakS[e.a], peakS[e.b]); m > 0 {
			cands = append(cands, cand{e, float64(s / m)})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].ratio != cands[j].ratio {
			return cands[i].ratio > cands[j].ratio
		}
		if cands[i].e.a != cands[j].e.a {
			return cands[i].e.a < cands[j].e.a
		}
		return cands[i].e.b < cands[j].e.b
	})
	parent := newForest[int32](n)
	find := parent.find
	var pixOf [][]int32 // each region's pixels, gathered on first need
	convexUnion := func(a, b int32) bool {
		if pixOf == nil {
			pixOf = make([][]int32, n+1)
			for i, l := range ws {
				if l > 0 {
					pixOf[find(l)] = append(pixOf[find(l)], int32(i))
				}
			}
		}
		return solidity(append(append([]int32(nil), pixOf[a]...), pixOf[b]...), w) >= rule.minSingleSolidity
	}
	merged := false
	for _, c := range cands {
		if c.ratio < rule.minNeck {
			break
		}
		ra, rb := find(c.e.a), find(c.e.b)
		if ra == rb {
			continue
		}
		if float64(saddleS[c.e]/min(peakS[ra], peakS[rb])) < rule.minNeck {
			continue
		}
		lo := min(peakI[ra], peakI[rb]) - bg
		if hi := max(peakI[ra], peakI[rb]) - bg; float64(lo) < rule.maxDimRatio*float64(hi) && min(area[ra], area[rb]) >= rule.minWholeArea {
			continue
		}
		seam := lo <= 0 || float64((saddleI[c.e]-bg)/lo) < rule.minSeam
		if seam && (area[ra]+area[rb] > rule.maxSingleArea || !convexUnion(ra, rb)) {
			continue
		}
		parent[rb] = ra
		area[ra] += area[rb]
		if pixOf != nil {
			pixOf[ra] = append(pixOf[ra], pixOf[rb]...)
		}
		peakS[ra] = max(peakS[ra], peakS[rb])
		peakI[ra] = max(peakI[ra], peakI[rb])
		merged = true
	}
	if !merged {
		return n
	}
	for i, l := range ws {
		if l > 0 {
			ws[i] = find(l)
		}
	}
	out := make([]int32, len(ws))
	m := relabelByArea(ws, out, n, 1)
	copy(ws, out)
	return m
}

// dropSmallRelative removes objects smaller than frac × the image's
// typical nucleus area and returns the new count (renumbered in scan
// order). The typical area is the area-weighted median: the size of the
// object that holds the median foreground pixel, so a crowd of specks
// (debris, dust, texture) barely moves it while it still follows the
// magnification of each image.
func dropSmallRelative(lab []int32, n int, frac float64) int {
	if n < 3 || frac <= 0 {
		return n
	}
	area := make([]int, n+1)
	for _, l := range lab {
		if l > 0 {
			area[l]++
		}
	}
	typ := areaWeightedMedian(area[1:])
	out := make([]int32, len(lab))
	for i, l := range lab {
		if l > 0 && float64(area[l]) < frac*float64(typ) {
			lab[i] = 0
		}
	}
	m := relabelByArea(lab, out, n, 1)
	copy(lab, out)
	return m
}

// areaWeightedMedian returns the area of the object that holds the median
// pixel when objects are sorted by area (0 for none).
func areaWeightedMedian(areas []int) int {
	sorted := append([]int(nil), areas...)
	sort.Ints(sorted)
	total := 0
	for _, a := range sorted {
		total += a
	}
	acc := 0
	for _, a := range sorted {
		if acc += a; 2*acc >= total && a > 0 {
			return a
		}
	}
	return 0
}

// groupFragments handles the specks of a fluorescence image: objects not
// touching the border (w×h) whose area is below frac × π·r², r being the
// typical nucleus' inscribed radius (typicalInscribedRadius). Specks whose
// centres lie within one typical diameter (2r) of each other are the
// fragments of one cell (apoptotic bodies, condensed chromosomes) and
// become one object when together they reach that area; the rest (debris)
// are dropped. Returns the new count, renumbered in scan order.
func groupFragments(lab []int32, n, w, h int, frac float64) int {
	if n < 3 || frac <= 0 {
		return n
	}
	area := make([]int, n+1)
	border := make([]bool, n+1)
	cx, cy := make([]float64, n+1), make([]float64, n+1)
	for i, l := range lab {
		if l > 0 {
			x, y := i%w, i/w
			area[l]++
			cx[l] += float64(x)
			cy[l] += float64(y)
			border[l] = border[l] || x == 0 || y == 0 || x == w-1 || y == h-1
		}
	}
	r := typicalInscribedRadius(lab, area, n, w, h)
	minArea, reach := frac*math.Pi*r*r, 2*r
	var specks []int32
	parent := newForest[int32](n)
	for l := 1; l <= n; l++ {
		if area[l] > 0 && !border[l] && float64(area[l]) < minArea {
			cx[l] /= float64(area[l])
			cy[l] /= float64(area[l])
			specks = append(specks, int32(l))
		}
	}
	find := parent.find
	for i, a := range specks {
		for _, b := range specks[i+1:] {
			if math.Hypot(cx[a]-cx[b], cy[a]-cy[b]) <= reach {
				if ra, rb := find(a), find(b); ra != rb {
					parent[max(ra, rb)] = min(ra, rb)
				}
			}
		}
	}
	groupArea := make([]int, n+1)
	for _, l := range specks {
		groupArea[find(l)] += area[l]
	}
	keep := make([]int32, n+1) // label each speck pixel becomes; 0 drops it
	for l := 1; l <= n; l++ {
		keep[l] = int32(l)
	}
	for _, l := range specks {
		if root := find(l); float64(groupArea[root]) >= minArea {
			keep[l] = root
		} else {
			keep[l] = 0
		}
	}
	for i, l := range lab {
		if l > 0 {
			lab[i] = keep[l]
		}
	}
	out := make([]int32, len(lab))
	m := relabelByArea(lab, out, n, 1)
	copy(lab, out)
	return m
}

// typicalInscribedRadius returns the area-weighted median over objects of
// their largest inscribed radius (px; the distance transform of each
// object's own pixels): specks weigh little, and a clump not yet split has
// the inscribed radius of one of its nuclei, so neither moves it.
func typicalInscribedRadius(lab []int32, area []int, n, w, h int) float64 {
	peak := inscribedRadii(lab, n, w, h)
	order := make([]int, 0, n)
	total := 0
	for l := 1; l <= n; l++ {
		if area[l] > 0 {
			order = append(order, l)
			total += area[l]
		}
	}
	sort.Slice(order, func(a, b int) bool { return peak[order[a]] < peak[order[b]] })
	acc := 0
	for _, l := range order {
		if acc += area[l]; 2*acc >= total {
			return peak[l]
		}
	}
	return 0
}

// inscribedRadii returns each object's largest inscribed radius (index
// label 1..n of lab, px): the distance transform of its own pixels (its
// 4-connected outline cleared, so that touching objects bound each other)
// plus one, computed over the object's bounding box only.
func inscribedRadii(lab []int32, n, w, h int) []float64 {
	own := ownPixels(lab, w, h)
	boxes := make([]image.Rectangle, n+1)
	for i, l := range lab {
		if l > 0 {
			x, y := i%w, i/w
			boxes[l] = boxes[l].Union(image.Rect(x, y, x+1, y+1))
		}
	}
	boxPixels := 0
	for _, b := range boxes {
		boxPixels += b.Dx() * b.Dy()
	}
	var whole []float32
	if boxPixels > len(lab) { // boxes overlap a lot: one transform is cheaper
		whole = edt(own, w, h)
	}
	peak := make([]float64, n+1)
	var win []bool
	for l := 1; l <= n; l++ {
		b := boxes[l]
		if b.Empty() {
			continue
		}
		// The distance transform over the object's bounding box equals the
		// whole image's on the object: from an inner pixel, its own row or
		// column reaches a cleared outline pixel inside the box before any
		// pixel outside it, and the box's edge is the image's where the
		// object touches it.
		dist, bw, x0, y0 := whole, w, 0, 0
		if whole == nil {
			bw, x0, y0 = b.Dx(), b.Min.X, b.Min.Y
			win = win[:0]
			for y := b.Min.Y; y < b.Max.Y; y++ {
				win = append(win, own[y*w+b.Min.X:y*w+b.Max.X]...)
			}
			dist = edt(win, bw, b.Dy())
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if lab[y*w+x] == int32(l) {
					// +1: each object's outline was cleared so that touching objects bound each other.
					peak[l] = max(peak[l], float64(dist[(y-y0)*bw+x-x0])+1)
				}
			}
		}
	}
	return peak
}

// ownPixels marks the pixels of lab's objects whose 4-neighbours (inside
// the image) all carry the same label: the objects with their outlines
// cleared, so that touching objects bound each other's distance transform.
func ownPixels(lab []int32, w, h int) []bool {
	own := make([]bool, len(lab))
	for i, l := range lab {
		if l <= 0 {
			continue
		}
		x, y := i%w, i/w
		own[i] = (x == 0 || lab[i-1] == l) && (x == w-1 || lab[i+1] == l) &&
			(y == 0 || lab[i-w] == l) && (y == h-1 || lab[i+w] == l)
	}
	return own
}

// labelPixels lists each label's pixel indices (scan order) for labels
// 1..n of lab; index 0 is unused.
func labelPixels(lab []int32, n int) [][]int32 {
	pix := make([][]int32, n+1)
	for i, l := range lab {
		if l > 0 {
			pix[l] = append(pix[l], int32(i))
		}
	}
	return pix
}

// pixelMoments returns the centroid of the pixels pix (row-major indices,
// image width w) and the sums of their squared and cross deviations from
// it. pix must not be empty.
func pixelMoments(pix []int32, w int) (mx, my, sxx, sxy, syy float64) {
	n := float64(len(pix))
	for _, i := range pix {
		mx += float64(int(i) % w)
		my += float64(int(i) / w)
	}
	mx, my = mx/n, my/n
	for _, i := range pix {
		dx, dy := float64(int(i)%w)-mx, float64(int(i)/w)-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	return mx, my, sxx, sxy, syy
}
