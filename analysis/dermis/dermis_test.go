package dermis

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/histocount/histocount/analysis/dermis/synth"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
)

// smallSection is a quick 1.2 µm/px section for unit tests.
func smallSection(stain string, tilt, radiusUM float64, hypo bool) synth.Params {
	p := synth.Default()
	p.Width, p.Height, p.PixelSizeUM = 760, 700, 1.2
	p.Stain, p.TiltDeg, p.CurvatureRadiusUM, p.Hypodermis = stain, tilt, radiusUM, hypo
	p.EpidermisUM, p.DermisUM = 42, 480
	return p
}

func TestMeasureSyntheticThickness(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (20–60 s); skipped by -short, runs in make test")
	}
	cases := []struct {
		name     string
		stain    string
		tilt     float64
		radiusUM float64
		hypo     bool
	}{
		{"he flat", synth.StainHE, 0, 0, true},
		{"he tilt -15 curved", synth.StainHE, -15, 2500, true},
		{"he tilt +15 no fat", synth.StainHE, 15, 0, false},
		{"silver flat", synth.StainSilver, 0, 0, true},
		{"silver tilt +12 concave", synth.StainSilver, 12, -3000, true},
		{"silver tilt -15 no fat", synth.StainSilver, -15, 2500, false},
		{"pas tilt +10 curved", synth.StainPAS, 10, 3000, true},
	}
	// The brief's accuracy targets are mean absolute errors over the table
	// (dermis ≤ 3 %, epidermis ≤ 10 %); single sections may err more.
	const maeDermis, maeEpi = 0.03, 0.10
	const tolDermis, tolEpi = 0.05, 0.16
	var sumD, sumE float64
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, tr := synth.Generate(smallSection(c.stain, c.tilt, c.radiusUM, c.hypo), rand.New(rand.NewSource(int64(10+i))))
			r, err := Measure(img, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := r.Section
			eE := s.Epidermis.Mean/tr.EpidermisUM - 1
			eD := s.Dermis.Mean/tr.DermisUM - 1
			if !c.hypo {
				// Without fat, normals that leave the image are lower
				// bounds; the median ignores those few.
				eD = s.Dermis.Median/tr.DermisUM - 1
			}
			sumD += math.Abs(eD)
			sumE += math.Abs(eE)
			if math.Abs(eD) > tolDermis {
				t.Errorf("dermis %.1f µm, want %.1f ± %.0f %%", s.Dermis.Mean, tr.DermisUM, 100*tolDermis)
			}
			if math.Abs(eE) > tolEpi {
				t.Errorf("epidermis %.1f µm, want %.1f ± %.0f %%", s.Epidermis.Mean, tr.EpidermisUM, 100*tolEpi)
			}
			want := c.stain
			if want == synth.StainPAS {
				want = StainHE // haematoxylin + a magenta counterpart: measured as H&E
			}
			if s.StainDetected != want || s.Stain != want {
				t.Errorf("stain detected %q used %q, want %q", s.StainDetected, s.Stain, want)
			}
			if s.Unit != models.UnitUM || s.Dermis.Unit != models.UnitUM {
				t.Errorf("unit %q, want um", s.Unit)
			}
			if s.Epidermis.N < 8 {
				t.Errorf("only %d measurements", s.Epidermis.N)
			}
			lower := slices.Contains(s.QC, models.QCLowerBoundDermis)
			if lower == c.hypo || s.DermisLowerBound == c.hypo {
				t.Errorf("hypodermis %v but dermis_lower_bound flag %v", c.hypo, lower)
			}
			if s.HypodermisPresent != c.hypo {
				t.Errorf("hypodermis present %v, want %v", s.HypodermisPresent, c.hypo)
			}
			// A lifted corneum's cleft edges and the pale granular layer
			// add a few µm. Where the glass above the corneum is a strip
			// thinner than a glass disc (glassRadiusUM) along the image
			// edge, it counts as tissue and the corneum reads up to ~2×.
			if s.StratumCorneum == nil || math.Abs(s.StratumCorneum.Mean-tr.CorneumUM) > 12 {
				t.Errorf("stratum corneum %+v, want %.0f ± 12 µm", s.StratumCorneum, tr.CorneumUM)
			}
		})
	}
	maeD, maeE := sumD/float64(len(cases)), sumE/float64(len(cases))
	t.Logf("mean abs error: dermis %.2f %%, epidermis %.2f %%", 100*maeD, 100*maeE)
	if maeD > maeDermis || maeE > maeEpi {
		t.Errorf("mean abs error dermis %.2f %% (max %.0f), epidermis %.2f %% (max %.0f)", 100*maeD, 100*maeDermis, 100*maeE, 100*maeEpi)
	}
}

