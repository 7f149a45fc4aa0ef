package job

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/growth"
	"github.com/histocount/histocount/internal/cellsrun"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/passport"
	"github.com/histocount/histocount/report"
)

// PassportsDir is the folder of a job's output that holds the passports of
// the manifest's passports block: dose/<batch>/ and skin/<donor>/.
const PassportsDir = "passports"

// passportSheets are the passports block's files, read and parsed.
type passportSheets struct {
	dose       []passport.Batch
	doseSHA    string
	donors     []passport.SkinDonor
	donorsSHA  string
	growth     []growth.Donor
	growthSHA  string
	growthBad  []string // rows left out of the passage sheet
	ref        *passport.Reference
	refID      models.SkinReferenceID
	dosePath   string
	donorsPath string
}

// CheckPassportSheets reads and checks the sheets of m's passports block
// (paths relative to baseDir), so that a bad sheet stops a job before any
// image is analysed. Nil when m has no passports block.
func CheckPassportSheets(m *models.Manifest, baseDir string) error {
	_, err := readPassportSheets(m.Passports, baseDir)
	return err
}

func readPassportSheets(p *models.ManifestPassports, baseDir string) (*passportSheets, error) {
	if p == nil {
		return nil, nil
	}
	s := &passportSheets{refID: models.SkinReferenceID{Source: "built-in defaults"}}
	var probs []models.ManifestProblem
	bad := func(path string, err error) {
		probs = append(probs, models.ManifestProblem{Path: path, Msg: err.Error()})
	}
	read := func(path, name string) ([]byte, string, bool) {
		b, err := os.ReadFile(models.ResolvePath(name, baseDir))
		if err != nil {
			bad(path, err)
			return nil, "", false
		}
		sum := sha256.Sum256(b)
		return b, hex.EncodeToString(sum[:]), true
	}
	var err error
	if p.DoseSheet != "" {
		s.dosePath = models.ResolvePath(p.DoseSheet, baseDir)
		if b, sha, ok := read("passports.dose.sheet", p.DoseSheet); ok {
			s.doseSHA = sha
			if s.dose, err = passport.ReadBatchSheet(bytes.NewReader(b)); err != nil {
				bad("passports.dose.sheet", err)
			}
		}
	}
	if p.SkinDonors != "" {
		s.donorsPath = models.ResolvePath(p.SkinDonors, baseDir)
		if b, sha, ok := read("passports.skin.donors", p.SkinDonors); ok {
			s.donorsSHA = sha
			if s.donors, err = passport.ReadDonorSheet(bytes.NewReader(b)); err != nil {
				bad("passports.skin.donors", err)
			}
		}
		if p.SkinGrowth != "" {
			if b, sha, ok := read("passports.skin.growth", p.SkinGrowth); ok {
				s.growthSHA = sha
				if s.growth, s.growthBad, err = growth.ReadSheet(bytes.NewReader(b)); err != nil {
					bad("passports.skin.growth", err)
				}
			}
		}
		refBytes := []byte(passport.DefaultReferenceJSON)
		if p.SkinRefFile != "" {
			b, sha, ok := read("passports.skin.reference", p.SkinRefFile)
			if ok {
				refBytes = b
			}
			s.refID = models.SkinReferenceID{Source: p.SkinRefFile, SHA256: sha}
		}
		if s.ref, err = passport.ParseReference(refBytes); err != nil {
			bad("passports.skin.reference", err)
		} else {
			s.refID.Name = s.ref.Name
		}
	}
	if len(probs) > 0 {
		return nil, &models.ManifestError{Problems: probs}
	}
	return s, nil
}

// PassportConfig is where a finished job's passports come from.
type PassportConfig struct {
	Manifest *models.Manifest
	BaseDir  string // the manifest's paths are relative to it
	Dir      string // the job's output: results.jsonl is read, passports/ written
	Build    models.Provenance
	// Overlay returns the overlay file of a manifest item ("" if none).
	Overlay func(index int) string
	// Finished is the issue time when the manifest gives none.
	Finished time.Time
}

// WritePassports builds the passports of c.Manifest's passports block from
// the job's results (dir/results.jsonl) and writes them atomically under
// dir/passports. A passport that cannot be built (a batch whose images are
// not in the job) is listed with status error; the error is for what stops
// them all (an unreadable sheet or results file, a write failure).
func WritePassports(c PassportConfig) ([]models.JobPassport, error) {
	mp := c.Manifest.Passports
	if mp == nil {
		return nil, nil
	}
	sheets, err := readPassportSheets(mp, c.BaseDir)
	if err != nil {
		return nil, err
	}
	resultsPath := filepath.Join(c.Dir, ResultsFile)
	recs, resultsSHA, err := readRecords(resultsPath)
	if err != nil {
		return nil, err
	}
	issued := c.Finished.UTC().Format(time.RFC3339)
	if mp.Issued != "" {
		t, _ := time.Parse(time.RFC3339, mp.Issued) // checked by the manifest parser
		issued = t.UTC().Format(time.RFC3339)
	}
	outAbs, err := filepath.Abs(filepath.Join(c.Dir, PassportsDir))
	if err != nil {
		return nil, err
	}
	var files []report.File
	var list []models.JobPassport
	if sheets.dose != nil {
		fs, l, err := dosePassports(c, sheets, recs, resultsPath, resultsSHA, outAbs, issued)
		if err != nil {
			return nil, err
		}
		files, list = append(files, fs...), append(list, l...)
	}
	if sheets.donors != nil {
		fs, l, err := skinPassports(c, sheets, recs, resultsPath, resultsSHA, issued)
		if err != nil {
			return nil, err
		}
		files, list = append(files, fs...), append(list, l...)
	}
	if err := report.WriteAll(outAbs, files); err != nil {
		return nil, fmt.Errorf("passports: %w", err)
	}
	return list, nil
}

