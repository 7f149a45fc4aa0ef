package report

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A legal 250-byte name must still get a legal temporary name (≤ 255).
func TestLongNameTempFits(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{246, 250, 251} {
		name := strings.Repeat("é", (n-4)/2) + strings.Repeat("x", (n-4)%2) + ".png"
		if len(name) != n {
			t.Fatalf("name of %d bytes, want %d", len(name), n)
		}
		if err := WritePNG(filepath.Join(dir, name), image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
			t.Errorf("%d-byte name: %v", n, err)
		}
	}
}

func TestSafeCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"}, {"+1+2", "'+1+2"}, {"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\r=1", "'\r=1"}, {"-4", "-4"}, {"-1.5e-3", "-1.5e-3"},
		{"+7", "+7"}, {"-Inf", "'-Inf"}, {"+NaN", "'+NaN"}, {"a=b", "a=b"}, {"", ""}, {"donor-A", "donor-A"},
		{"caf\xe9.png", "caf\uFFFD.png"}, {"=\xff", "'=\uFFFD"},
	} {
		if got := SafeCell(c.in); got != c.want {
			t.Errorf("SafeCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCSVEscapesFormulas(t *testing.T) {
	p := filepath.Join(t.TempDir(), "images.csv")
	c, err := NewCSV(p, []string{"image", "n"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Row([]string{"=cmd|' /C calc'!A0", "-3"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if want := "image,n\n'=cmd|' /C calc'!A0,-3\n"; string(got) != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestFNonFiniteEmpty(t *testing.T) {
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		if got := F(v); got != "" {
			t.Errorf("F(%v) = %q, want empty", v, got)
		}
	}
}

func TestCreateRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "results.jsonl")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip(err)
	}
	if _, err := Create(p); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Create over a FIFO: %v, want ErrNotRegular", err)
	}
	if _, err := OpenJournal(p); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("OpenJournal on a FIFO: %v, want ErrNotRegular", err)
	}
}

func TestSweepTemps(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "overlays"), 0o755)
	for _, f := range []string{".images.csv.tmp-123", "overlays/.a.png.tmp-9", "keep.csv", "overlays/a.png", ".hidden"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	if n := SweepTemps(dir, "overlays", "labels"); n != 2 {
		t.Fatalf("swept %d, want 2", n)
	}
	for _, f := range []string{"keep.csv", "overlays/a.png", ".hidden"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s removed", f)
		}
	}
}

// CommitAll publishes nothing when one file cannot be written.
func TestCommitAllAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	a, _ := Create(filepath.Join(dir, "a.csv"))
	b, _ := Create(filepath.Join(dir, "b.json"))
	a.Write([]byte("x"))
	b.Write([]byte("y"))
	b.f.Close() // the flush of b fails, as on a full disk
	if err := CommitAll(a, b); err == nil {
		t.Fatal("want error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}

func TestJournalTornLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j")
	os.WriteFile(p, []byte("{\"id\":\"a\"}\n{\"id\":\"b"), 0o644)
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	j.Append([]byte("{\"id\":\"c\"}\n"))
	j.Close()
	got, _ := os.ReadFile(p)
	if want := "{\"id\":\"a\"}\n{\"id\":\"b\n{\"id\":\"c\"}\n"; string(got) != want {
		t.Fatalf("got %q", got)
	}
}
