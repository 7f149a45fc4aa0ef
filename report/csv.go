package report

import (
	"encoding/csv"
	"strconv"
)

// CSV streams rows to an atomically committed CSV file.
type CSV struct {
	a *AtomicFile
	w *csv.Writer
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
	if err := c.w.Write(rec); err != nil {
		return err
	}
	c.w.Flush() // to the file buffer, so memory stays flat on long runs
	return c.w.Error()
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

// F formats a float for CSV: shortest representation that round-trips, so
// the same number always prints the same way.
func F(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// FOpt formats v, or "" when ok is false (unknown value).
func FOpt(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return F(v)
}

// I formats an int.
func I(v int) string { return strconv.Itoa(v) }
