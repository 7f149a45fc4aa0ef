package models

// PassportSchemaVersion is the version of passport.json documents. It is
// versioned apart from SchemaVersion because a passport is filed and read
// for years: a new optional field bumps the minor version, a removed or
// re-typed one the major version.
const PassportSchemaVersion = "1.0.0"

// Passport kinds.
const (
	PassportDose = "dose" // one cell batch: concentration, viability, dose volume, release
	PassportSkin = "skin" // one donor's fibroblasts against the population reference (issue 13)
)

// Passport is passport.json: a signed-off record of one batch (kind dose)
// or donor (kind skin). The parts every kind shares — subject, decision,
// QC, images, provenance, signatures — are here; the measurements are in
// the kind's member (Dose, later Skin).
type Passport struct {
	SchemaVersion string             `json:"schema_version"`
	Kind          string             `json:"kind"`
	ID            string             `json:"id"`     // batch id (dose), donor id (skin)
	Issued        string             `json:"issued"` // RFC 3339, UTC
	Subject       PassportSubject    `json:"subject"`
	Dose          *DosePassport      `json:"dose,omitempty"`
	Skin          *SkinPassport      `json:"skin,omitempty"`
	Decision      PassportDecision   `json:"decision"`
	QC            []PassportQC       `json:"qc"`
	Images        []PassportImage    `json:"images"`
	Provenance    PassportProvenance `json:"provenance"`
	Signatures    []PassportSign     `json:"signatures"`
}

// PassportSubject says what the passport is about, as the sheet named it.
type PassportSubject struct {
	BatchID  string `json:"batch_id,omitempty"`
	Donor    string `json:"donor,omitempty"`
	Product  string `json:"product,omitempty"`
	Operator string `json:"operator,omitempty"`
	Date     string `json:"date,omitempty"` // as written on the sheet
}

// Estimate is a value with its 95 % confidence interval (absent bounds =
// not computable).
type Estimate struct {
	Value  float64  `json:"value"`
	CILow  *float64 `json:"ci_low,omitempty"`
	CIHigh *float64 `json:"ci_high,omitempty"`
}

// DosePassport holds the measurements and derived quantities of one cell
// batch. Concentrations are absent when the imaged volume is unknown.
type DosePassport struct {
	ContainerVolumeML     float64      `json:"container_volume_ml"`
	PrescribedViableCells float64      `json:"prescribed_viable_cells"` // the dose, viable cells
	Images                int          `json:"images"`                  // fields pooled
	Live                  int          `json:"live"`
	Dead                  int          `json:"dead"`
	ImagedVolumeUL        float64      `json:"imaged_volume_ul,omitempty"`
	ViablePerML           *Estimate    `json:"viable_per_ml,omitempty"` // exact Poisson 95 % CI
	TotalPerML            *Estimate    `json:"total_per_ml,omitempty"`
	ViabilityPct          Estimate     `json:"viability_pct"`                // Wilson 95 % CI
	TotalViableCells      *Estimate    `json:"total_viable_cells,omitempty"` // in the container
	DrawVolumeML          *Estimate    `json:"draw_volume_ml,omitempty"`     // volume holding the dose; CI from the concentration's
	Chamber               Chamber      `json:"chamber"`
	Criteria              DoseCriteria `json:"criteria"`
}

// DoseCriteria are the acceptance criteria the batch is judged against.
type DoseCriteria struct {
	MinViablePerML  float64 `json:"min_viable_per_ml"`
	MinViabilityPct float64 `json:"min_viability_pct"`
}

// Release decisions.
const (
	Released    = "released"
	NotReleased = "not_released"
	// Reported: a skin passport reports measurements and where they fall;
	// it releases nothing and predicts nothing.
	Reported = "reported"
)

// SkinPassport holds one donor's fibroblast measurements, each with its
// 95 % CI and its place on the lab's population reference. A measure is
// absent when its data were not given or not found (see QC).
type SkinPassport struct {
	AgeYears         *float64        `json:"age_years,omitempty"`
	CFEPct           *SkinMeasure    `json:"cfe_pct,omitempty"`           // colonies ÷ cells seeded, exact Poisson CI
	ProliferatingPct *SkinMeasure    `json:"proliferating_pct,omitempty"` // marker-positive nuclei, Wilson CI
	ViabilityPct     *SkinMeasure    `json:"viability_pct,omitempty"`     // trypan live ÷ counted, Wilson CI
	DoublingTimeH    *SkinMeasure    `json:"doubling_time_h,omitempty"`   // Σ days·24 ÷ Σ PD (no CI)
	Growth           *SkinGrowth     `json:"growth,omitempty"`
	Reference        SkinReferenceID `json:"reference"`
}

