package cells

import (
	"math"
	"testing"

	"github.com/histocount/histocount/internal/physgen/chamber"
	"github.com/histocount/histocount/models"
)

// TestTrypanCentreLift draws the radial profiles of a live cell well
// below focus (a wide dark rim blurred over a small lighter centre) and of
// a stained cell (Beer–Lambert through a sphere: darkest at the centre),
// both dark discs of the same depth, and checks that only the live one
// has the lighter centre trypanDefocusedLive calls live, while
// trypanClassifyField's centre-versus-rim rule alone calls both dead.
func TestTrypanCentreLift(t *testing.T) {
	const w, r = 64, 14.0
	live := func(rho float64) float64 {
		return -90*math.Exp(-math.Pow((rho-0.55)/0.35, 2)) - 30
	}
	dead := func(rho float64) float64 { return -95 * math.Sqrt(math.Max(0, 1-rho*rho)) }
	const fgThr = 12
	for _, c := range []struct {
		name    string
		profile func(float64) float64
		want    bool
	}{{"live below focus", live, true}, {"stained", dead, false}} {
		flat := make([]int16, w*w)
		var ps []int32
		for y := 0; y < w; y++ {
			for x := 0; x < w; x++ {
				rho := math.Hypot(float64(x)-w/2, float64(y)-w/2) / r
				if rho <= 1 {
					flat[y*w+x] = int16(math.Round(c.profile(rho)))
					ps = append(ps, int32(y*w+x))
				}
			}
		}
		f := trypanFeatures{area: len(ps), cx: w / 2, cy: w / 2, elongation: 1, headroom: 100, bright: -30}
		f.inner, f.ring = trypanRadialZones(ps, flat, w, f.cx, f.cy)
		f.centreLift, f.annulusDepth = trypanCentreLift(ps, flat, w, f.cx, f.cy)
		if got := trypanDefocusedLive(f, fgThr); got != c.want {
			t.Errorf("%s: lift %.1f over an annulus %.1f deep: defocused live %v, want %v", c.name, f.centreLift, f.annulusDepth, got, c.want)
		}
		// Without the lift the grey look calls both dead: the case the
		// cue is for.
		if depth := math.Max(0, -math.Min(f.ring, f.inner)); f.inner > -trypanLiveCentreFrac*depth {
			t.Errorf("%s: centre %.1f, rim %.1f: already live by the centre-versus-rim rule", c.name, f.inner, f.ring)
		}
	}
}

// TestTrypanFieldGreyDefocused counts the top-left 800×600 of physgen
// seed-8 field 1 (grey, focus −0.73, rim darkness 0.85, dense), whose live
// cells are dark discs with a centre only a little lighter than their rim,
// and of seed-3 field 9 (grey, focus −0.27, mostly dead cells). Each
// object within half a radius of a single (unclumped) truth cell's centre
// is matched to it, and the share of matched live and dead cells called
// correctly is checked, so that segmentation errors do not enter. The
// centre-versus-rim rule alone called 9 of the 109 matched live cells of
// seed-8 field 1 live (whole field: live 217 of 1061, dead 993 of 822);
// with the lighter-centre cue (trypanDefocusedLive) 91, while all matched
// dead cells stay dead (seed 8: 68, seed 3: 16; seed 3's 9 live stay live).
func TestTrypanFieldGreyDefocused(t *testing.T) {
	if testing.Short() {
		t.Skip("renders two physgen fields")
	}
	for _, c := range []struct {
		seed             uint64
		field            int
		minLive, minDead float64 // shares of matched cells called correctly
	}{{8, 1, 0.6, 0.9}, {3, 9, 0.9, 0.95}} {
		f, err := chamber.Generate(c.seed, c.field, chamber.Options{})
		if err != nil {
			t.Fatal(err)
		}
		const w, h = 800, 600
		res := countPhysgenTopLeft(t, f, w, h)
		var n, right [2]int // [live, dead]
		for _, o := range res.Objects {
			for _, tc := range f.Cells {
				if tc.Clump != 0 || !tc.Counted(w, h) || math.Hypot(tc.X-o.CentroidXPx, tc.Y-o.CentroidYPx) > tc.R/2 {
					continue
				}
				k := 0
				if tc.Dead {
					k = 1
				}
				n[k]++
				if (o.Class == models.ClassDead) == tc.Dead {
					right[k]++
				}
				break
			}
		}
		live, dead := float64(right[0])/float64(max(1, n[0])), float64(right[1])/float64(max(1, n[1]))
		t.Logf("seed %d field %d: live %d, dead %d; matched live called live %d / %d, dead called dead %d / %d", c.seed, c.field, res.Live, res.Dead, right[0], n[0], right[1], n[1])
		if !(live >= c.minLive) || !(dead >= c.minDead) {
			t.Errorf("seed %d field %d: matched live called live %.2f (want ≥ %.2f), dead called dead %.2f (want ≥ %.2f)", c.seed, c.field, live, c.minLive, dead, c.minDead)
		}
	}
}
