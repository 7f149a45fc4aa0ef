// Package htmlreport renders histocount's human-readable reports and
// passports as one self-contained HTML file: the style sheet is inline,
// pictures are embedded as data: URIs or inline SVG, and nothing is fetched
// from the network, so the file opens from a file share or an e-mail.
//
// A Page is a list of Sections, each holding what a reader needs in the
// order they need it: a lead sentence, a key–value list, tables, a banner
// (a decision), figures and a gallery. The same Page drives the HTML and
// (package passport) the PDF, so both say the same thing.
package htmlreport

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"strings"
)

// Page is one report.
type Page struct {
	Title    string
	Subtitle string
	Meta     []KV // printed under the title (batch, date, version…)
	Sections []Section
	Footer   string
}

// Section is a titled part of a page.
type Section struct {
	ID      string
	Heading string
	Banner  *Banner // a decision, in colour
	Lead    []string
	KVs     []KV
	Tables  []Table
	Figures []Figure
	Gallery []Thumb
	Notes   []string // small print, e.g. the rule that decided
	Sign    []string // signature lines: one per role
}

// KV is a labelled value; Flag marks it for attention.
type KV struct {
	Key, Value string
	Flag       bool
}

// Banner is a highlighted statement: OK green, else red.
type Banner struct {
	Text string
	OK   bool
	Sub  string
}

// Table is a small table; Flag rows are highlighted. Numeric columns
// (Right) align right.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
	Flag    []bool // per row
	Right   []bool // per column
}

// Figure is a picture: PNG bytes (embedded) or SVG text (inline).
type Figure struct {
	Caption string
	PNG     []byte
	SVG     []byte
	Alt     string
}

// Thumb is a gallery picture linking to its full-size file.
type Thumb struct {
	Caption string
	PNG     []byte // embedded thumbnail
	Href    string // relative link to the full-size image ("" for none)
	Flag    bool
}

// DataURI returns a data: URI for PNG bytes.
func DataURI(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"datauri": DataURI,
	"svg": func(b []byte) template.HTML {
		s := string(b)
		if i := strings.Index(s, "<svg"); i > 0 {
			s = s[i:] // drop the XML prolog
		}
		return template.HTML(s) // our own plot output, not user input
	},
	"right": func(t Table, i int) bool { return i < len(t.Right) && t.Right[i] },
	"flag":  func(t Table, i int) bool { return i < len(t.Flag) && t.Flag[i] },
}).Parse(pageHTML))

// Render returns the page as one HTML document.
func Render(p Page) ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
@page { size: A4; margin: 14mm; }
:root { --ok: #1b7a3a; --bad: #b3261e; --flag: #fff3cd; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; font-size: 14px; line-height: 1.45; }
main { max-width: 1000px; margin: 0 auto; background: #fff; padding: 24px 32px 32px; }
h1 { font-size: 24px; margin: 0 0 2px; }
.subtitle { color: var(--muted); margin: 0 0 12px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 8px 0 14px; padding: 8px 0; border-top: 2px solid #1f2328; border-bottom: 1px solid var(--line); }
.meta div span { color: var(--muted); margin-right: 6px; }
section { margin: 18px 0 6px; break-inside: avoid; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 3px; margin: 0 0 8px; }
.banner { padding: 10px 14px; border-radius: 6px; font-size: 20px; font-weight: bold; color: #fff; background: var(--bad); }
.banner.ok { background: var(--ok); }
.banner .sub { display: block; font-size: 13px; font-weight: normal; margin-top: 3px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 6px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
dl.kv .flag { background: var(--flag); }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #8c959f; }
td.r, th.r { text-align: right; padding-left: 10px; }
tr.flag td { background: var(--flag); }
figure { margin: 8px 0; }
figure img, figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
figure > svg { width: 100%; max-width: 820px; }
figcaption { color: var(--muted); font-size: 12px; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; }
.gallery figure { width: 180px; margin: 0; }
.gallery img { width: 180px; height: 180px; object-fit: contain; background: #eee; }
.gallery .flag img { outline: 3px solid #d4a72c; }
.notes { color: var(--muted); font-size: 12px; }
.sign { display: grid; grid-template-columns: 1fr 1fr; gap: 28px; margin-top: 18px; }
.sign div { border-top: 1px solid #1f2328; padding-top: 4px; margin-top: 36px; }
footer { color: var(--muted); font-size: 11px; margin-top: 24px; border-top: 1px solid var(--line); padding-top: 6px; word-break: break-all; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } }
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{if .Subtitle}}<p class="subtitle">{{.Subtitle}}</p>{{end}}
{{if .Meta}}<div class="meta">{{range .Meta}}<div><span>{{.Key}}</span>{{.Value}}</div>{{end}}</div>{{end}}
{{range .Sections}}<section{{if .ID}} id="{{.ID}}"{{end}}>
{{if .Heading}}<h2>{{.Heading}}</h2>{{end}}
{{with .Banner}}<div class="banner{{if .OK}} ok{{end}}">{{.Text}}{{if .Sub}}<span class="sub">{{.Sub}}</span>{{end}}</div>{{end}}
{{range .Lead}}<p>{{.}}</p>{{end}}
{{if .KVs}}<dl class="kv">{{range .KVs}}<dt{{if .Flag}} class="flag"{{end}}>{{.Key}}</dt><dd{{if .Flag}} class="flag"{{end}}>{{.Value}}</dd>{{end}}</dl>{{end}}
{{range $t := .Tables}}<table>{{if $t.Caption}}<caption>{{$t.Caption}}</caption>{{end}}
<thead><tr>{{range $i, $h := $t.Header}}<th{{if right $t $i}} class="r"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>{{range $r, $row := $t.Rows}}<tr{{if flag $t $r}} class="flag"{{end}}>{{range $i, $c := $row}}<td{{if right $t $i}} class="r"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}
{{range .Figures}}<figure>{{if .SVG}}{{svg .SVG}}{{else if .PNG}}<img src="{{datauri .PNG}}" alt="{{.Alt}}">{{end}}{{if .Caption}}<figcaption>{{.Caption}}</figcaption>{{end}}</figure>
{{end}}
{{if .Gallery}}<div class="gallery">{{range .Gallery}}<figure{{if .Flag}} class="flag"{{end}}>{{if .Href}}<a href="{{.Href}}">{{end}}<img src="{{datauri .PNG}}" alt="{{.Caption}}">{{if .Href}}</a>{{end}}<figcaption>{{.Caption}}</figcaption></figure>{{end}}</div>{{end}}
{{if .Notes}}<div class="notes">{{range .Notes}}<p>{{.}}</p>{{end}}</div>{{end}}
{{if .Sign}}<div class="sign">{{range .Sign}}<div>{{.}}</div>{{end}}</div>{{end}}
</section>
{{end}}
{{if .Footer}}<footer>{{.Footer}}</footer>{{end}}
</main>
</body>
</html>
`
