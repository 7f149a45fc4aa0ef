package eval

import (
	"os"
	"testing"

	"github.com/histocount/histocount/internal/shareddata"
)

// TestMitoticDSBRate: on the DSB2018 fluorescence dev images (no mitosis
// truth; mitoses are rare in these fields) few nuclei may be called
// mitotic. HISTOCOUNT_MITOTIC_CROPS=dir writes a crop of every call.
func TestMitoticDSBRate(t *testing.T) {
	dir := shareddata.Dir(t, "nuclei-dsb2018")
	r, err := DSBMitoticRate(dir, os.Getenv("HISTOCOUNT_MITOTIC_CROPS"))
	if err != nil {
		t.Fatal(err)
	}
	rate := float64(r.Mitotic) / float64(max(1, r.Nuclei))
	t.Logf("DSB2018 fluorescence: %d images, %d nuclei, %d called mitotic (%.2f %%)", r.Images, r.Nuclei, r.Mitotic, 100*rate)
	for _, f := range r.Flagged {
		t.Logf("  %s #%d (%.0f,%.0f) %+v", f.Image, f.ID, f.X, f.Y, f.Features)
	}
	if r.Images < 100 || rate > 0.03 {
		t.Errorf("%d images, mitotic rate %.2f %% (want ≥ 100 images, ≤ 3 %%)", r.Images, 100*rate)
	}
}
