package dermis

import (
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

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

// TestThinGlassStripBesideLargeAdipocytes: a strip of glass along the top
// edge, 25–45 µm deep over a tilted section 420 µm wide, holds less area
// than three large adipocytes (r = 50 µm) lower down, so on area alone it
// was not glass and the section had no surface (physgen seed-10 silver
// 017: no epidermis, n = 0). It spans further than any vacuole, so it is
// glass; the adipocytes, one of them cut by the left edge, stay vacuoles.
func TestThinGlassStripBesideLargeAdipocytes(t *testing.T) {
	const w, h, fatTop = 420, 520, 300
	const r = 50 // adipocyte radius, µm
	s := &section{w: w, h: h, umPx: 1, odSum: newPlane(w, h)}
	inFat := func(x, y int) (cx, cy int, ok bool) {
		// a 104 µm grid starting 40 µm left of the image: the first
		// column is cut by the left edge
		cx, cy = -40+52+104*((x+40)/104), fatTop+52+104*((y-fatTop)/104)
		dx, dy := x-cx, y-cy
		return cx, cy, y >= fatTop && cy+r < h-5 && cx+r < w-5 && dx*dx+dy*dy < r*r
	}
	for i := range s.odSum.v {
		x, y := i%w, i/w
		v := float32(0.5) // tissue and septa
		if y < 45-20*x/w {
			v = 0
		} else if _, _, ok := inFat(x, y); ok {
			v = 0
		}
		s.odSum.v[i] = v + float32((x*7+y*13)%5)*0.001
	}
	if !s.segmentTissue() {
		t.Fatal("no tissue")
	}
	for _, x := range []int{20, 210, 400} {
		if !s.glass[12*w+x] {
			t.Errorf("glass strip at x = %d not glass", x)
		}
	}
	if c := 200*w + 210; s.glass[c] || !s.tissue[c] {
		t.Error("dermis taken for glass")
	}
	nVac, nGlass := 0, 0
	for y := fatTop; y < h; y++ {
		for x := range w {
			if _, _, ok := inFat(x, y); ok {
				if s.vacuol[y*w+x] {
					nVac++
				}
				if s.glass[y*w+x] {
					nGlass++
				}
			}
		}
	}
	if nGlass > 0 || nVac == 0 {
		t.Errorf("adipocytes: %d px vacuole, %d px glass; want vacuoles only", nVac, nGlass)
	}
	if c := (fatTop+52)*w + 5; !s.vacuol[c] {
		t.Error("adipocyte cut by the left edge not a vacuole")
	}
}

// TestFlatTintedRegionsByAppearance: on silver the lowest-OD peak sets the
// tissue threshold, so when one of glass and fat is tinted (OD 0.08) and
// the other clear, the tinted one lies above it (physgen seed-9 silver 011:
// darker glass counted as tissue, no surface; seed-10 silver 007: lilac
// adipocytes missed, dermis +30 %). Both are as smooth as glass while the
// dermis is textured, so a flat strip along the edge is glass and flat
// round compartments are vacuoles, whatever their level.
func TestFlatTintedRegionsByAppearance(t *testing.T) {
	const w, h, glassH, fatY, r = 300, 400, 40, 320, 40
	fatX := []int{60, 150, 240}
	render := func(glassOD, fatOD float32, he bool) *section {
		s := &section{w: w, h: h, umPx: 1, odSum: newPlane(w, h)}
		if he {
			s.eConc = newPlane(w, h) // marks the section H&E
		}
		for i := range s.odSum.v {
			x, y := i%w, i/w
			// dermis: fibres and nuclei, OD 0.15–0.55 pixel to pixel
			hsh := uint32(i)*2654435761 ^ uint32(i>>7)*40503
			hsh ^= hsh >> 13
			v := 0.15 + 0.4*float32(hsh%1000)/1000
			if y < glassH {
				v = glassOD
			}
			for _, cx := range fatX {
				if dx, dy := x-cx, y-fatY; dx*dx+dy*dy < r*r {
					v = fatOD
				}
			}
			s.odSum.v[i] = v + float32((x*7+y*13)%5)*0.0005
		}
		if !s.segmentTissue() {
			t.Fatal("no tissue")
		}
		return s
	}
	vacFrac := func(s *section) (vac, glass float64) {
		n := 0
		for y := fatY - r; y < fatY+r; y++ {
			for x := range w {
				for _, cx := range fatX {
					if dx, dy := x-cx, y-fatY; dx*dx+dy*dy < r*r {
						n++
						if s.vacuol[y*w+x] || (s.flatVac != nil && s.flatVac[y*w+x]) {
							vac++
						}
						if s.glass[y*w+x] {
							glass++
						}
					}
				}
			}
		}
		return vac / float64(n), glass / float64(n)
	}
	glassFrac := func(s *section) float64 {
		g := 0
		for i := range glassH * w {
			if s.glass[i] {
				g++
			}
		}
		return float64(g) / float64(glassH*w)
	}
	dermisOK := func(s *section) bool {
		c := 180*w + 150
		return s.tissue[c] && !s.glass[c] && !s.vacuol[c] && (s.flatVac == nil || !s.flatVac[c])
	}
	for _, c := range []struct {
		name           string
		glassOD, fatOD float32
		he             bool
	}{
		{"tinted glass", 0.08, 0, false},
		{"lilac fat", 0, 0.08, false},
		// H&E: tinted adipocytes are kept apart (flatAdipocytes)
		{"lilac fat H&E", 0, 0.08, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := render(c.glassOD, c.fatOD, c.he)
			if g := glassFrac(s); g < 0.9 {
				t.Errorf("glass strip %.2f glass, want ≥ 0.9", g)
			}
			if v, g := vacFrac(s); v < 0.8 || g > 0 {
				t.Errorf("adipocytes %.2f vacuole, %.2f glass; want ≥ 0.8, 0", v, g)
			}
			if !dermisOK(s) {
				t.Error("dermis not tissue")
			}
		})
	}
}

