// Package pdfreport renders an htmlreport.Page as a printable A4 PDF (via
// codeberg.org/go-pdf/fpdf, which gonum/plot already brings in), with the
// Liberation Sans fonts embedded so that ×, 10⁶, µ and – print as on the
// screen. Text wraps within table cells; figures are PNG; thumbnails are
// laid out in rows; every page carries the footer and its number.
package pdfreport

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"time"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"

	"github.com/histocount/histocount/report/htmlreport"
)

const (
	font   = "LiberationSans"
	margin = 12.0 // mm
)

// Render returns the page as a PDF. created is written as the document's
// creation date (pass the report's own time so that the same report gives
// the same bytes).
func Render(p htmlreport.Page, created time.Time) ([]byte, error) {
	// A passport should be one A4 sheet: when the content runs over, it is
	// set again slightly smaller (down to 80 %), else it flows onto more pages.
	var out []byte
	for _, k := range []float64{1, 0.93, 0.87, 0.8} {
		b, pages, err := render(p, created, k)
		if err != nil {
			return nil, err
		}
		out = b
		if pages == 1 {
			break
		}
	}
	return out, nil
}

func render(p htmlreport.Page, created time.Time, k float64) ([]byte, int, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetTitle(p.Title, true)
	f.SetProducer("histocount", true)
	f.AddUTF8FontFromBytes(font, "", liberationsansregular.TTF)
	f.AddUTF8FontFromBytes(font, "B", liberationsansbold.TTF)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin+6)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-margin - 2)
		f.SetFont(font, "", 7)
		f.SetTextColor(100, 100, 100)
		f.CellFormat(0, 4, p.Footer, "", 0, "L", false, 0, "")
		f.CellFormat(0, 4, fmt.Sprintf("page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()
	r := &renderer{f: f, k: k}
	r.page(p)
	if err := f.Error(); err != nil {
		return nil, 0, fmt.Errorf("pdf: %w", err)
	}
	pages := f.PageNo()
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, 0, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), pages, nil
}

type renderer struct {
	f *fpdf.Fpdf
	k float64
}

func (r *renderer) width() float64 {
	w, _ := r.f.GetPageSize()
	return w - 2*margin
}

// room starts a new page when fewer than h mm are left.
func (r *renderer) room(h float64) {
	_, ph := r.f.GetPageSize()
	if r.f.GetY()+h > ph-margin-6 {
		r.f.AddPage()
	}
}

func (r *renderer) text(size float64, style string, grey int) {
	r.f.SetFont(font, style, size*r.k)
	r.f.SetTextColor(grey, grey, grey)
}

func (r *renderer) page(p htmlreport.Page) {
	f := r.f
	r.text(16, "B", 20)
	f.MultiCell(0, r.k*7, p.Title, "", "L", false)
	if p.Subtitle != "" {
		r.text(8.5, "", 90)
		f.MultiCell(0, r.k*4.5, p.Subtitle, "", "L", false)
	}
	if len(p.Meta) > 0 {
		f.Ln(r.k * 1)
		f.SetDrawColor(30, 30, 30)
		f.SetLineWidth(0.5)
		f.Line(margin, f.GetY(), margin+r.width(), f.GetY())
		f.Ln(r.k * 1.5)
		var parts []string
		for _, kv := range p.Meta {
			parts = append(parts, kv.Key+": "+kv.Value)
		}
		r.text(9, "", 20)
		f.MultiCell(0, r.k*4.8, strings.Join(parts, "    "), "", "L", false)
		f.SetDrawColor(200, 200, 200)
		f.SetLineWidth(0.2)
		f.Line(margin, f.GetY()+1, margin+r.width(), f.GetY()+1)
		f.Ln(r.k * 2)
	}
	for _, s := range p.Sections {
		r.section(s)
	}
}

