package models

// Stains of skin sections.
const (
	StainHE     = "he"     // haematoxylin and eosin
	StainSilver = "silver" // silver-nitrate impregnation (argyrophilic fibres)
)

// Thickness units.
const (
	UnitUM = "um"
	UnitPx = "px"
)

// QC flags specific to skin sections.
const (
	QCNoEpidermis = "no_epidermis" // tissue found but no epidermal band along its outline
	// QCImplausible: a thickness no skin has (dermis < 100 µm or thinner
	// than the epidermis while tissue continues below, epidermis < 20 µm
	// or > 400 µm, any layer > 5 mm): check the overlay before using the numbers.
	QCImplausible = "implausible"
)

// LayerThickness summarises the perpendicular thickness of one skin layer
// measured at regular intervals along the skin surface.
type LayerThickness struct {
	Unit   string  `json:"unit"` // "um" when calibrated, else "px" (input pixels)
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"` // sample SD (n−1); 0 for one measurement
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"` // number of perpendicular measurements; 0: none, the statistics are 0, not a thickness
	// MeanPx is Mean in input pixels whatever Unit is, for the px columns
	// of images.csv; not part of the result files.
	MeanPx float64 `json:"-"`
}

// LayerFractions are the shares of the tissue area (0..1) in each layer.
type LayerFractions struct {
	Corneum    float64 `json:"stratum_corneum"`
	Epidermis  float64 `json:"epidermis"`
	Dermis     float64 `json:"dermis"`
	Hypodermis float64 `json:"hypodermis"`
}

// DermisSection is the result for one image of a skin section.
type DermisSection struct {
	Index         int         `json:"index"`
	Image         string      `json:"image"`
	Sample        string      `json:"sample,omitempty"`
	Status        string      `json:"status"`
	Error         string      `json:"error,omitempty"`
	Stain         string      `json:"stain"`          // stain the analysis used
	StainDetected string      `json:"stain_detected"` // "he", "silver" or "unrecognised"
	Calibration   Calibration `json:"calibration"`
	Input         InputInfo   `json:"input"`
	Unit          string      `json:"unit"` // unit of every thickness field: "um" or "px"
	IntervalUM    float64     `json:"interval_um,omitempty"`
	IntervalPx    float64     `json:"interval_px"` // spacing of the measurements along the surface, input px
	// SurfaceLength is the length of the fitted skin surface, in Unit.
	SurfaceLength float64        `json:"surface_length"`
	Epidermis     LayerThickness `json:"epidermis_thickness"`
	Dermis        LayerThickness `json:"dermis_thickness"`
	// StratumCorneum is present when a cornified layer was found on most
	// of the surface.
	StratumCorneum *LayerThickness `json:"stratum_corneum_thickness,omitempty"`
	// DermisLowerBound is true when the dermis ran off the image or no
	// hypodermis was found: DermisThickness is then a lower bound.
	DermisLowerBound  bool `json:"dermis_lower_bound"`
	HypodermisPresent bool `json:"hypodermis_present"`
	// FibreAreaPct is the share of the dermal area (%) covered by collagen
	// (H&E: eosin-dominant stained pixels) or by argyrophilic fibres
	// (silver: dark deposit).
	FibreAreaPct  float64 `json:"fibre_area_pct"`
	FibreMeasure  string  `json:"fibre_measure"` // "eosin_collagen" or "argyrophilic"
	DermalNuclei  int     `json:"dermal_nuclei"`
	NucleiPerMM2  float64 `json:"dermal_nuclei_per_mm2,omitempty"` // 0 when uncalibrated
	DermalAreaMM2 float64 `json:"dermal_area_mm2,omitempty"`
	// LayerFractions are shares of the segmented tissue area.
	LayerFractions LayerFractions `json:"layer_fractions"`
	QC             []string       `json:"qc,omitempty"`
}
