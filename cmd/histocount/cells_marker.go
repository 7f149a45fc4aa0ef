package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// markerFlags are the two-channel (nuclei + proliferation marker) options
// of `cells`.
type markerFlags struct {
	MarkerImage     string  // pairing pattern, see markerPath
	MarkerChannel   int     // RGB channel 1..3 or TIFF page of the marker; 0 = none given
	MarkerThreshold float64 // fixed threshold on the nucleus score; 0 = automatic
}

const markerHelp = `
Proliferating fraction (two-channel fluorescence, implies --stain fluorescence):
  --marker-image FROM=TO  the marker image of each nuclei image is the file of the
                        same folder whose name has FROM replaced by TO, e.g.
                        --marker-image _dapi=_ki67 pairs a_dapi.png with a_ki67.png;
                        or a template with {stem} (the nuclei file's name without
                        extension) relative to its folder: --marker-image '../ki67/{stem}.tif'
  --marker-channel N    marker in page N of a multi-page TIFF, or in RGB channel N
                        (1 red, 2 green, 3 blue) of an RGB file; without --marker-image
                        the marker is read from the nuclei file itself (for RGB, the
                        nuclei are then segmented from the other channels)
  --marker-threshold T  fixed threshold on the nucleus score (90th percentile of its
                        marker pixels less the local annulus background, grey levels);
                        default automatic per image
`

func (m *markerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.MarkerImage, "marker-image", "", "pair each nuclei image with its marker image: FROM=TO (name substitution) or a template with {stem}")
	fs.IntVar(&m.MarkerChannel, "marker-channel", 0, "proliferation marker in TIFF page N or RGB channel N (1 red, 2 green, 3 blue)")
	fs.Float64Var(&m.MarkerThreshold, "marker-threshold", 0, "fixed threshold on the nucleus marker score (grey levels); 0 = automatic per image")
}

// enabled reports whether a marker is measured.
func (m markerFlags) enabled() bool { return m.MarkerImage != "" || m.MarkerChannel > 0 }

func (m markerFlags) check() error {
	if m.MarkerChannel < 0 || m.MarkerChannel > 100_000 {
		return usageErrorf("--marker-channel must be 1..100000, got %d", m.MarkerChannel)
	}
	if !(m.MarkerThreshold >= 0) {
		return usageErrorf("--marker-threshold must be >= 0")
	}
	if m.MarkerImage != "" && !strings.Contains(m.MarkerImage, "{stem}") {
		from, _, ok := strings.Cut(m.MarkerImage, "=")
		if !ok || from == "" {
			return usageErrorf("--marker-image must be FROM=TO or contain {stem}, got %q", m.MarkerImage)
		}
	}
	return nil
}

var errNoMarkerPair = errors.New("no marker image")

// markerPath returns the marker image paired with the nuclei image path.
func (m markerFlags) markerPath(path string) (string, error) {
	dir, base := filepath.Split(path)
	if strings.Contains(m.MarkerImage, "{stem}") {
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		p := strings.ReplaceAll(m.MarkerImage, "{stem}", stem)
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return p, nil
	}
	from, to, _ := strings.Cut(m.MarkerImage, "=")
	i := strings.LastIndex(base, from)
	if i < 0 {
		return "", fmt.Errorf("%w: name %q does not contain %q (--marker-image %s)", errNoMarkerPair, base, from, m.MarkerImage)
	}
	return filepath.Join(dir, base[:i]+to+base[i+len(from):]), nil
}

