package morph

import (
	"math"
	"math/rand"
	"slices"
	"testing"
)

// grid turns rows of '#' (foreground) and '.' into a 0/1 mask.
func grid(rows ...string) ([]byte, int, int) {
	w, h := len(rows[0]), len(rows)
	m := make([]byte, w*h)
	for y, r := range rows {
		for x, c := range r {
			if c == '#' {
				m[y*w+x] = 1
			}
		}
	}
	return m, w, h
}

func TestLabelComponents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rows  []string
		want8 []int32
		n8    int
		want4 []int32
		n4    int
	}{
		{
			name:  "empty",
			rows:  []string{"...", "..."},
			want8: []int32{0, 0, 0, 0, 0, 0}, n8: 0,
			want4: []int32{0, 0, 0, 0, 0, 0}, n4: 0,
		},
		{
			// A diagonal joins under 8- but not 4-connectivity.
			name:  "diagonal",
			rows:  []string{"#..", ".#.", "..#"},
			want8: []int32{1, 0, 0, 0, 1, 0, 0, 0, 1}, n8: 1,
			want4: []int32{1, 0, 0, 0, 2, 0, 0, 0, 3}, n4: 3,
		},
		{
			// Numbered in raster order of the first pixel: the right-hand
			// object starts on row 0, so it is 1 although it reaches
			// further down.
			name: "raster order",
			rows: []string{
				"..##",
				"#..#",
				"#..#",
			},
			want8: []int32{0, 0, 1, 1, 2, 0, 0, 1, 2, 0, 0, 1}, n8: 2,
			want4: []int32{0, 0, 1, 1, 2, 0, 0, 1, 2, 0, 0, 1}, n4: 2,
		},
		{
			// A U shape is one object whose arms start separately.
			name: "U",
			rows: []string{
				"#.#",
				"#.#",
				"###",
			},
			want8: []int32{1, 0, 1, 1, 0, 1, 1, 1, 1}, n8: 1,
			want4: []int32{1, 0, 1, 1, 0, 1, 1, 1, 1}, n4: 1,
		},
	} {
		m, w, h := grid(tc.rows...)
		lab, n := LabelComponents(m, w, h)
		if n != tc.n8 || !slices.Equal(lab, tc.want8) {
			t.Errorf("%s: LabelComponents = %v, %d; want %v, %d", tc.name, lab, n, tc.want8, tc.n8)
		}
		lab, n = LabelComponents4(m, w, h)
		if n != tc.n4 || !slices.Equal(lab, tc.want4) {
			t.Errorf("%s: LabelComponents4 = %v, %d; want %v, %d", tc.name, lab, n, tc.want4, tc.n4)
		}
		// The bool and int32 forms agree with the byte form.
		b := make([]bool, len(m))
		l := make([]int32, len(m))
		for i, v := range m {
			b[i] = v != 0
			l[i] = int32(v) * 7 // any non-zero label is foreground
		}
		if lab, n := LabelComponents(b, w, h); n != tc.n8 || !slices.Equal(lab, tc.want8) {
			t.Errorf("%s: bool LabelComponents = %v, %d", tc.name, lab, n)
		}
		if lab, n := LabelComponents(l, w, h); n != tc.n8 || !slices.Equal(lab, tc.want8) {
			t.Errorf("%s: int32 LabelComponents = %v, %d", tc.name, lab, n)
		}
		// A reused buffer holding stale labels gives the same result.
		into := make([]int32, len(m))
		for i := range into {
			into[i] = int32(i + 3)
		}
		if n := LabelComponentsInto(into, m, w, h); n != tc.n8 || !slices.Equal(into, tc.want8) {
			t.Errorf("%s: LabelComponentsInto = %v, %d", tc.name, into, n)
		}
	}
}

