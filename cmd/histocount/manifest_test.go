package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/models/schema"
)

// compileSchema compiles one of the embedded schemas, asserting formats
// (date-time) too.
func compileSchema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	b, err := schema.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schema.ID(name), doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schema.ID(name))
	if err != nil {
		t.Fatalf("compile schema %s: %v", name, err)
	}
	return sch
}

// validateJSON validates a JSON document; unparsable JSON is an error too.
func validateJSON(sch *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// checkManifest runs the parser and the file check like `histocount run`.
func checkManifest(data []byte, baseDir string) []models.ManifestProblem {
	m, perr := models.ParseManifest(data)
	var ferr error
	if m != nil {
		ferr = m.CheckFiles(baseDir)
	}
	err := models.JoinManifestErrors(perr, ferr)
	if err == nil {
		return nil
	}
	var me *models.ManifestError
	if !errors.As(err, &me) {
		return []models.ManifestProblem{{Msg: "not a ManifestError: " + err.Error()}}
	}
	return me.Problems
}

const goodItem = `{"id": "a", "kind": "cells", "path": "IMG"}`

// manifestCases cover every kind of manifest problem. want lists one
// substring per expected problem ("path: message"), so a case also fails
// when the parser reports more or fewer problems than it should. schema
// says whether the JSON Schema rejects the manifest as well: false for the
// rules a schema cannot express.
var manifestCases = []struct {
	name   string
	json   string
	want   []string
	schema bool
}{
	{"good minimal", `{"schema_version": "1.0.0", "job_id": "J", "items": [` + goodItem + `]}`, nil, false},
	{"good later minor", `{"schema_version": "1.7.3", "job_id": "J", "items": [` + goodItem + `]}`, nil, false},
	{"invalid JSON", `{"schema_version": "1.0.0", "job_id": }`, []string{"invalid JSON at line 1, column"}, true},
	{"truncated JSON", "{\"schema_version\": \"1.0.0\",\n \"items\": [", []string{"invalid JSON at line 2"}, true},
	{"trailing data", `{"schema_version": "1.0.0", "job_id": "J", "items": [` + goodItem + `]} {}`, []string{"invalid JSON"}, true},
	{"not an object", `[1, 2]`, []string{"manifest: want object, got array"}, true},
	{"missing required top-level", `{"defaults": {}}`, []string{"schema_version: missing (required)", "job_id: missing (required)", "items: missing (required)"}, true},
	{"unsupported schema version", `{"schema_version": "2.0.0", "job_id": "J", "items": [` + goodItem + `]}`, []string{`schema_version: unsupported version "2.0.0"`}, true},
	{"schema version wrong type", `{"schema_version": 1, "job_id": "J", "items": [` + goodItem + `]}`, []string{"schema_version: want string, got number"}, true},
	{"unknown top-level field", `{"schema_version": "1.0.0", "job_id": "J", "jobid": "x", "items": [` + goodItem + `]}`, []string{"jobid: unknown field"}, true},
	{"empty job id", `{"schema_version": "1.0.0", "job_id": "", "items": [` + goodItem + `]}`, []string{"job_id: must not be empty"}, true},
	{"items not an array", `{"schema_version": "1.0.0", "job_id": "J", "items": {}}`, []string{"items: want array, got object"}, true},
	{"no items", `{"schema_version": "1.0.0", "job_id": "J", "items": []}`, []string{"items: must list at least one item"}, true},
	{"item not an object", `{"schema_version": "1.0.0", "job_id": "J", "items": [` + goodItem + `, "b.png"]}`, []string{"items[1]: want object, got string"}, true},
	{"missing item fields", `{"schema_version": "1.0.0", "job_id": "J", "items": [` + goodItem + `, {"sample_id": "S"}]}`,
		[]string{"items[1].id: missing (required)", "items[1].path: missing (required)", "items[1].kind: missing (required)"}, true},
	{"wrong types", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": 7, "kind": "cells", "path": "IMG", "pixel_size_um": "0.8", "time_point_months": true, "sample_id": null}]}`,
		[]string{"items[0].id: want string, got number", "items[0].sample_id: want string, got null",
			"items[0].time_point_months: want number, got boolean", "items[0].pixel_size_um: want number, got string"}, true},
	{"unknown item field", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "colour": "blue"}]}`, []string{"items[0].colour: unknown field"}, true},
	{"bad kind", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cell", "path": "IMG", "params": {"depth_um": 100}}]}`, []string{`items[0].kind: "cell" is not one of cells, colonies, dermis`}, true},
	{"duplicate ids", `{"schema_version": "1.0.0", "job_id": "J", "items": [` + goodItem + `, {"id": "b", "kind": "cells", "path": "IMG"}, ` + goodItem + `]}`,
		[]string{`items[2].id: duplicate id "a" (first at items[0])`}, false},
	{"duplicate key", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "path": "IMG"}]}`, []string{"items[0].path: duplicate key"}, false},
	{"unknown parameter", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "params": {"depht_um": 100}}]}`,
		[]string{"items[0].params.depht_um: unknown parameter for kind cells"}, true},
	{"params not an object", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "params": [1]}]}`,
		[]string{"items[0].params: want object, got array"}, true},
	{"stain not in enum", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "stain": "trypanblue"}]}`,
		[]string{`items[0].stain: "trypanblue" is not one of trypan, fluorescence`}, true},
	{"out of range", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "time_point_months": -1, "params": {"depth_um": 0, "pixel_size_um": -0.5}}]}`,
		[]string{"items[0].time_point_months: must be in [0, 1200], got -1", "items[0].params.depth_um: must be > 0, got 0", "items[0].params.pixel_size_um: must be ≥ 0, got -0.5"}, true},
	{"integer parameter", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "colonies", "path": "IMG", "params": {"min_cells": 2.5}}]}`,
		[]string{"items[0].params.min_cells: want integer, got 2.5"}, true},
	{"shorthand not of the kind", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "colonies", "path": "IMG", "dilution": 2}, {"id": "b", "kind": "cells", "path": "IMG", "cells_seeded": 100}]}`,
		[]string{"items[0].dilution: not a parameter of kind colonies", "items[1].cells_seeded: not a parameter of kind cells"}, true},
	{"colony size needs a cell area", `{"schema_version": "1.0.0", "job_id": "J", "defaults": {"colonies": {"min_cells": 50}}, "items": [
		{"id": "a", "kind": "colonies", "path": "IMG"}, {"id": "b", "kind": "colonies", "path": "IMG", "params": {"cell_area_um2": 2000}}]}`,
		[]string{"items[0]: min_cells 50 needs cell_area_um2"}, false},
	{"parameter given twice", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "stain": "trypan", "params": {"stain": "fluorescence"}}]}`,
		[]string{"items[0].params.stain: also given as items[0].stain"}, false},
	{"replicate type", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "replicate": true}, {"id": "b", "kind": "cells", "path": "IMG", "replicate": 1.5}]}`,
		[]string{"items[0].replicate: want string or integer, got boolean", "items[1].replicate: want string or integer, got number 1.5"}, true},
	{"unknown defaults kind", `{"schema_version": "1.0.0", "job_id": "J", "defaults": {"cell": {}}, "items": [` + goodItem + `]}`,
		[]string{"defaults.cell: unknown kind"}, true},
	{"bad default parameter", `{"schema_version": "1.0.0", "job_id": "J", "defaults": {"cells": {"dilution": "2x"}, "dermis": {"stain": "pas"}}, "items": [` + goodItem + `]}`,
		[]string{"defaults.cells.dilution: want number, got string", `defaults.dermis.stain: "pas" is not one of auto, he, silver`}, true},
	{"sample mixes dilutions", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "sample_id": "S"}, {"id": "b", "kind": "cells", "path": "IMG", "sample_id": "S", "dilution": 4}]}`,
		[]string{`items[1]: sample "S" mixes dilution 4 with 1 of items[0]`}, false},
	{"missing file", `{"schema_version": "1.0.0", "job_id": "J", "items": [` + goodItem + `, {"id": "b", "kind": "cells", "path": "no/such.png"}]}`,
		[]string{"items[1].path: file not found"}, false},
	{"path is a directory", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "."}]}`,
		[]string{"items[0].path: not a regular file"}, false},
	{"number out of range", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "pixel_size_um": 1e999}]}`,
		[]string{"items[0].pixel_size_um: number 1e999 out of range"}, true},
	// Valid JSON numbers that would overflow a result to ±Inf or loop
	// without end (issue 15): refused before any work.
	{"implausible values", `{"schema_version": "1.0.0", "job_id": "J", "items": [
		{"id": "a", "kind": "cells", "path": "IMG", "dilution": 1e308, "params": {"depth_um": 1e-300, "trypan_ratio": 1e308}},
		{"id": "b", "kind": "colonies", "path": "IMG", "cells_seeded": 1e-300, "pixel_size_um": 1e308},
		{"id": "c", "kind": "dermis", "path": "IMG", "params": {"interval_um": 1e-6}, "time_point_months": 5000}]}`,
		[]string{"items[0].dilution: must be ≤ 1e+09", "items[0].params.depth_um: must be ≥ 1", "items[0].params.trypan_ratio: must be ≤ 100",
			"items[1].cells_seeded: must be 0 or ≥ 1", "items[1].pixel_size_um: must be ≤ 10000",
			"items[2].params.interval_um: must be 0 or ≥ 1", "items[2].time_point_months: must be in [0, 1200]"}, true},
	{"min diameter above max", `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "IMG", "params": {"min_diameter_um": 30, "max_diameter_um": 10}}]}`,
		[]string{"items[0]: min_diameter_um 30 is larger than max_diameter_um 10"}, false},
	{"all problems at once", `{"schema_version": "1.0.0", "job_id": "J", "items": [
		{"id": "a", "kind": "cells", "path": "IMG", "pixel_size_um": "0.8"},
		{"id": "a", "kind": "dermis", "path": "gone.png"},
		{"kind": "colonies", "path": "IMG", "params": {"polarity": "up"}}]}`,
		[]string{"items[0].pixel_size_um: want number, got string", `items[1].id: duplicate id "a"`, "items[2].id: missing (required)",
			`items[2].params.polarity: "up" is not one of auto, dark, light`, "items[1].path: file not found"}, true},
}

