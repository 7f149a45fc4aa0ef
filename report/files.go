package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is one output held in memory until WriteAll.
type File struct {
	Name string // path relative to the output directory
	Data []byte
}

// WriteAll writes files into dir all or nothing, as far as a file system
// allows: every file is first written and synced to a temporary name; only
// when all of them are complete are they renamed into place. A failure
// before the renames leaves no new file behind.
func WriteAll(dir string, files []File) error {
	var pending []*AtomicFile
	abort := func() {
		for _, a := range pending {
			a.Abort()
		}
	}
	for _, f := range files {
		a, err := Create(filepath.Join(dir, f.Name))
		if err != nil {
			abort()
			return fmt.Errorf("create %s: %w", f.Name, err)
		}
		pending = append(pending, a)
		if _, err := a.Write(f.Data); err != nil {
			abort()
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
		if err := a.w.Flush(); err != nil {
			abort()
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
		if err := a.f.Sync(); err != nil {
			abort()
			return fmt.Errorf("sync %s: %w", f.Name, err)
		}
	}
	for i, a := range pending {
		a.noSync = true // synced above
		if err := a.Commit(); err != nil {
			for _, b := range pending[i+1:] {
				b.Abort()
			}
			return err
		}
	}
	return nil
}

// DirWritable checks, before any work, that dir can be created and written.
func DirWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".histocount-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
