package htmlreport

import (
	"strings"
	"testing"
)

// Sheet text (batch ids, donors, file names) reaches the page: it must be
// escaped, never interpreted.
func TestRenderEscapes(t *testing.T) {
	b, err := Render(Page{Title: `<script>alert(1)</script>`, Meta: []KV{{Key: "donor", Value: `"><img src=x onerror=alert(1)>`}},
		Sections: []Section{{Heading: "h", Tables: []Table{{Header: []string{"a"}, Rows: [][]string{{"<b>x</b>"}}}},
			Gallery: []Thumb{{Caption: `<i>c</i>`, PNG: []byte{1}, Href: `javascript:alert(1)`}}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>x</b>", "<i>c</i>", `href="javascript:`} {
		if strings.Contains(s, bad) {
			t.Errorf("unescaped %q in the page", bad)
		}
	}
	if !strings.Contains(s, "&lt;script&gt;") {
		t.Error("title not shown escaped")
	}
}

func TestRenderSections(t *testing.T) {
	b, err := Render(Page{Title: "T", Sections: []Section{{ID: "d", Heading: "Decision", Banner: &Banner{Text: "RELEASED", OK: true},
		KVs: []KV{{Key: "viable", Value: "2.11 × 10⁶ /ml", Flag: true}}, Sign: []string{"Prepared by"},
		Figures: []Figure{{SVG: []byte(`<?xml version="1.0"?><svg viewBox="0 0 1 1"></svg>`)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`<section id="d">`, `class="banner ok"`, "2.11 × 10⁶ /ml", `<dt class="flag">`, "Prepared by", `<svg viewBox`} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(s, "<?xml") {
		t.Error("XML prolog of an inline SVG left in the page")
	}
}
