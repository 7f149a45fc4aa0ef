package report

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/histocount/histocount/imageio"
)

// TempMarker is part of every temporary file name this package creates
// (".<name>.tmp-<random>"); SweepTemps removes files carrying it.
const TempMarker = ".tmp-"

// tempNameBytes bounds the part of the final name kept in a temporary
// name, so that a legal 255-byte name still gives a legal temporary one
// (os.CreateTemp adds up to 20 random digits).
const tempNameBytes = 64

// AtomicFile is a file that appears at its path only on Commit.
type AtomicFile struct {
	path     string
	f        *os.File
	w        *bufio.Writer
	done     bool
	prepared bool
	noSync   bool
}

// tempPattern is the os.CreateTemp pattern for the temporary file of base.
func tempPattern(base string) string {
	if len(base) > tempNameBytes {
		cut := tempNameBytes
		for cut > 0 && !utf8.RuneStart(base[cut]) {
			cut--
		}
		base = base[:cut]
	}
	return "." + strings.ReplaceAll(base, "*", "_") + TempMarker + "*"
}

// Create opens a temporary file beside path. An existing path that is not
// a regular file (a FIFO, a device, a directory) is refused: renaming over
// it would silently replace something that is not ours, and opening it
// could block forever.
func Create(path string) (*AtomicFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := CheckRegularOrMissing(path); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tempPattern(filepath.Base(path)))
	if err != nil {
		return nil, err
	}
	return &AtomicFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// ErrNotRegular is returned for an output path that exists but is not a
// regular file.
var ErrNotRegular = errors.New("report: not a regular file")

// CheckRegularOrMissing returns nil when path does not exist or is a
// regular file (a symlink is judged by what it points to).
func CheckRegularOrMissing(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, lerr := os.Lstat(path); lerr == nil {
			return fmt.Errorf("%s: %w (a dangling symlink)", path, ErrNotRegular)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, st.Mode().Type())
	}
	return nil
}

// Write implements io.Writer.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

// Flush pushes buffered bytes to the temporary file.
func (a *AtomicFile) Flush() error { return a.w.Flush() }

// Prepare flushes, syncs and closes the temporary file, so that only the
// rename is left: the step that needs disk space. On error the temporary
// file is removed.
func (a *AtomicFile) Prepare() error {
	if a.done || a.prepared {
		return nil
	}
	a.prepared = true
	fail := func(what string, err error) error {
		a.done = true
		a.f.Close()
		os.Remove(a.f.Name())
		return fmt.Errorf("%s %s: %w", what, a.path, err)
	}
	if err := a.w.Flush(); err != nil {
		return fail("write", err)
	}
	if !a.noSync { // without sync, rename alone is still atomic against a killed process
		if err := a.f.Sync(); err != nil {
			return fail("sync", err)
		}
	}
	if err := a.f.Close(); err != nil {
		return fail("close", err)
	}
	if err := os.Chmod(a.f.Name(), 0o644); err != nil {
		a.done = true
		os.Remove(a.f.Name())
		return err
	}
	return nil
}

// Publish renames a prepared file into place (preparing it first if
// needed).
func (a *AtomicFile) Publish() error {
	if a.done {
		return nil
	}
	if err := a.Prepare(); err != nil {
		return err
	}
	a.done = true
	if err := os.Rename(a.f.Name(), a.path); err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("rename %s: %w", a.path, err)
	}
	return nil
}

// Commit flushes, syncs and renames the file into place.
func (a *AtomicFile) Commit() error { return a.Publish() }

// Abort discards the temporary file. Safe after Commit.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	if !a.prepared {
		a.f.Close()
	}
	os.Remove(a.f.Name())
}

// CommitAll prepares every file and, only when all could be written,
// renames them into place: a full disk leaves none of them rather than
// some (results.json missing beside its CSVs). On error every file not yet
// renamed is discarded.
func CommitAll(files ...*AtomicFile) error {
	for _, f := range files {
		if err := f.Prepare(); err != nil {
			for _, g := range files {
				g.Abort()
			}
			return err
		}
	}
	for i, f := range files {
		if err := f.Publish(); err != nil {
			for _, g := range files[i+1:] {
				g.Abort()
			}
			return err
		}
	}
	return nil
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	a, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		a.Abort()
		return err
	}
	return a.Commit()
}

// WritePNG encodes img to path atomically. 16-bit grey images stay 16-bit.
//
// Unlike the tables and JSON, per-image pictures (overlays, labels) are not
// fsynced: the rename still makes them all-or-nothing when the process is
// killed, they can be regenerated, and an fsync per image stalls a worker
// on I/O for every image of a batch.
func WritePNG(path string, img image.Image) error {
	a, err := Create(path)
	if err != nil {
		return err
	}
	a.noSync = true
	if err := imageio.WritePNG(a, img); err != nil {
		a.Abort()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return a.Commit()
}

// WriteWith streams write's output to path atomically: the file appears
// only if write and the flush succeed.
func WriteWith(path string, write func(io.Writer) error) error {
	a, err := Create(path)
	if err != nil {
		return err
	}
	if err := write(a); err != nil {
		a.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}

// SweepTemps removes the temporary files (TempMarker) that a killed
// process left in dir and in the given sub-directories of dir, and returns
// how many it removed. Missing directories are skipped.
func SweepTemps(dir string, subdirs ...string) int {
	n := 0
	for _, d := range append([]string{""}, subdirs...) {
		p := filepath.Join(dir, d)
		entries, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") && strings.Contains(name, TempMarker) && e.Type().IsRegular() {
				if os.Remove(filepath.Join(p, name)) == nil {
					n++
				}
			}
		}
	}
	return n
}

// IsNoSpace reports whether err is a full disk or an exceeded quota.
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
