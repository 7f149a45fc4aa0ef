package imageio

// Plausible microscopy pixel sizes. 0.01 µm/px is below any optical
// microscope's sampling (oil objectives with camera binning 1 reach
// ~0.05 µm/px); 1000 µm/px is a 10 cm dish imaged on ~100 px, coarser than
// any plate camera or flatbed scanner (300 dpi = 85 µm/px). Values outside
// come from broken metadata (2³²−1 px/cm, 1 px/m) and are not believed.
const (
	MinPixelSizeUM = 0.01
	MaxPixelSizeUM = 1000.0
)

// PlausiblePixelSizeUM reports whether um µm per pixel is a believable
// microscopy calibration (finite, within [MinPixelSizeUM, MaxPixelSizeUM]).
func PlausiblePixelSizeUM(um float64) bool {
	return um >= MinPixelSizeUM && um <= MaxPixelSizeUM // false for NaN
}
