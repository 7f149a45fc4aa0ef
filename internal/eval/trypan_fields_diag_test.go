package eval

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/physgen/chamber"
	"github.com/histocount/histocount/models"
)

// TestTrypanFieldsPhysgenDiag matches detections to the physgen truth
// cells and prints where the errors are: LL/LD/DD/DL (true class →
// call), false positives (no truth cell within 0.8 r), missed dead, live
// missed out of focus, in clumps and single. Opt-in diagnostic:
// HISTOCOUNT_FIELD_DIAG=seed:first:n or seed:i,j,k; with
// HISTOCOUNT_FIELD_DIAG_PNG=1 it also writes each field's top-left corner
// with the truth circled (green found, red live missed, magenta dead
// missed) and the calls dotted (yellow live, cyan dead).
func TestTrypanFieldsPhysgenDiag(t *testing.T) {
	spec := os.Getenv("HISTOCOUNT_FIELD_DIAG")
	if spec == "" {
		t.Skip("HISTOCOUNT_FIELD_DIAG=seed:first:n not set")
	}
	p := strings.Split(spec, ":")
	seed, _ := strconv.Atoi(p[0])
	var idx []int
	if len(p) == 3 {
		first, _ := strconv.Atoi(p[1])
		n, _ := strconv.Atoi(p[2])
		for k := first; k < first+n; k++ {
			idx = append(idx, k)
		}
	} else {
		for _, v := range strings.Split(p[1], ",") {
			k, _ := strconv.Atoi(v)
			idx = append(idx, k)
		}
	}
	var tot [12]int
	var fc []FieldCounts
	for _, k := range idx {
		f, err := chamber.Generate(uint64(seed), k, chamber.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := imageio.EncodePNG(f.Image, f.PixelSizeUM)
		img, _ := imageio.Decode(b, imageio.Options{})
		res, err := cells.Count(img, cells.Options{Stain: cells.StainTrypan, PixelSizeUM: f.PixelSizeUM})
		if err != nil {
			t.Fatal(err)
		}
		w, h := img.Width, img.Height
		// Greedy: each detection to the nearest unmatched visible cell within 0.8 R.
		used := make([]bool, len(f.Cells))
		var c [12]int // 0 LL,1 LD,2 DD,3 DL,4 FP live,5 FP dead,6 FP matched-uncounted
		for _, o := range res.Objects {
			best, bd := -1, math.Inf(1)
			for i, tc := range f.Cells {
				if used[i] || !tc.Visible(w, h) {
					continue
				}
				d := math.Hypot(tc.X-o.CentroidXPx, tc.Y-o.CentroidYPx)
				if d < 0.8*tc.R && d < bd {
					best, bd = i, d
				}
			}
			if best < 0 {
				if o.Class == models.ClassLive {
					c[4]++
				} else {
					c[5]++
				}
				continue
			}
			used[best] = true
			tc := f.Cells[best]
			if !tc.Counted(w, h) {
				c[6]++
				continue
			}
			switch {
			case !tc.Dead && o.Class == models.ClassLive:
				c[0]++
			case !tc.Dead:
				c[1]++
			case o.Class == models.ClassDead:
				c[2]++
			default:
				c[3]++
			}
		}
		for i, tc := range f.Cells {
			if used[i] || !tc.Counted(w, h) {
				continue
			}
			switch {
			case tc.Dead:
				c[7]++
			case tc.Blurred:
				c[8]++
			case tc.Clump != 0:
				c[9]++
			default:
				c[10]++
			}
		}
		if os.Getenv("HISTOCOUNT_FIELD_DIAG_PNG") != "" {
			diagPNG(t, f, res, used, k)
		}
		live, dead, _, _, _, _ := f.Counts()
		fc = append(fc, FieldCounts{TrueLive: live, TrueDead: dead, Live: res.Live, Dead: res.Dead})
		t.Logf("field %d %dx%d grey=%s focus=%s rim=%s jpeg=%s: live %d/%d dead %d/%d | LL %d LD %d DD %d DL %d FPl %d FPd %d unc %d | miss dead %d live-blur %d live-clump %d live-single %d",
			k, w, h, f.Params["greyscale"], f.Params["focus"], f.Params["rim_darkness"], f.Params["jpeg_quality"], res.Live, live, res.Dead, dead, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10])
		for i := range c {
			tot[i] += c[i]
		}
	}
	s := ScoreFields(fc)
	t.Logf("TOTAL LL %d LD %d DD %d DL %d FPl %d FPd %d unc %d | miss dead %d live-blur %d live-clump %d live-single %d", tot[0], tot[1], tot[2], tot[3], tot[4], tot[5], tot[6], tot[7], tot[8], tot[9], tot[10])
	t.Logf("WAPE %.2f live %d/%d dead %d/%d viab err %.2f MAE %.2f", s.WAPEPct, s.Live, s.TrueLive, s.Dead, s.TrueDead, s.PooledViabilityErrPP, s.ViabilityMAEPP)
}

// diagPNG writes the top-left 500×400 of the field with truth cells
// marked: green matched, red missed live, magenta missed dead, and
// detections as yellow (live) / cyan (dead) dots.
func diagPNG(t *testing.T, f *chamber.Field, res *cells.Result, used []bool, k int) {
	const W, H, S = 500, 400, 2
	// HISTOCOUNT_FIELD_DIAG_PNG=x,y moves the window's top-left corner.
	var ox, oy int
	fmt.Sscanf(os.Getenv("HISTOCOUNT_FIELD_DIAG_PNG"), "%d,%d", &ox, &oy)
	out := image.NewRGBA(image.Rect(0, 0, W*S, H*S))
	for y := 0; y < H*S; y++ {
		for x := 0; x < W*S; x++ {
			out.Set(x, y, f.Image.At(ox+x/S, oy+y/S))
		}
	}
	circle := func(cx, cy, r float64, c color.Color) {
		cx, cy = cx-float64(ox), cy-float64(oy)
		for a := 0.0; a < 2*math.Pi; a += 0.05 {
			out.Set(int(S*(cx+r*math.Cos(a))), int(S*(cy+r*math.Sin(a))), c)
		}
	}
	for i, tc := range f.Cells {
		c := color.RGBA{0, 200, 0, 255}
		if !used[i] {
			c = color.RGBA{255, 0, 0, 255}
			if tc.Dead {
				c = color.RGBA{255, 0, 255, 255}
			}
		}
		circle(tc.X, tc.Y, tc.R+1, c)
	}
	for _, o := range res.Objects {
		c := color.RGBA{255, 255, 0, 255}
		if o.Class == models.ClassDead {
			c = color.RGBA{0, 255, 255, 255}
		}
		x, y := int(S*(o.CentroidXPx-float64(ox))), int(S*(o.CentroidYPx-float64(oy)))
		draw.Draw(out, image.Rect(x-2, y-2, x+2, y+2), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	name := filepath.Join(os.TempDir(), fmt.Sprintf("physgen-field-diag-%d.png", k))
	t.Logf("overlay: %s", name)
	fh, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	_ = png.Encode(fh, out)
}
