package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/histocount/histocount/internal/imagename"
)

// sampleOf assigns each input to a sample (a group of fields pooled into
// one concentration or CFE).
type sampleOf func(path string) (string, error)

// samplerFor returns the sampler of a run over paths (its inputs): a
// sample sheet is paired with them as a whole.
type samplerFor func(paths []string) sampleOf

// newSampler builds the sampler for --sample-by.
func newSampler(by, regex, sheet string) (samplerFor, error) {
	fixed := func(f sampleOf) samplerFor { return func([]string) sampleOf { return f } }
	switch by {
	case "dir":
		return fixed(func(p string) (string, error) { return filepath.Base(filepath.Dir(filepath.Clean(p))), nil }), nil
	case "image":
		return fixed(func(p string) (string, error) { return strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), nil }), nil
	case "name-regex":
		if regex == "" {
			return nil, usageErrorf("--sample-by name-regex needs --sample-regex")
		}
		re, err := regexp.Compile(regex)
		if err != nil {
			return nil, usageErrorf("--sample-regex: %v", err)
		}
		return fixed(func(p string) (string, error) {
			m := re.FindStringSubmatch(filepath.Base(p))
			switch {
			case m == nil:
				return "", fmt.Errorf("file name does not match --sample-regex %q", regex)
			case len(m) > 1:
				return m[1], nil
			}
			return m[0], nil
		}), nil
	case "sheet":
		if sheet == "" {
			return nil, usageErrorf("--sample-by sheet needs --sample-sheet")
		}
		f, err := os.Open(sheet)
		if err != nil {
			return nil, usageErrorf("--sample-sheet: %v", err)
		}
		defer f.Close()
		m, err := readSampleSheet(f)
		if err != nil {
			return nil, usageErrorf("--sample-sheet %s: %v", sheet, err)
		}
		return func(paths []string) sampleOf { return sheetSampler(m, paths) }, nil
	}
	return nil, usageErrorf("--sample-by must be dir, image, name-regex or sheet, got %q", by)
}

// sheetSampler pairs the sheet's images with paths one to one by
// imagename's rules (path, folder suffix, file name, stem).
func sheetSampler(m map[string]string, paths []string) sampleOf {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	nameOf, pairs := imagename.Lookup(names, paths)
	sample := map[string]string{}
	why := map[string]string{}
	for j, p := range paths {
		if i := nameOf[j]; i >= 0 {
			sample[p] = m[names[i]]
		}
	}
	for i, pr := range pairs {
		if pr.Ambiguous() {
			for _, j := range pr.Candidates {
				why[paths[j]] = fmt.Sprintf("sample sheet image %s matches more than one input by %s", names[i], pr.Rule)
			}
		}
	}
	return func(p string) (string, error) {
		if s, ok := sample[p]; ok {
			return s, nil
		}
		if w, ok := why[p]; ok {
			return "", errors.New(w)
		}
		return "", fmt.Errorf("image not listed in the sample sheet")
	}
}

// readSampleSheet reads a CSV with columns image and sample (any order,
// other columns ignored).
func readSampleSheet(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	ic, ok1 := col["image"]
	sc, ok2 := col["sample"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("header must have columns image and sample, got %v", head)
	}
	out := map[string]string{}
	firstLine := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if ic >= len(rec) || sc >= len(rec) {
			return nil, fmt.Errorf("line %d: too few columns", line)
		}
		img, s := strings.TrimSpace(rec[ic]), strings.TrimSpace(rec[sc])
		if img == "" || s == "" {
			return nil, fmt.Errorf("line %d: empty image or sample", line)
		}
		key := filepath.Clean(img)
		if prev, dup := out[key]; dup && prev != s {
			// Last-wins would silently move a field to another sample.
			return nil, fmt.Errorf("line %d: image %s is listed under sample %q and, on line %d, under %q", line, img, s, firstLine[key], prev)
		}
		if _, dup := out[key]; !dup {
			firstLine[key] = line
		}
		out[key] = s
	}
}
