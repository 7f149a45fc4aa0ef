package kinds

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// WritePNG and WriteFile write overlays, label images and GeoJSON; tests
// replace them to simulate a full disk.
var (
	WritePNG  = report.WritePNG
	WriteFile = report.WriteFile
)

// Output says where one item's pictures go: Dir/overlays/Stem.png,
// Dir/labels/Stem.png and Dir/geojson/Stem.geojson.
type Output struct {
	Dir  string
	Stem string
}

func (o Output) path(sub, ext string) string { return filepath.Join(o.Dir, sub, o.Stem+ext) }

// OverlayNotWritten records that a picture of an analysed image could not
// be written (a full disk): the image keeps its numbers and gets the
// overlay_not_written flag once, rather than becoming an error row.
func OverlayNotWritten(qc []string, err error) []string {
	_ = err // the flag says what; the disk error repeats for every image
	for _, q := range qc {
		if q == models.QCOverlayNotWritten {
			return qc
		}
	}
	return append(qc, models.QCOverlayNotWritten)
}

// OneLine is the first line of s: error messages go into CSV cells and
// JSON lines.
func OneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// CheckEncodable fails an item whose result holds a NaN or ±Inf (from an
// extreme but valid input that overflowed): the item fails with the field
// named, the batch goes on, and no output ever holds a non-finite number.
func CheckEncodable(v any) error {
	if path, bad := nonFinite(reflect.ValueOf(v)); bad {
		where := "value"
		if len(path) > 0 {
			var b strings.Builder
			for k := len(path) - 1; k >= 0; k-- { // built leaf first
				b.WriteString(path[k])
			}
			where = strings.TrimPrefix(b.String(), ".")
		}
		return fmt.Errorf("result not finite (%s): an input or calibration is out of range", where)
	}
	return nil
}

// nonFinite reports whether v holds a NaN or ±Inf float, and where (path
// elements leaf first, built only on the way back from a find, so the
// common all-finite walk allocates nothing). Unexported fields are read
// too (reflect may read them); byte and other non-float slices are
// skipped, so pixel buffers cost nothing.
func nonFinite(v reflect.Value) ([]string, bool) {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		return nil, math.IsNaN(f) || math.IsInf(f, 0)
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nonFinite(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if p, bad := nonFinite(v.Field(i)); bad {
				return append(p, "."+v.Type().Field(i).Name), true
			}
		}
	case reflect.Slice, reflect.Array:
		switch v.Type().Elem().Kind() {
		case reflect.Float32, reflect.Float64, reflect.Struct, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Array, reflect.Map:
			for i := 0; i < v.Len(); i++ {
				if p, bad := nonFinite(v.Index(i)); bad {
					return append(p, fmt.Sprintf("[%d]", i)), true
				}
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if p, bad := nonFinite(it.Value()); bad {
				return append(p, fmt.Sprintf("[%v]", it.Key())), true
			}
		}
	}
	return nil, false
}

// QCNotFinite marks a sample whose pooled figures overflowed: they are
// cleared and its release is unknown, never "pass" with +Inf.
const QCNotFinite = "not_finite"

// FiniteSample clears the concentration of a pooled cells sample whose
// figures are not finite, flags it, and makes its release unknown.
func FiniteSample(s models.CellsSample) models.CellsSample {
	if CheckEncodable(s) == nil {
		return s
	}
	s.VolumeUL, s.ViablePerML, s.ViablePerMLCILow, s.ViablePerMLCIHigh = 0, 0, 0, 0
	s.TotalPerML, s.TotalPerMLCILow, s.TotalPerMLCIHigh = 0, 0, 0
	for _, p := range []*float64{&s.ViabilityPct, &s.ViabilityCILowPct, &s.ViabilityCIHighPct, &s.MinViablePML} {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			*p = 0
		}
	}
	s.Release = cells.ReleaseUnknown
	s.QC = append(s.QC, QCNotFinite)
	return s
}

// FiniteSamples applies FiniteSample to every sample.
func FiniteSamples(list []models.CellsSample) []models.CellsSample {
	for i := range list {
		list[i] = FiniteSample(list[i])
	}
	return list
}

// NucleiNoRelease clears the release verdict of nuclei samples: a nuclei
// count is no viable-cell concentration to release a batch against.
func NucleiNoRelease(list []models.CellsSample) []models.CellsSample {
	for i := range list {
		list[i].Release = cells.ReleaseUnknown
	}
	return list
}
