package models

// Cell object classes.
const (
	ClassLive    = "live"
	ClassDead    = "dead"
	ClassNucleus = "nucleus"
)

// CellObject is one segmented cell or nucleus.
type CellObject struct {
	ID              int     `json:"id"`    // 1..n, equal to its value in the label image
	Class           string  `json:"class"` // live, dead or nucleus
	CentroidXPx     float64 `json:"centroid_x_px"`
	CentroidYPx     float64 `json:"centroid_y_px"`
	AreaPx          float64 `json:"area_px"`
	AreaUM2         float64 `json:"area_um2,omitempty"` // 0 when uncalibrated
	EquivDiameterPx float64 `json:"equiv_diameter_px"`  // diameter of the circle of equal area
	EquivDiameterUM float64 `json:"equiv_diameter_um,omitempty"`
	MeanIntensity   float64 `json:"mean_intensity"` // mean grey level 0..255 inside the object
	Circularity     float64 `json:"circularity"`    // 4π·area/perimeter², 1 for a disc
	// Marker is the proliferation-marker measurement (two-channel runs only).
	Marker *CellMarker `json:"marker,omitempty"`
	// Mitotic says the nucleus looks like a mitotic figure (condensed
	// chromatin) in the DNA stain; present for fluorescent nuclei only.
	Mitotic *bool `json:"mitotic,omitempty"`
}

// CellMarker is the proliferation-marker signal of one nucleus, in grey
// levels of the 8-bit marker channel, background-corrected by the median of
// a local annulus around the nucleus.
type CellMarker struct {
	Mean       float64 `json:"mean"`       // mean inside the nucleus minus the annulus median
	Integrated float64 `json:"integrated"` // Mean × area in px
	Background float64 `json:"background"` // annulus median
	Score      float64 `json:"score"`      // 90th percentile inside less Background; compared with the threshold
	Positive   bool    `json:"positive"`
}

// MarkerSummary is the proliferating (marker-positive) fraction of an image
// or a sample, with the Wilson 95 % interval.
type MarkerSummary struct {
	Positive        int     `json:"positive"`
	Nuclei          int     `json:"nuclei"`
	PositivePct     float64 `json:"positive_pct"`
	CILowPct        float64 `json:"ci_low_pct"`
	CIHighPct       float64 `json:"ci_high_pct"`
	Threshold       float64 `json:"threshold,omitempty"`        // on the nucleus score, grey levels (per image)
	ThresholdMethod string  `json:"threshold_method,omitempty"` // auto or fixed
}

// MitoticSummary is the mitotic index of an image or a sample: mitotic
// figures called from the DNA stain alone over all nuclei, with the Wilson
// 95 % interval. A figure is one mitotic nucleus, or a close pair of them
// (anaphase halves, telophase daughters: two nuclei, one cell dividing).
type MitoticSummary struct {
	Mitotic   int     `json:"mitotic"` // mitotic figures
	Nuclei    int     `json:"nuclei"`
	IndexPct  float64 `json:"index_pct"` // 100·mitotic/nuclei; 0 when nuclei is 0
	CILowPct  float64 `json:"ci_low_pct"`
	CIHighPct float64 `json:"ci_high_pct"`
}

// CellsImage is the result for one image of a cell suspension or of nuclei.
type CellsImage struct {
	Index        int          `json:"index"` // position in the input list, 0-based
	Image        string       `json:"image"`
	Sample       string       `json:"sample,omitempty"`
	Status       string       `json:"status"`
	Error        string       `json:"error,omitempty"`
	Stain        string       `json:"stain"`
	Live         int          `json:"live"`
	Dead         int          `json:"dead"`
	Total        int          `json:"total"`
	ViabilityPct float64      `json:"viability_pct"` // 100·live/(live+dead); 0 when total is 0
	Calibration  Calibration  `json:"calibration"`
	Input        InputInfo    `json:"input"`
	QC           []string     `json:"qc,omitempty"`
	Objects      []CellObject `json:"objects,omitempty"`
	// Marker is present when a proliferation marker was measured.
	Marker *MarkerSummary `json:"marker,omitempty"`
	// MitoticIndex is present for fluorescent nuclei on a dark background.
	MitoticIndex *MitoticSummary `json:"mitotic_index,omitempty"`
}

