package report

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
)

// AtomicFile is a file that appears at its path only on Commit.
type AtomicFile struct {
	path   string
	f      *os.File
	w      *bufio.Writer
	done   bool
	noSync bool
}

// Create opens a temporary file beside path.
func Create(path string) (*AtomicFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &AtomicFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Write implements io.Writer.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

// Flush pushes buffered bytes to the temporary file.
func (a *AtomicFile) Flush() error { return a.w.Flush() }

// Commit flushes, syncs and renames the file into place.
func (a *AtomicFile) Commit() error {
	if a.done {
		return nil
	}
	a.done = true
	if err := a.w.Flush(); err != nil {
		a.f.Close()
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if a.noSync {
		// rename alone is atomic against a killed process
	} else if err := a.f.Sync(); err != nil {
		a.f.Close()
		os.Remove(a.f.Name())
		return fmt.Errorf("sync %s: %w", a.path, err)
	}
	if err := a.f.Close(); err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("close %s: %w", a.path, err)
	}
	if err := os.Chmod(a.f.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(a.f.Name(), a.path); err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("rename %s: %w", a.path, err)
	}
	return nil
}

// Abort discards the temporary file. Safe after Commit.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
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
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(a, img); err != nil {
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
