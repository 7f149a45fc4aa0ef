package report

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Journal is an append-only file of lines that survives a killed process:
// every Append is one write(2) straight to the file (no user-space
// buffer), so what was appended before a kill -9 is on disk. It is not
// fsynced per line: a kernel crash may lose the tail, a killed process
// does not.
type Journal struct {
	f *os.File
}

// OpenJournal opens (creating it if needed) the journal at path for
// appending. A torn last line left by a kill mid-write is closed with a
// newline so that the next line starts clean. A path that exists but is
// not a regular file is refused (a FIFO would block).
func OpenJournal(path string) (*Journal, error) {
	if err := CheckRegularOrMissing(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if n := st.Size(); n > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, n-1); err != nil && !errors.Is(err, io.EOF) {
			f.Close()
			return nil, err
		}
		if last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("journal %s: %w", path, err)
			}
		}
	}
	return &Journal{f: f}, nil
}

// Append writes line (which must end in a newline) with one write call.
func (j *Journal) Append(line []byte) error {
	_, err := j.f.Write(line)
	return err
}

// Close closes the journal file.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	return j.f.Close()
}