// TestNearestTissueStart: along a normal crossing an unstained strip the
// glass search missed, glass, then the section, the tissue starts at the
// section's top nearest the surface point, not at the strip beyond the
// glass.
func TestNearestTissueStart(t *testing.T) {
	const w, h = 20, 100
	s := &section{w: w, h: h, filled: make([]bool, w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// rows 0–9 missed glass (filled), 10–39 glass, 40– tissue
			s.filled[y*w+x] = y < 10 || y >= 40
		}
	}
	p, n := Point{10, 41}, Point{0, 1} // surface point just inside, normal down
	if got := s.nearestTissueStart(p, n, -45, 45); math.Abs(got-(-1)) > 0.6 {
		t.Errorf("tissue start %.1f, want -1 (row 40)", got)
	}
	// no transition in range: the first tissue stays
	if got := s.nearestTissueStart(Point{10, 70}, n, -20, 20); got != -20 {
		t.Errorf("inside tissue: %.1f, want -20", got)
	}
}

// A fat lobule that comes near a stray piece of epidermis at one end (a
// fold taken for epidermis at an edge-cut section, physgen seed-12 silver
// 013/015) is still fat; vacuolated tissue lying along the epidermis (a
// basket-weave corneum) or touching it (loose papillary dermis, skin-pas
// tile23) is not.
func TestFatNearStrayEpidermis(t *testing.T) {
	const w, h = 300, 300
	s := &section{w: w, h: h, umPx: 1, tEst: 40}
	n := w * h
	s.filled, s.epi, s.vacuol = make([]bool, n), make([]bool, n), make([]bool, n)
	for i := range n {
		x, y := i%w, i/w
		s.filled[i] = true
		// epidermis along the top, and a stray piece at the left edge
		s.epi[i] = (y >= 20 && y < 60) || (x < 40 && y >= 150 && y < 200)
		// corneum above the epidermis: small vacuoles
		if y >= 4 && y < 16 && x%15 < 12 {
			s.vacuol[i] = true
		}
		// loose dermis touching the epidermis from below, mostly deeper
		// than half an epidermis
		if y >= 62 && y < 130 && x >= 150 && (y-62)%33 < 30 && x%33 < 30 {
			s.vacuol[i] = true
		}
		// lobule from y = 210: 30 px cells, 3 px septa
		if y >= 210 && (y-210)%33 < 30 && x%33 < 30 {
			s.vacuol[i] = true
		}
	}
	s.segmentFat()
	lobule, corneum := 0, 0
	for i, f := range s.fat {
		if !f {
			continue
		}
		switch y := i / w; {
		case y >= 210:
			lobule++
		case y < 140:
			corneum++
		}
	}
	if want := (h - 210) * w * 8 / 10; lobule < want {
		t.Errorf("lobule: %d fat px, want ≥ %d", lobule, want)
	}
	if corneum > 0 {
		t.Errorf("%d fat px in the corneum or under the epidermis, want 0", corneum)
	}
}

