package cells

import (
	"image"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/cells/chambersynth"
)

// TestTrypanRingPeaksExact: the integral-image scan, over the whole field
// and restricted to rectangles, returns exactly the peaks of the
// whole-field gocv.Blur scan, on a drawn field and on a chambersynth
// field's grey levels (about the chamber grey).
func TestTrypanRingPeaksExact(t *testing.T) {
	const w, h = 240, 160
	fields := map[string][]int16{"drawn": ringField(w, h, [][3]float64{{50, 50, 8}, {120, 110, 11}, {131, 120, 9}, {2, 3, 7}}, [][3]float64{{150, 40, 9}, {40, 120, 3}})}
	f, err := chambersynth.Generate(chambersynth.DefaultParams(), 1)
	if err != nil {
		t.Fatal(err)
	}
	fw, fh := f.Image.Width, f.Image.Height
	g := make([]int16, fw*fh)
	for i := range g {
		g[i] = int16(f.Image.Pix[i*f.Image.Channels+1]) - 128
	}
	fields["chambersynth"] = g
	rng := rand.New(rand.NewSource(1))
	for name, fl := range fields {
		fw, fh := w, h
		if name == "chambersynth" {
			fw, fh = f.Image.Width, f.Image.Height
		}
		radii := trypanRingRadii(0.5)
		want := trypanRingPeaksRef(fl, fw, fh, radii, 4)
		if len(want) == 0 {
			t.Fatalf("%s: no reference peaks", name)
		}
		if got := trypanRingPeaks(fl, fw, fh, radii, 4, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("%s whole field: %d peaks, want %d", name, len(got), len(want))
		}
		var within []image.Rectangle
		// Half the rectangles on reference peaks, so that some are inside.
		for k := range 12 {
			x, y := rng.Intn(fw), rng.Intn(fh)
			if k%2 == 0 {
				p := want[rng.Intn(len(want))]
				x, y = p.x-rng.Intn(10), p.y-rng.Intn(10)
			}
			within = append(within, image.Rect(x, y, x+1+rng.Intn(40), y+1+rng.Intn(40)))
		}
		var sub []trypanRingPeak
		for _, p := range want {
			if trypanRingInside(p, within) {
				sub = append(sub, p)
			}
		}
		if len(sub) == 0 {
			t.Fatalf("%s: no reference peak inside the rectangles", name)
		}
		if got := trypanRingPeaks(fl, fw, fh, radii, 4, within); !reflect.DeepEqual(got, sub) {
			t.Errorf("%s within: %+v, want %+v", name, got, sub)
		}
	}
}

// trypanRingPeaksRef is the whole-field scan with gocv.Blur that
// trypanRingPeaks replaced (d44da10): its reference.
func trypanRingPeaksRef(flat []int16, w, h int, radii []float64, thr float64) []trypanRingPeak {
	src := gocv.NewMatWithSize(h, w, gocv.MatTypeCV32F)
	defer src.Close()
	sp, _ := src.DataPtrFloat32()
	for i, v := range flat {
		sp[i] = float32(v)
	}
	best := make([]float32, w*h)
	for i := range best {
		best[i] = -1e9
	}
	scale := make([]uint8, w*h)
	atC, atR := make([]float32, w*h), make([]float32, w*h)
	centre, rim := make([]float32, w*h), make([]float32, w*h)
	for si, r := range radii {
		trypanRingMaps(src, r, centre, rim)
		for i := range best {
			// The rim must also lie below the chamber grey all round: a
			// bright gap between close grid lines or a cell's halo has a
			// centre above its surroundings but no dark ring.
			if d := min(centre[i]-rim[i], -trypanRingRim*rim[i]); d > best[i] {
				best[i], scale[i], atC[i], atR[i] = d, uint8(si), centre[i], rim[i]
			}
		}
	}
	thr = math.Max(thr, trypanRingNoiseFloor(best, w, h))
	// Local maxima within the smallest radius.
	bm, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV32F, unsafe.Slice((*byte)(unsafe.Pointer(&best[0])), 4*len(best)))
	if err != nil {
		return nil
	}
	defer bm.Close()
	dil := gocv.NewMat()
	defer dil.Close()
	ks := 2*int(math.Max(1, math.Round(0.8*radii[0]))) + 1
	kern := gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(ks, ks))
	gocv.Dilate(bm, &dil, kern)
	kern.Close()
	dp, _ := dil.DataPtrFloat32()
	var peaks []trypanRingPeak
	for i, v := range best {
		if float64(v) > thr && v >= dp[i] {
			peaks = append(peaks, trypanRingPeak{x: i % w, y: i / w, r: radii[scale[i]], score: v, centre: atC[i], rim: atR[i]})
		}
	}
	sort.SliceStable(peaks, func(i, j int) bool { return peaks[i].score > peaks[j].score })
	// The greedy suppression is the scan's own: only the ring response is
	// the reference's.
	return (&trypanRingScan{w: w, radii: radii}).suppress(peaks)
}

// trypanRingMaps writes, per pixel of src (w·h float32), the mean over
// the centre (a square of side 0.8 r) into centre and the mean of the
// least dark of the four axis-centred quarters of the rim at 0.8–1.05 r
// into rim: a grid line or a neighbour's rim darkens one side only, a
// cell's rim all round. Each quarter is a strip across the rim, rim-thick
// and about a radius long (a quarter arc at 45° either side of the axis
// spans 1.4 radii; its middle stays off the corners that the neighbouring
// quarters hold): box means, so the cost does not grow with the radius.
func trypanRingMaps(src gocv.Mat, r float64, centre, rim []float32) {
	w, h := src.Cols(), src.Rows()
	rin, rout := math.Min(0.8*r, r-1.2), 1.05*r
	mid := int(math.Round((rin + rout) / 2))
	thick := max(1, int(math.Round(rout-rin)))
	long := 2*int(math.Round(0.5*(rin+rout)/2)) + 1
	side := 2*int(math.Round(0.4*r)) + 1
	box := gocv.NewMat()
	defer box.Close()
	gocv.Blur(src, &box, image.Pt(side, side))
	bp, _ := box.DataPtrFloat32()
	copy(centre, bp)
	// Vertical strips (left and right quarters), read mid px either side.
	gocv.Blur(src, &box, image.Pt(thick, long))
	bp, _ = box.DataPtrFloat32()
	for y := 0; y < h; y++ {
		row := bp[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			rim[y*w+x] = max(row[max(x-mid, 0)], row[min(x+mid, w-1)])
		}
	}
	// Horizontal strips (upper and lower quarters).
	gocv.Blur(src, &box, image.Pt(long, thick))
	bp, _ = box.DataPtrFloat32()
	for y := 0; y < h; y++ {
		up, down := bp[max(y-mid, 0)*w:], bp[min(y+mid, h-1)*w:]
		for x := 0; x < w; x++ {
			rim[y*w+x] = max(rim[y*w+x], up[x], down[x])
		}
	}
}