func (r *renderer) section(s htmlreport.Section) {
	f := r.f
	need := 14.0
	if len(s.Sign) > 0 {
		need = 22 // heading and signature lines stay together
	}
	r.room(need)
	f.Ln(r.k * 1.5)
	if s.Heading != "" {
		r.text(11, "B", 20)
		f.CellFormat(0, r.k*5.5, s.Heading, "", 1, "L", false, 0, "")
		f.SetDrawColor(200, 200, 200)
		f.SetLineWidth(0.2)
		f.Line(margin, f.GetY(), margin+r.width(), f.GetY())
		f.Ln(r.k * 1.5)
	}
	if b := s.Banner; b != nil {
		if b.OK {
			f.SetFillColor(27, 122, 58)
		} else {
			f.SetFillColor(179, 38, 30)
		}
		r.text(13, "B", 255)
		f.SetTextColor(255, 255, 255)
		f.CellFormat(0, r.k*8, " "+b.Text, "", 1, "L", true, 0, "")
		if b.Sub != "" {
			r.text(8.5, "", 255)
			f.SetTextColor(255, 255, 255)
			f.MultiCell(0, r.k*4.2, b.Sub, "", "L", true)
		}
		f.Ln(r.k * 1.5)
	}
	for _, l := range s.Lead {
		r.text(9, "", 20)
		f.MultiCell(0, r.k*4.5, l, "", "L", false)
	}
	if len(s.KVs) > 0 {
		r.kvs(s.KVs)
	}
	for _, t := range s.Tables {
		r.table(t)
	}
	for _, fig := range s.Figures {
		r.figure(fig)
	}
	if len(s.Gallery) > 0 {
		r.gallery(s.Gallery)
	}
	for _, n := range s.Notes {
		r.text(7.5, "", 90)
		f.MultiCell(0, r.k*3.6, n, "", "L", false)
	}
	if len(s.Sign) > 0 {
		r.room(12)
		f.Ln(r.k * 7)
		col := (r.width() - 10) / float64(len(s.Sign))
		y := f.GetY()
		f.SetDrawColor(30, 30, 30)
		f.SetLineWidth(0.3)
		r.text(8, "", 60)
		for i, label := range s.Sign {
			x := margin + float64(i)*(col+10)
			f.Line(x, y, x+col, y)
			f.SetXY(x, y+0.8)
			f.CellFormat(col, r.k*4, label, "", 0, "L", false, 0, "")
		}
		f.SetXY(margin, y+6)
	}
}

func (r *renderer) kvs(kvs []htmlreport.KV) {
	f := r.f
	keyW := 46.0
	for _, kv := range kvs {
		r.text(8.5, "", 20)
		lines := f.SplitText(kv.Value, r.width()-keyW)
		h := r.k * 3.9 * float64(max(1, len(lines)))
		r.room(h)
		y := f.GetY()
		if kv.Flag {
			f.SetFillColor(255, 243, 205)
			f.Rect(margin, y, r.width(), h, "F")
		}
		r.text(8.5, "", 90)
		f.SetXY(margin, y)
		f.CellFormat(keyW, r.k*3.9, kv.Key, "", 0, "L", false, 0, "")
		r.text(8.5, "", 20)
		f.SetXY(margin+keyW, y)
		f.MultiCell(r.width()-keyW, r.k*3.9, kv.Value, "", "L", false)
		f.SetXY(margin, y+h)
	}
	f.Ln(r.k * 1)
}

