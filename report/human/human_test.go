package human

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Sci(2113990, 3), "2.11 × 10⁶"},
		{Sci(999600, 3), "1.00 × 10⁶"},
		{Sci(0.000123, 2), "1.2 × 10⁻⁴"},
		{Sci(0.0412, 3), "0.0412"},
		{Sci(1234.5, 3), "1230"},
		{Sci(-2.5e7, 2), "-2.5 × 10⁷"},
		{SciASCII(2113990, 3), "2.11 x 10^6"},
		{SciASCII(1.2e-4, 2), "1.2 x 10^-4"},
		{PerML(2.11399e+06), "2.11 × 10⁶ /ml"},
		{Pct(87.2999), "87.3 %"},
		{Int(12345678), "12\u2009345\u2009678"},
		{Int(-999), "-999"},
		{Sig(0.99838116, 4), "0.9984"},
		{Sig(1.5, 3), "1.50"},
		{Sig(9.96, 2), "10"},
		{Sig(0.09996, 2), "0.10"},
		{Sig(123456, 3), "123000"},
		{Range(1.95e6, 2.28e6, 3), "1.95 – 2.28 × 10⁶"},
		{Range(9.5e5, 1.2e6, 2), "9.5 × 10⁵ – 1.2 × 10⁶"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	var b strings.Builder
	Table(&b, []string{"sample", "viable/ml"}, [][]string{{"donor-A", PerML(2.11399e6)}, {"B", PerML(950000)}}, []bool{false, true})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("table:\n%s", b.String())
	}
	for _, l := range lines {
		if strings.Contains(l, "e+") {
			t.Errorf("e-notation in %q", l)
		}
	}
	// Right-aligned numbers end in the same column.
	if utf8.RuneCountInString(lines[2]) != utf8.RuneCountInString(lines[3]) {
		t.Errorf("not aligned:\n%s", b.String())
	}
}