func TestFillHoles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rows    []string
		maxArea int
		want    []string
	}{
		{
			name:    "one-pixel hole",
			rows:    []string{"#####", "#.#.#", "#####"},
			maxArea: 1,
			want:    []string{"#####", "#####", "#####"},
		},
		{
			// The hole has 2 pixels: above the limit of 1, kept.
			name:    "hole above limit",
			rows:    []string{"####", "#..#", "####"},
			maxArea: 1,
			want:    []string{"####", "#..#", "####"},
		},
		{
			name:    "hole at limit",
			rows:    []string{"####", "#..#", "####"},
			maxArea: 2,
			want:    []string{"####", "####", "####"},
		},
		{
			// Background reaching the border is never a hole.
			name:    "open to border",
			rows:    []string{"###", "#..", "###"},
			maxArea: 10,
			want:    []string{"###", "#..", "###"},
		},
		{
			// Diagonal gaps do not connect background (4-connectivity),
			// so the centre is a hole of the 8-connected ring.
			name:    "diagonal ring",
			rows:    []string{".#.", "#.#", ".#."},
			maxArea: 1,
			want:    []string{".#.", "###", ".#."},
		},
	} {
		m, w, h := grid(tc.rows...)
		want, _, _ := grid(tc.want...)
		FillHoles(m, w, h, tc.maxArea)
		if !slices.Equal(m, want) {
			t.Errorf("%s: got %v want %v", tc.name, m, want)
		}
		mb, _, _ := grid(tc.rows...)
		b := make([]bool, len(mb))
		for i, v := range mb {
			b[i] = v != 0
		}
		FillHoles(b, w, h, tc.maxArea)
		for i := range b {
			if b[i] != (want[i] != 0) {
				t.Errorf("%s: bool form differs at %d", tc.name, i)
				break
			}
		}
	}
}

