package cells

import "math"

// Candidate patches for the learned trypan classifier (trypan_cellmlp.go
// summarises them in ring profiles and extremes).
//
// Each candidate object is seen through a trypanPatchSide² window centred
// on its centroid, sampled every sc.refRadiusPx/trypanUncalibratedRefRadiusPx
// pixels so that a cell covers the same number of patch pixels whatever the
// magnification (≈ 20 of 32 on the development crops). Three channels:
//
//	0: flattened grey (0 = chamber background) / trypanPatchGreyScale,
//	   clipped to ±trypanPatchClip: rim, refractile centre, stain;
//	1: 1 inside the field, 0 outside: cells cut by the field edge look
//	   different from whole cells, and whether they count is a convention
//	   the annotators follow;
//	2: 1 on the candidate's own segmented region: which object of a clump
//	   is asked about, and its extent.
const (
	trypanPatchSide      = 32
	trypanPatchChannels  = 3
	trypanPatchGreyScale = 64
	trypanPatchClip      = 3
)

// trypanPatchLen is the number of values of one patch.
const trypanPatchLen = trypanPatchChannels * trypanPatchSide * trypanPatchSide

// trypanPatch fills out (channel-major, trypanPatchLen values) with the
// patch of the object labelled l, centred on (cx, cy).
func trypanPatch(flat []int16, labels []int32, w, h int, l int32, cx, cy float64, sc trypanScale, out []float32) {
	step := sc.refRadiusPx / trypanUncalibratedRefRadiusPx
	if !(step > 0) {
		step = 1
	}
	const n = trypanPatchSide
	plane := n * n
	half := float64(n-1) / 2
	for i := 0; i < n; i++ {
		y := int(math.Floor(cy + (float64(i)-half)*step + 0.5))
		for j := 0; j < n; j++ {
			x := int(math.Floor(cx + (float64(j)-half)*step + 0.5))
			k := i*n + j
			if x < 0 || y < 0 || x >= w || y >= h {
				out[k], out[plane+k], out[2*plane+k] = 0, 0, 0
				continue
			}
			p := y*w + x
			v := float64(flat[p]) / trypanPatchGreyScale
			out[k] = float32(math.Max(-trypanPatchClip, math.Min(trypanPatchClip, v)))
			out[plane+k] = 1
			if labels[p] == l {
				out[2*plane+k] = 1
			} else {
				out[2*plane+k] = 0
			}
		}
	}
}