// Tinted H&E adipocytes (flatVac) make fat where the clear vacuoles make
// none, and leave a lobule found from clear vacuoles alone: flat specks
// in the dermis above it must not move its top.
func TestFlatVacuolesOnlyWithoutFat(t *testing.T) {
	const w, h, top = 300, 300, 180
	cells := func() []bool {
		m := make([]bool, w*h)
		for i := range m {
			x, y := i%w, i/w
			m[i] = y >= top && (y-top)%33 < 30 && x%33 < 30
		}
		return m
	}
	specks := make([]bool, w*h)
	for i := range specks {
		x, y := i%w, i/w
		// 15 px specks every 25 px, down to the lobule
		specks[i] = y >= 100 && y < top && (y-100)%25 < 15 && x%25 < 15
	}
	newSection := func(vac, flat []bool) *section {
		s := &section{w: w, h: h, umPx: 1, tEst: 40, vacuol: vac, flatVac: flat}
		s.filled, s.epi = make([]bool, w*h), make([]bool, w*h)
		for i := range s.filled {
			s.filled[i] = true
			s.epi[i] = i/w < 30
		}
		return s
	}
	fatTop := func(s *section) int {
		for y := range h {
			n := 0
			for x := range w {
				if s.fat[y*w+x] {
					n++
				}
			}
			if 2*n > w {
				return y
			}
		}
		return -1
	}
	tinted := newSection(make([]bool, w*h), cells())
	tinted.segmentFat()
	if y := fatTop(tinted); y < top-20 || y > top+20 {
		t.Errorf("tinted lobule: fat top at %d, want %d ± 20", y, top)
	}
	clear := newSection(cells(), nil)
	clear.segmentFat()
	withSpecks := newSection(cells(), specks)
	withSpecks.segmentFat()
	if a, b := fatTop(clear), fatTop(withSpecks); a < 0 || a != b {
		t.Errorf("clear lobule: fat top %d, with flat specks %d; want equal", a, b)
	}
}