func (r *renderer) table(t htmlreport.Table) {
	f := r.f
	size := 7.5 * r.k
	r.text(size, "", 20)
	n := len(t.Header)
	if n == 0 {
		return
	}
	// Column widths from the widest cell at the largest font (8 → 6 pt)
	// that fits; if none does, the widest columns shrink and wrap.
	w := make([]float64, n)
	widths := func() float64 {
		for i := range w {
			w[i] = 0
		}
		measure := func(i int, s string) {
			if i < n {
				w[i] = max(w[i], f.GetStringWidth(s)+2.5)
			}
		}
		r.text(size, "B", 20)
		for i, h := range t.Header {
			measure(i, h)
		}
		r.text(size, "", 20)
		for _, row := range t.Rows {
			for i, c := range row {
				measure(i, c)
			}
		}
		total := 0.0
		for _, x := range w {
			total += x
		}
		return total
	}
	total := widths()
	for total > r.width() && size > 6*r.k {
		size -= 0.5
		total = widths()
	}
	if total > r.width() {
		// Shrink the wide columns: those above an equal share give up
		// width in proportion.
		share := r.width() / float64(n)
		over, under := 0.0, 0.0
		for _, x := range w {
			if x > share {
				over += x
			} else {
				under += x
			}
		}
		k := (r.width() - under) / over
		for i := range w {
			if w[i] > share {
				w[i] *= k
			}
		}
	}
	lh := size * 0.47
	if t.Caption != "" {
		r.room(10)
		r.text(8.5, "B", 20)
		f.CellFormat(0, r.k*5, t.Caption, "", 1, "L", false, 0, "")
	}
	row := func(cells []string, bold, flag bool) {
		style := ""
		if bold {
			style = "B"
		}
		r.text(size, style, 20)
		lines := make([][]string, n)
		hmax := 1
		for i := 0; i < n; i++ {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			lines[i] = f.SplitText(c, w[i])
			if len(lines[i]) == 0 {
				lines[i] = []string{""}
			}
			hmax = max(hmax, len(lines[i]))
		}
		h := lh*float64(hmax) + 0.8
		r.room(h)
		y := f.GetY()
		if flag {
			f.SetFillColor(255, 243, 205)
			f.Rect(margin, y, r.width(), h, "F")
		}
		x := margin
		for i := 0; i < n; i++ {
			align := "L"
			if i < len(t.Right) && t.Right[i] {
				align = "R"
			}
			for k, l := range lines[i] {
				f.SetXY(x, y+0.4+float64(k)*lh)
				f.CellFormat(w[i], lh, l, "", 0, align, false, 0, "")
			}
			x += w[i]
		}
		f.SetDrawColor(208, 215, 222)
		f.SetLineWidth(0.15)
		f.Line(margin, y+h, margin+r.width(), y+h)
		f.SetXY(margin, y+h)
	}
	row(t.Header, true, false)
	for i, cells := range t.Rows {
		row(cells, false, i < len(t.Flag) && t.Flag[i])
	}
	f.Ln(r.k * 2)
}

func (r *renderer) figure(fig htmlreport.Figure) {
	if len(fig.PNG) == 0 {
		return // SVG figures are for the HTML; the PDF needs the PNG
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(fig.PNG))
	if err != nil || cfg.Width == 0 {
		return
	}
	f := r.f
	w := r.width()
	h := w * float64(cfg.Height) / float64(cfg.Width)
	_, ph := f.GetPageSize()
	if maxH := ph - 2*margin - 20; h > maxH {
		h = maxH
		w = h * float64(cfg.Width) / float64(cfg.Height)
	}
	r.room(h + 6)
	name := fmt.Sprintf("fig%p", &fig.PNG[0])
	f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(fig.PNG))
	f.ImageOptions(name, margin, f.GetY(), w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	f.SetY(f.GetY() + h + 1)
	if fig.Caption != "" {
		r.text(7.5, "", 90)
		f.MultiCell(0, r.k*3.6, fig.Caption, "", "L", false)
	}
}

func (r *renderer) gallery(th []htmlreport.Thumb) {
	f := r.f
	size, gap := 20.0*r.k, 3.0
	perRow := int((r.width() + gap) / (size + gap))
	for i := 0; i < len(th); i += perRow {
		r.room(size + 8)
		y := f.GetY()
		for j := i; j < min(i+perRow, len(th)); j++ {
			t := th[j]
			x := margin + float64(j-i)*(size+gap)
			cfg, err := png.DecodeConfig(bytes.NewReader(t.PNG))
			if err != nil || cfg.Width == 0 {
				continue
			}
			w, h := size, size*float64(cfg.Height)/float64(cfg.Width)
			if h > size {
				h, w = size, size*float64(cfg.Width)/float64(cfg.Height)
			}
			if t.Flag {
				f.SetFillColor(212, 167, 44)
				f.Rect(x-0.8, y-0.8, w+1.6, h+1.6, "F")
			}
			name := fmt.Sprintf("thumb%d", j)
			f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(t.PNG))
			f.ImageOptions(name, x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			r.text(6.5, "", 60)
			f.SetXY(x, y+size+0.5)
			cap := t.Caption
			for f.GetStringWidth(cap) > size && len(cap) > 4 {
				cap = "…" + string([]rune(cap)[2:])
			}
			f.CellFormat(size, 3, cap, "", 0, "L", false, 0, "")
		}
		f.SetXY(margin, y+size+5)
	}
}
