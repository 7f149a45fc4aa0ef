package cells_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/kc167"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Speck-test constants: a Kc167 field (physgen kc167, written from the
// physical description) with bright debris specks and apoptotic cells
// (clusters of small bright bodies) painted into its background.
const (
	speckCount         = 30  // debris specks added per field: not cells
	speckRadiusPx      = 2.0 // speck radius, px (nuclei there are 8–20 px across)
	apoCells           = 3   // apoptotic cells added per field: one cell each
	apoBodies          = 4   // bright bodies per apoptotic cell
	apoBodyRadiusPx    = 1.8 // body radius, px
	apoSpreadPx        = 5.0 // bodies lie within this of the cell centre, px
	speckClearancePx   = 12  // painted objects keep this far from drawn cells, px
	maxSpeckSideEffect = 3   // the nuclei away from the painted objects may change by this many
)

// Debris specks must not be counted as nuclei and the fragments of one
// apoptotic cell must count once (the annotators' convention): within a
// field, nuclei are never under half the typical diameter, so specks that
// small are debris or, lying together, the pieces of one cell. Without
// the speck rule each speck and each fragment is a nucleus (≈ 40 extra per
// field) and the k-means area split, whose typical area they drag down,
// cuts real nuclei too.
func TestNucleiSpecksAndFragments(t *testing.T) {
	for _, idx := range []int{0, 1} {
		f, err := kc167.Generate(7, idx, 0)
		if err != nil {
			t.Fatal(err)
		}
		clean := len(countObjects(t, f.Image.Pix, 512, 512))
		pix := append([]byte(nil), f.Image.Pix...)
		rng := rand.New(rand.NewPCG(uint64(idx), 9))
		peak := percentile8(pix, 0.995)
		var spots [][2]float64 // centres of painted specks and apoptotic cells
		for k := 0; k < speckCount; k++ {
			x, y := freeSpot(rng, f, pix)
			paintDisc(pix, 512, x, y, speckRadiusPx, peak)
			spots = append(spots, [2]float64{x, y})
		}
		for k := 0; k < apoCells; k++ {
			x, y := freeSpot(rng, f, pix)
			for b := 0; b < apoBodies; b++ {
				a := 2 * math.Pi * (float64(b) + 0.3*rng.Float64()) / apoBodies
				paintDisc(pix, 512, x+apoSpreadPx*math.Cos(a), y+apoSpreadPx*math.Sin(a), apoBodyRadiusPx, peak)
			}
			spots = append(spots, [2]float64{x, y})
		}
		objs := countObjects(t, pix, 512, 512)
		atSpots := 0
		for _, o := range objs {
			for _, s := range spots {
				if math.Hypot(o.CentroidXPx-s[0], o.CentroidYPx-s[1]) < speckClearancePx/2 {
					atSpots++
					break
				}
			}
		}
		t.Logf("field %d: truth %d, counted %d clean, %d with %d specks and %d apoptotic cells (%d objects on them)",
			idx, f.Count, clean, len(objs), speckCount, apoCells, atSpots)
		if atSpots < apoCells-2 || atSpots > apoCells+2 {
			t.Errorf("field %d: %d objects on the specks and apoptotic cells, want %d ± 2", idx, atSpots, apoCells)
		}
		// The specks must not move the typical area and with it the clump
		// splits elsewhere (the levels shift a little, so allow a few).
		if d := len(objs) - atSpots - clean; d < -maxSpeckSideEffect || d > maxSpeckSideEffect {
			t.Errorf("field %d: the nuclei away from the specks changed by %d, want within ±%d", idx, d, maxSpeckSideEffect)
		}
	}
}

// countObjects counts nuclei (classical method, fluorescence) and returns their objects.
func countObjects(t *testing.T, pix []byte, w, h int) []models.CellObject {
	t.Helper()
	img := &imageio.Image{Width: w, Height: h, Channels: 1, Pix: append([]byte(nil), pix...)}
	res, err := cells.Count(img, cells.Options{Stain: cells.StainFluorescence, NucleiMethod: cells.NucleiClassical})
	if err != nil {
		t.Fatal(err)
	}
	return res.Objects
}

// freeSpot returns a point at least speckClearancePx from every labelled
// cell and from anything bright already painted (a dark neighbourhood).
func freeSpot(rng *rand.Rand, f *kc167.Field, pix []byte) (float64, float64) {
	dark := percentile8(pix, 0.6)
	for {
		x, y := 20+rng.IntN(472), 20+rng.IntN(472)
		ok := true
		for dy := -speckClearancePx; dy <= speckClearancePx && ok; dy++ {
			for dx := -speckClearancePx; dx <= speckClearancePx; dx++ {
				i := (y+dy)*512 + x + dx
				if f.Labels.Pix[2*i] != 0 || f.Labels.Pix[2*i+1] != 0 || pix[i] > dark+10 {
					ok = false
					break
				}
			}
		}
		if ok {
			return float64(x), float64(y)
		}
	}
}

// paintDisc adds a disc of radius r px and height v grey levels, its edge
// softened over about a pixel like a small in-focus object.
func paintDisc(pix []byte, w int, cx, cy, r float64, v byte) {
	for y := int(cy - r - 2); y <= int(cy+r+2); y++ {
		for x := int(cx - r - 2); x <= int(cx+r+2); x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			a := math.Max(0, math.Min(1, r-d+0.5))
			i := y*w + x
			pix[i] = byte(math.Min(255, float64(pix[i])+a*float64(v)))
		}
	}
}

// percentile8 returns the p-quantile of 8-bit pixels.
func percentile8(pix []byte, p float64) byte {
	var hist [256]int
	for _, v := range pix {
		hist[v]++
	}
	return byte(stats.HistQuantileFloor(hist[:], len(pix), p))
}