// TestHistologyHazards checks the things real sections have and a naive
// segmentation trips on: follicle and gland islands that look like
// epidermis, a stratum corneum lifted off by a gap, strong vignetting and
// uneven staining.
func TestHistologyHazards(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (20–60 s); skipped by -short, runs in make test")
	}
	cases := []struct {
		name string
		edit func(p *synth.Params)
	}{
		{"many adnexa", func(p *synth.Params) { p.Adnexa = 10; p.Vessels = 12 }},
		{"corneum lifted", func(p *synth.Params) { p.DetachedFrac, p.DetachedGapUM = 0.7, 15 }},
		{"vignetting 25 %", func(p *synth.Params) { p.VignettePct = 25 }},
		{"stain variation", func(p *synth.Params) { p.StainVariation = 1 }},
		{"plain (no histology)", func(p *synth.Params) {
			p.BasalLayer, p.Papillary, p.DetachedFrac, p.Adnexa, p.Vessels, p.StainVariation, p.VignettePct = false, false, 0, 0, 0, 0, 0
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := smallSection(synth.StainHE, 6, 0, true)
			c.edit(&p)
			img, tr := synth.Generate(p, rand.New(rand.NewSource(int64(40+i))))
			r, err := Measure(img, Options{Labels: true})
			if err != nil {
				t.Fatal(err)
			}
			s := r.Section
			if e := s.Epidermis.Mean/tr.EpidermisUM - 1; math.Abs(e) > 0.15 {
				t.Errorf("epidermis %.1f µm, want %.1f ± 15 %%", s.Epidermis.Mean, tr.EpidermisUM)
			}
			if e := s.Dermis.Mean/tr.DermisUM - 1; math.Abs(e) > 0.04 {
				t.Errorf("dermis %.1f µm, want %.1f ± 4 %%", s.Dermis.Mean, tr.DermisUM)
			}
			// adnexal islands are dermis, never epidermis
			var nAdn, asEpi int
			for j, v := range tr.Adnexa.Pix {
				if v != 0 {
					nAdn++
					if r.Labels.Pix[j] == LabelEpidermis {
						asEpi++
					}
				}
			}
			if nAdn > 0 && float64(asEpi) > 0.02*float64(nAdn) {
				t.Errorf("%d of %d adnexa pixels labelled epidermis", asEpi, nAdn)
			}
		})
	}
}

