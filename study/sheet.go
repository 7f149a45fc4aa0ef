package study

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Sentinel errors; returned errors wrap them.
var (
	ErrSheet      = errors.New("study: invalid sample sheet")
	ErrResults    = errors.New("study: invalid results")
	ErrNoData     = errors.New("study: no usable measurements")
	ErrMetric     = errors.New("study: metric not found")
	ErrNoBaseline = errors.New("study: no measurements at the baseline month")
)

// SheetRow is one section listed in the sample sheet.
type SheetRow struct {
	Line    int     `json:"line"` // 1-based line in the sheet, for messages
	Image   string  `json:"image"`
	Subject string  `json:"subject"`
	Month   float64 `json:"month"` // time point, months after treatment
	Stain   string  `json:"stain,omitempty"`
	Side    string  `json:"side,omitempty"`  // side or body area
	Group   string  `json:"group,omitempty"` // treated, untreated, control…
}

// Sheet column names and the headers that mean them (after lower-casing and
// turning spaces and hyphens into underscores).
var sheetColumns = map[string][]string{
	"image":   {"image", "section_id", "section", "file", "filename", "path", "image_path"},
	"subject": {"subject", "subject_id", "patient", "patient_id", "donor", "donor_id"},
	"month":   {"month", "months", "time_month", "time_months", "timepoint", "time_point", "timepoint_months", "visit_month"},
	"stain":   {"stain"},
	"side":    {"side", "area", "site", "side_area", "body_area"},
	"group":   {"group", "arm", "treatment"},
}

func normaliseHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	h = strings.NewReplacer(" ", "_", "-", "_").Replace(h)
	return h
}

// bomSkipper drops a leading UTF-8 byte-order mark (Excel writes one).
func bomSkipper(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}

// ReadSheet reads a CSV sample sheet. Required columns: image (or
// section_id), subject, month; optional: stain, side (or area), group.
// Column order is free, headers are case-insensitive, cells are trimmed,
// blank lines and lines starting with # are skipped, and other columns are
// ignored. A month may be written 12, 12.0, M12 or 12m. Errors name the line.
func ReadSheet(r io.Reader) ([]SheetRow, error) {
	data, err := io.ReadAll(io.LimitReader(bomSkipper(r), maxSheetBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSheet, err)
	}
	if len(data) > maxSheetBytes {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrSheet, maxSheetBytes>>20)
	}
	if err := commentedRows(data); err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: empty file", ErrSheet)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrSheet, err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := normaliseHeader(h)
		for field, aliases := range sheetColumns {
			for _, a := range aliases {
				if name != a {
					continue
				}
				if j, dup := col[field]; dup {
					return nil, fmt.Errorf("%w: line 1: columns %q and %q both give the %s", ErrSheet, header[j], h, field)
				}
				col[field] = i
			}
		}
	}
	for _, need := range []string{"image", "subject", "month"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: line 1: no %s column (header: %s)", ErrSheet, need, strings.Join(header, ","))
		}
	}
	cell := func(rec []string, field string) string {
		i, ok := col[field]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []SheetRow
	seen := map[string]int{} // cleaned image → line
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSheet, err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		row := SheetRow{
			Line:    line,
			Image:   cell(rec, "image"),
			Subject: cell(rec, "subject"),
			Stain:   cell(rec, "stain"),
			Side:    cell(rec, "side"),
			Group:   cell(rec, "group"),
		}
		if row.Image == "" {
			return nil, fmt.Errorf("%w: line %d: empty image", ErrSheet, line)
		}
		if row.Subject == "" {
			return nil, fmt.Errorf("%w: line %d: empty subject for %s", ErrSheet, line, row.Image)
		}
		m := cell(rec, "month")
		row.Month, err = parseMonth(m)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: month %q: %v", ErrSheet, line, m, err)
		}
		key := cleanPath(row.Image)
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("%w: line %d: image %s already listed on line %d", ErrSheet, line, row.Image, first)
		}
		seen[key] = line
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: no rows after the header", ErrSheet)
	}
	return rows, nil
}

// maxSheetBytes bounds a sample sheet read into memory.
const maxSheetBytes = 64 << 20

// commentedRows refuses a line that starts with # but is a complete data
// row (three or more cells, the third a month): an image named "#12.png"
// in the first column would otherwise vanish as a comment. Whole-line
// comments ("# visit 2 re-cut") stay comments; a real image name starting
// with # can be quoted.
func commentedRows(data []byte) error {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("#")) || i == 0 {
			continue
		}
		cr := csv.NewReader(bytes.NewReader(line))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		rec, err := cr.Read()
		if err != nil || len(rec) < 3 {
			continue
		}
		filled := 0
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				filled++
			}
		}
		if filled >= 3 {
			return fmt.Errorf("%w: line %d starts with # but is a data row (%q): quote the image name (\"#…\") if it is one, or write the comment without commas",
				ErrSheet, i+1, strings.TrimSpace(string(line)))
		}
	}
	return nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// parseMonth accepts 12, 12.5, M12, m12, 12m, 12 mo, 12 months.
func parseMonth(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, errors.New("empty")
	}
	for _, suf := range []string{"months", "month", "mo", "m"} {
		if strings.HasSuffix(t, suf) {
			t = strings.TrimSpace(strings.TrimSuffix(t, suf))
			break
		}
	}
	t = strings.TrimPrefix(t, "m")
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, errors.New("not a number of months")
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, errors.New("must be a finite number ≥ 0")
	}
	return v, nil
}
