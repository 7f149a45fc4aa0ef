package models

// DilutionRun is dilution.json, written by `histocount dilution`: the
// ISO 20391-2:2019 performance of one or more counting methods from a
// dilution series, with the metric names of NIST's COMET.
type DilutionRun struct {
	SchemaVersion string             `json:"schema_version"`
	Kind          string             `json:"kind"` // "dilution"
	Provenance    Provenance         `json:"provenance"`
	Input         DilutionInput      `json:"input"`
	Options       DilutionOptions    `json:"options"`
	Design        []DilutionDesign   `json:"design"`     // per counting method
	DesignMet     bool               `json:"design_met"` // every method meets ≥ 4 DFs × ≥ 3 replicate samples × ≥ 3 observations
	Methods       []DilutionMethod   `json:"methods"`
	Comparisons   []DilutionRatio    `json:"comparisons"` // method pairs; empty with one method
	Notes         []string           `json:"notes,omitempty"`
	Observations  []DilutionObserved `json:"observations"`
}

// DilutionInput says where the observations came from.
type DilutionInput struct {
	Mode          string `json:"mode"` // "comet-template" or "sheet"
	Path          string `json:"path"` // the template, or the sheet
	SHA256        string `json:"sha256,omitempty"`
	Results       string `json:"results,omitempty"`       // sheet mode: the cells results directory
	Concentration string `json:"concentration,omitempty"` // sheet mode: "total" or "viable"
	Observations  int    `json:"observations"`            // rows used
	Dropped       int    `json:"dropped"`                 // rows without method or concentration, skipped as COMET does
	MeasuredDF    bool   `json:"measured_df"`             // x = measured dilution fraction (else target)
}

// DilutionOptions are the analysis settings.
type DilutionOptions struct {
	Boot            int     `json:"boot"` // bootstrap replicates; 0 = no intervals
	Seed            uint64  `json:"seed"`
	ConfidenceLevel float64 `json:"confidence_level"`
	// VarianceModel is COMET's var_func 1: variance ∝ x, so the fits are
	// weighted by n/x (proportional) and 1/x (smoothing).
	VarianceModel string `json:"variance_model"`
	SmoothDegree  int    `json:"smooth_degree"` // polynomial degree of the smoothing fit
}

// DilutionDesign is the ISO 20391-2 design check for one method.
type DilutionDesign struct {
	CountingMethod string             `json:"counting_method"`
	Met            bool               `json:"met"`
	DFsMeeting     int                `json:"dfs_meeting"` // DFs with ≥ 3 replicate samples of ≥ 3 observations
	PerDF          []DilutionDesignDF `json:"per_df"`
}

// DilutionDesignDF counts replicate samples and observations at one DF.
type DilutionDesignDF struct {
	TargetDF         float64 `json:"target_dilution_fraction"`
	ReplicateSamples int     `json:"replicate_samples"`
	SamplesWith3Obs  int     `json:"samples_with_3_observations"`
	MinObservations  int     `json:"min_observations"`
}

// DilutionMethod is the result for one counting method.
type DilutionMethod struct {
	CountingMethod    string              `json:"counting_method"`
	CellType          string              `json:"cell_type,omitempty"`
	ConcentrationType string              `json:"concentration_type,omitempty"`
	Metrics           []DilutionMetric    `json:"metrics"`
	CV                []DilutionPerDF     `json:"cv"`    // mean CV per target DF (fraction)
	Means             []DilutionPerDF     `json:"means"` // mean concentration per target DF
	ReplicateSamples  []DilutionReplicate `json:"replicate_samples"`
}

// DilutionMetric is one named metric (COMET's name) with its bootstrap
// interval; Lower/Upper are absent without a bootstrap.
type DilutionMetric struct {
	Name  string   `json:"name"`
	Value float64  `json:"value"`
	Lower *float64 `json:"lower,omitempty"`
	Upper *float64 `json:"upper,omitempty"`
}

// DilutionPerDF is a value at one target dilution fraction.
type DilutionPerDF struct {
	TargetDF float64  `json:"target_dilution_fraction"`
	Value    float64  `json:"value"`
	Lower    *float64 `json:"lower,omitempty"`
	Upper    *float64 `json:"upper,omitempty"`
}

// DilutionReplicate is one replicate sample (COMET's rep_dat row) with its
// fits.
type DilutionReplicate struct {
	StockSolution   string   `json:"stock_solution"`
	TargetDF        float64  `json:"target_dilution_fraction"`
	X               float64  `json:"dilution_fraction"` // measured DF, or target DF
	StockExtraction string   `json:"stock_extraction"`
	N               int      `json:"n"`
	MeanConc        float64  `json:"mean_conc"`
	VarConc         *float64 `json:"var_conc,omitempty"` // absent when n = 1
	Fitted          float64  `json:"proportional_fit"`
	Residual        float64  `json:"residual"`
	Smoothed        float64  `json:"smoothing_fit"`
}

// DilutionRatio is metric(level1) / metric(level2) with a bootstrap
// percentile interval.
type DilutionRatio struct {
	Metric string   `json:"metric"`
	Level1 string   `json:"level1"`
	Level2 string   `json:"level2"`
	Ratio  float64  `json:"ratio"`
	Lower  *float64 `json:"lower,omitempty"`
	Upper  *float64 `json:"upper,omitempty"`
}

// DilutionObserved is one observation as analysed.
type DilutionObserved struct {
	CountingMethod  string   `json:"counting_method"`
	TargetDF        float64  `json:"target_dilution_fraction"`
	MeasuredDF      *float64 `json:"measured_dilution_fraction,omitempty"`
	RandomSample    string   `json:"random_sample_number,omitempty"`
	ReplicateSample string   `json:"replicate_sample"`
	StockSolution   string   `json:"stock_solution,omitempty"`
	StockExtraction string   `json:"stock_extraction"`
	Observation     string   `json:"rep_obsv,omitempty"`
	CellConc        float64  `json:"cell_conc"`        // cells/ml
	Images          []string `json:"images,omitempty"` // sheet mode: the fields pooled into it
}