// SkinMeasure is one measurement with where it falls on the reference.
type SkinMeasure struct {
	Estimate
	Basis     string         `json:"basis"` // what it was computed from, in words
	Reference *SkinPlacement `json:"reference,omitempty"`
}

// SkinPlacement places a value on a reference: a normal population
// (mean ± SD: z-score and percentile) or a range (low … high: within,
// below or above).
type SkinPlacement struct {
	Population string   `json:"population"`
	Kind       string   `json:"kind"` // "normal" or "range"
	Mean       *float64 `json:"mean,omitempty"`
	SD         *float64 `json:"sd,omitempty"`
	Low        *float64 `json:"low,omitempty"`
	High       *float64 `json:"high,omitempty"`
	Z          *float64 `json:"z,omitempty"`          // (value − mean) ÷ SD
	Percentile *float64 `json:"percentile,omitempty"` // 100·Φ(z)
	Position   string   `json:"position"`             // "within", "below", "above" (range) or "typical", "low", "high" (|z| ≤ 2 or not)
	Note       string   `json:"note,omitempty"`
}

// SkinGrowth is the donor's growth from the passage sheet.
type SkinGrowth struct {
	ValidPassages     int           `json:"valid_passages"`
	CumulativePD      float64       `json:"cumulative_pd"`
	TotalDays         float64       `json:"total_days"`
	MeanDoublingTimeH float64       `json:"mean_doubling_time_h,omitempty"`
	Passages          []SkinPassage `json:"passages"`
	Flags             []string      `json:"flags,omitempty"`
}

// SkinPassage is one passage of the growth sheet.
type SkinPassage struct {
	Passage       int      `json:"passage"`
	Seeded        float64  `json:"cells_seeded"`
	Harvested     float64  `json:"cells_harvested"`
	Days          float64  `json:"days"`
	PD            float64  `json:"population_doublings"`
	DoublingTimeH float64  `json:"doubling_time_h,omitempty"`
	CumulativePD  float64  `json:"cumulative_pd"`
	Flags         []string `json:"flags,omitempty"`
	Problem       string   `json:"problem,omitempty"`
}

// SkinReferenceID names the reference file the donor was placed on.
type SkinReferenceID struct {
	Name   string `json:"name"`
	Source string `json:"source"`           // the file, or "built-in defaults"
	SHA256 string `json:"sha256,omitempty"` // of the file
}

// PassportDecision is the release decision and why.
type PassportDecision struct {
	Status  string          `json:"status"`            // Released or NotReleased
	Rule    string          `json:"rule"`              // the rule applied, in words
	Reasons []string        `json:"reasons,omitempty"` // why not released, plainly
	Checks  []PassportCheck `json:"checks"`
}

// PassportCheck is one criterion with what was measured.
type PassportCheck struct {
	Name        string `json:"name"`
	Requirement string `json:"requirement"`
	Measured    string `json:"measured"`
	Result      string `json:"result"` // "pass", "fail", "borderline", "unknown"
}

// PassportQC is a QC flag raised on an image or on the batch.
type PassportQC struct {
	Image   string `json:"image,omitempty"` // "" for the batch
	Flag    string `json:"flag"`
	Meaning string `json:"meaning"`
}

// PassportImage is an input image with its identity and counts.
type PassportImage struct {
	Image     string   `json:"image"`
	SHA256    string   `json:"sha256"`
	Status    string   `json:"status"`
	Live      int      `json:"live"`
	Dead      int      `json:"dead"`
	QC        []string `json:"qc,omitempty"`
	Overlay   string   `json:"overlay,omitempty"`   // full-size overlay, relative to the passport
	Thumbnail string   `json:"thumbnail,omitempty"` // thumbnail PNG file beside the passport
}

// PassportProvenance records what made the passport and from what.
type PassportProvenance struct {
	Provenance
	Results       string            `json:"results"`        // the results.json used
	ResultsSHA256 string            `json:"results_sha256"` // its sha256
	Sheet         string            `json:"sheet"`
	SheetSHA256   string            `json:"sheet_sha256"`
	Analysis      map[string]string `json:"analysis_parameters,omitempty"` // parameters of the counting run
}

// PassportSign is a signature line, left blank for ink or an e-signature.
type PassportSign struct {
	Role string `json:"role"` // "prepared", "reviewed"
	Name string `json:"name,omitempty"`
	Date string `json:"date,omitempty"`
}
