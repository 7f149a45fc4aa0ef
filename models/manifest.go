package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of manifest items: which analysis an image gets.
const (
	KindCells    = "cells"    // cell suspension (trypan blue) or nuclei: counts, viability, concentration
	KindColonies = "colonies" // colony-forming assay dish: colonies, CFE
	KindDermis   = "dermis"   // skin section: epidermal and dermal thickness
)

// Kinds lists every item kind, in the order documented.
var Kinds = []string{KindCells, KindColonies, KindDermis}

// Manifest is a LIMS job: a versioned list of images, each with the kind of
// analysis it needs and its parameters. See ParseManifest for the rules and
// models/schema/manifest.json for the JSON Schema.
type Manifest struct {
	SchemaVersion string
	JobID         string
	// Defaults are the shared parameters per kind as written in the
	// manifest (not merged with the built-in defaults).
	Defaults map[string]Params
	Items    []ManifestItem
	// Passports, when set, asks the run (or the merge of its shards) to
	// write passports from the job's own results.
	Passports *ManifestPassports
}

// ManifestPassports is the manifest's optional "passports" block: dose
// passports per cell batch and Skin Passports per donor, built from the
// job's cells and colonies items as `histocount passport dose|skin` builds
// them from batch results. Paths are as written (relative to the
// manifest's directory, inside the job root).
type ManifestPassports struct {
	DoseSheet   string // batch sheet CSV (passport dose --sheet); "" = no dose passports
	SkinDonors  string // donor sheet CSV (passport skin --donors); "" = no skin passports
	SkinGrowth  string // passage sheet CSV (--growth), optional
	SkinRefFile string // population reference JSON (--reference), optional
	Issued      string // RFC 3339 issue time; "" = when the job's results are complete
}