func sampleImage(t testing.TB) string {
	p, err := filepath.Abs("../../testdata/samples/trypan/donor-A/g_24.png")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestManifestProblems(t *testing.T) {
	img := sampleImage(t)
	sch := compileSchema(t, "manifest")
	base := t.TempDir()
	for _, c := range manifestCases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(strings.ReplaceAll(c.json, "IMG", img))
			probs := checkManifest(data, base)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if len(got) != len(c.want) {
				t.Errorf("%d problems, want %d:\n  %s", len(got), len(c.want), strings.Join(got, "\n  "))
			}
			for _, w := range c.want {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, w)
				}
				if !found {
					t.Errorf("no problem %q in:\n  %s", w, strings.Join(got, "\n  "))
				}
			}
			err := validateJSON(sch, data)
			if (err != nil) != c.schema {
				t.Errorf("JSON Schema rejects: %v, want %v (%v)", err != nil, c.schema, err)
			}
		})
	}
}

// TestManifestCLIExit2 runs a broken manifest through the CLI: exit 2,
// every problem on stderr with its path, and nothing written.
func TestManifestCLIExit2(t *testing.T) {
	dir := t.TempDir()
	c := manifestCases[len(manifestCases)-1]
	mpath := filepath.Join(dir, "job.json")
	if err := os.WriteFile(mpath, []byte(strings.ReplaceAll(c.json, "IMG", sampleImage(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, log := runCLI(t, t.Context(), "run", "--allow-outside-root", "--quiet", "--out", out, mpath)
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2\n%s", code, log)
	}
	for _, w := range c.want {
		if !strings.Contains(log, w) {
			t.Errorf("stderr lacks %q:\n%s", w, log)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output directory created for a rejected manifest: %v", err)
	}
}

// TestManifestTestdataValid: the bundled manifests pass both the parser
// (files included) and the schema.
func TestManifestTestdataValid(t *testing.T) {
	sch := compileSchema(t, "manifest")
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no testdata manifests")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if probs := checkManifest(data, filepath.Dir(f)); len(probs) > 0 {
			t.Errorf("%s: %v", f, probs)
		}
		if err := validateJSON(sch, data); err != nil {
			t.Errorf("%s: schema: %v", f, err)
		}
	}
}

// TestEffectiveParams checks the precedence built-in < defaults < item.
func TestEffectiveParams(t *testing.T) {
	data := []byte(`{"schema_version": "1.0.0", "job_id": "J",
		"defaults": {"cells": {"depth_um": 50, "dilution": 3}, "colonies": {"min_cells": 50, "cell_area_um2": 2000}},
		"items": [
			{"id": "a", "kind": "cells", "path": "x", "dilution": 5, "replicate": 2},
			{"id": "b", "kind": "cells", "path": "x", "params": {"stain": "fluorescence", "depth_um": 20}},
			{"id": "c", "kind": "colonies", "path": "x", "cells_seeded": 500}]}`)
	m, err := models.ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		item int
		name string
		want any
	}{
		{0, "depth_um", 50.0}, {0, "dilution", 5.0}, {0, "stain", "trypan"}, {0, "trypan_ratio", 2.0}, {0, "min_viable_per_ml", 1e6},
		{1, "depth_um", 20.0}, {1, "dilution", 3.0}, {1, "stain", "fluorescence"}, {1, "trypan_ratio", 1.0},
		{2, "min_cells", 50.0}, {2, "cells_seeded", 500.0}, {2, "polarity", "auto"},
	} {
		if got := m.Items[c.item].Params[c.name]; got != c.want {
			t.Errorf("items[%d] %s = %v, want %v", c.item, c.name, got, c.want)
		}
	}
	if m.Items[0].Replicate != "2" {
		t.Errorf("replicate %q, want \"2\"", m.Items[0].Replicate)
	}
	for i, it := range m.Items {
		if got, want := len(it.Params), len(models.KindParams[it.Kind]); got != want {
			t.Errorf("items[%d]: %d effective parameters, want all %d", i, got, want)
		}
	}
}

// TestSchemaMirrorsParamTables keeps models.KindParams and the manifest
// schema's parameter objects in step: the same names, and per parameter
// the same JSON type, enum and lower bound.
func TestSchemaMirrorsParamTables(t *testing.T) {
	b, _ := schema.Get("manifest")
	type prop struct {
		Ref              string   `json:"$ref"`
		Type             string   `json:"type"`
		Enum             []string `json:"enum"`
		Minimum          *float64 `json:"minimum"`
		ExclusiveMinimum *float64 `json:"exclusiveMinimum"`
		Maximum          *float64 `json:"maximum"`
	}
	var doc struct {
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	def := func(name string) prop {
		var p prop
		if err := json.Unmarshal(doc.Defs[name], &p); err != nil {
			t.Fatalf("$defs/%s: %v", name, err)
		}
		return p
	}
	for _, kind := range models.Kinds {
		var params struct {
			Properties map[string]prop `json:"properties"`
		}
		if err := json.Unmarshal(doc.Defs[kind+"Params"], &params); err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range params.Properties {
			got = append(got, k)
		}
		sort.Strings(got)
		if want := models.ParamNames(kind); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: schema parameters %v, Go %v", kind, got, want)
		}
		for _, spec := range models.KindParams[kind] {
			p, ok := params.Properties[spec.Name]
			if !ok {
				continue
			}
			if spec.Type != models.ParamString && (p.Maximum == nil || *p.Maximum != spec.Max) {
				t.Errorf("%s.%s: schema needs maximum %g", kind, spec.Name, spec.Max)
			}
			if p.Ref != "" {
				p = def(strings.TrimPrefix(p.Ref, "#/$defs/"))
			}
			wantType := map[models.ParamType]string{models.ParamNumber: "number", models.ParamInteger: "integer", models.ParamString: "string"}[spec.Type]
			if p.Type != wantType {
				t.Errorf("%s.%s: schema type %q, Go %q", kind, spec.Name, p.Type, wantType)
			}
			if strings.Join(p.Enum, ",") != strings.Join(spec.Enum, ",") {
				t.Errorf("%s.%s: schema enum %v, Go %v", kind, spec.Name, p.Enum, spec.Enum)
			}
			if spec.Type == models.ParamString {
				continue
			}
			switch {
			case spec.MinExclusive && (p.ExclusiveMinimum == nil || *p.ExclusiveMinimum != spec.Min || p.Minimum != nil):
				t.Errorf("%s.%s: schema needs exclusiveMinimum %g only", kind, spec.Name, spec.Min)
			case !spec.MinExclusive && (p.Minimum == nil || *p.Minimum != spec.Min || p.ExclusiveMinimum != nil):
				t.Errorf("%s.%s: schema needs minimum %g only", kind, spec.Name, spec.Min)
			}
		}
	}
}

// TestResultSchemaMirrorsModels: every object of the result and summary
// schemas lists exactly the JSON fields of its Go type, so a field added
// to models fails here (with its name) before it fails a schema check of a
// real run.
func TestResultSchemaMirrorsModels(t *testing.T) {
	for _, c := range []struct {
		schema, def string
		typ         any
	}{
		{"result", "", models.ItemResult{}},
		{"result", "cellsImage", models.CellsImage{}},
		{"result", "cellObject", models.CellObject{}},
		{"result", "coloniesPlate", models.ColonyPlateResult{}},
		{"result", "colony", models.Colony{}},
		{"result", "dish", models.Dish{}},
		{"result", "dermisSection", models.DermisSection{}},
		{"result", "layerThickness", models.LayerThickness{}},
		{"result", "calibration", models.Calibration{}},
		{"result", "inputInfo", models.InputInfo{}},
		{"summary", "", models.JobSummary{}},
		{"summary", "cellsSample", models.CellsSample{}},
		{"summary", "cfeSample", models.CFESample{}},
	} {
		b, _ := schema.Get(c.schema)
		var doc struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Defs       map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"$defs"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		props := doc.Properties
		if c.def != "" {
			props = doc.Defs[c.def].Properties
		}
		var got []string
		for k := range props {
			got = append(got, k)
		}
		sort.Strings(got)
		want := jsonFields(reflect.TypeOf(c.typ))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s schema %q: properties %v, Go %T has %v", c.schema, c.def, got, c.typ, want)
		}
	}
}

// jsonFields returns the JSON names of a struct's exported fields, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// FuzzManifest: the parser never panics, reports problems as a
// ManifestError, and whatever it accepts the JSON Schema accepts too (the
// parser is the stricter of the two).
func FuzzManifest(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, c := range manifestCases {
		f.Add([]byte(strings.ReplaceAll(c.json, "IMG", "x.png")))
	}
	sch := compileSchema(f, "manifest")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := models.ParseManifest(data)
		if err != nil {
			var me *models.ManifestError
			if !errors.As(err, &me) || len(me.Problems) == 0 || !errors.Is(err, models.ErrManifest) {
				t.Fatalf("error %T %v is not a ManifestError with problems", err, err)
			}
			return
		}
		if verr := validateJSON(sch, data); verr != nil {
			t.Fatalf("parser accepts, schema rejects: %v\n%s", verr, data)
		}
		seen := map[string]bool{}
		for i, it := range m.Items {
			if it.ID == "" || it.Path == "" || seen[it.ID] || it.Index != i || len(it.Params) != len(models.KindParams[it.Kind]) {
				t.Fatalf("accepted a bad item %+v", it)
			}
			seen[it.ID] = true
		}
	})
}
