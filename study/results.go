package study

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ResultsFile is the per-image table `histocount dermis` writes in its
// output folder.
const ResultsFile = "images.csv"

// Measurement is one row of a results table: one analysed image.
type Measurement struct {
	Line    int                `json:"line"` // 1-based line in the results table
	Image   string             `json:"image"`
	Status  string             `json:"status"`            // "ok" or "error"; rows without a status column are "ok"
	Metrics map[string]float64 `json:"metrics,omitempty"` // numeric columns present in this row
}

// OK reports whether the image was analysed.
func (m Measurement) OK() bool { return strings.EqualFold(strings.TrimSpace(m.Status), "ok") }

// nonMetricColumns are numeric columns that describe the input file, not the
// tissue.
var nonMetricColumns = map[string]bool{
	"index": true, "width": true, "height": true, "bit_depth": true, "channels": true, "bytes": true,
	"input_width": true, "input_height": true, "input_bit_depth": true, "input_channels": true, "input_bytes": true,
}

// ReadResults reads the results of `histocount dermis`: dir/images.csv, or
// dir itself when it is a CSV file. See ReadResultsCSV.
func ReadResults(dir string) ([]Measurement, error) {
	path := dir
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		path = filepath.Join(dir, ResultsFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	ms, err := ReadResultsCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ms, nil
}

// ReadResultsCSV reads a per-image results table with an image column, an
// optional status column and any number of other columns. A column is a
// metric when every non-empty cell of it parses as a finite number (NaN,
// Inf and empty cells count as missing) and it is not an input-file column
// (index, width, height, bit_depth, channels, bytes). All rows are
// returned, whatever their status; Analyse excludes and counts the failed
// ones.
func ReadResultsCSV(r io.Reader) ([]Measurement, error) {
	cr := csv.NewReader(bomSkipper(r))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: empty file", ErrResults)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrResults, err)
	}
	imageCol, statusCol := -1, -1
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = normaliseHeader(h)
		switch names[i] {
		case "image", "path", "image_path":
			if imageCol < 0 {
				imageCol = i
			}
		case "status":
			statusCol = i
		}
	}
	if imageCol < 0 {
		return nil, fmt.Errorf("%w: line 1: no image column (header: %s)", ErrResults, strings.Join(header, ","))
	}
	var recs [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrResults, err)
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	// A column is numeric when no non-empty cell refuses to parse.
	numeric := make([]bool, len(header))
	for i := range header {
		if i == imageCol || i == statusCol || nonMetricColumns[names[i]] {
			continue
		}
		hasValue, ok := false, true
		for _, rec := range recs {
			if i >= len(rec) {
				continue
			}
			s := strings.TrimSpace(rec[i])
			if s == "" {
				continue
			}
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				ok = false
				break
			}
			hasValue = true
		}
		numeric[i] = ok && hasValue
	}
	ms := make([]Measurement, 0, len(recs))
	for k, rec := range recs {
		m := Measurement{Line: lines[k], Status: "ok", Metrics: map[string]float64{}}
		if imageCol < len(rec) {
			m.Image = strings.TrimSpace(rec[imageCol])
		}
		if m.Image == "" {
			return nil, fmt.Errorf("%w: line %d: empty image", ErrResults, lines[k])
		}
		if statusCol >= 0 && statusCol < len(rec) {
			m.Status = strings.TrimSpace(rec[statusCol])
		}
		for i, isNum := range numeric {
			if !isNum || i >= len(rec) {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
				m.Metrics[names[i]] = v
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// MetricNames returns the sorted names of the metrics present in ms.
func MetricNames(ms []Measurement) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m.Metrics {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