func TestTreatedVersusUntreated(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (20–60 s); skipped by -short, runs in make test")
	}
	base := smallSection(synth.StainHE, 5, 0, true)
	base.Height = 1150 // keep the treated hypodermis in view
	base.DermisUM = 400
	treated := base
	treated.DermisUM = 650 // +62.5 %
	treated.TiltDeg = -10
	a, _ := synth.Generate(base, rand.New(rand.NewSource(1)))
	b, _ := synth.Generate(treated, rand.New(rand.NewSource(2)))
	ra, err := Measure(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Measure(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := 100 * (rb.Section.Dermis.Mean/ra.Section.Dermis.Mean - 1)
	t.Logf("untreated %.1f µm %v, treated %.1f µm %v", ra.Section.Dermis.Mean, ra.Section.QC, rb.Section.Dermis.Mean, rb.Section.QC)
	if math.Abs(got-62.5) > 3 {
		t.Errorf("dermal change %+.1f %%, want +62.5 ± 3 pp", got)
	}
}

func TestLabelsAgreeWithTruth(t *testing.T) {
	img, tr := synth.Generate(smallSection(synth.StainHE, 8, 3000, true), rand.New(rand.NewSource(5)))
	r, err := Measure(img, Options{Labels: true, Overlay: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Labels.Bounds() != tr.Labels.Bounds() || r.Overlay.Bounds() != tr.Labels.Bounds() {
		t.Fatalf("label/overlay size %v/%v, want %v", r.Labels.Bounds(), r.Overlay.Bounds(), tr.Labels.Bounds())
	}
	// per-layer IoU; the stratum corneum is too thin to score reliably
	floors := map[uint8]float64{LabelEpidermis: 0.75, LabelDermis: 0.93, LabelHypodermis: 0.85}
	for l, floor := range floors {
		var in, un int
		for i := range r.Labels.Pix {
			a, b := r.Labels.Pix[i] == l, tr.Labels.Pix[i] == l
			if a && b {
				in++
			}
			if a || b {
				un++
			}
		}
		if iou := float64(in) / float64(un); iou < floor {
			t.Errorf("label %d IoU %.3f < %.2f", l, iou, floor)
		}
	}
}

func TestUncalibratedAndFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (20–60 s); skipped by -short, runs in make test")
	}
	p := smallSection(synth.StainHE, 0, 0, true)
	p.Calibrated = false
	img, tr := synth.Generate(p, rand.New(rand.NewSource(3)))
	// uncalibrated, the interval is in px: 20 px rather than 50 gives
	// enough normals for a 3 % check
	r, err := Measure(img, Options{IntervalUM: 20})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Section
	if s.Unit != models.UnitPx || !slices.Contains(s.QC, models.QCNoCalibration) {
		t.Errorf("unit %q qc %v, want px and no_calibration", s.Unit, s.QC)
	}
	wantPx := tr.DermisUM / tr.PixelSizeUM
	if math.Abs(s.Dermis.Mean/wantPx-1) > 0.03 {
		t.Errorf("dermis %.1f px, want %.1f px", s.Dermis.Mean, wantPx)
	}
	// The pixel-size override turns px into µm.
	r2, err := Measure(img, Options{PixelSizeUM: tr.PixelSizeUM})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Section.Unit != models.UnitUM || math.Abs(r2.Section.Dermis.Mean/tr.DermisUM-1) > 0.03 {
		t.Errorf("override: %v %.2f, want um %.2f ± 3 %%", r2.Section.Unit, r2.Section.Dermis.Mean, tr.DermisUM)
	}
	// A wrong explicit stain is flagged.
	r3, err := Measure(img, Options{Stain: StainSilver})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r3.Section.QC, models.QCStainMismatch) {
		t.Errorf("silver requested on H&E: qc %v lacks stain_unrecognised", r3.Section.QC)
	}
}

func TestBlankAndInvalid(t *testing.T) {
	w, h := 300, 200
	blank := &imageio.Image{Width: w, Height: h, Channels: 3, Pix: make([]byte, w*h*3)}
	for i := range blank.Pix {
		blank.Pix[i] = 240
	}
	r, err := Measure(blank, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.Section.QC, models.QCNoTissue) || r.Section.Epidermis.N != 0 {
		t.Errorf("blank slide: qc %v n %d, want no_tissue", r.Section.QC, r.Section.Epidermis.N)
	}
	bad := []*imageio.Image{
		nil,
		{Width: 10, Height: 10, Channels: 3, Pix: make([]byte, 10)},
		{Width: 10, Height: 10, Channels: 3, Pix: make([]byte, 300)},
		{Width: 64, Height: 64, Channels: 2, Pix: make([]byte, 64*64*2)},
	}
	for i, b := range bad {
		if _, err := Measure(b, Options{}); !errors.Is(err, ErrBadImage) {
			t.Errorf("case %d: err %v, want ErrBadImage", i, err)
		}
	}
	if _, err := Measure(blank, Options{Stain: "pas"}); !errors.Is(err, ErrUnknownStain) {
		t.Errorf("unknown stain: err %v", err)
	}
}

func TestGeoJSON(t *testing.T) {
	img, _ := synth.Generate(smallSection(synth.StainHE, 5, 0, true), rand.New(rand.NewSource(9)))
	r, err := Measure(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.GeoJSON()
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties struct {
				Classification struct{ Name string }
			}
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, f := range fc.Features {
		seen[f.Properties.Classification.Name] = f.Geometry.Type
	}
	want := map[string]string{"Epidermis": "Polygon", "Dermis": "Polygon", "Hypodermis": "Polygon",
		"Skin surface": "LineString", "Dermo-epidermal junction": "LineString"}
	if fc.Type != "FeatureCollection" {
		t.Errorf("type %q", fc.Type)
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("feature %q: geometry %q, want %q", k, seen[k], v)
		}
	}
}

