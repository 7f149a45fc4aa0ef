// Package csvsheet reads the small CSV sheets people write in a
// spreadsheet (batch sheets, dilution sheets): a UTF-8 byte-order mark is
// skipped, and the separator is taken from the header line — ',' or tab,
// or ';' with ',' as the decimal mark, as spreadsheets save "CSV" in many
// locales.
package csvsheet

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
)

// Sheet is a parsed sheet: the header (lower-cased, trimmed) and the rows.
type Sheet struct {
	Header       []string
	Rows         [][]string // without the header; Line(i) gives the file line
	DecimalComma bool
	col          map[string]int
}

// Parse reads b as a sheet.
func Parse(b []byte) (*Sheet, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	line := string(b)
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	cr := csv.NewReader(bytes.NewReader(b))
	s := &Sheet{col: map[string]int{}}
	switch {
	case strings.Count(line, "\t") > strings.Count(line, ","):
		cr.Comma = '\t'
	case strings.Count(line, ";") > strings.Count(line, ","):
		cr.Comma, s.DecimalComma = ';', true
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return s, nil
	}
	for i, h := range recs[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		s.Header = append(s.Header, h)
		if _, dup := s.col[h]; !dup {
			s.col[h] = i
		}
	}
	s.Rows = recs[1:]
	return s, nil
}

// Line is the 1-based file line of row i (one record per line).
func (s *Sheet) Line(i int) int { return i + 2 }

// Has reports whether any of the names is a column.
func (s *Sheet) Has(names ...string) bool {
	for _, n := range names {
		if _, ok := s.col[n]; ok {
			return true
		}
	}
	return false
}

// Get returns the trimmed cell of the first of names that is a column.
func (s *Sheet) Get(row []string, names ...string) string {
	for _, n := range names {
		if i, ok := s.col[n]; ok {
			if i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
	}
	return ""
}

// Number parses a cell as a finite number, honouring a decimal comma.
func (s *Sheet) Number(cell string) (float64, bool) {
	if s.DecimalComma {
		cell = strings.Replace(cell, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}
