package report

import (
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSV streams rows to an atomically committed CSV file. Every cell is
// passed through SafeCell: a spreadsheet never sees a formula in it.
type CSV struct {
	a   *AtomicFile
	w   *csv.Writer
	buf []string
}

// NewCSV creates path's temporary file and writes the header.
func NewCSV(path string, header []string) (*CSV, error) {
	a, err := Create(path)
	if err != nil {
		return nil, err
	}
	c := &CSV{a: a, w: csv.NewWriter(a)}
	if err := c.Row(header); err != nil {
		a.Abort()
		return nil, err
	}
	return c, nil
}

// Row writes one record.
func (c *CSV) Row(rec []string) error {
	c.buf = c.buf[:0]
	for _, s := range rec {
		c.buf = append(c.buf, SafeCell(s))
	}
	if err := c.w.Write(c.buf); err != nil {
		return err
	}
	c.w.Flush() // to the file buffer, so memory stays flat on long runs
	return c.w.Error()
}

// File flushes the CSV writer and returns the underlying file, for
// CommitAll.
func (c *CSV) File() *AtomicFile {
	c.w.Flush()
	return c.a
}

// Commit finishes the file.
func (c *CSV) Commit() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.a.Abort()
		return err
	}
	return c.a.Commit()
}

// Abort discards the file.
func (c *CSV) Abort() { c.a.Abort() }

// SafeCell defuses CSV formula injection (OWASP): a cell that starts with
// = + - @, a tab or a carriage return is prefixed with a single quote,
// unless it is a plain number (negative numbers stay numbers). File and
// sample names come from users; a technician opens the tables in a
// spreadsheet. Bytes that are not UTF-8 (a file name from another
// system's encoding) become U+FFFD, so the table stays valid UTF-8 (the
// JSON outputs do the same).
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '\t' && s[0] != '\r' && !isNonFiniteText(s) {
			return s
		}
		return "'" + s
	}
	return s
}

func isNonFiniteText(s string) bool {
	v, _ := strconv.ParseFloat(s, 64)
	return math.IsInf(v, 0) || math.IsNaN(v)
}

// F formats a float for CSV: shortest representation that round-trips, so
// the same number always prints the same way. NaN and ±Inf, which must
// never reach an output, print as an empty (unknown) cell.
func F(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// FOpt formats v, or "" when ok is false (unknown value).
func FOpt(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return F(v)
}

// I formats an int.
func I(v int) string { return strconv.Itoa(v) }