// Chamber describes the counting chamber and sample preparation, needed to
// turn counts into concentrations.
type Chamber struct {
	PixelSizeUM  float64 `json:"pixel_size_um,omitempty"` // µm per pixel; 0 = use image metadata
	DepthUM      float64 `json:"depth_um"`                // chamber depth, 100 µm for a Neubauer hemocytometer
	Dilution     float64 `json:"dilution"`                // sample dilution factor before staining (1 = none)
	TrypanRatio  float64 `json:"trypan_ratio"`            // stain mixing factor: 2 for 1:1 trypan blue
	MinViablePML float64 `json:"min_viable_per_ml"`       // release threshold, viable cells/ml
}

// CellsSample pools the fields (images) of one sample into a concentration.
type CellsSample struct {
	Sample             string  `json:"sample"`
	Images             int     `json:"images"`        // images pooled (ok ones)
	FailedImages       int     `json:"failed_images"` // images of this sample that failed
	Live               int     `json:"live"`
	Dead               int     `json:"dead"`
	Total              int     `json:"total"`
	ViabilityPct       float64 `json:"viability_pct"`
	ViabilityCILowPct  float64 `json:"viability_ci_low_pct"` // Wilson 95 % interval
	ViabilityCIHighPct float64 `json:"viability_ci_high_pct"`
	// Concentrations are present only when the imaged volume is known.
	VolumeUL          float64 `json:"imaged_volume_ul,omitempty"` // summed imaged chamber volume, µl
	ViablePerML       float64 `json:"viable_per_ml,omitempty"`
	ViablePerMLCILow  float64 `json:"viable_per_ml_ci_low,omitempty"` // exact Poisson 95 %
	ViablePerMLCIHigh float64 `json:"viable_per_ml_ci_high,omitempty"`
	TotalPerML        float64 `json:"total_per_ml,omitempty"`
	TotalPerMLCILow   float64 `json:"total_per_ml_ci_low,omitempty"`
	TotalPerMLCIHigh  float64 `json:"total_per_ml_ci_high,omitempty"`
	// Release is "pass", "fail" or "unknown" (no volume, or the CI straddles the threshold is still judged on the point estimate; see README).
	Release string `json:"release"`
	// Marker pools the marker-positive nuclei of the sample's images.
	Marker *MarkerSummary `json:"marker,omitempty"`
	// MitoticIndex pools the mitotic figures of the sample's images.
	MitoticIndex *MitoticSummary `json:"mitotic_index,omitempty"`
	MinViablePML float64         `json:"min_viable_per_ml,omitempty"`
	QC           []string        `json:"qc,omitempty"`
}

// CellsRun is the whole results.json of `histocount cells`.
type CellsRun struct {
	SchemaVersion string        `json:"schema_version"`
	Kind          string        `json:"kind"` // "cells"
	Provenance    Provenance    `json:"provenance"`
	Chamber       Chamber       `json:"chamber"`
	Images        []CellsImage  `json:"images"`
	Samples       []CellsSample `json:"samples"`
	Summary       RunSummary    `json:"summary"`
	Finished      string        `json:"finished"` // RFC 3339 end time
}

// RunSummary counts what happened to the inputs.
type RunSummary struct {
	Inputs      int  `json:"inputs"`
	OK          int  `json:"ok"`
	Failed      int  `json:"failed"`
	Flagged     int  `json:"flagged"` // ok but with at least one QC flag
	Interrupted bool `json:"interrupted"`
	ExitCode    int  `json:"exit_code"`
}

// Provenance records what produced a result.
type Provenance struct {
	Tool          string            `json:"tool"`
	Version       string            `json:"version"`
	Commit        string            `json:"commit,omitempty"`
	OpenCVVersion string            `json:"opencv_version,omitempty"`
	GoVersion     string            `json:"go_version,omitempty"`
	Host          string            `json:"host,omitempty"`
	Started       string            `json:"started,omitempty"` // RFC 3339
	Finished      string            `json:"finished,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"`
}
