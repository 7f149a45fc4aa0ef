package dermis

import "testing"

// TestMinFilterDropsFibres: the silver ground (minFilter) keeps a sheet
// wider than the filter, drops a fibre narrower than it, and ignores
// pixels outside the mask (glass would otherwise pull the sheet's edge
// to zero).
func TestMinFilterDropsFibres(t *testing.T) {
	const w, h = 40, 40
	p := newPlane(w, h)
	m := make([]bool, w*h)
	for i := range p.v {
		p.v[i], m[i] = 0.2, true
	}
	for y := 0; y < h; y++ {
		p.v[y*w+5] = 1 // a fibre one pixel wide
	}
	for y := 10; y < 30; y++ {
		for x := 20; x < 30; x++ {
			p.v[y*w+x] = 0.6 // a sheet
		}
		for x := 30; x < 35; x++ {
			m[y*w+x], p.v[y*w+x] = false, 0 // glass beside it
		}
	}
	g := minFilter(p, m, 2)
	cases := []struct {
		name string
		x, y int
		want float32
	}{
		{"fibre", 5, 20, 0.2},
		{"sheet centre", 25, 20, 0.6},
		{"sheet beside glass", 29, 20, 0.6},
		{"ground", 12, 20, 0.2},
	}
	for _, c := range cases {
		if got := g.v[c.y*w+c.x]; got != c.want {
			t.Errorf("%s: %.2f, want %.2f", c.name, got, c.want)
		}
	}
}

// TestEpidermalEdge: a view without glass is given its surface on the edge
// along which a dense sheet runs over a paler dermis, also under a cut
// pale corneum; a uniformly dense view has no such edge.
func TestEpidermalEdge(t *testing.T) {
	const w, h = 400, 600
	mk := func(dense func(x, y int) bool) *section {
		s := &section{w: w, h: h, umPx: 1, hConc: newPlane(w, h), tissue: make([]bool, w*h)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				s.tissue[i] = x < w-20 // glass strip on the right
				s.hConc.v[i] = 0.3
				if dense(x, y) {
					s.hConc.v[i] = 0.6
				}
			}
		}
		return s
	}
	cases := []struct {
		name  string
		dense func(x, y int) bool
		want  int
	}{
		{"sheet on the left", func(x, y int) bool { return x < 60 }, 2},
		{"sheet under a corneum, bottom", func(x, y int) bool { return y >= h-100 && y < h-25 }, 1},
		{"everything dense", func(x, y int) bool { return true }, -1},
	}
	for _, c := range cases {
		if got, _, _ := mk(c.dense).epidermalEdge(); got != c.want {
			t.Errorf("%s: edge %d, want %d", c.name, got, c.want)
		}
	}
}

// TestSilverGroundExcludesYellowCorneum: in the channel the tissue absorbs
// least, a yellow corneum (dense in blue only) is no denser than the
// yellow dermal ground, while the grey keratinocyte sheet stands out; in
// total OD the corneum would be the densest layer.
func TestSilverGroundExcludesYellowCorneum(t *testing.T) {
	const w, h = 30, 60
	s := &section{w: w, h: h}
	for c := range s.od {
		s.od[c] = newPlane(w, h)
	}
	m := make([]bool, w*h)
	layer := func(y int) [3]float32 { // R, G, B optical density
		switch {
		case y < 10:
			return [3]float32{0.06, 0.2, 0.7} // corneum: yellow, dense
		case y < 25:
			return [3]float32{0.2, 0.25, 0.45} // epidermis: grey
		default:
			return [3]float32{0.06, 0.12, 0.3} // dermal ground: pale yellow
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			m[i] = true
			for c, v := range layer(y) {
				s.od[c].v[i] = v
			}
		}
	}
	g := s.silverGround(m)
	corneum, epi, dermis := g.v[5*w+15], g.v[17*w+15], g.v[45*w+15]
	if !(epi > 2*corneum && epi > 2*dermis) {
		t.Errorf("ground: corneum %.2f, epidermis %.2f, dermis %.2f; want the epidermis over twice both", corneum, epi, dermis)
	}
}
