package pdfreport

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/histocount/histocount/report/htmlreport"
)

func page(rows int) htmlreport.Page {
	t := htmlreport.Table{Header: []string{"image", "status", "sha256"}}
	for i := 0; i < rows; i++ {
		t.Rows = append(t.Rows, []string{fmt.Sprintf("field-%03d.png", i), "ok", strings.Repeat("ab", 32)})
	}
	return htmlreport.Page{Title: "Dose passport — batch B1", Footer: "footer",
		Sections: []htmlreport.Section{{Heading: "Release decision", Banner: &htmlreport.Banner{Text: "RELEASED", OK: true}},
			{Heading: "Measurements", KVs: []htmlreport.KV{{Key: "viable cells", Value: "2.11 × 10⁶ /ml"}}, Tables: []htmlreport.Table{t}},
			{Heading: "Signatures", Sign: []string{"Prepared by", "Reviewed by"}}}}
}

func TestRenderPDF(t *testing.T) {
	created := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a, err := Render(page(3), created)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	b, _ := Render(page(3), created)
	if !bytes.Equal(a, b) {
		t.Error("same page, same time, different bytes")
	}
	// A long page is shrunk to fit; a much longer one flows onto more pages.
	_, n, err := render(page(60), created, 1)
	if err != nil || n < 2 {
		t.Fatalf("60 rows at full size: %d pages, %v", n, err)
	}
	_, n, _ = render(page(3), created, 1)
	if n != 1 {
		t.Errorf("3 rows: %d pages", n)
	}
}
