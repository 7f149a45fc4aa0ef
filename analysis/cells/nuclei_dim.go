package cells

import (
	"image"
	"math"

	"gocv.io/x/gocv"
)

// Constants for dim nuclei beside bright ones; lengths are in units of
// the typical nucleus radius r.
const (
	nucleiWholeAreaFrac        = 0.3  // a whole nucleus (not a speck or a piece) covers at least this × πr² ...
	nucleiWholeMinContrastFrac = 0.35 // ... and in fluorescence need exceed its surroundings' median only by this × (Otsu − bg) (nucleiMinContrastFrac otherwise)
	nucleiMergeMaxDimRatio     = 0.65 // two whole nuclei do not merge when the dimmer's peak is below this × the brighter's (above bg)
	nucleiDimLocalFrac         = 0.5  // a pixel's neighbourhood for the local maximum: a disc of this × r ...
	nucleiDimLevelFrac         = 0.7  // ... a dim core's pixels reach this × that maximum (above bg) ...
	nucleiDimMinAreaFrac       = 0.1  // ... and the core covers at least this × πr²
)

// addDimCores adds to core (in place) the cores of nuclei too dim for
// nucleusCores' level, which is set per foreground component and so by
// its brightest nucleus: a dim nucleus pressed against a bright one lies
// below it and gets no marker. Here a pixel is core when it reaches
// nucleiDimLevelFrac of the highest signal within nucleiDimLocalFrac·r
// (both above bg): each nucleus is measured against its own peak, and
// the rim of a dim nucleus that faces a bright one sees the bright one
// and drops out, so the two cores stay apart. Pieces that cover at least
// nucleiDimMinAreaFrac·πr² and are larger than any existing core they
// touch are added: a chromatin spot of the dim nucleus may reach the
// clump's level, while a piece that only fringes a bigger core (the
// bright neighbour's) would undo the split between them. coreCC and
// coreAreas are components' of core as handed in; added reports whether
// any piece was added.
func addDimCores(core []bool, coreCC []int32, coreAreas []int, fg []bool, sm []float32, bg float32, r float64, w, h int) (added bool, err error) {
	rho := max(1, int(math.Round(nucleiDimLocalFrac*r)))
	local, err := applyFloat32(sm, w, h, func(in gocv.Mat, out *gocv.Mat) {
		disc := gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(2*rho+1, 2*rho+1))
		defer disc.Close()
		gocv.Dilate(in, out, disc)
	})
	if err != nil {
		return false, err
	}
	dim := make([]bool, len(core))
	for i, v := range sm {
		dim[i] = fg[i] && !core[i] && v-bg >= nucleiDimLevelFrac*(local[i]-bg)
	}
	cc, n, areas := components(dim, w, h)
	touched := make([]int, n+1) // largest existing core each piece touches, px
	for i, l := range cc {
		if l == 0 {
			continue
		}
		x, y := i%w, i/w
		for _, o := range neighbours8 {
			nx, ny := x+o[0], y+o[1]
			if nx >= 0 && ny >= 0 && nx < w && ny < h {
				if c := coreCC[ny*w+nx]; c > 0 {
					touched[l] = max(touched[l], coreAreas[c])
				}
			}
		}
	}
	keep := make([]bool, n+1)
	for l := 1; l <= n; l++ {
		keep[l] = float64(areas[l]) >= nucleiDimMinAreaFrac*math.Pi*r*r && areas[l] > touched[l]
	}
	for i, l := range cc {
		if l > 0 && keep[l] {
			core[i] = true
			added = true
		}
	}
	return added, nil
}
