package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/histocount/histocount/growth"
	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/passport"
	"github.com/histocount/histocount/report"
	"github.com/histocount/histocount/report/human"
)

const passportSkinHelp = `
Usage: histocount passport skin --donors DONORS.csv --out DIR
         [--colonies COLONIES_DIR] [--proliferation CELLS_DIR] [--viability CELLS_DIR]
         [--growth PASSAGES.csv] [--reference REFERENCE.json]

Writes one skin passport per donor: DIR/<donor>/skin_passport.json
(histocount schema passport, kind skin), skin_passport.html and
skin_passport.pdf. Each passport joins what was measured of the donor's
cultured fibroblasts, each value with its 95 % interval:

  colony-forming efficiency  --colonies: results of 'histocount colonies --plate-map'
                             (the plate map's sample/donor pools the dishes)
  proliferating fraction     --proliferation: results of 'histocount cells
                             --marker-image/--marker-channel' (the donor's sample)
  viability                  --viability: results of 'histocount cells --stain trypan'
  growth                     --growth: passage sheet (donor, passage, cells_seeded,
                             cells_harvested, days): population doublings, doubling
                             time, cumulative doublings, growth curve

and places each on the lab's population reference (--reference, a JSON
file; 'histocount passport skin --print-reference' prints the built-in
one: CFE 45.0 ± 9.5 % for donors 18–82 y, proliferating fraction against
0–14 %) as z-score and percentile or within/below/above a range. It reports
measurements and where they fall; it makes no clinical prediction.

Donor sheet: donor (required); age; cfe_sample, proliferation_sample,
viability_sample, growth_donor (default: the donor id); operator, date.

A donor with a missing measure (e.g. CFE but no cell counts) gets a
passport with that measure flagged. Exit codes: 0 every donor complete;
3 passports written but at least one measure missing; 2 bad sheet,
results or reference — nothing written; 1 outputs could not be written.

Example:
  histocount colonies --plate-map platemap.csv --out cfe/ dishes/
  histocount cells --marker-image _dapi=_ki67 --sample-by dir --out ki67/ fields/
  histocount passport skin --donors donors.csv --colonies cfe/ --proliferation ki67/ \
      --growth passages.csv --out passports/
`

type passportSkinOptions struct {
	Donors, Colonies, Proliferation, Viability, Growth, Reference, Out, Issued string
	PrintReference                                                             bool
}

