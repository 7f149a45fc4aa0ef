package dermis

import (
	"errors"
	"math/rand"
	"slices"
	"testing"

	"github.com/histocount/histocount/analysis/dermis/synth"
)

func TestLayerModelEmbedded(t *testing.T) {
	m := DefaultLayerModel()
	if m == nil {
		t.Fatal("no usable embedded layer model")
	}
	if n := len(layerModelJSON); n > 1<<20 {
		t.Errorf("model file %d bytes, want < 1 MB", n)
	}
	if len(m.Stages) != 2 {
		t.Errorf("%d stages, want 2 (first + auto-context)", len(m.Stages))
	}
}

func TestParseLayerModelRefusesStale(t *testing.T) {
	for name, b := range map[string]string{
		"empty":        `{}`,
		"not json":     `{"version":`,
		"old version":  `{"version":1,"stages":[{}]}`,
		"other inputs": `{"version":2,"features":["od_sum_s1"],"stages":[{}]}`,
	} {
		if _, err := ParseLayerModel([]byte(b)); !errors.Is(err, ErrLayerModel) {
			t.Errorf("%s: err %v, want ErrLayerModel", name, err)
		}
	}
	// a wrong stage shape with the right header
	m := *DefaultLayerModel()
	st := *m.Stages[0]
	st.Mean = st.Mean[:3]
	m.Stages = []*layerMLP{&st}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseLayerModel(b); !errors.Is(err, ErrLayerModel) {
		t.Errorf("short stage: err %v, want ErrLayerModel", err)
	}
}

// TestLayerGateByStain: the model, trained on PAS only, is refused on
// H&E and silver colours and at a working scale other than the input's.
func TestLayerGateByStain(t *testing.T) {
	m := DefaultLayerModel()
	cases := []struct {
		name   string
		chroma [layerChromaAxes]float64
		want   bool
	}{
		{"pas training mean", m.ChromaMean, true},
		{"pas pale (skin-pas tile09)", [3]float64{0.220, 0.063, 0.157}, true},
		{"h&e sample", [3]float64{0.184, 0.114, 0.070}, false},
		{"h&e generator", [3]float64{0.250, 0.153, 0.097}, false},
		{"silver", [3]float64{0.182, 0.547, -0.365}, false},
	}
	for _, c := range cases {
		if got := m.Knows(c.chroma); got != c.want {
			t.Errorf("%s: Knows %v, want %v", c.name, got, c.want)
		}
	}
	for _, stain := range []string{synth.StainHE, synth.StainSilver} {
		p := smallSection(stain, 0, 0, true)
		img, _ := synth.Generate(p, rand.New(rand.NewSource(3)))
		r, err := Measure(img, Options{Labels: true})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(r.Section.QC, QCLearnedLayers) {
			t.Errorf("%s: learned layers used on a section of another stain", stain)
		}
	}
}

// TestLayerFeatureCount: every feature named is computed (layerFeatures
// panics on a mismatch) and finite.
func TestLayerFeatureCount(t *testing.T) {
	p := smallSection(synth.StainPAS, 0, 0, true)
	p.Width, p.Height = 200, 160
	img, _ := synth.Generate(p, rand.New(rand.NewSource(3)))
	fm, err := LayerFeatures(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(fm.X) != fm.W*fm.H*len(layerFeatureNames) {
		t.Fatalf("%d values, want %d", len(fm.X), fm.W*fm.H*len(layerFeatureNames))
	}
	for i, v := range fm.X {
		if v != v || v > 1e6 || v < -1e6 {
			t.Fatalf("feature %s at pixel %d is %v", layerFeatureNames[i%len(layerFeatureNames)], i/len(layerFeatureNames), v)
		}
	}
}

// TestTrainLayerModelSeeded: training is a function of data and seed.
func TestTrainLayerModelSeeded(t *testing.T) {
	p := smallSection(synth.StainPAS, 0, 0, true)
	p.Width, p.Height = 160, 160
	img, _ := synth.Generate(p, rand.New(rand.NewSource(5)))
	fm, err := LayerFeatures(img)
	if err != nil {
		t.Fatal(err)
	}
	truth := make([]uint8, fm.W*fm.H)
	for i := range truth {
		truth[i] = uint8(i % fm.W * layerClasses / fm.W) // four vertical stripes
	}
	tiles := []LayerTrainingTile{{fm, truth}, {fm, truth}, {fm, truth}}
	cfg := LayerTrainConfig{Seed: 7, PerClass: 50, Hidden: 4, Epochs: 2, Context: true, ContextFolds: 3, MaxZ: [3]float64{4, 4, 3}}
	a, err := TrainLayerModel(tiles, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := TrainLayerModel(tiles, cfg)
	ja, _ := a.Marshal()
	jb, _ := b.Marshal()
	if string(ja) != string(jb) {
		t.Error("same data and seed gave different models")
	}
	if _, err := ParseLayerModel(ja); err != nil {
		t.Errorf("trained model does not parse: %v", err)
	}
	if _, err := TrainLayerModel([]LayerTrainingTile{{fm, make([]uint8, 3)}}, cfg); err == nil {
		t.Error("truth of the wrong size accepted")
	}
}