// readRecords reads every record of a job's results.jsonl and its SHA-256.
func readRecords(path string) ([]models.ItemResult, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("passports: %w", err)
	}
	var recs []models.ItemResult
	var bad error
	if err := ScanLines(bytes.NewReader(b), func(_ int64, line []byte) {
		var r models.ItemResult
		if e := json.Unmarshal(line, &r); e != nil {
			bad = e
			return
		}
		recs = append(recs, r)
	}); err != nil {
		return nil, "", err
	}
	if bad != nil {
		return nil, "", fmt.Errorf("passports: %s: %w", path, bad)
	}
	sum := sha256.Sum256(b)
	return recs, hex.EncodeToString(sum[:]), nil
}

// cellsGroup is the job's cells items of one preparation (stain and
// chamber settings) as a `histocount cells` run, which is what a passport
// reads; index maps its images back to manifest items.
type cellsGroup struct {
	run   *cellsrun.Run
	index []int
	tally *Tally
}

// cellsGroups splits the job's cells records by preparation, in order of
// first appearance; keep selects records (nil: all).
func cellsGroups(recs []models.ItemResult, resultsPath string, build models.Provenance, keep func(stain string) bool) []*cellsGroup {
	byKey := map[string]*cellsGroup{}
	var order []*cellsGroup
	for i := range recs {
		r := &recs[i]
		if r.Kind != models.KindCells {
			continue
		}
		p := r.Parameters
		stain := p.Str("stain")
		if r.Cells != nil && r.Cells.Stain != "" {
			stain = r.Cells.Stain // effective: a marker makes an item fluorescence
		}
		if keep != nil && !keep(stain) {
			continue
		}
		ch := models.Chamber{PixelSizeUM: p.Num("pixel_size_um"), DepthUM: p.Num("depth_um"), Dilution: p.Num("dilution"),
			TrypanRatio: p.Num("trypan_ratio"), MinViablePML: p.Num("min_viable_per_ml")}
		key := fmt.Sprintf("%s|%v", stain, ch)
		g := byKey[key]
		if g == nil {
			prov := build
			prov.Parameters = map[string]string{"stain": stain, "pixel_size_um": num(ch.PixelSizeUM), "depth_um": num(ch.DepthUM),
				"dilution": num(ch.Dilution), "trypan_ratio": num(ch.TrypanRatio), "min_viable_per_ml": num(ch.MinViablePML)}
			g = &cellsGroup{run: &cellsrun.Run{CellsRun: models.CellsRun{SchemaVersion: models.SchemaVersion, Kind: "cells",
				Provenance: prov, Chamber: ch}, Dir: filepath.Dir(resultsPath), Path: resultsPath}, tally: NewTally()}
			byKey[key] = g
			order = append(order, g)
		}
		im := models.CellsImage{Image: r.Path, Sample: sampleOf(r), Status: r.Status, Error: r.Error, Stain: stain}
		if r.Cells != nil && r.Status == models.StatusOK {
			im = *r.Cells
			im.Sample = sampleOf(r)
		}
		im.Index = len(g.run.Images)
		g.run.Images = append(g.run.Images, im)
		g.index = append(g.index, r.Index)
		g.tally.Add(r)
	}
	for _, g := range order {
		g.run.Samples = g.tally.CellsSamples()
	}
	return order
}

