package cells

import (
	"bytes"
	"encoding/csv"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/twochannel"
)

func decodeField(t testing.TB, img image.Image) *imageio.Image {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	out, err := imageio.Decode(b.Bytes(), imageio.Options{BlackBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// positive fraction measured on generated two-channel fields against the
// exact truth (all nuclei with a pixel in the field).
func TestMarkerPositiveFractionGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; skipped by -short, runs in make test")
	}
	t.Parallel()
	const n = 8
	var sumErr, maxErr float64
	for i := range n {
		f, err := twochannel.Generate(101, i, twochannel.Options{W: 512, H: 512})
		if err != nil {
			t.Fatal(err)
		}
		pos, all := f.Positive()
		truth := 100 * float64(pos) / float64(all)
		res, mr, err := CountTwoChannel(decodeField(t, f.DAPI), decodeField(t, f.Marker), Options{PixelSizeUM: f.PixelSizeUM}, MarkerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := mr.Summary().PositivePct
		e := math.Abs(got - truth)
		t.Logf("field %d: %d nuclei (truth %d), positive %.1f %% (truth %.1f %%), threshold %.1f, qc %v", i, mr.Total, all, got, truth, mr.Threshold, res.QC)
		sumErr += e
		maxErr = max(maxErr, e)
		if !(e <= 6) {
			t.Errorf("field %d: positive %.1f %%, truth %.1f %% (|error| %.1f pp > 6)", i, got, truth, e)
		}
	}
	mean := sumErr / n
	t.Logf("positive-fraction error: mean %.2f pp, max %.2f pp", mean, maxErr)
	if !(mean <= 2) {
		t.Errorf("mean positive-fraction error %.2f pp > 2", mean)
	}
}

// TestMarkerDataset evaluates the 20-field set when HISTOCOUNT_TWOCHANNEL
// names its folder (e.g. /work/gen-data/twochannel).
func TestMarkerDataset(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("HISTOCOUNT_TWOCHANNEL")
	if dir == "" {
		t.Skip("HISTOCOUNT_TWOCHANNEL not set")
	}
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	var sumErr, maxErr float64
	for _, r := range rows[1:] {
		load := func(p string) *imageio.Image {
			im, err := imageio.Load(filepath.Join(dir, p), imageio.Options{BlackBackground: true})
			if err != nil {
				t.Fatal(err)
			}
			return im
		}
		truth, _ := strconv.ParseFloat(r[col["positive_fraction"]], 64)
		truth *= 100
		_, mr, err := CountTwoChannel(load(r[col["dapi"]]), load(r[col["marker"]]), Options{}, MarkerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := mr.Summary().PositivePct
		e := math.Abs(got - truth)
		sumErr += e
		maxErr = max(maxErr, e)
		t.Logf("%s: nuclei %d (truth %s) positive %.2f %% truth %.2f %% err %.2f pp [%s %s bleed %s]", r[0], mr.Total, r[col["nuclei"]], got, truth, e, r[col["marker_name"]], r[col["pattern"]], r[col["bleed_through"]])
	}
	mean := sumErr / float64(len(rows)-1)
	t.Logf("positive-fraction error over %d fields: mean %.2f pp, max %.2f pp", len(rows)-1, mean, maxErr)
	if !(mean <= 2) { // issue 13's target; measured 1.49 pp on the 20 physgen fields of seed 1
		t.Errorf("mean positive-fraction error %.2f pp > 2", mean)
	}
}

// TestMarkerHeldOutSeed evaluates 16 generated 768² fields of a seed
// (HISTOCOUNT_HELDOUT), when HISTOCOUNT_HELDOUT is set (slow).
func TestMarkerHeldOutSeed(t *testing.T) {
	t.Parallel()
	env := os.Getenv("HISTOCOUNT_HELDOUT")
	if env == "" {
		t.Skip("HISTOCOUNT_HELDOUT not set (its value, if a number, is the seed; default 202)")
	}
	seed := uint64(202)
	if v, err := strconv.ParseUint(env, 10, 64); err == nil {
		seed = v
	}
	var sumErr, maxErr float64
	const n = 16
	for i := range n {
		f, err := twochannel.Generate(seed, i, twochannel.Options{W: 768, H: 768})
		if err != nil {
			t.Fatal(err)
		}
		pos, all := f.Positive()
		truth := 100 * float64(pos) / float64(all)
		_, mr, err := CountTwoChannel(decodeField(t, f.DAPI), decodeField(t, f.Marker), Options{PixelSizeUM: f.PixelSizeUM}, MarkerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e := math.Abs(mr.Summary().PositivePct - truth)
		sumErr += e
		maxErr = max(maxErr, e)
		t.Logf("field %d: positive %.1f %%, truth %.1f %% (%s, bleed %s)", i, mr.Summary().PositivePct, truth, f.Params["pattern"], f.Params["bleed_through"])
	}
	t.Logf("held-out seed %d: positive-fraction error mean %.2f pp, max %.2f pp", seed, sumErr/n, maxErr)
	if !(sumErr/n <= 2) { // measured 1.35 pp (max 7.8) on seed 202
		t.Errorf("mean positive-fraction error %.2f pp > 2", sumErr/n)
	}
}

// The automatic threshold on synthetic score populations: lognormal
// negatives (spread 0.3) and positives 3–12 × brighter (spread 0.35), 0–60 %
// positive; every nucleus above the threshold is counted positive.
func TestAutoMarkerThreshold(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		n       int
		pos     float64
		ratio   float64
		maxErrP float64 // pp
	}{
		{200, 0, 5, 2}, {200, 0.05, 5, 2}, {200, 0.2, 5, 2}, {200, 0.4, 5, 3}, {300, 0.4, 8, 2},
		{60, 0.6, 8, 5}, {300, 0.2, 3, 5}, {5, 0, 5, 100}, // 5 nuclei: only the few flag is checked
	} {
		score := make([]float64, c.n)
		truth := 0
		for i := range score {
			v := 20 * math.Exp(0.3*rng.NormFloat64())
			if float64(i) < c.pos*float64(c.n) {
				v = 20 * c.ratio * math.Exp(0.35*rng.NormFloat64())
				truth++
			}
			score[i] = v
		}
		th, few := autoMarkerThreshold(score)
		got := 0
		for _, v := range score {
			if v > th {
				got++
			}
		}
		e := 100 * math.Abs(float64(got-truth)) / float64(c.n)
		if !(e <= c.maxErrP) || few != (c.n < markerMinNegatives) {
			t.Errorf("n %d, %.0f %% positive ×%.0f: %d positive (truth %d, %.1f pp), threshold %.1f, few %v", c.n, 100*c.pos, c.ratio, got, truth, e, th, few)
		}
	}
	if th, _ := autoMarkerThreshold(nil); th != 0 {
		t.Error("empty input gave a threshold")
	}
}

// Mismatched sizes and a channel the image does not have are errors.
func TestCountTwoChannelBadInput(t *testing.T) {
	t.Parallel()
	f, err := twochannel.Generate(1, 0, twochannel.Options{W: 96, H: 96})
	if err != nil {
		t.Fatal(err)
	}
	small, _ := twochannel.Generate(1, 0, twochannel.Options{W: 64, H: 96})
	d, m := decodeField(t, f.DAPI), decodeField(t, f.Marker)
	if _, _, err := CountTwoChannel(d, decodeField(t, small.Marker), Options{}, MarkerOptions{}); !errors.Is(err, ErrMarkerSize) {
		t.Errorf("size mismatch: %v", err)
	}
	if _, _, err := CountTwoChannel(d, m, Options{}, MarkerOptions{Channel: 2}); !errors.Is(err, ErrMarkerChannel) {
		t.Errorf("channel 2 of a grey image: %v", err)
	}
	if _, _, err := CountTwoChannel(nil, m, Options{}, MarkerOptions{}); err == nil {
		t.Error("nil nuclei accepted")
	}
}

// TestMarkerSaturated: marker_saturated is raised when more than 1 % of
// the nucleus pixels sit at the marker file's largest value — 255 for an
// 8-bit marker, 65535 (not the 8-bit stretch's 255) for a 16-bit one. The
// mitotic index comes with the marker too.
func TestMarkerSaturated(t *testing.T) {
	nuclei, shapes := synthMitoticField(3, 320, 320, 10, 30, 0, 0)
	inside := func(x, y int) bool {
		for _, s := range shapes {
			if math.Hypot(float64(x)-s.cx, float64(y)-s.cy) < 0.7*s.b {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		name      string
		bits16    bool
		top       uint16  // value of the "hot" nucleus pixels (of 65535)
		share     float64 // share of nucleus pixels set hot
		saturated bool
	}{
		{"8-bit, 4 % at 255", false, 65535, 0.04, true},
		{"8-bit, 0.3 % at 255", false, 65535, 0.003, false},
		{"16-bit, 4 % at 65535", true, 65535, 0.04, true},
		{"16-bit, 4 % at 60000 (stretched to 255, not clipped)", true, 60000, 0.04, false},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		g := image.NewGray16(image.Rect(0, 0, 320, 320))
		for y := range 320 {
			for x := range 320 {
				v := uint16(2000 + rng.IntN(500))
				if inside(x, y) {
					v = uint16(15000 + rng.IntN(3000))
					if rng.Float64() < c.share {
						v = c.top
					}
				}
				g.SetGray16(x, y, color.Gray16{Y: v})
			}
		}
		var marker image.Image = g
		if !c.bits16 {
			g8 := image.NewGray(g.Rect)
			for i := range 320 * 320 {
				g8.Pix[i] = g.Pix[2*i] // high byte
			}
			marker = g8
		}
		res, _, err := CountTwoChannel(nuclei, decodeField(t, marker), Options{NucleiMethod: NucleiClassical}, MarkerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mitotic == nil || res.Mitotic.Nuclei != len(res.Objects) {
			t.Errorf("%s: the mitotic index is reported beside the marker, got %+v", c.name, res.Mitotic)
		}
		if got := slices.Contains(res.QC, QCMarkerSaturated); got != c.saturated {
			t.Errorf("%s: qc %v, want marker_saturated %v", c.name, res.QC, c.saturated)
		}
	}
}
