package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

func TestRunWritesDataset(t *testing.T) {
	dir := t.TempDir()
	if err := run(context.Background(), []string{"-kind", "dapi", "-n", "2", "-seed", "3", "-out", dir}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "image" {
		t.Fatalf("truth.csv rows %d header %v", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if _, err := os.Stat(filepath.Join(dir, r[0])); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRunRejectsBadArgs(t *testing.T) {
	for _, args := range [][]string{
		{"-kind", "dapi"},                                  // no -out
		{"-kind", "nope", "-out", t.TempDir()},             // unknown kind
		{"-kind", "dapi", "-n", "-1", "-out", t.TempDir()}, // bad count
		{"-kind", "dapi", "-mitotic", "-0.1", "-out", t.TempDir()},
	} {
		if err := run(context.Background(), args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// -mitotic 0 must write no mitotic figures and the default some over a few
// fields, with objects.csv listing their classes.
func TestRunMitoticFlag(t *testing.T) {
	read := func(path string) [][]string {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	for _, c := range []struct {
		mitotic string
		want    bool
	}{{"0", false}, {"0.3", true}} {
		dir := t.TempDir()
		if err := run(context.Background(), []string{"-kind", "dapi", "-n", "2", "-seed", "3", "-mitotic", c.mitotic, "-out", dir}); err != nil {
			t.Fatal(err)
		}
		rows := read(filepath.Join(dir, "truth.csv"))
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		figs := 0
		for _, r := range rows[1:] {
			if r[col["mitotic"]] != "0" {
				figs++
			}
		}
		classes := map[string]bool{}
		for _, r := range read(filepath.Join(dir, "objects.csv"))[1:] {
			classes[r[2]] = true
		}
		if (figs > 0) != c.want || classes["mitotic"] != c.want || !classes["interphase"] {
			t.Errorf("-mitotic %s: %d fields with figures, classes %v", c.mitotic, figs, classes)
		}
	}
}
