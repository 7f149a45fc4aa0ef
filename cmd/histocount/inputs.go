package main

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/report"
)

// expand resolves a batch command's inputs (files, directories, globs) to
// image paths, and records in b.inputErrs the inputs that are known to
// fail before any decoding: a folder that cannot be read, a named broken
// or looping symlink. Those become error rows (exit 3) instead of stopping
// the batch. The same file reached through several spellings (in/x,
// ./in/x, in//x, a symlink) is analysed once, and the output folder's own
// files (--out inside an input folder) are never inputs. It is a usage
// error when no input is given or one cannot be resolved, a plain error
// when they hold no image.
func (b *batchFlags) expand(cmd string, inputs []string) ([]string, error) {
	if len(inputs) == 0 {
		return nil, usageErrorf("no inputs given (see histocount %s --help)", cmd)
	}
	outAbs, outReal := canonical(b.Out)
	inOut := func(p string) bool {
		a, r := canonical(p)
		return a == outAbs || r == outReal || within(a, outAbs) || within(r, outReal)
	}
	seen := map[string]bool{}
	b.inputErrs = map[string]error{}
	var paths []string
	add := func(p string, err error) {
		_, key := canonical(p)
		if seen[key] {
			return
		}
		seen[key] = true
		paths = append(paths, p)
		if err != nil {
			b.inputErrs[p] = err
		}
	}
	for _, a := range inputs {
		lst, lerr := os.Lstat(a)
		st, err := os.Stat(a)
		switch {
		case lerr == nil && err != nil && lst.Mode()&os.ModeSymlink != 0:
			add(a, fmt.Errorf("broken or looping symlink: %v", unwrapPathErr(err)))
			continue
		case err == nil && st.IsDir():
			if _, r := canonical(a); r == outReal {
				return nil, usageErrorf("--out %s is the input folder %s: choose another --out", b.Out, a)
			}
			type entry struct {
				p   string
				err error
			}
			var files []entry
			walkImages(a, inOut, func(p string, err error) { files = append(files, entry{p, err}) })
			sort.SliceStable(files, func(i, j int) bool { return files[i].p < files[j].p })
			for _, f := range files {
				add(f.p, f.err)
			}
			continue
		case err == nil:
			add(a, nil) // an explicit file is taken as is, so a bad one gets an error row
			continue
		case !errors.Is(err, fs.ErrNotExist):
			add(a, fmt.Errorf("unreadable: %v", unwrapPathErr(err)))
			continue
		}
		matches, gerr := filepath.Glob(a)
		if gerr != nil {
			return nil, usageErrorf("bad pattern %q: %v", a, gerr)
		}
		if len(matches) == 0 {
			return nil, usageErrorf("%s: no such file, directory or matching pattern", a)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && !st.IsDir() && !inOut(m) {
				add(m, nil)
			}
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no images found in %s", strings.Join(inputs, " "))
	}
	return paths, nil
}

// readDir lists a folder; tests replace it to simulate an unreadable one
// (root reads every folder).
var readDir = os.ReadDir

// walkImages calls visit with every image file below dir (by name, not
// following symlinked folders) and with every folder that cannot be read
// (err set), skipping folders for which skip is true.
func walkImages(dir string, skip func(string) bool, visit func(p string, err error)) {
	entries, err := readDir(dir)
	if err != nil {
		// One unreadable folder is one failed input, not a failed batch.
		visit(dir, fmt.Errorf("unreadable folder: %v", unwrapPathErr(err)))
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			if !skip(p) {
				walkImages(p, skip, visit)
			}
		case strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), report.TempMarker):
			// a temporary file of a running or killed histocount
		case imageio.IsImageFile(p):
			visit(p, nil)
		}
	}
}

// unwrapPathErr drops the path from an *fs.PathError (the row names it).
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// canonical returns p made absolute and, when it exists, with symlinks
// resolved (else the absolute form again).
func canonical(p string) (abs, real string) {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = filepath.Clean(p)
	}
	real, err = filepath.EvalSymlinks(abs)
	if err != nil {
		real = abs
	}
	return abs, real
}

// within reports whether path p lies strictly inside dir (both clean and
// absolute).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// maxStemBytes keeps overlay, label and GeoJSON names (stem + ".png",
// ".geojson") within the 255-byte limit of file names (report bounds the
// temporary names itself).
const maxStemBytes = 247

// shortHash is 8 hex digits of FNV-1a of s: a stable disambiguator.
func shortHash(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// fitStem cuts a stem longer than maxStemBytes at a rune boundary and
// appends a hash of the whole, so two long names stay distinct.
func fitStem(s string) string {
	if len(s) <= maxStemBytes {
		return s
	}
	cut := maxStemBytes - 9
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "~" + shortHash(s)
}

// uniqueStems makes cands unique, keeping a candidate as it is when it is
// unique and natural[i] (its source needed no change); the others get
// "~" and a hash of key[i], then the index if that still collides.
func uniqueStems(cands, keys []string, natural []bool) []string {
	out := make([]string, len(cands))
	natCount := map[string]int{}
	for i, c := range cands {
		out[i] = fitStem(c)
		if natural[i] {
			natCount[out[i]]++
		}
	}
	used := map[string]bool{}
	keep := make([]bool, len(cands))
	for i, s := range out {
		if natural[i] && natCount[s] == 1 {
			used[s], keep[i] = true, true
		}
	}
	restCount := map[string]int{}
	for i, s := range out {
		if !keep[i] {
			restCount[s]++
		}
	}
	for i, s := range out {
		if keep[i] {
			continue
		}
		if !used[s] && restCount[s] == 1 {
			used[s] = true
			continue
		}
		t := fitStem(s + "~" + shortHash(keys[i]))
		if used[t] {
			t = fmt.Sprintf("%s~%d", t, i)
		}
		used[t] = true
		out[i] = t
	}
	return out
}

// prepareOut makes the output folder, refuses one that is not a folder
// (exit 2), takes the folder's lock so that two runs cannot interleave
// their files, and removes the temporary files a killed run left. The
// returned function releases the lock.
func prepareOut(dir string) (release func(), err error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, usageErrorf("--out %s exists and is not a folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lockPath := filepath.Join(dir, ".histocount.lock")
	if err := report.CheckRegularOrMissing(lockPath); err != nil {
		return nil, usageErrorf("--out %s: %v", dir, err)
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, usageErrorf("--out %s: another histocount is writing into this folder", dir)
		}
		return func() {}, nil // no locking on this file system: go on without
	}
	report.SweepTemps(dir, outputSubdirs...)
	return func() {
		report.SweepTemps(dir, outputSubdirs...)
		os.Remove(lockPath)
		f.Close()
	}, nil
}

// outputSubdirs are the folders of per-image outputs inside --out.
var outputSubdirs = []string{"overlays", "labels", "geojson"}
