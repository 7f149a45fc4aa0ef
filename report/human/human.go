// Package human formats numbers as a person writes them on a report, a
// passport or a terminal: 2.11 × 10⁶ rather than 2.11399e+06, 87.3 %
// rather than 87.29999, and thin digit groups (12 345) for counts. The
// CSV and JSON outputs keep full precision; this is for reading only.
package human

import (
	"math"
	"strconv"
	"strings"
)

var superscript = map[rune]rune{'0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻'}

// Sci writes v with sig significant digits: plainly when 0.01 ≤ |v| < 10 000
// (or v = 0), else as m × 10ⁿ (2.11 × 10⁶). NaN and ±Inf give "–".
func Sci(v float64, sig int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	if sig < 1 {
		sig = 3
	}
	a := math.Abs(v)
	if a == 0 || (a >= 0.01 && a < 10000) {
		return Sig(v, sig)
	}
	exp := int(math.Floor(math.Log10(a)))
	m := v / math.Pow(10, float64(exp))
	// Rounding may carry into the next decade (9.999 → 10.0).
	if r, _ := strconv.ParseFloat(strconv.FormatFloat(math.Abs(m), 'f', sig-1, 64), 64); r >= 10 {
		exp++
		m = v / math.Pow(10, float64(exp))
	}
	return strconv.FormatFloat(m, 'f', sig-1, 64) + " × 10" + sup(exp)
}

// SciASCII is Sci for outputs without Unicode superscripts: 2.11 x 10^6.
func SciASCII(v float64, sig int) string {
	s := Sci(v, sig)
	i := strings.Index(s, " × 10")
	if i < 0 {
		return strings.ReplaceAll(s, "–", "-")
	}
	var exp strings.Builder
	for _, r := range s[i+len(" × 10"):] {
		for k, v := range superscript {
			if v == r {
				exp.WriteRune(k)
			}
		}
	}
	return s[:i] + " x 10^" + exp.String()
}

func sup(n int) string {
	var b strings.Builder
	for _, r := range strconv.Itoa(n) {
		b.WriteRune(superscript[r])
	}
	return b.String()
}

// Sig writes v with sig significant digits in plain decimal notation;
// trailing zeros stay (1.50), as they carry the precision.
func Sig(v float64, sig int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	if v == 0 {
		return "0"
	}
	dec := sig - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	// Rounding may carry into the next decade (9.96 → 10.0 at 2 digits).
	if r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sig, 64), 64); err == nil && r != 0 {
		dec = sig - 1 - int(math.Floor(math.Log10(math.Abs(r))))
	}
	if dec < 0 {
		p := math.Pow(10, float64(-dec))
		return strconv.FormatFloat(math.Round(v/p)*p, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// Fixed writes v with dec decimals ("–" for NaN/Inf).
func Fixed(v float64, dec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// Int writes an integer with thin-space digit groups: 12 345 678.
func Int(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u2009')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// PerML writes a concentration: 2.11 × 10⁶ /ml.
func PerML(v float64) string { return Sci(v, 3) + " /ml" }

// Pct writes a percentage with one decimal: 87.3 %.
func Pct(v float64) string { return Fixed(v, 1) + " %" }

// Range writes lo–hi of two values formatted by f: "1.95 – 2.28 × 10⁶"
// when they share an exponent, else each in full.
func Range(lo, hi float64, sig int) string {
	a, b := Sci(lo, sig), Sci(hi, sig)
	ia, ib := strings.Index(a, " × 10"), strings.Index(b, " × 10")
	if ia > 0 && ib > 0 && a[ia:] == b[ib:] {
		return a[:ia] + " – " + b
	}
	return a + " – " + b
}
