package morph

// Mask is the element type of a mask or label image: a pixel is
// foreground when it is not the zero value.
type Mask interface {
	bool | byte | int32
}

// LabelComponents labels the 8-connected components of the foreground of
// mask (w×h pixels), numbering them 1..n in raster order of their first
// pixel. It returns the label image (0 on background) and n.
func LabelComponents[M Mask](mask []M, w, h int) ([]int32, int) {
	return label(mask, w, h, offsets8[:])
}

// LabelComponents4 is LabelComponents with 4-connectivity.
func LabelComponents4[M Mask](mask []M, w, h int) ([]int32, int) {
	return label(mask, w, h, offsets4[:])
}

// Neighbour offsets (dx, dy) for 8- and 4-connectivity.
var (
	offsets8 = [8][2]int{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}}
	offsets4 = [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}}
)

// label floods each unlabelled foreground pixel's component in raster
// order, with the neighbours at the given offsets; labels do not depend on
// the order of the offsets.
func label[M Mask](mask []M, w, h int, offsets [][2]int) ([]int32, int) {
	var zero M
	lab := make([]int32, w*h)
	n := int32(0)
	stack := make([]int, 0, 256)
	for i := range mask {
		if mask[i] == zero || lab[i] != 0 {
			continue
		}
		n++
		lab[i] = n
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
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
					stack = append(stack, q)
				}
			}
		}
	}
	return lab, int(n)
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
	var stack, region []int
	for s := range mask {
		if mask[s] != zero || seen[s] {
			continue
		}
		seen[s] = true
		stack = append(stack[:0], s)
		region = region[:0]
		border := false
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(region) <= maxArea {
				region = append(region, p) // larger regions are only marked seen
			}
			x, y := p%w, p/w
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				border = true
			}
			for _, q := range Neighbours4(p, x, y, w, h) {
				if q >= 0 && mask[q] == zero && !seen[q] {
					seen[q] = true
					stack = append(stack, q)
				}
			}
		}
		if !border && len(region) <= maxArea {
			for _, p := range region {
				mask[p] = one
			}
		}
	}
}
