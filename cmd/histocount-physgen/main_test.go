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
	} {
		if err := run(context.Background(), args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
