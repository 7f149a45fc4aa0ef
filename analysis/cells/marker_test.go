package cells

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
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
	t.Logf("positive-fraction error over %d fields: mean %.2f pp, max %.2f pp", len(rows)-1, sumErr/float64(len(rows)-1), maxErr)
}