func TestCollagenFractionTrichrome(t *testing.T) {
	// left half methyl-blue fibres, right half fuchsin-red cytoplasm, a
	// glass strip at the bottom
	w, h := 200, 120
	img := &imageio.Image{Width: w, Height: h, Channels: 3, Pix: make([]byte, w*h*3)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var od [3]float64
			switch {
			case y >= 100:
			case x < 100:
				od = [3]float64{0.8 * vecMethylBlue[0], 0.8 * vecMethylBlue[1], 0.8 * vecMethylBlue[2]}
			default:
				od = [3]float64{0.8 * vecFuchsin[0], 0.8 * vecFuchsin[1], 0.8 * vecFuchsin[2]}
			}
			i := (y*w + x) * 3
			for c := 0; c < 3; c++ {
				img.Pix[i+2-c] = uint8(245*math.Pow(10, -od[c]) + 0.5)
			}
		}
	}
	a, err := CollagenFraction(img)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.FractionOfTissue-0.5) > 0.02 || math.Abs(a.FractionOfImage-float64(100*100)/float64(w*h)) > 0.02 {
		t.Errorf("collagen %+v, want half the tissue", a)
	}
}

// BenchmarkAnalyse2000x1500 measures one 2000×1500 px H&E section at
// 0.5 µm/px (a 20× scan) and at 1 µm/px, overlay included, as the CLI runs
// it. Target: under 1 s of CPU per section (cpu-s/op).
func BenchmarkAnalyse2000x1500(b *testing.B) {
	for _, ps := range []float64{0.5, 1} {
		p := synth.Default()
		p.Width, p.Height, p.PixelSizeUM = 2000, 1500, ps
		img, _ := synth.Generate(p, rand.New(rand.NewSource(1)))
		b.Run(fmt.Sprintf("%gum", ps), func(b *testing.B) {
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				if _, err := Measure(img, Options{Overlay: true}); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time, not wall time, is what "per core" means on a busy
			// machine (GC work included).
			if c1 := cpuSeconds(); c1 > c0 {
				b.ReportMetric((c1-c0)/float64(b.N), "cpu-s/op")
			}
		})
	}
}

// TestDermisFromNormalsInView: in a narrow tilted view with fat below,
// most normals leave the image through its side before the dermis ends
// (physgen seed-7 section 008: 5 of 7, dermis −32 %). Those give only
// lower bounds; the few that reach the fat inside the view measure it.
func TestDermisFromNormalsInView(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (~20 s); skipped by -short")
	}
	p := synth.Default()
	p.Width, p.Height, p.PixelSizeUM = 420, 1500, 1.2
	p.TiltDeg, p.EpidermisUM, p.DermisUM, p.HypodermisUM = 15, 42, 1000, 300
	p.Adnexa, p.Vessels = 0, 0
	img, tr := synth.Generate(p, rand.New(rand.NewSource(7)))
	r, err := Measure(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	left, atFat := 0, 0
	for _, m := range r.Measurements {
		switch {
		case m.offImage:
			left++
		case !m.DermisLowerBound:
			atFat++
		}
	}
	// the view must be the one described: most normals leave it
	if atFat < 2 || 2*left <= len(r.Measurements) {
		t.Fatalf("%d of %d normals left the image, %d reached fat: not the narrow view wanted", left, len(r.Measurements), atFat)
	}
	t.Logf("%d normals, %d left the image, %d reached fat; dermis %.0f µm, true %.0f", len(r.Measurements), left, atFat, r.Section.Dermis.Mean, tr.DermisUM)
	if e := r.Section.Dermis.Mean/tr.DermisUM - 1; math.Abs(e) > 0.05 {
		t.Errorf("dermis %.0f µm, want %.0f ± 5 %% (normals that left the image are lower bounds)", r.Section.Dermis.Mean, tr.DermisUM)
	}
}
