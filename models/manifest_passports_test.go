package models

import (
	"strings"
	"testing"
)

// TestManifestPassports: the passports block is read into its fields, and
// every malformed variant is a problem with its path.
func TestManifestPassports(t *testing.T) {
	const head = `{"schema_version": "1.0.0", "job_id": "J", "items": [{"id": "a", "kind": "cells", "path": "a.png"}], "passports": `
	m, err := ParseManifest([]byte(head + `{"dose": {"sheet": "b.csv"}, "skin": {"donors": "d.csv", "growth": "g.csv"}, "issued": "2026-12-01T09:00:00Z"}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := m.Passports
	if p == nil || p.DoseSheet != "b.csv" || p.SkinDonors != "d.csv" || p.SkinGrowth != "g.csv" || p.SkinRefFile != "" || p.Issued != "2026-12-01T09:00:00Z" {
		t.Fatalf("passports %+v", p)
	}
	if got := len(p.Files()); got != 3 {
		t.Errorf("%d files, want 3", got)
	}
	for _, c := range []struct{ block, want string }{
		{`{}`, "passports: names neither dose nor skin"},
		{`{"dose": {}}`, "passports.dose.sheet: missing"},
		{`{"dose": {"sheet": "b.csv", "x": 1}}`, "passports.dose.x: unknown field"},
		{`{"skin": {"growth": "g.csv"}}`, "passports.skin.donors: missing"},
		{`{"dose": {"sheet": "b.csv"}, "issued": "yesterday"}`, "passports.issued: not an RFC 3339 time"},
		{`{"dose": {"sheet": ""}}`, "passports.dose.sheet: must not be empty"},
		{`[]`, "passports: want object"},
		{`{"release": {}}`, "passports.release: unknown field"},
	} {
		_, err := ParseManifest([]byte(head + c.block + `}`))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.block, err, c.want)
		}
	}
}
