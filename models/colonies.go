package models

// Polarity of the colonies against the dish.
const (
	PolarityDark  = "dark"  // dark colonies on a light dish (crystal violet)
	PolarityLight = "light" // light colonies on dark agar
)

// Colony object classes.
const (
	ColonyCounted  = "colony"   // counted colony
	ColonyAbortive = "abortive" // cluster below the colony size threshold
	ColonyDebris   = "debris"   // thin, hollow or irregular object: writing, scratch, bubble, fibre
)

// Colony is one segmented colony (or one rejected cluster, with Class not
// "colony"). Coordinates and pixel areas refer to the input image.
type Colony struct {
	ID              int     `json:"id"`    // equal to its value in the label image
	Class           string  `json:"class"` // colony, abortive or debris
	CentroidXPx     float64 `json:"centroid_x_px"`
	CentroidYPx     float64 `json:"centroid_y_px"`
	AreaPx          float64 `json:"area_px"`
	AreaUM2         float64 `json:"area_um2,omitempty"` // 0 when uncalibrated
	EquivDiameterPx float64 `json:"equiv_diameter_px"`  // diameter of the disc of equal area
	EquivDiameterUM float64 `json:"equiv_diameter_um,omitempty"`
	Circularity     float64 `json:"circularity"`    // 4π·area/perimeter², 1 for a disc
	MeanIntensity   float64 `json:"mean_intensity"` // mean grey level 0..255 inside the colony
	// StainContrast is the mean difference from the local dish background,
	// in grey levels, signed so that stained/visible colonies are positive.
	StainContrast float64 `json:"stain_contrast"`
	// EstimatedCells is area ÷ cell area; 0 when the cell area or the pixel
	// size is unknown.
	EstimatedCells float64 `json:"estimated_cells,omitempty"`
}

// Dish is the detected (or given) dish region, in input pixels.
type Dish struct {
	Found bool    `json:"found"`
	Shape string  `json:"shape,omitempty"` // "circle", "mask" or "image" (whole image used)
	CXPx  float64 `json:"cx_px,omitempty"`
	CYPx  float64 `json:"cy_px,omitempty"`
	// RadiusPx is the radius of the analysed region; RimRadiusPx the outer
	// dish wall as detected.
	RadiusPx    float64 `json:"radius_px,omitempty"`
	RimRadiusPx float64 `json:"rim_radius_px,omitempty"`
	// InnerRadiusPx is where the rim band (meniscus, inner wall) begins;
	// objects between it and RadiusPx count only when compact and round.
	InnerRadiusPx float64 `json:"inner_radius_px,omitempty"`
	AreaPx        float64 `json:"area_px,omitempty"` // analysed area
	Source        string  `json:"source,omitempty"`  // "auto" or "roi"
}

// PlateEntry is one row of a plate map: which sample an image belongs to
// and how many cells were seeded in that dish or well.
type PlateEntry struct {
	Image       string  `json:"image"`
	Sample      string  `json:"sample"`
	CellsSeeded float64 `json:"cells_seeded"`
	Replicate   string  `json:"replicate,omitempty"`
	Line        int     `json:"-"` // line in the plate-map file, for messages
}

// ColonyPlateResult is the result for one photographed dish or plate.
type ColonyPlateResult struct {
	Index            int     `json:"index"` // position in the input list, 0-based
	Image            string  `json:"image"`
	Sample           string  `json:"sample,omitempty"`
	Replicate        string  `json:"replicate,omitempty"`
	Status           string  `json:"status"`
	Error            string  `json:"error,omitempty"`
	Polarity         string  `json:"polarity,omitempty"` // dark or light
	Colonies         int     `json:"colonies"`
	RejectedClusters int     `json:"rejected_clusters"` // abortive clusters and debris not counted
	CoveredAreaPct   float64 `json:"covered_area_pct"`  // colony area ÷ analysed dish area × 100
	// SizeRule names the colony size threshold that decided (area_px,
	// area_um2, diameter_um, cells_um2, cells_px, dish_fraction) and
	// MinColonyAreaPx its value in input px².
	SizeRule        string  `json:"size_rule,omitempty"`
	MinColonyAreaPx float64 `json:"min_colony_area_px,omitempty"`
	// EstimatedColonies of Colonies were estimated from the area of
	// confluent regions (QC count_estimated_from_area).
	EstimatedColonies int `json:"estimated_colonies,omitempty"`
	// CellsSeeded and CFEPct are present when a plate map gives the seeding.
	CellsSeeded float64     `json:"cells_seeded,omitempty"`
	CFEPct      float64     `json:"cfe_pct,omitempty"` // colonies ÷ cells seeded × 100
	Dish        Dish        `json:"dish"`
	Calibration Calibration `json:"calibration"`
	Input       InputInfo   `json:"input"`
	QC          []string    `json:"qc,omitempty"`
	Objects     []Colony    `json:"objects,omitempty"` // counted colonies then rejected clusters
}

// CFESample pools the replicate dishes of one sample or donor.
type CFESample struct {
	Sample       string  `json:"sample"`
	Images       int     `json:"images"`        // dishes pooled (ok and seeded)
	FailedImages int     `json:"failed_images"` // dishes of this sample that failed or had no seeding
	Colonies     int     `json:"colonies"`      // summed over pooled dishes
	CellsSeeded  float64 `json:"cells_seeded"`  // summed over pooled dishes
	// CFEPct is the pooled efficiency Σcolonies ÷ Σcells seeded × 100, with
	// an exact (Garwood) Poisson 95 % interval on Σcolonies.
	CFEPct       float64 `json:"cfe_pct"`
	CFECILowPct  float64 `json:"cfe_ci_low_pct"`
	CFECIHighPct float64 `json:"cfe_ci_high_pct"`
	// MeanCFEPct ± SDCFEPct over the replicate dishes (SD with n−1; 0 for one dish).
	MeanCFEPct float64  `json:"mean_cfe_pct"`
	SDCFEPct   float64  `json:"sd_cfe_pct"`
	QC         []string `json:"qc,omitempty"`
}

// ColoniesRun is the whole results.json of `histocount colonies`.
type ColoniesRun struct {
	SchemaVersion string              `json:"schema_version"`
	Kind          string              `json:"kind"` // "colonies"
	Provenance    Provenance          `json:"provenance"`
	Images        []ColonyPlateResult `json:"images"`
	Samples       []CFESample         `json:"samples"`
	Summary       RunSummary          `json:"summary"`
}

// QC flags specific to colony counting.
const (
	QCFewColonies = "few_colonies"     // fewer than 10 colonies pooled: the CFE interval is wide
	QCNoSeeding   = "no_cells_seeded"  // no plate-map entry or zero cells seeded: no CFE
	QCRimObjects  = "objects_near_rim" // many objects touch the analysed edge: check the ROI
	// QCImplausibleCFE: CFE above 100 % — more colonies than cells seeded;
	// the seeding or the count is wrong.
	QCImplausibleCFE = "cfe_implausible"
	// QCAreaEstimate: part of the count is a confluent area divided by the
	// typical single-colony area, not separated colonies.
	QCAreaEstimate = "count_estimated_from_area"
	// QCPolarityContested: the heavier contrast tail said the colonies have
	// the dish's own brightness and the deeper tail decided; check the
	// overlay (or set --polarity).
	QCPolarityContested = "polarity_contested"
)