// dropMarkerInputs removes from paths the marker images of other inputs
// (a folder holding both channels), so each pair is analysed once.
func (m markerFlags) dropMarkerInputs(paths []string) []string {
	if m.MarkerImage == "" {
		return paths
	}
	partner := map[string]bool{}
	for _, p := range paths {
		if mp, err := m.markerPath(p); err == nil && filepath.Clean(mp) != filepath.Clean(p) {
			partner[filepath.Clean(mp)] = true
		}
	}
	_, to, _ := strings.Cut(m.MarkerImage, "=")
	var out []string
	for _, p := range paths {
		c := filepath.Clean(p)
		if partner[c] {
			continue
		}
		// An unpaired marker image (its nuclei image missing) is not a
		// nuclei image either.
		if to != "" && !strings.Contains(m.MarkerImage, "{stem}") {
			if _, err := m.markerPath(p); err != nil && strings.Contains(filepath.Base(p), to) {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// loadMarkerPair decodes the nuclei and marker images of one field.
func loadMarkerPair(path string, m markerFlags, loadOpt imageio.Options) (nuclei, marker *imageio.Image, markerFile string, err error) {
	nuclei, err = imageio.Load(path, loadOpt)
	if err != nil {
		return nil, nil, "", fmt.Errorf("decode: %w", err)
	}
	markerFile = path
	if m.MarkerImage != "" {
		if markerFile, err = m.markerPath(path); err != nil {
			return nuclei, nil, "", err
		}
		if _, serr := os.Stat(markerFile); serr != nil {
			return nuclei, nil, markerFile, fmt.Errorf("%w: %s not found", errNoMarkerPair, imageio.DisplayName(markerFile))
		}
	}
	mo := loadOpt
	if m.MarkerChannel > 0 && (nuclei.Info.Pages > 1 || markerFile != path) {
		// Page N of a multi-page file; a single-page marker file ignores it
		// here and takes RGB channel N below.
		mo.Page = m.MarkerChannel
	}
	marker, err = imageio.Load(markerFile, mo)
	if err != nil && errors.Is(err, imageio.ErrNoPage) && markerFile != path {
		mo.Page = loadOpt.Page
		marker, err = imageio.Load(markerFile, mo)
	}
	if err != nil {
		return nuclei, nil, markerFile, fmt.Errorf("decode marker %s: %w", imageio.DisplayName(markerFile), err)
	}
	if markerFile == path && marker.Info.Pages <= 1 {
		// Marker is a channel of the nuclei image itself.
		if nuclei.Channels != 3 {
			return nuclei, nil, markerFile, fmt.Errorf("%w: --marker-channel %d without --marker-image needs a multi-page TIFF or an RGB image; %s has one channel", cells.ErrMarkerChannel, m.MarkerChannel, imageio.DisplayName(path))
		}
		nuclei = cells.WithoutChannel(nuclei, m.MarkerChannel)
	}
	return nuclei, marker, markerFile, nil
}

// markerChannelOf is the RGB channel to read from the decoded marker
// image: N for an RGB marker, none for grey or a chosen page.
func markerChannelOf(m markerFlags, marker *imageio.Image) int {
	if marker.Channels == 3 && marker.Info.Pages <= 1 {
		return m.MarkerChannel
	}
	return 0
}

// analyseMarkerImage is analyseCellsImage for a nuclei + marker pair.
func analyseMarkerImage(row models.CellsImage, path, stem string, o cellsOptions, loadOpt imageio.Options, countOpt cells.Options) (cellsItem, error) {
	nuclei, marker, _, err := loadMarkerPair(path, o.markerFlags, loadOpt)
	if nuclei != nil {
		row.Input = nuclei.Info
	}
	if err != nil {
		return cellsItem{row: row}, err
	}
	ch := markerChannelOf(o.markerFlags, marker)
	res, mr, err := cells.CountTwoChannel(nuclei, marker, countOpt, cells.MarkerOptions{Channel: ch, Threshold: o.MarkerThreshold})
	if err != nil {
		return cellsItem{row: row}, fmt.Errorf("analyse: %w", err)
	}
	row.Live, row.Dead, row.Total = res.Live, res.Dead, res.Live+res.Dead
	row.ViabilityPct = models.Round3(cells.Viability(res.Live, res.Dead))
	row.Calibration, row.QC, row.Objects = res.Calibration, res.QC, res.Objects
	row.Marker = mr.Summary()
	row.MitoticIndex = res.Mitotic
	if res.Overlay != nil {
		if err := report.WritePNG(filepath.Join(o.Out, "overlays", stem+".png"), res.Overlay); err != nil {
			return cellsItem{row: row}, fmt.Errorf("write overlay: %w", err)
		}
	}
	if res.Labels != nil {
		if err := report.WritePNG(filepath.Join(o.Out, "labels", stem+".png"), res.Labels); err != nil {
			return cellsItem{row: row}, fmt.Errorf("write labels: %w", err)
		}
	}
	vol := cells.FieldVolumeUL(nuclei.Width, nuclei.Height, res.Calibration.PixelSizeUM, o.DepthUM)
	return cellsItem{row: row, volumeUL: vol}, nil
}

// Marker columns appended to images.csv, objects.csv and samples.csv in
// two-channel runs.
var (
	markerImageCols  = []string{"marker_positive", "marker_nuclei", "positive_pct", "positive_ci_low_pct", "positive_ci_high_pct", "marker_threshold"}
	markerObjectCols = []string{"marker_mean", "marker_integrated", "marker_background", "marker_score", "marker_positive"}
	markerSampleCols = []string{"marker_positive", "marker_nuclei", "positive_pct", "positive_ci_low_pct", "positive_ci_high_pct"}
)

func markerSummaryCells(s *models.MarkerSummary, withThreshold bool) []string {
	if s == nil {
		n := 5
		if withThreshold {
			n = 6
		}
		return make([]string, n)
	}
	out := []string{report.I(s.Positive), report.I(s.Nuclei), report.F(s.PositivePct), report.F(s.CILowPct), report.F(s.CIHighPct)}
	if withThreshold {
		out = append(out, report.F(s.Threshold))
	}
	return out
}

func markerObjectCells(m *models.CellMarker) []string {
	if m == nil {
		return make([]string, len(markerObjectCols))
	}
	return []string{report.F(m.Mean), report.F(m.Integrated), report.F(m.Background), report.F(m.Score), fmt.Sprint(m.Positive)}
}
