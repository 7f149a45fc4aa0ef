package passport

import (
	"encoding/json"
	"time"

	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/pdfreport"
)

// Output file names, in the passport's folder.
const (
	JSONFile = "passport.json"
	HTMLFile = "passport.html"
	PDFFile  = "passport.pdf"
)

// Files renders the passport as JSON, HTML and PDF in memory, so that they
// can be written together or not at all.
func Files(b *Built) ([]report.File, error) {
	return render(b, Page(b), JSONFile, HTMLFile, PDFFile)
}

// render writes b's passport as JSON and its page as HTML and PDF, under
// the given file names; the PDF is dated by the passport's issue time.
func render(b *Built, page htmlreport.Page, jsonName, htmlName, pdfName string) ([]report.File, error) {
	js, err := json.MarshalIndent(b.Passport, "", "  ")
	if err != nil {
		return nil, err
	}
	html, err := htmlreport.Render(page)
	if err != nil {
		return nil, err
	}
	issued, err := time.Parse(time.RFC3339, b.Passport.Issued)
	if err != nil {
		issued = time.Unix(0, 0).UTC()
	}
	pdf, err := pdfreport.Render(page, issued)
	if err != nil {
		return nil, err
	}
	return []report.File{{Name: jsonName, Data: append(js, '\n')}, {Name: htmlName, Data: html}, {Name: pdfName, Data: pdf}}, nil
}
