package eval

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/histocount/histocount/analysis/colonies"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/plates"
	"github.com/histocount/histocount/internal/physgen/raster"
	"github.com/histocount/histocount/models"
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
		p, path := writePhysgenAgar(t, dir, physgenTestSeed, i)
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

// writePhysgenAgar renders the independent generator's agar plate index
// of seed into dir as JPEG 92 (as its dataset writes them) and returns the
// plate and the file's path.
func writePhysgenAgar(t *testing.T, dir string, seed uint64, index int) (*plates.Plate, string) {
	t.Helper()
	p, err := plates.Agar(seed, index, 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("agar_%03d.jpg", index))
	if err := raster.WriteJPEG(path, p.Image, 92); err != nil {
		t.Fatal(err)
	}
	return p, path
}

// physgenAgarTestPlates are the first plates of the held-out seed: sparse
// (21 colonies, rim labels) to dense (1436).
const physgenAgarTestPlates = 8

// physgenAgarMAPECeiling: measured 12/2026 on these 8 plates, MAPE 3.5 %
// (9.5 % before label writing was rejected by the agar's hue, 15.2 %
// before the rim-baseline and optical-density changes; the ceiling fails
// both; 3.5 % again with satellites counted and with rows of colonies
// kept; 3.9 % with thick patches of confluent plates estimated: plate 5,
// 1436 colonies, went over). Seed 2, all 20 plates: 5.51 % (5.35 before
// confluent patches were estimated, 5.37 before rows of colonies were
// kept, 5.79 before crowded plates were also recognised on the envelope
// background, 5.95 before satellites, 9.45 before labels); seed 3, 16
// plates: 10.07 % (10.07, 9.78, 9.79, 19.4); seed 4, 16 plates: 7.27 %
// (7.42, 9.41, 9.53, 15.5, 16.2; its crowded plate 0 counted 233 of 1265,
// then 1115, now 1145).
const physgenAgarMAPECeiling = 5.0

// TestColonyPhysgenCrowdedPale counts the plate that showed the median
// background's blind spot: 1265 colonies of every shade from pale to dark
// on light agar (seed 4, plate 0). The median sat on the pale colonies,
// which then counted as background: 233 colonies and no confluent flag.
// With the envelope asked as well: 1106 (−12.6 %) and flagged. Seed 4 was
// the fresh held-out seed when this was found, so for this change it is
// no longer unseen (see the README's accuracy table).
func TestColonyPhysgenCrowdedPale(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and counts a 1000² plate")
	}
	p, path := writePhysgenAgar(t, t.TempDir(), 4, 0)
	img, err := imageio.Load(path, imageio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := colonies.Count(img, colonies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := res.Count(), p.Colonies
	t.Logf("counted %d of %d, qc %v", got, want, res.QC)
	if !(math.Abs(float64(got-want)) <= crowdedPaleTolerance*float64(want)) {
		t.Errorf("counted %d of %d colonies: more than %.0f %% off", got, want, 100*crowdedPaleTolerance)
	}
	if !slices.Contains(res.QC, models.QCConfluent) {
		t.Errorf("qc %v: a plate this crowded must be flagged %s", res.QC, models.QCConfluent)
	}
}

// crowdedPaleTolerance: measured 12/2026 −12.6 % (1106 of 1265, at JPEG
// 92 as at the generator's own quality 52), −9.5 % (1145) once its thick
// confluent patches were estimated; the median-only rule −82 %.
const crowdedPaleTolerance = 0.2