func TestDistanceToBackground(t *testing.T) {
	s2 := float32(math.Sqrt2)
	for _, tc := range []struct {
		name   string
		rows   []string
		border Border
		want   []float32
	}{
		{
			name:   "single background pixel, open border",
			rows:   []string{"###", "#.#", "###"},
			border: BorderIsOpen,
			want:   []float32{s2, 1, s2, 1, 0, 1, s2, 1, s2},
		},
		{
			// Outside the image is one step past the edge pixels.
			name:   "single background pixel, background border",
			rows:   []string{"###", "#.#", "###"},
			border: BorderIsBackground,
			want:   []float32{1, 1, 1, 1, 0, 1, 1, 1, 1},
		},
		{
			name:   "row",
			rows:   []string{"#####"},
			border: BorderIsBackground,
			want:   []float32{1, 1, 1, 1, 1},
		},
		{
			name:   "bar, open border",
			rows:   []string{".####"},
			border: BorderIsOpen,
			want:   []float32{0, 1, 2, 3, 4},
		},
		{
			name:   "knight's move",
			rows:   []string{"...", "###", "###", "###"},
			border: BorderIsOpen,
			want:   []float32{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3},
		},
	} {
		m, w, h := grid(tc.rows...)
		got := DistanceToBackground(m, w, h, tc.border)
		for i := range got {
			if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
				t.Errorf("%s: got %v want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

// bruteDistance is the definition: the nearest background pixel by
// exhaustive search (and the outside ring when border).
func bruteDistance(mask []byte, w, h int, border Border) []float64 {
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if mask[y*w+x] == 0 {
				continue
			}
			best := math.Inf(1)
			if border {
				best = float64(min(x+1, y+1, w-x, h-y))
			}
			for yy := 0; yy < h; yy++ {
				for xx := 0; xx < w; xx++ {
					if mask[yy*w+xx] == 0 {
						best = math.Min(best, math.Hypot(float64(x-xx), float64(y-yy)))
					}
				}
			}
			out[y*w+x] = best
		}
	}
	return out
}

// checkDistance compares DistanceToBackground with brute force on one
// mask; an all-foreground mask with an open border has no finite answer
// and is skipped.
func checkDistance(t *testing.T, mask []byte, w, h int, border Border) {
	t.Helper()
	want := bruteDistance(mask, w, h, border)
	got := DistanceToBackground(mask, w, h, border)
	gotB := DistanceToBackground(toBool(mask), w, h, border)
	for i := range want {
		if math.IsInf(want[i], 1) {
			return
		}
	}
	for i := range want {
		// float32 output: relative rounding of about 6e-8.
		if math.Abs(float64(got[i])-want[i]) > 1e-5*(1+want[i]) || got[i] != gotB[i] {
			t.Fatalf("%dx%d border=%v at (%d,%d): got %v (bool %v) want %v",
				w, h, border, i%w, i/w, got[i], gotB[i], want[i])
		}
	}
}

func toBool(m []byte) []bool {
	b := make([]bool, len(m))
	for i, v := range m {
		b[i] = v != 0
	}
	return b
}

// TestDistanceToBackgroundBrute checks random masks of varied density
// against the definition.
func TestDistanceToBackgroundBrute(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 200; trial++ {
		w, h := 1+rng.Intn(25), 1+rng.Intn(25)
		p := []float64{0.5, 0.9, 0.99}[trial%3]
		mask := make([]byte, w*h)
		for i := range mask {
			if rng.Float64() < p {
				mask[i] = 1
			}
		}
		checkDistance(t, mask, w, h, Border(trial%2 == 0))
	}
}

// FuzzDistanceToBackground: any mask, any shape, both borders.
func FuzzDistanceToBackground(f *testing.F) {
	f.Add(uint8(3), []byte{1, 1, 1, 1, 0, 1, 1, 1, 1}, true)
	f.Add(uint8(5), []byte{0, 1, 1, 1, 1}, false)
	f.Fuzz(func(t *testing.T, w8 uint8, data []byte, border bool) {
		w := int(w8%32) + 1
		if len(data) < w || len(data) > 32*32 {
			return
		}
		h := len(data) / w
		mask := data[:w*h]
		checkDistance(t, mask, w, h, Border(border))
	})
}

func TestNeighbours4(t *testing.T) {
	const w, h = 3, 2
	for _, tc := range []struct {
		x, y int
		want [4]int
	}{
		{0, 0, [4]int{-1, 1, -1, 3}},
		{1, 0, [4]int{0, 2, -1, 4}},
		{2, 1, [4]int{4, -1, 2, -1}},
	} {
		if got := Neighbours4(tc.y*w+tc.x, tc.x, tc.y, w, h); got != tc.want {
			t.Errorf("(%d,%d): got %v want %v", tc.x, tc.y, got, tc.want)
		}
	}
}

// parabolaDistance is DistanceToBackground with the column pass done by
// the parabola method down each column, as before columnDistances: the
// reference the raster sweeps must match bit for bit.
func parabolaDistance(mask []byte, w, h int, border Border) []float32 {
	n := max(w, h) + 2
	f, d := make([]float64, n), make([]float64, n)
	v, z := make([]int, n), make([]float64, n+1)
	off := 0
	if border {
		off = 1
	}
	sq := make([]float64, w*h)
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			f[y+off] = far
			if mask[y*w+x] == 0 {
				f[y+off] = 0
			}
		}
		transformLine(f, d, v, z, h, border)
		for y := 0; y < h; y++ {
			sq[y*w+x] = d[y+off]
		}
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		copy(f[off:off+w], sq[y*w:(y+1)*w])
		transformLine(f, d, v, z, w, border)
		for x := 0; x < w; x++ {
			out[y*w+x] = float32(math.Sqrt(d[x+off]))
		}
	}
	return out
}

// TestDistanceToBackgroundMatchesParabolaColumns: the raster column sweeps
// give exactly the parabola method's distances, on random masks of every
// density (columns and whole images without background included) and
// both borders.
func TestDistanceToBackgroundMatchesParabolaColumns(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for trial := 0; trial < 400; trial++ {
		w, h := 1+rng.Intn(70), 1+rng.Intn(70)
		p := []float64{0, 0.5, 0.9, 0.99, 1}[trial%5]
		mask := make([]byte, w*h)
		for i := range mask {
			if rng.Float64() < p {
				mask[i] = 1
			}
		}
		border := Border(trial%2 == 0)
		want := parabolaDistance(mask, w, h, border)
		got := DistanceToBackground(mask, w, h, border)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%dx%d p=%v border=%v at (%d,%d): got %v want %v", w, h, p, border, i%w, i/w, got[i], want[i])
			}
		}
	}
}

