package job

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/histocount/histocount/models"
)

// previousResults indexes the results.jsonl of an earlier run into the same
// directory, so that items already done are carried over instead of being
// analysed again. Only offsets and keys are held; a reused line is read
// back from the old file (still open after the new one replaces it).
type previousResults struct {
	files []*os.File // results.jsonl, then the journal of a killed run
	byID  map[string]prevEntry
	bad   int // lines that did not parse (ignored)
	// This build: records of another version or commit are not reused.
	version, commit string
}

type prevEntry struct {
	file            int // index in files
	off             int64
	n               int
	ok              bool
	kind, sha       string
	params          string // canonical JSON
	version, commit string
}

// RecordKey is the part of a results line that decides reuse.
type RecordKey struct {
	ID         string           `json:"id"`
	Kind       string           `json:"kind"`
	Path       string           `json:"path"`
	Status     string           `json:"status"`
	Input      models.ItemInput `json:"input"`
	Parameters models.Params    `json:"parameters"`
	Provenance struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	} `json:"provenance"`
}

// openPrevious indexes the given results files in order (a later line
// for the same id wins: the journal of a killed run after results.jsonl);
// missing files are skipped, and none at all gives (nil, nil). Only
// regular files are opened (a FIFO would block). version and commit are
// this build's: records of another build are not reused.
func openPrevious(version, commit string, paths ...string) (*previousResults, error) {
	p := &previousResults{byID: map[string]prevEntry{}, version: version, commit: commit}
	for _, path := range paths {
		st, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("%s is not a regular file", path)
		}
		var f *os.File
		if err == nil {
			f, err = os.Open(path)
		}
		if err != nil {
			p.close()
			return nil, fmt.Errorf("resume: %w", err)
		}
		fi := len(p.files)
		p.files = append(p.files, f)
		err = ScanLines(f, func(off int64, line []byte) {
			var k RecordKey
			if json.Unmarshal(line, &k) != nil || k.ID == "" {
				p.bad++
				return
			}
			p.byID[k.ID] = prevEntry{file: fi, off: off, n: len(line), ok: k.Status == models.StatusOK, kind: k.Kind,
				sha: k.Input.SHA256, params: k.Parameters.Key(), version: k.Provenance.Version, commit: k.Provenance.Commit}
		})
		if err != nil {
			p.close()
			return nil, fmt.Errorf("resume: read %s: %w", path, err)
		}
	}
	if len(p.files) == 0 {
		return nil, nil
	}
	return p, nil
}

// ScanLines calls fn with each non-empty line (without its newline) and its
// byte offset. Lines may be long (object lists), so no fixed buffer.
func ScanLines(r io.Reader, fn func(off int64, line []byte)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var off int64
	for {
		line, err := br.ReadBytes('\n')
		n := len(line)
		if n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if len(line) > 0 {
			fn(off, line)
		}
		off += int64(n)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (p *previousResults) close() {
	if p != nil {
		for _, f := range p.files {
			f.Close()
		}
	}
}

// reuse returns the previous record of it when that record is ok and was
// made from the same file content (sha256 of path now), the same effective
// parameters and the same histocount build; the record's manifest metadata
// (index, path, sample, subject…) is refreshed from it.
func (p *previousResults) reuse(it models.ManifestItem, path string) (models.ItemResult, bool) {
	var rec models.ItemResult
	if p == nil {
		return rec, false
	}
	e, found := p.byID[it.ID]
	if !found || !e.ok || e.kind != it.Kind || e.params != it.Params.Key() {
		return rec, false
	}
	if e.version != p.version || e.commit != p.commit {
		return rec, false
	}
	sha, _, err := HashFile(path)
	if err != nil || sha != e.sha {
		return rec, false
	}
	buf := make([]byte, e.n)
	if _, err := p.files[e.file].ReadAt(buf, e.off); err != nil {
		return rec, false
	}
	if err := json.Unmarshal(buf, &rec); err != nil {
		return rec, false
	}
	rec.SchemaVersion = models.SchemaVersion
	rec.Index, rec.Path, rec.SampleID, rec.Subject = it.Index, it.Path, it.SampleID, it.Subject
	rec.TimePointMonths, rec.Replicate, rec.Parameters = it.TimePointMonths, it.Replicate, it.Params
	if c := rec.Cells; c != nil {
		c.Index, c.Sample, c.Image, c.Input.Path = it.Index, it.Sample(), it.Path, it.Path
	}
	if c := rec.Colonies; c != nil {
		c.Index, c.Sample, c.Replicate, c.Image, c.Input.Path = it.Index, it.Sample(), it.Replicate, it.Path, it.Path
	}
	if d := rec.Dermis; d != nil {
		d.Index, d.Sample, d.Image, d.Input.Path = it.Index, it.Sample(), it.Path, it.Path
	}
	rec.Provenance.Reused = true
	rec.Provenance.RecordSHA256 = ""
	return rec, true
}

// zeroDigest stands for the record digest while it is computed.
const zeroDigest = "0000000000000000000000000000000000000000000000000000000000000000"

// digestKey is how the digest appears in a line (provenance is the last
// field of a record, record_sha256 the last of provenance).
const digestKey = `"record_sha256":"`

// EncodeRecord marshals rec as one results line (newline included) whose
// provenance ends with the line's own SHA-256 (record_sha256), so that a
// line edited by hand is recognised by merge.
func EncodeRecord(rec *models.ItemResult) ([]byte, error) {
	rec.Provenance.RecordSHA256 = zeroDigest
	line, err := json.Marshal(rec)
	rec.Provenance.RecordSHA256 = ""
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndex(line, []byte(digestKey+zeroDigest))
	if i < 0 {
		return nil, errors.New("results line without its digest field")
	}
	sum := sha256.Sum256(line)
	hex.Encode(line[i+len(digestKey):], sum[:])
	return append(line, '\n'), nil
}

// CheckRecordDigest reports whether line (without its newline) carries a
// record_sha256 that matches its content.
func CheckRecordDigest(line []byte) error {
	i := bytes.LastIndex(line, []byte(digestKey))
	if i < 0 || len(line) < i+len(digestKey)+64 {
		return errors.New("no record_sha256 (written by an older histocount, or edited)")
	}
	at := i + len(digestKey)
	got := string(line[at : at+64])
	tmp := append([]byte(nil), line...)
	copy(tmp[at:], zeroDigest)
	sum := sha256.Sum256(tmp)
	if hex.EncodeToString(sum[:]) != got {
		return errors.New("record_sha256 does not match the line (edited after it was written)")
	}
	return nil
}
