package dilution

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Observation is one counted concentration of a dilution series (one row of
// COMET's full template). Missing numbers are NaN; missing labels are "".
type Observation struct {
	Line              int // 1-based line in the input (0 when built in code)
	CountingMethod    string
	TargetDF          float64 // target dilution fraction, (0, 1]
	MeasuredDF        float64 // NaN when not measured
	RandomSample      string  // random_sample_number
	Observation       string  // rep_obsv
	CellConc          float64 // cells/ml; NaN = missing (the row is dropped)
	CellType          string
	ConcentrationType string
	StockSolution     string
	StockExtraction   string
	ReplicateSample   string
	Images            []string // sheet mode: the fields pooled into this observation
}

// ErrInput marks a data set that cannot be analysed.
var ErrInput = errors.New("dilution")

func inputErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInput}, a...)...)
}

// Required columns of COMET's full template.
var requiredColumns = []string{"counting_method", "target_dilution_fraction", "random_sample_number", "rep_obsv", "cell_conc"}

// ReadTemplate reads COMET's full data template (CSV — comma-, semicolon-
// (with decimal commas) or tab-separated, as the header shows —, one row per
// observation; header names as COMET's: counting_method,
// target_dilution_fraction, measured_dilution_fraction, random_sample_number,
// rep_obsv, cell_conc, cell_type, concentration_type, stock_solution,
// stock_extraction, replicate_sample; others are ignored). "NA" and empty
// cells are missing.
func ReadTemplate(r io.Reader) ([]Observation, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	// Spreadsheets in many locales save "CSV" with ';' between fields and
	// ',' as the decimal mark, or with tabs: the header line tells which.
	comma, decimalComma := ',', false
	if first, err := br.Peek(4096); len(first) > 0 && (err == nil || err == io.EOF || err == bufio.ErrBufferFull) {
		line := string(first)
		if i := strings.IndexAny(line, "\r\n"); i >= 0 {
			line = line[:i]
		}
		switch {
		case strings.Count(line, "\t") > strings.Count(line, ","):
			comma = '\t'
		case strings.Count(line, ";") > strings.Count(line, ","):
			comma, decimalComma = ';', true
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, inputErrorf("empty file")
	}
	if err != nil {
		return nil, inputErrorf("header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, inputErrorf("line 1: missing column(s) %s (COMET's full template has %s)", strings.Join(missing, ", "), strings.Join(requiredColumns, ", "))
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		s := strings.TrimSpace(rec[i])
		if s == "NA" || s == "na" || s == "N/A" {
			return ""
		}
		return s
	}
	var obs []Observation
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, inputErrorf("%v", err)
		}
		line, _ := cr.FieldPos(0)
		if allBlank(rec) {
			continue
		}
		o := Observation{Line: line, CountingMethod: get(rec, "counting_method"),
			RandomSample: get(rec, "random_sample_number"), Observation: get(rec, "rep_obsv"),
			CellType: get(rec, "cell_type"), ConcentrationType: get(rec, "concentration_type"),
			StockSolution: get(rec, "stock_solution"), StockExtraction: get(rec, "stock_extraction"),
			ReplicateSample: get(rec, "replicate_sample")}
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"target_dilution_fraction", &o.TargetDF}, {"measured_dilution_fraction", &o.MeasuredDF}, {"cell_conc", &o.CellConc}} {
			cell := get(rec, f.name)
			if decimalComma {
				cell = strings.Replace(cell, ",", ".", 1)
			}
			v, err := parseNumber(cell)
			if err != nil {
				return nil, inputErrorf("line %d: %s: %v", line, f.name, err)
			}
			*f.dst = v
		}
		obs = append(obs, o)
	}
	if len(obs) == 0 {
		return nil, inputErrorf("no observations (only a header)")
	}
	return obs, nil
}

// parseNumber parses a finite number; "" is NaN (missing).
func parseNumber(s string) (float64, error) {
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

func allBlank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}