// floodLabel is the labelling from its definition: a flood fill from each
// unlabelled foreground pixel in raster order, numbering components 1..n
// as they are met (the implementation before the two-pass labeller).
func floodLabel(mask []byte, w, h int, conn8 bool) ([]int32, int) {
	lab := make([]int32, w*h)
	n := int32(0)
	for s := range mask {
		if mask[s] == 0 || lab[s] != 0 {
			continue
		}
		n++
		lab[s] = n
		stack := []int{s}
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					x, y := p%w+dx, p/w+dy
					if (dx == 0 && dy == 0) || !conn8 && dx != 0 && dy != 0 || x < 0 || y < 0 || x >= w || y >= h {
						continue
					}
					if q := y*w + x; mask[q] != 0 && lab[q] == 0 {
						lab[q] = n
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return lab, int(n)
}

// TestLabelComponentsMatchesFlood: random masks of every density (spirals
// and U shapes arise at 0.5–0.7, which join provisional labels late), both
// connectivities, byte, bool and int32 masks, and a reused buffer.
func TestLabelComponentsMatchesFlood(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	buf := make([]int32, 0)
	for trial := 0; trial < 600; trial++ {
		w, h := 1+rng.Intn(60), 1+rng.Intn(60)
		p := []float64{0, 0.3, 0.5, 0.6, 0.7, 0.9, 1}[trial%7]
		mask := make([]byte, w*h)
		asInt := make([]int32, w*h)
		for i := range mask {
			if rng.Float64() < p {
				mask[i] = 1
				asInt[i] = int32(1 + rng.Intn(3))
			}
		}
		for _, conn8 := range []bool{true, false} {
			want, wn := floodLabel(mask, w, h, conn8)
			var got []int32
			var n int
			if conn8 {
				got, n = LabelComponents(mask, w, h)
				gb, nb := LabelComponents(toBool(mask), w, h)
				gi, ni := LabelComponents(asInt, w, h)
				buf = append(buf[:0], make([]int32, w*h)...)
				for i := range buf {
					buf[i] = 7 // stale contents must be cleared
				}
				nInto := LabelComponentsInto(buf, mask, w, h)
				if !slices.Equal(gb, got) || !slices.Equal(gi, got) || !slices.Equal(buf, got) || nb != n || ni != n || nInto != n {
					t.Fatalf("trial %d: bool/int32/Into forms differ", trial)
				}
			} else {
				got, n = LabelComponents4(mask, w, h)
			}
			if n != wn || !slices.Equal(got, want) {
				t.Fatalf("trial %d %dx%d p=%v conn8=%v: n %d want %d\ngot  %v\nwant %v", trial, w, h, p, conn8, n, wn, got, want)
			}
		}
	}
}

// floodFillHoles is FillHoles from its definition: flood each background
// region (4-connected) and fill it when it misses the border and has at
// most maxArea pixels.
func floodFillHoles(mask []byte, w, h, maxArea int) {
	inv := make([]byte, len(mask))
	for i, v := range mask {
		inv[i] = 1 - min(v, 1)
	}
	regions, n := floodLabel(inv, w, h, false)
	area := make([]int, n+1)
	border := make([]bool, n+1)
	for i, r := range regions {
		area[r]++
		x, y := i%w, i/w
		border[r] = border[r] || x == 0 || y == 0 || x == w-1 || y == h-1
	}
	for i, r := range regions {
		if r > 0 && !border[r] && area[r] <= maxArea {
			mask[i] = 1
		}
	}
}

// TestFillHolesMatchesFlood: random masks, area bounds from 0 to
// unbounded, byte and bool masks.
func TestFillHolesMatchesFlood(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := 0; trial < 600; trial++ {
		w, h := 1+rng.Intn(50), 1+rng.Intn(50)
		p := []float64{0, 0.4, 0.6, 0.75, 0.9, 1}[trial%6]
		mask := make([]byte, w*h)
		for i := range mask {
			if rng.Float64() < p {
				mask[i] = 1
			}
		}
		maxArea := []int{0, 1, 3, 10, w * h}[rng.Intn(5)]
		want := slices.Clone(mask)
		floodFillHoles(want, w, h, maxArea)
		got := slices.Clone(mask)
		FillHoles(got, w, h, maxArea)
		gotB := toBool(mask)
		FillHoles(gotB, w, h, maxArea)
		if !slices.Equal(got, want) || !slices.Equal(gotB, toBool(want)) {
			t.Fatalf("trial %d %dx%d maxArea %d: got %v want %v", trial, w, h, maxArea, got, want)
		}
	}
}
