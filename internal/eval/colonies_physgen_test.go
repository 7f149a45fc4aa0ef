package eval

import (
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/plates"
	"github.com/histocount/histocount/internal/physgen/raster"
)

// physgenTestSeed is the independent generator's held-out seed: nothing in
// analysis/colonies was tuned on it (seed 1, /work/gen-data, was).
const physgenTestSeed = 2

// TestColonyPhysgenAgar counts a few of the independent generator's
// webcam agar plates, written as the generator's dataset writes them
// (JPEG 92), so the gen-plates figures are guarded without /work/gen-data.
func TestColonyPhysgenAgar(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and counts six 1000² plates")
	}
	dir := t.TempDir()
	var items []plateItem
	for i := 0; i < physgenAgarTestPlates; i++ {
		p, err := plates.Agar(physgenTestSeed, i, 0)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("agar_%03d.jpg", i))
		if err := raster.WriteJPEG(path, p.Image, 92); err != nil {
			t.Fatal(err)
		}
		items = append(items, plateItem{name: filepath.Base(path), colonies: p.Colonies,
			load: func() (*imageio.Image, error) { return imageio.Load(path, imageio.Options{}) }})
	}
	m, err := evalPlates("physgen-agar", items, colonies.Options{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", m)
	RequireBounds(t, m, Ceiling("mape_pct", physgenAgarMAPECeiling), Floor("dish_found_frac", 1))
}

// physgenAgarTestPlates are the first plates of the held-out seed: sparse
// (21 colonies, rim labels) to dense (1436).
const physgenAgarTestPlates = 8

// physgenAgarMAPECeiling: measured 12/2026 on these 8 plates, MAPE 3.5 %
// (9.5 % before label writing was rejected by the agar's hue, 15.2 %
// before the rim-baseline and optical-density changes; the ceiling fails
// both; 3.5 % again with satellites counted). Seed 2, all 20 plates:
// 5.79 % (5.95 before satellites, 9.45 before labels); seed 3, 16 plates:
// 9.78 % (9.79, 19.4); fresh seed 4, 16 plates: 15.5 % (16.2 before
// satellites; one crowded plate, 1265 colonies, counts 233).
const physgenAgarMAPECeiling = 5.0