func runPassportSkin(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var o passportSkinOptions
	fs := newFlagSet("passport skin", passportSkinHelp, stderr)
	fs.StringVar(&o.Donors, "donors", "", "donor sheet CSV (required)")
	fs.StringVar(&o.Colonies, "colonies", "", "results `dir` of histocount colonies (with --plate-map)")
	fs.StringVar(&o.Proliferation, "proliferation", "", "results `dir` of histocount cells with a proliferation marker")
	fs.StringVar(&o.Viability, "viability", "", "results `dir` of histocount cells --stain trypan")
	fs.StringVar(&o.Growth, "growth", "", "passage sheet CSV: donor, passage, cells_seeded, cells_harvested, days")
	fs.StringVar(&o.Reference, "reference", "", "population reference JSON (default: built-in, see --print-reference)")
	fs.StringVar(&o.Out, "out", "", "output `dir` (required): one folder per donor")
	fs.StringVar(&o.Issued, "issued", "", "issue time, RFC 3339 (default: now; set it to reproduce a passport byte for byte)")
	fs.BoolVar(&o.PrintReference, "print-reference", false, "print the built-in reference JSON (to copy and edit) and exit")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if o.PrintReference {
		_, err := io.WriteString(stdout, passport.DefaultReferenceJSON)
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("passport skin takes no positional arguments, got %v", pos)
	}
	if o.Donors == "" || o.Out == "" {
		return usageErrorf("--donors and --out are required")
	}
	if o.Colonies == "" && o.Proliferation == "" && o.Viability == "" && o.Growth == "" {
		return usageErrorf("give at least one of --colonies, --proliferation, --viability, --growth")
	}
	started := time.Now()
	issued, err := issuedTime(o.Issued, started)
	if err != nil {
		return err
	}
	sheetBytes, err := os.ReadFile(o.Donors)
	if err != nil {
		return usageErrorf("--donors: %v", err)
	}
	donors, err := passport.ReadDonorSheet(strings.NewReader(string(sheetBytes)))
	if err != nil {
		return usageErrorf("%s: %v", o.Donors, err)
	}
	in := passport.SkinInputs{ReferenceID: models.SkinReferenceID{Source: "built-in defaults"}}
	refBytes := []byte(passport.DefaultReferenceJSON)
	if o.Reference != "" {
		if refBytes, err = os.ReadFile(o.Reference); err != nil {
			return usageErrorf("--reference: %v", err)
		}
		in.ReferenceID = models.SkinReferenceID{Source: o.Reference, SHA256: sha256Hex(refBytes)}
	}
	if in.Reference, err = passport.ParseReference(refBytes); err != nil {
		return usageErrorf("--reference %s: %v", o.Reference, err)
	}
	in.ReferenceID.Name = in.Reference.Name
	var sources []string
	hashes := map[string]string{}
	if o.Colonies != "" {
		run, path, b, err := loadColoniesRun(o.Colonies)
		if err != nil {
			return usageErrorf("--colonies: %v", err)
		}
		in.Colonies = run
		sources = append(sources, "colonies "+path)
		hashes["colonies"] = sha256Hex(b)
	}
	for _, c := range []struct {
		flag, dir string
		dst       **cellsrun.Run
	}{{"proliferation", o.Proliferation, &in.Proliferation}, {"viability", o.Viability, &in.Viability}} {
		if c.dir == "" {
			continue
		}
		run, err := cellsrun.Load(c.dir)
		if err != nil {
			return usageErrorf("--%s: %v", c.flag, err)
		}
		*c.dst = run
		b, _ := os.ReadFile(run.Path)
		sources = append(sources, c.flag+" "+run.Path)
		hashes[c.flag] = sha256Hex(b)
	}
	if o.Growth != "" {
		f, err := os.Open(o.Growth)
		if err != nil {
			return usageErrorf("--growth: %v", err)
		}
		gd, problems, err := growth.ReadSheet(f)
		f.Close()
		if err != nil {
			return usageErrorf("--growth %s: %v", o.Growth, err)
		}
		for _, p := range problems {
			fmt.Fprintf(stderr, "passport: %s: %s (left out)\n", o.Growth, p)
		}
		in.Growth = gd
		b, _ := os.ReadFile(o.Growth)
		sources = append(sources, "growth "+o.Growth)
		hashes["growth"] = sha256Hex(b)
	}
	results := strings.Join(sources, "; ")
	// results_sha256 covers every results file used: the sha256 of their
	// "name sha256" lines (each file's own hash is in the parameters).
	var hl []string
	for k, v := range hashes {
		hl = append(hl, k+" "+v+"\n")
	}
	sort.Strings(hl)
	params := map[string]string{"donors": o.Donors, "colonies": o.Colonies, "proliferation": o.Proliferation, "viability": o.Viability,
		"growth": o.Growth, "reference": o.Reference}
	for k, v := range hashes {
		params[k+"_sha256"] = v
	}
	src := passport.Sources{Provenance: provenance(started, params), Results: results, ResultsSHA256: sha256Hex([]byte(strings.Join(hl, ""))), Sheet: o.Donors, SheetSHA256: sha256Hex(sheetBytes)}
	var files []report.File
	var built []*passport.Built
	for _, d := range donors {
		b, err := passport.Skin(d, in, src, issued)
		if err != nil {
			return fmt.Errorf("passport %s: %w", d.Donor, err)
		}
		fs, err := passport.SkinFiles(b)
		if err != nil {
			return fmt.Errorf("passport %s: %w", d.Donor, err)
		}
		for _, f := range fs {
			files = append(files, report.File{Name: filepath.Join(d.Donor, f.Name), Data: f.Data})
		}
		built = append(built, b)
	}
	if err := report.WriteAll(o.Out, files); err != nil {
		return fmt.Errorf("passport: %w", err)
	}
	var rows [][]string
	incomplete := 0
	cell := func(m *models.SkinMeasure, unit string) string {
		if m == nil {
			return "—"
		}
		s := human.Fixed(m.Value, 1) + " " + unit
		if r := m.Reference; r != nil {
			if r.Z != nil {
				s += fmt.Sprintf(" (z %+.2f)", *r.Z)
			} else {
				s += " (" + r.Position + ")"
			}
		}
		return s
	}
	for _, b := range built {
		sk := b.Passport.Skin
		cpd := "—"
		if sk.Growth != nil {
			cpd = human.Fixed(sk.Growth.CumulativePD, 1)
		}
		rows = append(rows, []string{b.Passport.ID, cell(sk.CFEPct, "%"), cell(sk.ProliferatingPct, "%"), cell(sk.ViabilityPct, "%"),
			cell(sk.DoublingTimeH, "h"), cpd})
		if len(b.Passport.Decision.Reasons) > 0 {
			incomplete++
			fmt.Fprintf(stderr, "passport: donor %s: %s\n", b.Passport.ID, strings.Join(b.Passport.Decision.Reasons, "; "))
		}
	}
	fmt.Fprintln(stdout)
	human.Table(stdout, []string{"donor", "CFE", "proliferating", "viability", "doubling time", "cum. PD"}, rows,
		[]bool{false, true, true, true, true, true})
	fmt.Fprintf(stderr, "passport: %d skin passport(s) in %s\n", len(built), o.Out)
	if incomplete > 0 {
		return errPartial{incomplete, len(built), fmt.Sprintf("%d of %d donor(s) with a measure missing (see the passports)", incomplete, len(built))}
	}
	return nil
}

// loadColoniesRun reads the results.json of `histocount colonies`.
func loadColoniesRun(dir string) (*models.ColoniesRun, string, []byte, error) {
	p := dir
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		p = filepath.Join(dir, "results.json")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, p, nil, err
	}
	var run models.ColoniesRun
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, p, nil, fmt.Errorf("%s: %v", p, err)
	}
	if run.Kind != "colonies" {
		return nil, p, nil, fmt.Errorf("%s is not the results of `histocount colonies` (kind %q)", p, run.Kind)
	}
	return &run, p, b, nil
}