func sampleOf(r *models.ItemResult) string {
	if r.SampleID != "" {
		return r.SampleID
	}
	return r.ID
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// dosePassports builds one dose passport per batch of the sheet from the
// trypan cells items of the job.
func dosePassports(c PassportConfig, s *passportSheets, recs []models.ItemResult, resultsPath, resultsSHA, outAbs, issued string) ([]report.File, []models.JobPassport, error) {
	groups := cellsGroups(recs, resultsPath, c.Build, func(stain string) bool { return stain != cells.StainFluorescence })
	var files []report.File
	var list []models.JobPassport
	for _, bt := range s.dose {
		jp := models.JobPassport{Kind: models.PassportDose, ID: bt.BatchID}
		var built *passport.Built
		var reasons []string
		for _, g := range groups {
			g := g
			src := passport.Sources{Provenance: c.Build, Results: resultsPath, ResultsSHA256: resultsSHA,
				Sheet: s.dosePath, SheetSHA256: s.doseSHA, OutDir: filepath.Join(outAbs, models.PassportDose, bt.BatchID),
				Overlay: func(i int) string {
					if c.Overlay == nil {
						return ""
					}
					return c.Overlay(g.index[i])
				}}
			src.Provenance.Parameters = g.run.Provenance.Parameters
			b, err := passport.Dose(bt, g.run, src, issued)
			if err == nil {
				built = b
				break
			}
			reasons = append(reasons, err.Error())
		}
		if built == nil {
			if len(groups) == 0 {
				reasons = append(reasons, "the job has no trypan cells items")
			}
			jp.Status, jp.Reasons = models.PassportError, reasons
			list = append(list, jp)
			continue
		}
		fs, err := passport.Files(built)
		if err != nil {
			return nil, nil, fmt.Errorf("passport %s: %w", bt.BatchID, err)
		}
		jp.Dir = filepath.ToSlash(filepath.Join(PassportsDir, models.PassportDose, bt.BatchID))
		for _, f := range fs {
			files = append(files, report.File{Name: filepath.Join(models.PassportDose, bt.BatchID, f.Name), Data: f.Data})
		}
		jp.Status, jp.Reasons = built.Passport.Decision.Status, built.Passport.Decision.Reasons
		list = append(list, jp)
	}
	return files, list, nil
}

// skinPassports builds one Skin Passport per donor from the job's colonies
// items (CFE), its fluorescence cells items (proliferating fraction), its
// trypan cells items (viability) and the passage sheet.
func skinPassports(c PassportConfig, s *passportSheets, recs []models.ItemResult, resultsPath, resultsSHA, issued string) ([]report.File, []models.JobPassport, error) {
	in := passport.SkinInputs{Growth: s.growth, Reference: s.ref, ReferenceID: s.refID}
	pooled := func(fluor bool) *cellsrun.Run {
		gs := cellsGroups(recs, resultsPath, c.Build, func(stain string) bool { return (stain == cells.StainFluorescence) == fluor })
		if len(gs) == 0 {
			return nil
		}
		// The samples of every preparation, each pooled within its own.
		run := gs[0].run
		for _, g := range gs[1:] {
			run.Images = append(run.Images, g.run.Images...)
			run.Samples = append(run.Samples, g.run.Samples...)
		}
		return run
	}
	in.Proliferation, in.Viability = pooled(true), pooled(false)
	colTally := NewTally()
	col := &models.ColoniesRun{SchemaVersion: models.SchemaVersion, Kind: "colonies", Provenance: c.Build}
	for i := range recs {
		r := &recs[i]
		if r.Kind != models.KindColonies {
			continue
		}
		d := models.ColonyPlateResult{Image: r.Path, Status: r.Status, Error: r.Error}
		if r.Colonies != nil && r.Status == models.StatusOK {
			d = *r.Colonies
		}
		d.Index, d.Sample = len(col.Images), sampleOf(r)
		col.Images = append(col.Images, d)
		colTally.Add(r)
	}
	if len(col.Images) > 0 {
		col.Samples = colTally.ColoniesSamples()
		in.Colonies = col
	}
	params := map[string]string{"donors": s.donorsPath, "results": resultsPath, "results_sha256": resultsSHA}
	if s.growthSHA != "" {
		params["growth_sha256"] = s.growthSHA
	}
	prov := c.Build
	prov.Parameters = params
	src := passport.Sources{Provenance: prov, Results: resultsPath, ResultsSHA256: resultsSHA, Sheet: s.donorsPath, SheetSHA256: s.donorsSHA}
	var files []report.File
	var list []models.JobPassport
	for _, d := range s.donors {
		b, err := passport.Skin(d, in, src, issued)
		if err != nil {
			return nil, nil, fmt.Errorf("passport %s: %w", d.Donor, err)
		}
		fs, err := passport.SkinFiles(b)
		if err != nil {
			return nil, nil, fmt.Errorf("passport %s: %w", d.Donor, err)
		}
		for _, f := range fs {
			files = append(files, report.File{Name: filepath.Join(models.PassportSkin, d.Donor, f.Name), Data: f.Data})
		}
		jp := models.JobPassport{Kind: models.PassportSkin, ID: d.Donor, Status: models.PassportComplete,
			Dir: filepath.ToSlash(filepath.Join(PassportsDir, models.PassportSkin, d.Donor))}
		if r := b.Passport.Decision.Reasons; len(r) > 0 {
			jp.Status, jp.Reasons = models.PassportIncomplete, r
		}
		list = append(list, jp)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return files, list, nil
}

// PassportsExit raises a job's exit code to partial (3) when a passport
// was not released, is incomplete or could not be built — as `histocount
// passport` does — unless the job already failed or was interrupted.
func PassportsExit(code int, list []models.JobPassport) int {
	if code != ExitOK {
		return code
	}
	for _, p := range list {
		if p.Status != models.Released && p.Status != models.PassportComplete {
			return ExitPartial
		}
	}
	return code
}