// Files lists the block's file paths by their manifest path, in a fixed
// order (empty ones left out).
func (p *ManifestPassports) Files() [][2]string {
	if p == nil {
		return nil
	}
	var out [][2]string
	for _, f := range [][2]string{{"passports.dose.sheet", p.DoseSheet}, {"passports.skin.donors", p.SkinDonors},
		{"passports.skin.growth", p.SkinGrowth}, {"passports.skin.reference", p.SkinRefFile}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// ResolvePath returns a path of the manifest (item or passports block):
// absolute as written, relative joined to baseDir.
func ResolvePath(p, baseDir string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(baseDir, p)
}

// ManifestItem is one image of a job.
type ManifestItem struct {
	Index           int      // position in the manifest's items, 0-based
	ID              string   // unique within the manifest
	Kind            string   // KindCells, KindColonies or KindDermis
	Path            string   // as written; relative paths resolve against the manifest's directory
	SampleID        string   // pools fields (cells) or replicate dishes (colonies); "" = the item alone
	Subject         string   // donor or patient
	TimePointMonths *float64 // months since the start of the study, if given
	Replicate       string   // replicate label; a JSON integer is kept as its decimal text
	// Params are the effective parameters: built-in defaults, then the
	// manifest's defaults for the kind, then the item's params and its
	// shorthand fields (stain, pixel_size_um, dilution, cells_seeded).
	Params Params
}

// Resolve returns the item's file path: absolute paths as written, relative
// ones joined to baseDir (the manifest's directory).
func (it ManifestItem) Resolve(baseDir string) string { return ResolvePath(it.Path, baseDir) }

// Sample returns the sample an item is pooled into: its sample_id, or its
// id when it has none.
func (it ManifestItem) Sample() string {
	if it.SampleID != "" {
		return it.SampleID
	}
	return it.ID
}

// Params are effective analysis parameters by name. Values are float64 for
// numbers and string for strings, so that they marshal the same way after a
// round trip through JSON (resume compares them).
type Params map[string]any

// Num returns the number parameter name (0 if absent).
func (p Params) Num(name string) float64 {
	v, _ := p[name].(float64)
	return v
}

// Str returns the string parameter name ("" if absent).
func (p Params) Str(name string) string {
	v, _ := p[name].(string)
	return v
}

// Key is the canonical JSON of p (sorted keys), for equality tests.
func (p Params) Key() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// ParamType is the JSON type of a parameter.
type ParamType int

// Parameter types.
const (
	ParamNumber  ParamType = iota // any finite number
	ParamInteger                  // a whole number
	ParamString                   // a string, usually from Enum
)

// ParamSpec describes one parameter of a kind.
type ParamSpec struct {
	Name         string
	Type         ParamType
	Enum         []string // allowed strings (ParamString)
	Min          float64  // smallest allowed value (numbers)
	MinExclusive bool     // value must be > Min rather than ≥ Min
	Max          float64  // largest allowed value (numbers; models/bounds.go)
	Floor        float64  // a non-zero value must be ≥ Floor (0 keeps its meaning "automatic"/"unknown")
	Default      any      // float64 or string; nil = derived (see finalise)
	Doc          string
}

// KindParams are the parameters each kind accepts, in documentation order.
// The manifest schema (models/schema/manifest.json) mirrors this table; a
// test keeps them in step.
var KindParams = map[string][]ParamSpec{
	KindCells: {
		{Name: "stain", Type: ParamString, Enum: []string{"trypan", "fluorescence"}, Default: "trypan", Doc: "trypan: live/dead brightfield; fluorescence: DAPI/Hoechst nuclei"},
		{Name: "pixel_size_um", Type: ParamNumber, Max: MaxPixelSizeUM, Floor: MinPixelSizeUM, Default: 0.0, Doc: "µm per pixel; 0 = read the image's calibration"},
		{Name: "depth_um", Type: ParamNumber, MinExclusive: true, Max: MaxDepthUM, Floor: MinDepthUM, Default: 100.0, Doc: "counting chamber depth, µm (Neubauer: 100)"},
		{Name: "dilution", Type: ParamNumber, MinExclusive: true, Max: MaxDilution, Floor: MinDilution, Default: 1.0, Doc: "dilution factor of the sample before staining"},
		{Name: "trypan_ratio", Type: ParamNumber, MinExclusive: true, Max: MaxTrypanRatio, Floor: MinTrypanRatio, Doc: "stain mixing factor; default 2 for trypan (1:1), 1 otherwise"},
		{Name: "min_viable_per_ml", Type: ParamNumber, Max: MaxViablePerML, Default: 1e6, Doc: "release threshold, viable cells/ml"},
		{Name: "min_diameter_um", Type: ParamNumber, Max: MaxDiameterUM, Default: 0.0, Doc: "smallest object diameter, µm; 0 = stain default"},
		{Name: "max_diameter_um", Type: ParamNumber, Max: MaxDiameterUM, Default: 0.0, Doc: "largest object diameter, µm; 0 = stain default"},
		{Name: "marker_image", Type: ParamString, Default: "", Doc: "two-channel: the marker image paired with the item's nuclei image, FROM=TO or a template with {stem} (as cells --marker-image); implies fluorescence"},
		{Name: "marker_channel", Type: ParamInteger, Max: 1000, Default: 0.0, Doc: "two-channel: marker in TIFF page N or RGB channel N (1 red, 2 green, 3 blue); 0 = none"},
		{Name: "marker_threshold", Type: ParamNumber, Max: 65535, Default: 0.0, Doc: "fixed threshold on the nucleus marker score, grey levels; 0 = automatic"},
	},
	KindColonies: {
		{Name: "polarity", Type: ParamString, Enum: []string{"auto", "dark", "light"}, Default: "auto", Doc: "dark colonies on a light dish (crystal violet), light on dark, or auto"},
		{Name: "pixel_size_um", Type: ParamNumber, Max: MaxPixelSizeUM, Floor: MinPixelSizeUM, Default: 0.0, Doc: "µm per pixel; 0 = read the image's calibration"},
		{Name: "cells_seeded", Type: ParamNumber, Max: MaxCellsSeeded, Floor: MinCellsSeeded, Default: 0.0, Doc: "cells seeded in the dish; 0 = unknown (no CFE)"},
		{Name: "min_colony_diameter_um", Type: ParamNumber, Max: MaxColonyDiamUM, Default: 0.0, Doc: "smallest colony diameter, µm; 0 = automatic"},
		{Name: "min_colony_area_um2", Type: ParamNumber, Max: MaxColonyAreaUM2, Default: 0.0, Doc: "smallest colony area, µm²; 0 = automatic"},
		{Name: "min_colony_area_px", Type: ParamNumber, Max: MaxColonyAreaPx, Default: 0.0, Doc: "smallest colony area, px; 0 = automatic"},
		{Name: "min_cells", Type: ParamInteger, Max: MaxMinCells, Default: 0.0, Doc: "cells a cluster needs to count as a colony (usually 50); 0 = automatic"},
		{Name: "cell_area_um2", Type: ParamNumber, Max: MaxCellAreaUM2, Default: 0.0, Doc: "projected area of one cell, µm²; 0 = unknown"},
	},
	KindDermis: {
		{Name: "stain", Type: ParamString, Enum: []string{"auto", "he", "silver"}, Default: "auto", Doc: "he (haematoxylin-eosin), silver, or auto"},
		{Name: "pixel_size_um", Type: ParamNumber, Max: MaxPixelSizeUM, Floor: MinPixelSizeUM, Default: 0.0, Doc: "µm per pixel; 0 = read the image's calibration"},
		{Name: "interval_um", Type: ParamNumber, Max: MaxIntervalUM, Floor: MinIntervalUM, Default: 0.0, Doc: "spacing of thickness measurements along the surface, µm; 0 = 50 µm"},
	},
}

// itemShorthands are item fields that set a parameter of the same name.
var itemShorthands = []string{"stain", "pixel_size_um", "dilution", "cells_seeded"}

// itemFields are the fields an item may have, in documentation order.
var itemFields = []string{"id", "kind", "path", "sample_id", "subject", "time_point_months", "replicate",
	"stain", "pixel_size_um", "dilution", "cells_seeded", "params"}

// MaxIDLength bounds item ids and job ids (in characters).
const MaxIDLength = 256

// sampleConsistent are the cells parameters every field of one sample must
// share: the sample is one suspension, pooled into one concentration.
var sampleConsistent = []string{"stain", "dilution", "trypan_ratio", "min_viable_per_ml"}

var schemaVersionRE = regexp.MustCompile(`^1\.[0-9]+\.[0-9]+$`)

// ManifestProblem is one thing wrong with a manifest, at a JSON path such
// as items[3].pixel_size_um.
type ManifestProblem struct {
	Path string
	Msg  string
}

func (p ManifestProblem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// ManifestError lists every problem found in a manifest.
type ManifestError struct{ Problems []ManifestProblem }

func (e *ManifestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "manifest: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// ErrManifest is matched by every *ManifestError (errors.Is).
var ErrManifest = errors.New("models: invalid manifest")

// Is makes errors.Is(err, ErrManifest) true.
func (e *ManifestError) Is(target error) bool { return target == ErrManifest }

// ParseManifest parses and checks a manifest strictly, without touching
// the file system: invalid JSON, duplicate keys, unknown fields, wrong
// types, missing required fields, out-of-range values, duplicate ids,
// unknown kinds, parameters that do not belong to the item's kind, the same
// parameter given twice, and cells samples mixing preparation parameters.
// It reports all problems at once in a *ManifestError. It also returns the
// manifest as far as it could be read, so that CheckFiles can add its own
// problems; use it only when the error is nil.
func ParseManifest(data []byte) (*Manifest, error) {
	root, err := decodeTree(data)
	if err != nil {
		return nil, &ManifestError{Problems: []ManifestProblem{{Msg: err.Error()}}}
	}
	p := &manifestParser{}
	m := p.manifest(root)
	if len(p.problems) > 0 {
		return m, &ManifestError{Problems: p.problems}
	}
	return m, nil
}

// CheckFiles reports items whose file is missing, is not a regular file or
// cannot be opened, resolving relative paths against baseDir.
func (m *Manifest) CheckFiles(baseDir string) error {
	var probs []ManifestProblem
	for _, f := range m.paths() {
		p := ResolvePath(f[1], baseDir)
		path := f[0]
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			probs = append(probs, ManifestProblem{path, fmt.Sprintf("file not found: %s", p)})
		case err != nil:
			probs = append(probs, ManifestProblem{path, err.Error()})
		case !st.Mode().IsRegular():
			probs = append(probs, ManifestProblem{path, fmt.Sprintf("not a regular file: %s", p)})
		}
	}
	if len(probs) > 0 {
		return &ManifestError{Problems: probs}
	}
	return nil
}

// CheckRoot reports items whose file (relative paths resolved against
// baseDir, symlinks followed) lies outside root: a job may read only its
// own images, not ../outside.png, /etc/passwd or /proc/self/environ. Run
// it after CheckFiles (the files exist).
func (m *Manifest) CheckRoot(baseDir, root string) error {
	rootReal, err := realAbs(root)
	if err != nil {
		return &ManifestError{Problems: []ManifestProblem{{Msg: fmt.Sprintf("job root %s: %v", root, err)}}}
	}
	var probs []ManifestProblem
	for _, f := range m.paths() {
		p, err := realAbs(ResolvePath(f[1], baseDir))
		if err != nil || !insideDir(p, rootReal) {
			probs = append(probs, ManifestProblem{f[0],
				fmt.Sprintf("%s is outside the job root %s (give --root, or --allow-outside-root if the LIMS vouches for the manifest)", f[1], rootReal)})
		}
	}
	if len(probs) > 0 {
		return &ManifestError{Problems: probs}
	}
	return nil
}

// paths lists every file the manifest names, by manifest path: the items'
// images, then the passports block's sheets.
func (m *Manifest) paths() [][2]string {
	var out [][2]string
	for _, it := range m.Items {
		if it.Path != "" {
			out = append(out, [2]string{fmt.Sprintf("items[%d].path", it.Index), it.Path})
		}
	}
	return append(out, m.Passports.Files()...)
}

// realAbs is p absolute with every symlink resolved.
func realAbs(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(a)
}

// insideDir reports whether p is dir or lies below it (both clean and
// absolute).
func insideDir(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// JoinManifestErrors merges the problems of several ManifestErrors (nil
// entries are skipped); other errors are returned as they are.
func JoinManifestErrors(errs ...error) error {
	var all []ManifestProblem
	for _, err := range errs {
		if err == nil {
			continue
		}
		var me *ManifestError
		if !errors.As(err, &me) {
			return err
		}
		all = append(all, me.Problems...)
	}
	if len(all) == 0 {
		return nil
	}
	return &ManifestError{Problems: all}
}

// --- a small JSON tree that keeps key order and duplicate keys ---

type jkind int

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

type jval struct {
	kind jkind
	keys []string // object keys, in order, duplicates kept
	vals []*jval  // object values (parallel to keys) or array elements
	str  string
	num  json.Number
	b    bool
}

const maxDepth = 64

func decodeTree(data []byte) (*jval, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return nil, jsonErr(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the top-level value")
		}
		return nil, jsonErr(data, dec, err)
	}
	return v, nil
}

func jsonErr(data []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of input")
	}
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, err)
}

func readValue(dec *json.Decoder, depth int) (*jval, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jval{kind: jObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				e, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.keys, v.vals = append(v.keys, k), append(v.vals, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		case '[':
			v := &jval{kind: jArray}
			for dec.More() {
				e, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
		return nil, fmt.Errorf("unexpected %q", t)
	case string:
		return &jval{kind: jString, str: t}, nil
	case json.Number:
		return &jval{kind: jNumber, num: t}, nil
	case bool:
		return &jval{kind: jBool, b: t}, nil
	case nil:
		return &jval{kind: jNull}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// --- the checker ---

type manifestParser struct{ problems []ManifestProblem }

func (p *manifestParser) add(path, format string, a ...any) {
	p.problems = append(p.problems, ManifestProblem{path, fmt.Sprintf(format, a...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fields checks an object's keys against allowed (nil = any) and returns
// its first value per key; unknown and duplicate keys are problems.
func (p *manifestParser) fields(path string, v *jval, allowed []string, unknown string) map[string]*jval {
	out := map[string]*jval{}
	for i, k := range v.keys {
		if _, dup := out[k]; dup {
			p.add(join(path, k), "duplicate key")
			continue
		}
		if allowed != nil && !contains(allowed, k) {
			p.add(join(path, k), "%s", unknown)
			continue
		}
		out[k] = v.vals[i]
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *manifestParser) want(path string, v *jval, k jkind) bool {
	if v.kind != k {
		p.add(path, "want %s, got %s", k, v.kind)
		return false
	}
	return true
}

// str reads a required or optional string of 1..maxLen characters.
func (p *manifestParser) str(path string, f map[string]*jval, key string, required bool, maxLen int) string {
	v, ok := f[key]
	if !ok {
		if required {
			p.add(join(path, key), "missing (required)")
		}
		return ""
	}
	if !p.want(join(path, key), v, jString) {
		return ""
	}
	n := utf8.RuneCountInString(v.str)
	switch {
	case n == 0:
		p.add(join(path, key), "must not be empty")
	case maxLen > 0 && n > maxLen:
		p.add(join(path, key), "longer than %d characters", maxLen)
	}
	return v.str
}

// number parses a JSON number as a finite float64.
func (p *manifestParser) number(path string, v *jval) (float64, bool) {
	if !p.want(path, v, jNumber) {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(v.num), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		p.add(path, "number %s out of range", v.num)
		return 0, false
	}
	return x, true
}

func (p *manifestParser) manifest(root *jval) *Manifest {
	m := &Manifest{Defaults: map[string]Params{}}
	if !p.want("manifest", root, jObject) {
		return m
	}
	f := p.fields("", root, []string{"schema_version", "job_id", "defaults", "items", "passports"}, "unknown field")
	if v := p.str("", f, "schema_version", true, 0); v != "" && !schemaVersionRE.MatchString(v) {
		p.add("schema_version", "unsupported version %q: this histocount reads 1.x.y (it writes %s)", v, SchemaVersion)
	} else {
		m.SchemaVersion = v
	}
	m.JobID = p.str("", f, "job_id", true, MaxIDLength)
	if d, ok := f["defaults"]; ok && p.want("defaults", d, jObject) {
		df := p.fields("defaults", d, Kinds, "unknown kind (want "+strings.Join(Kinds, ", ")+")")
		for _, kind := range Kinds {
			if v, ok := df[kind]; ok {
				m.Defaults[kind] = p.params(join("defaults", kind), v, kind)
			}
		}
	}
	items, ok := f["items"]
	if !ok {
		p.add("items", "missing (required)")
		return m
	}
	if !p.want("items", items, jArray) {
		return m
	}
	if len(items.vals) == 0 {
		p.add("items", "must list at least one item")
	}
	firstID := map[string]int{}
	for i, v := range items.vals {
		it, ok := p.item(fmt.Sprintf("items[%d]", i), i, v, m.Defaults)
		if !ok {
			continue
		}
		if it.ID != "" {
			if j, dup := firstID[it.ID]; dup {
				p.add(fmt.Sprintf("items[%d].id", i), "duplicate id %q (first at items[%d])", it.ID, j)
			} else {
				firstID[it.ID] = i
			}
		}
		m.Items = append(m.Items, it)
	}
	p.checkSamples(m.Items)
	if v, ok := f["passports"]; ok {
		m.Passports = p.passports(v)
	}
	return m
}

// passports reads the optional passports block.
func (p *manifestParser) passports(v *jval) *ManifestPassports {
	const path = "passports"
	out := &ManifestPassports{}
	if !p.want(path, v, jObject) {
		return out
	}
	f := p.fields(path, v, []string{"dose", "skin", "issued"}, "unknown field (want dose, skin, issued)")
	if d, ok := f["dose"]; ok && p.want(join(path, "dose"), d, jObject) {
		df := p.fields(join(path, "dose"), d, []string{"sheet"}, "unknown field (want sheet)")
		out.DoseSheet = p.str(join(path, "dose"), df, "sheet", true, 0)
	}
	if s, ok := f["skin"]; ok && p.want(join(path, "skin"), s, jObject) {
		sp := join(path, "skin")
		sf := p.fields(sp, s, []string{"donors", "growth", "reference"}, "unknown field (want donors, growth, reference)")
		out.SkinDonors = p.str(sp, sf, "donors", true, 0)
		out.SkinGrowth = p.str(sp, sf, "growth", false, 0)
		out.SkinRefFile = p.str(sp, sf, "reference", false, 0)
	}
	if is := p.str(path, f, "issued", false, 64); is != "" {
		if _, err := time.Parse(time.RFC3339, is); err != nil {
			p.add(join(path, "issued"), "not an RFC 3339 time (e.g. 2026-12-01T09:00:00Z): %v", err)
		} else {
			out.Issued = is
		}
	}
	if out.DoseSheet == "" && out.SkinDonors == "" && len(p.problems) == 0 {
		p.add(path, "names neither dose nor skin passports")
	}
	return out
}

// params reads a parameter object of kind.
func (p *manifestParser) params(path string, v *jval, kind string) Params {
	out := Params{}
	if !p.want(path, v, jObject) {
		return out
	}
	specs := KindParams[kind]
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	f := p.fields(path, v, names, "unknown parameter for kind "+kind+" (want one of "+strings.Join(names, ", ")+")")
	for _, s := range specs {
		if e, ok := f[s.Name]; ok {
			if x, ok := p.param(join(path, s.Name), e, s); ok {
				out[s.Name] = x
			}
		}
	}
	return out
}

// param checks one parameter value against its spec.
func (p *manifestParser) param(path string, v *jval, s ParamSpec) (any, bool) {
	switch s.Type {
	case ParamString:
		if !p.want(path, v, jString) {
			return nil, false
		}
		if len(s.Enum) > 0 && !contains(s.Enum, v.str) {
			p.add(path, "%q is not one of %s", v.str, strings.Join(s.Enum, ", "))
			return nil, false
		}
		return v.str, true
	default:
		x, ok := p.number(path, v)
		if !ok {
			return nil, false
		}
		if s.Type == ParamInteger && x != math.Trunc(x) {
			p.add(path, "want integer, got %s", v.num)
			return nil, false
		}
		if s.MinExclusive && !(x > s.Min) {
			p.add(path, "must be > %g, got %s", s.Min, v.num)
			return nil, false
		}
		if !s.MinExclusive && x < s.Min {
			p.add(path, "must be ≥ %g, got %s", s.Min, v.num)
			return nil, false
		}
		if s.Max > 0 && x > s.Max {
			p.add(path, "must be ≤ %g, got %s (outside the plausible range)", s.Max, v.num)
			return nil, false
		}
		if s.Floor > 0 && x != 0 && x < s.Floor {
			zero := "0 or "
			if s.MinExclusive {
				zero = "" // 0 is no "automatic" here
			}
			p.add(path, "must be %s≥ %g, got %s (outside the plausible range)", zero, s.Floor, v.num)
			return nil, false
		}
		return x, true
	}
}

func (p *manifestParser) item(path string, index int, v *jval, defaults map[string]Params) (ManifestItem, bool) {
	it := ManifestItem{Index: index}
	if !p.want(path, v, jObject) {
		return it, false
	}
	f := p.fields(path, v, itemFields, "unknown field")
	it.ID = p.str(path, f, "id", true, MaxIDLength)
	it.Path = p.str(path, f, "path", true, 0)
	it.SampleID = p.str(path, f, "sample_id", false, MaxIDLength)
	it.Subject = p.str(path, f, "subject", false, MaxIDLength)
	it.Kind = p.str(path, f, "kind", true, 0)
	specs, kindOK := KindParams[it.Kind]
	if it.Kind != "" && !kindOK {
		p.add(join(path, "kind"), "%q is not one of %s", it.Kind, strings.Join(Kinds, ", "))
	}
	if v, ok := f["time_point_months"]; ok {
		if x, ok := p.number(join(path, "time_point_months"), v); ok {
			if x < 0 || x > MaxMonths {
				p.add(join(path, "time_point_months"), "must be in [0, %d], got %s", MaxMonths, v.num)
			} else {
				it.TimePointMonths = &x
			}
		}
	}
	if v, ok := f["replicate"]; ok {
		switch {
		case v.kind == jString && v.str != "":
			it.Replicate = v.str
		case v.kind == jString:
			p.add(join(path, "replicate"), "must not be empty")
		case v.kind == jNumber:
			// JSON Schema's "integer" is any whole number, 2.0 included.
			if x, err := strconv.ParseFloat(string(v.num), 64); err == nil && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				it.Replicate = strconv.FormatInt(int64(x), 10)
			} else {
				p.add(join(path, "replicate"), "want string or integer, got number %s", v.num)
			}
		default:
			p.add(join(path, "replicate"), "want string or integer, got %s", v.kind)
		}
	}
	// Parameters: the item's params object, then its shorthand fields.
	var own Params
	if v, ok := f["params"]; ok && kindOK {
		own = p.params(join(path, "params"), v, it.Kind)
	} else if ok {
		p.want(join(path, "params"), v, jObject)
	}
	if own == nil {
		own = Params{}
	}
	for _, name := range itemShorthands {
		v, ok := f[name]
		if !ok || !kindOK {
			continue
		}
		spec, found := specFor(specs, name)
		if !found {
			p.add(join(path, name), "not a parameter of kind %s", it.Kind)
			continue
		}
		if pv, ok := f["params"]; ok && pv.kind == jObject && contains(pv.keys, name) {
			p.add(join(path, "params."+name), "also given as %s", join(path, name))
			continue
		}
		if x, ok := p.param(join(path, name), v, spec); ok {
			own[name] = x
		}
	}
	if kindOK {
		it.Params = effectiveParams(it.Kind, defaults[it.Kind], own)
		// A cell count alone is no colony size; the analysis would silently
		// fall back to its automatic threshold.
		if it.Kind == KindColonies && it.Params.Num("min_cells") > 0 && !(it.Params.Num("cell_area_um2") > 0) {
			p.add(path, "min_cells %g needs cell_area_um2 (µm² per cell) to define a colony size", it.Params.Num("min_cells"))
		}
		if lo, hi := it.Params.Num("min_diameter_um"), it.Params.Num("max_diameter_um"); it.Kind == KindCells && lo > 0 && hi > 0 && lo > hi {
			p.add(path, "min_diameter_um %g is larger than max_diameter_um %g", lo, hi)
		}
	}
	return it, true
}

func specFor(specs []ParamSpec, name string) (ParamSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return ParamSpec{}, false
}

// effectiveParams merges built-in defaults, the manifest's defaults for the
// kind and the item's own parameters, in that order of precedence.
func effectiveParams(kind string, defaults, own Params) Params {
	out := Params{}
	for _, s := range KindParams[kind] {
		if s.Default != nil {
			out[s.Name] = s.Default
		}
	}
	for _, src := range []Params{defaults, own} {
		for k, v := range src {
			out[k] = v
		}
	}
	if kind == KindCells {
		if _, ok := out["trypan_ratio"]; !ok {
			// 1:1 trypan-blue mix halves the concentration; fluorescence is unmixed.
			out["trypan_ratio"] = 1.0
			if out.Str("stain") == "trypan" {
				out["trypan_ratio"] = 2.0
			}
		}
	}
	return out
}

// checkSamples reports cells samples whose fields disagree on how the
// suspension was prepared.
func (p *manifestParser) checkSamples(items []ManifestItem) {
	first := map[string]int{} // sample → position in items
	for i, it := range items {
		if it.Kind != KindCells || it.SampleID == "" || it.Params == nil {
			continue
		}
		j, seen := first[it.SampleID]
		if !seen {
			first[it.SampleID] = i
			continue
		}
		ref := items[j]
		for _, name := range sampleConsistent {
			if a, b := it.Params[name], ref.Params[name]; a != b {
				p.add(fmt.Sprintf("items[%d]", it.Index), "sample %q mixes %s %v with %v of items[%d]: the fields of one sample must share it",
					it.SampleID, name, a, b, ref.Index)
			}
		}
	}
}

// ParamNames returns the parameter names of kind, sorted.
func ParamNames(kind string) []string {
	var out []string
	for _, s := range KindParams[kind] {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}
