package passport

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/histocount/histocount/internal/csvsheet"
)

// Default acceptance criteria.
const (
	DefaultMinViablePerML  = 1e6
	DefaultMinViabilityPct = 70
)

// Batch is one row of a batch sheet: one cell batch, one passport.
type Batch struct {
	Line                  int
	BatchID               string
	Donor                 string
	Product               string
	ContainerVolumeML     float64
	PrescribedViableCells float64
	Operator              string
	Date                  string
	MinViablePerML        float64
	MinViabilityPct       float64
	Images                []string // image names as in the cells results; or
	Sample                string   // the cells sample pooling the batch's fields
}

// ErrSheet marks a batch sheet that cannot be used.
var ErrSheet = errors.New("batch sheet")

// BatchSheetColumns documents the sheet.
const BatchSheetColumns = "batch_id, container_volume_ml, dose_viable_cells (required); images (names separated by ';') or sample; donor, product, operator, date, min_viable_per_ml (default 1e6), min_viability_pct (default 70)"

// ReadBatchSheet reads a CSV batch sheet, one batch per row. Every problem
// is reported with its line; nothing is returned unless all rows are good.
func ReadBatchSheet(r io.Reader) ([]Batch, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	sh, err := csvsheet.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSheet, err)
	}
	if len(sh.Rows) == 0 {
		return nil, fmt.Errorf("%w: no batches (columns: %s)", ErrSheet, BatchSheetColumns)
	}
	get, has := sh.Get, sh.Has
	var missing []string
	for _, c := range [][]string{{"batch_id", "batch"}, {"container_volume_ml"}, {"dose_viable_cells", "prescribed_dose"}} {
		if !has(c...) {
			missing = append(missing, c[0])
		}
	}
	if !has("images", "image") && !has("sample") {
		missing = append(missing, "images or sample")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: line 1: missing column(s) %s (columns: %s)", ErrSheet, strings.Join(missing, ", "), BatchSheetColumns)
	}
	var out []Batch
	var problems []string
	seen := map[string]int{}
	for i, rec := range sh.Rows {
		line := sh.Line(i)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		bt := Batch{Line: line, BatchID: get(rec, "batch_id", "batch"), Donor: get(rec, "donor"), Product: get(rec, "product"),
			Operator: get(rec, "operator"), Date: get(rec, "date"), Sample: get(rec, "sample")}
		bad := func(format string, a ...any) {
			problems = append(problems, fmt.Sprintf("line %d: "+format, append([]any{line}, a...)...))
		}
		if bt.BatchID == "" {
			bad("empty batch_id")
		} else if strings.ContainsAny(bt.BatchID, `/\`) || bt.BatchID == "." || bt.BatchID == ".." {
			bad("batch_id %q must not contain / or \\ (it names the output folder)", bt.BatchID)
		} else if prev, dup := seen[bt.BatchID]; dup {
			bad("batch_id %q already on line %d", bt.BatchID, prev)
		}
		seen[bt.BatchID] = line
		num := func(name string, dst *float64, def float64, positive bool, names ...string) {
			s := get(rec, names...)
			if s == "" {
				if def < 0 {
					bad("%s is empty", name)
				}
				*dst = def
				return
			}
			v, ok := sh.Number(s)
			if !ok || (positive && v <= 0) || v < 0 {
				bad("%s %q must be a number > 0", name, s)
				return
			}
			*dst = v
		}
		num("container_volume_ml", &bt.ContainerVolumeML, -1, true, "container_volume_ml")
		num("dose_viable_cells", &bt.PrescribedViableCells, -1, true, "dose_viable_cells", "prescribed_dose")
		num("min_viable_per_ml", &bt.MinViablePerML, DefaultMinViablePerML, false, "min_viable_per_ml")
		num("min_viability_pct", &bt.MinViabilityPct, DefaultMinViabilityPct, false, "min_viability_pct")
		if bt.MinViabilityPct > 100 {
			bad("min_viability_pct %v is above 100", bt.MinViabilityPct)
		}
		for _, s := range strings.Split(get(rec, "images", "image"), ";") {
			if s = strings.TrimSpace(s); s != "" {
				bt.Images = append(bt.Images, s)
			}
		}
		if len(bt.Images) == 0 && bt.Sample == "" {
			bad("batch %q names no images and no sample", bt.BatchID)
		}
		out = append(out, bt)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrSheet, strings.Join(problems, "; "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no batches", ErrSheet)
	}
	return out, nil
}
