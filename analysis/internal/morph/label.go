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
	return lab, label(lab, mask, w, h, offsets8[:])
}

// LabelComponentsInto is LabelComponents writing the labels into lab
// (w·h values, overwritten), for callers that reuse a buffer; it returns n.
func LabelComponentsInto[M Mask](lab []int32, mask []M, w, h int) int {
	clear(lab)
	return label(lab, mask, w, h, offsets8[:])
}

// LabelComponents4 is LabelComponents with 4-connectivity.
func LabelComponents4[M Mask](mask []M, w, h int) ([]int32, int) {
	lab := make([]int32, w*h)
	return lab, label(lab, mask, w, h, offsets4[:])
}

// Neighbour offsets (dx, dy) for 8- and 4-connectivity.
var (
	offsets8 = [8][2]int{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}
	offsets4 = [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}}
)

// label floods each unlabelled foreground pixel's component in raster
// order into lab (all zero, w·h values), with the neighbours at the given
// offsets, and returns the number of components; labels do not depend on
// the order of the offsets.
func label[M Mask](lab []int32, mask []M, w, h int, offsets [][2]int) int {
	var zero M
	n := int32(0)
	stack := make([]int32, 0, 256)
	for i := range mask {
		if mask[i] == zero || lab[i] != 0 {
			continue
		}
		n++
		lab[i] = n
		stack = append(stack[:0], int32(i))
		for len(stack) > 0 {
			p := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			px, py := p%w, p/w
			for _, o := range offsets {
				x, y := px+o[0], py+o[1]
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				q := y*w + x
				if mask[q] != zero && lab[q] == 0 {
					lab[q] = n
					stack = append(stack, int32(q))
				}
			}
		}
	}
	return int(n)
}

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

// stackPool holds FillHoles' flood stack and region buffers.
var stackPool = sync.Pool{New: func() any { return new([2][]int32) }}

// FillHoles sets to foreground (1 or true) every 4-connected background
// region of mask that does not reach the image border and has at most
// maxArea pixels: pale centres and highlights inside an object. The area
// bound keeps large enclosed background, such as a square ringed by grid
// lines, from becoming one object.
func FillHoles[M bool | byte](mask []M, w, h, maxArea int) {
	var zero, one M
	switch p := any(&one).(type) {
	case *bool:
		*p = true
	case *byte:
		*p = 1
	}
	seen := make([]bool, w*h)
	// The flood stack of a background region spanning most of the image
	// grows to a sizeable fraction of it: int32 pixel indices, and a
	// buffer reused across calls (stack and region are emptied before use).
	sp := stackPool.Get().(*[2][]int32)
	defer stackPool.Put(sp)
	stack, region := sp[0], sp[1]
	defer func() {
		if cap(stack)+cap(region) <= poolMaxPixels {
			sp[0], sp[1] = stack[:0], region[:0]
		} else {
			sp[0], sp[1] = nil, nil
		}
	}()
	for s := range mask {
		if mask[s] != zero || seen[s] {
			continue
		}
		seen[s] = true
		stack = append(stack[:0], int32(s))
		region = region[:0]
		keep := true // still a hole candidate: no border contact, small enough
		for len(stack) > 0 {
			p := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := p%w, p/w
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				keep = false
			}
			if keep {
				// Regions that cannot be filled are only marked seen.
				region = append(region, int32(p))
				keep = len(region) <= maxArea
			}
			for _, q := range Neighbours4(p, x, y, w, h) {
				if q >= 0 && mask[q] == zero && !seen[q] {
					seen[q] = true
					stack = append(stack, int32(q))
				}
			}
		}
		if keep {
			for _, p := range region {
				mask[p] = one
			}
		}
	}
}
