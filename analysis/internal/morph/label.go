package morph

import "sync"

// Mask is the element type of a mask or label image: a pixel is
// foreground when it is not the zero value.
type Mask interface {
	bool | byte | int32
}

// LabelComponents labels the 8-connected components of the foreground of
// mask (w×h pixels), numbering them 1..n in raster order of their first
// pixel. It returns the label image (0 on background) and n.
func LabelComponents[M Mask](mask []M, w, h int) ([]int32, int) {
	lab := make([]int32, w*h)
	return lab, label(lab, mask, w, h, true, false)
}

// LabelComponentsInto is LabelComponents writing the labels into lab
// (w·h values, overwritten), for callers that reuse a buffer; it returns n.
func LabelComponentsInto[M Mask](lab []int32, mask []M, w, h int) int {
	clear(lab)
	return label(lab, mask, w, h, true, false)
}

// LabelComponents4 is LabelComponents with 4-connectivity.
func LabelComponents4[M Mask](mask []M, w, h int) ([]int32, int) {
	lab := make([]int32, w*h)
	return lab, label(lab, mask, w, h, false, false)
}

// label labels the components of mask's foreground (its background when
// inv) into lab (all zero, w·h values), 8-connected when conn8 else
// 4-connected, numbered in raster order of each component's first pixel,
// and returns their number.
//
// Two raster passes (Rosenfeld & Pfaltz, J. ACM 13:471, 1966): the first
// gives each pixel the provisional label of an already-visited neighbour
// (left, and the row above), recording with a union-find forest which
// provisional labels touch; the second replaces each by its component's
// final number, handed out at the component's first pixel. Every pair of
// neighbours is seen once, from its later pixel, so the components are
// those of a flood fill; the passes read memory in order, with no stack.
func label[M Mask](lab []int32, mask []M, w, h int, conn8, inv bool) int {
	var zero M
	lp := labelPool.Get().(*[]int32)
	defer labelPool.Put(lp)
	parent := append((*lp)[:0], 0) // parent[0] unused: 0 is background
	defer func() {
		if cap(parent) <= poolMaxPixels {
			*lp = parent[:0]
		} else {
			*lp = nil
		}
	}()
	find := func(a int32) int32 {
		for parent[a] != a {
			parent[a] = parent[parent[a]] // path halving
			a = parent[a]
		}
		return a
	}
	// join merges the classes of a (0: none yet) and b, returning a label
	// of the merged class.
	join := func(a, b int32) int32 {
		if a == 0 || a == b {
			return b
		}
		ra, rb := find(a), find(b)
		if ra < rb {
			parent[rb] = ra
			return ra
		}
		parent[ra] = rb
		return rb
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if (mask[i] == zero) != inv {
				continue
			}
			var l int32
			if x > 0 && lab[i-1] != 0 {
				l = lab[i-1]
			}
			if y > 0 {
				if u := lab[i-w]; u != 0 {
					l = join(l, u)
				}
				if conn8 {
					if x > 0 && lab[i-w-1] != 0 {
						l = join(l, lab[i-w-1])
					}
					if x < w-1 && lab[i-w+1] != 0 {
						l = join(l, lab[i-w+1])
					}
				}
			}
			if l == 0 {
				l = int32(len(parent))
				parent = append(parent, l)
			}
			lab[i] = l
		}
	}
	// Final numbers, handed out per root at its component's first pixel.
	final := make([]int32, len(parent))
	n := int32(0)
	for i, l := range lab {
		if l == 0 {
			continue
		}
		r := find(l)
		if final[r] == 0 {
			n++
			final[r] = n
		}
		lab[i] = final[r]
	}
	return int(n)
}

// labelPool holds label's union-find forests (one int32 per provisional
// label, up to one per foreground pixel).
var labelPool = sync.Pool{New: func() any { return new([]int32) }}

// Neighbours4 returns the 4-neighbours of pixel p = (x, y) of a w×h
// image (left, right, up, down), -1 where they fall outside the image.
func Neighbours4(p, x, y, w, h int) [4]int {
	nb := [4]int{-1, -1, -1, -1}
	if x > 0 {
		nb[0] = p - 1
	}
	if x < w-1 {
		nb[1] = p + 1
	}
	if y > 0 {
		nb[2] = p - w
	}
	if y < h-1 {
		nb[3] = p + w
	}
	return nb
}

// FillHoles sets to foreground (1 or true) every 4-connected background
// region of mask that does not reach the image border and has at most
// maxArea pixels: pale centres and highlights inside an object. The area
// bound keeps large enclosed background, such as a square ringed by grid
// lines, from becoming one object.
func FillHoles[M bool | byte](mask []M, w, h, maxArea int) {
	var one M
	switch p := any(&one).(type) {
	case *bool:
		*p = true
	case *byte:
		*p = 1
	}
	bp := holePool.Get().(*[]int32)
	defer holePool.Put(bp)
	if cap(*bp) < w*h {
		*bp = make([]int32, w*h)
	}
	regions := (*bp)[:w*h]
	clear(regions)
	defer func() {
		if w*h > poolMaxPixels {
			*bp = nil // whole slides would pin a large buffer
		}
	}()
	n := label(regions, mask, w, h, false, true)
	if n == 0 {
		return
	}
	area := make([]int, n+1)
	for _, r := range regions {
		area[r]++
	}
	// Regions touching the border are not holes.
	open := func(r int32) { area[r] = maxArea + 1 }
	for x := 0; x < w; x++ {
		open(regions[x])
		open(regions[(h-1)*w+x])
	}
	for y := 0; y < h; y++ {
		open(regions[y*w])
		open(regions[y*w+w-1])
	}
	for i, r := range regions {
		if r > 0 && area[r] <= maxArea {
			mask[i] = one
		}
	}
}

// holePool holds FillHoles' region-label buffers.
var holePool = sync.Pool{New: func() any { return new([]int32) }}