// TestUntrustedMeasurement: a measurement is retried (hiddenSurface) when
// it has fewer than minTrustedNormals normals or layers out of a skin's
// range, and not otherwise: a retry of a section that measured fine
// could only change it.
func TestUntrustedMeasurement(t *testing.T) {
	cases := []struct {
		name        string
		n           int
		epi, dermis float64
		want        bool
	}{
		{"none", 0, 0, 0, true},
		{"one normal", 1, 80, 1200, true},
		{"two normals", minTrustedNormals - 1, 80, 1200, true},
		{"enough, plausible", minTrustedNormals, 80, 1200, false},
		{"many, plausible", 20, 60, 900, false},
		{"enough, epidermis too thin", 7, 10, 1400, true},
		{"enough, dermis thinner than epidermis", 7, 150, 120, true},
	}
	for _, c := range cases {
		s := &section{res: &Result{}}
		sec := &s.res.Section
		sec.Unit = models.UnitUM
		s.res.Measurements = make([]Measurement, c.n)
		if c.n > 0 {
			sec.Epidermis = models.LayerThickness{Unit: sec.Unit, Mean: c.epi, N: c.n}
			sec.Dermis = models.LayerThickness{Unit: sec.Unit, Mean: c.dermis, N: c.n}
		}
		if got := s.untrusted(); got != c.want {
			t.Errorf("%s: untrusted = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestGreyGlassByColour: grey glass and grey adipocyte interiors with the
// summed OD of a pale eosin dermis are glass and vacuoles on the colour
// density (greyGlass), and lilac septa too faint on it still keep the
// adipocytes apart (addSepta).
func TestGreyGlassByColour(t *testing.T) {
	const w, h = 240, 300
	rnd := uint32(1)
	noise := func() float32 {
		rnd = rnd*1664525 + 1013904223
		return (float32(rnd>>8)/float32(1<<24) - 0.5) * 0.004
	}
	mk := func(grey bool) *section {
		s := &section{w: w, h: h, umPx: 1, greyGlass: grey, odSum: newPlane(w, h), eConc: newPlane(w, h)}
		for c := range s.od {
			s.od[c] = newPlane(w, h)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				r, g, b := float32(0), float32(0.125), float32(0) // pale eosin dermis
				switch {
				case y < 50: // grey glass
					r, g, b = 0.03, 0.05, 0.03
				case y >= 170: // adipocytes: grey interiors, faint septa every 60 px
					r, g, b = 0.025, 0.045, 0.025
					if x%60 < 2 || (y-170)%60 < 2 {
						r, g, b = 0.06, 0.11, 0.055
					}
				case (x/7+y/9)%11 == 0: // nuclei
					r, g, b = 0.5, 0.5, 0.3
				case y%13 == 0 && x%40 < 25: // white clefts
					r, g, b = 0, 0, 0
				}
				r, g, b = max(0, r+noise()), max(0, g+noise()), max(0, b+noise())
				s.od[0].v[i], s.od[1].v[i], s.od[2].v[i] = r, g, b
				s.odSum.v[i] = r + g + b
				s.eConc.v[i] = g - r
			}
		}
		if !s.segmentTissue() {
			t.Fatalf("grey %v: no tissue", grey)
		}
		return s
	}
	frac := func(m []bool, y0, y1 int) float64 {
		n := 0
		for y := y0; y < y1; y++ {
			for x := 0; x < w; x++ {
				if m[y*w+x] {
					n++
				}
			}
		}
		return float64(n) / float64((y1-y0)*w)
	}
	s := mk(true)
	if f := frac(s.glass, 0, 45); f < 0.9 {
		t.Errorf("grey glass: %.2f of the strip is glass, want ≥ 0.9", f)
	}
	if f := frac(s.glass, 60, 160); f > 0.02 {
		t.Errorf("grey glass: %.2f of the dermis is glass, want ≤ 0.02", f)
	}
	if f := frac(s.glass, 175, h); f > 0.1 {
		t.Errorf("grey glass: %.2f of the adipocytes is glass, want ≤ 0.1", f)
	}
	if f := frac(s.vacuol, 175, h); f < 0.6 {
		t.Errorf("grey glass: %.2f of the adipocytes is vacuole, want ≥ 0.6", f)
	}
	// the grey strip is as dense as the dermis on the summed OD, not on
	// the colour density
	cd, i0, i1 := s.colourDensity(), 20*w+100, 100*w+101
	if r := s.odSum.v[i0] / s.odSum.v[i1]; r < 0.7 {
		t.Errorf("summed OD glass/dermis %.2f, want ≥ 0.7 (test set-up)", r)
	}
	if r := cd.v[i0] / cd.v[i1]; r > 0.4 {
		t.Errorf("colour density glass/dermis %.2f, want ≤ 0.4", r)
	}
	// a retry with flat H&E glass drops the tinted adipocytes an earlier
	// pass found (flatAdipocytes runs only without flat glass)
	s.flatVac = make([]bool, w*h)
	s.flatVac[0] = true
	s.greyGlass, s.flatHE = false, true
	s.segmentTissue()
	if s.flatVac != nil {
		t.Error("flatVac of an earlier pass kept by a flat-glass pass")
	}

}

// TestMergedAdipocytesSplit: a row of round adipocytes whose septa broke,
// joined to a thin dermal cleft, is one hole too elongated for a vacuole;
// the cells are split out all the same (splitMergedVacuoles), the cleft is
// not; segmentFat adds them to a lobule they border, not elsewhere
// (addMergedAdipocytes).
func TestMergedAdipocytesSplit(t *testing.T) {
	const w, h = 320, 160
	s := &section{w: w, h: h, umPx: 1, odSum: newPlane(w, h), tissue: make([]bool, w*h), wallThr: 0.05}
	cell := make([]bool, w*h)
	cleft := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			for k := 0; k < 5; k++ {
				cx, cy := 40+55*k, 100
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= 26*26 {
					cell[i] = true
				}
				if k < 4 && x >= cx+24 && x <= cx+31 && y >= 97 && y <= 103 { // a broken septum
					cell[i] = true
				}
			}
			if (y >= 30 && y < 34 && x >= 40 && x < 300) || (x >= 38 && x < 42 && y >= 30 && y < 76) {
				cleft[i] = true
			}
			s.tissue[i] = !cell[i] && !cleft[i]
			if s.tissue[i] {
				s.odSum.v[i] = 0.3
			}
		}
	}
	s.classifyUnstained()
	var nc, vc, nf, vf int
	d := chamferDist(cell, w, h)
	for i := range cell {
		if cell[i] && s.mergedVac[i] {
			vc++
		}
		if cell[i] {
			nc++
		}
		if cleft[i] && d[i] > 12 {
			nf++
			if s.mergedVac[i] {
				vf++
			}
		}
	}
	if f := float64(vc) / float64(nc); f < 0.8 {
		t.Errorf("%.2f of the merged cells split out, want ≥ 0.8", f)
	}
	if f := float64(vf) / float64(nf); f > 0.05 {
		t.Errorf("%.2f of the cleft split out, want ≤ 0.05", f)
	}
	for i, v := range s.vacuol {
		if v && cell[i] {
			t.Fatal("a merged cell passed the vacuole test; the test needs them merged")
		}
	}
	// fat below the row (a lobule) takes it; fat far off does not
	for _, c := range []struct {
		y0   int
		want bool
	}{{128, true}, {150, false}} {
		s.fat = make([]bool, w*h)
		for y := c.y0; y < h; y++ {
			for x := 0; x < w; x++ {
				s.fat[y*w+x] = true
			}
		}
		s.addMergedAdipocytes()
		if got := s.fat[100*w+40]; got != c.want {
			t.Errorf("fat from y %d: cell centre fat %v, want %v", c.y0, got, c.want)
		}
	}
	for i := range s.glass {
		if s.glass[i] && (cell[i] || cleft[i]) {
			t.Fatal("the enclosed hole was taken for glass; the test needs it enclosed")
		}
	}
}
