// Package cellsrun reads the results.json that `histocount cells` writes
// and finds images in it by the names a lab sheet uses, for the commands
// that build on counts (dilution, passport).
//
// Per-image concentration: an image of W × H pixels of s µm in a chamber of
// depth D µm images V = W·H·s²·D·10⁻⁹ µl; k cells in it are
// k / V · 1000 · dilution · trypan-ratio cells/ml (the chamber settings of
// the run). Several fields pool as Σk / ΣV.
package cellsrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/models"
)

// ResultsFile is the file `histocount cells` writes in its --out.
const ResultsFile = "results.json"

// Run is a loaded cells results.json and where it came from.
type Run struct {
	models.CellsRun
	Dir  string // the results directory
	Path string // the results.json read
}

// ErrResults marks unusable results.
var ErrResults = errors.New("cells results")

// Load reads dir/results.json (or dir itself when it is a file).
func Load(dir string) (*Run, error) {
	p := dir
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		p = filepath.Join(dir, ResultsFile)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (run `histocount cells --out DIR` first)", ErrResults, err)
	}
	var r Run
	if err := json.Unmarshal(b, &r.CellsRun); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrResults, p, err)
	}
	if r.Kind != "cells" {
		return nil, fmt.Errorf("%w: %s is not the results of `histocount cells` (kind %q)", ErrResults, p, r.Kind)
	}
	if !strings.HasPrefix(r.SchemaVersion, "1.") {
		return nil, fmt.Errorf("%w: %s: schema_version %q, want 1.x", ErrResults, p, r.SchemaVersion)
	}
	r.Dir, r.Path = filepath.Dir(p), p
	return &r, nil
}

// Find returns the index of the image a sheet calls name: the same path,
// a path ending in /name, the same base name, or the same name without
// extension — the first rule that matches exactly one image. It fails
// when no image or several match.
func (r *Run) Find(name string) (int, error) {
	name = filepath.ToSlash(strings.TrimSpace(name))
	rules := []func(img string) bool{
		func(img string) bool { return path.Clean(img) == path.Clean(name) },
		func(img string) bool { return strings.HasSuffix(img, "/"+strings.TrimPrefix(name, "./")) },
		func(img string) bool { return path.Base(img) == path.Base(name) },
		func(img string) bool { return stem(img) == stem(name) },
	}
	for _, rule := range rules {
		var hits []int
		for i, im := range r.Images {
			if rule(filepath.ToSlash(im.Image)) {
				hits = append(hits, i)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0], nil
		default:
			return -1, fmt.Errorf("%q matches %d images (%s, %s…): write more of its path", name, len(hits), r.Images[hits[0]].Image, r.Images[hits[1]].Image)
		}
	}
	return -1, fmt.Errorf("%q is not in %s", name, r.Path)
}

func stem(p string) string {
	b := path.Base(p)
	return strings.TrimSuffix(b, path.Ext(b))
}

// VolumeUL returns the chamber volume image i shows, µl; 0 when unknown
// (no pixel size or size).
func (r *Run) VolumeUL(i int) float64 {
	im := r.Images[i]
	px := im.Calibration.PixelSizeUM
	if px <= 0 || r.Chamber.DepthUM <= 0 || im.Input.Width <= 0 || im.Input.Height <= 0 {
		return 0
	}
	return float64(im.Input.Width) * float64(im.Input.Height) * px * px * r.Chamber.DepthUM * 1e-9
}

// Factor turns cells per µl of chamber into cells/ml of the sample:
// 1000 · dilution · trypan ratio.
func (r *Run) Factor() float64 {
	return 1000 * nonZero(r.Chamber.Dilution) * nonZero(r.Chamber.TrypanRatio)
}

func nonZero(v float64) float64 {
	if v <= 0 {
		return 1
	}
	return v
}
