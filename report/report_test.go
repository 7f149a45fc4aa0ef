package report

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestAtomicFileInvisibleUntilCommit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "images.csv")
	c, err := NewCSV(p, []string{"image", "live"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Row([]string{"a,b.png", "3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("file visible before commit: %v", err)
	}
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "image,live\n\"a,b.png\",3\n" {
		t.Fatalf("got %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", ".*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.json")
	if err := WriteWith(p, func(w io.Writer) error {
		w.Write([]byte("{half"))
		return errors.New("disk on fire")
	}); err == nil {
		t.Fatal("want error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}

func TestJSONStreamIsValidJSON(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		p := filepath.Join(t.TempDir(), "results.json")
		s, err := NewJSONStream(p)
		if err != nil {
			t.Fatal(err)
		}
		s.Field("schema_version", "1.0.0")
		s.BeginArray("images")
		for i := 0; i < n; i++ {
			s.Elem(map[string]int{"index": i})
		}
		s.EndArray()
		s.Field("summary", map[string]int{"inputs": n})
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			SchemaVersion string           `json:"schema_version"`
			Images        []map[string]int `json:"images"`
			Summary       map[string]int   `json:"summary"`
		}
		data, _ := os.ReadFile(p)
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("n=%d: invalid JSON: %v\n%s", n, err, data)
		}
		if len(doc.Images) != n || doc.Summary["inputs"] != n || doc.SchemaVersion != "1.0.0" {
			t.Fatalf("n=%d: got %+v", n, doc)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{F(0.1), "0.1"}, {F(1e6), "1e+06"}, {FOpt(3, false), ""}, {FOpt(2.5, true), "2.5"}, {I(-4), "-4"},
	} {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
	}
}

func TestWriteAllNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	// The second file's directory cannot be created (a file is in the way).
	if err := os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteAll(dir, []File{{"a.txt", []byte("a")}, {"blocker/b.txt", []byte("b")}})
	if err == nil {
		t.Fatal("want an error")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
	if err := WriteAll(dir, []File{{"a.txt", []byte("a")}, {"sub/b.txt", []byte("b")}}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "b.txt")); err != nil || string(b) != "b" {
		t.Fatalf("b.txt = %q, %v", b, err)
	}
}
