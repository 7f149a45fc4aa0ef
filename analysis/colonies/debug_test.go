//go:build colonydebug

package colonies

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/histocount/histocount/imageio"
)

// TestDebugPlates (go test -tags 'matprofile colonydebug') counts the plates
// listed in HC_PLATES and writes overlays to /tmp/cp.
func TestDebugPlates(t *testing.T) {
	debugDish = true
	for _, p := range strings.Fields(os.Getenv("HC_PLATES")) {
		img, err := imageio.Load(p, imageio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := Count(img, Options{Overlay: os.Getenv("HC_OVERLAY") != ""})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d colonies, %d rejected, dish %+v, pol %s, qc %v, %v", filepath.Base(p), len(res.Colonies), len(res.Rejected), res.Dish, res.Polarity, res.QC, time.Since(start))
		if res.Overlay != nil {
			f, _ := os.Create("/tmp/cp/ov_" + strings.TrimSuffix(filepath.Base(p), ".jpg") + ".png")
			png.Encode(f, res.Overlay)
			f.Close()
		}
	}
}
