package kinds

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// CellsItem is one counted field: its row and the chamber volume it
// images.
type CellsItem struct {
	Row      models.CellsImage
	VolumeUL float64 // chamber volume imaged, µl; 0 when unknown
}

// CellsRequest is what Cells needs besides the image: the preparation and
// the analysis options.
type CellsRequest struct {
	Stain   string
	DepthUM float64 // chamber depth, for the field volume
	Marker  Marker
	// Sample names the sample of an image path (the batch's --sample-by,
	// or the manifest item's sample).
	Sample func(path string) (string, error)
	Load   imageio.Options
	Count  cells.Options
}

// Cells decodes, counts and writes the overlay/labels of one image: the
// per-item work of `cells` and of manifest items of kind cells. The
// returned item always carries the row, also on error. Its volume is the
// chamber volume W·H·s²·D the field images (cells.FieldVolumeUL).
func Cells(i int, path string, out Output, r CellsRequest) (CellsItem, error) {
	row := models.CellsImage{Index: i, Image: path, Stain: r.Stain, Input: models.InputInfo{Path: path}}
	sample, serr := r.Sample(path)
	row.Sample = sample
	if serr != nil {
		return CellsItem{Row: row}, serr
	}
	if r.Marker.Enabled() {
		return cellsWithMarker(row, path, out, r)
	}
	img, err := imageio.Load(path, r.Load)
	if err != nil {
		return CellsItem{Row: row}, fmt.Errorf("decode: %w", err)
	}
	row.Input = img.Info
	res, err := cells.Count(img, r.Count)
	if err != nil {
		return CellsItem{Row: row}, fmt.Errorf("analyse: %w", err)
	}
	fillCounts(&row, res)
	if res.Overlay != nil {
		if err := WritePNG(out.path("overlays", ".png"), res.Overlay); err != nil {
			row.QC = OverlayNotWritten(row.QC, err)
		}
	}
	if res.Labels != nil {
		if err := WritePNG(out.path("labels", ".png"), res.Labels); err != nil {
			row.QC = OverlayNotWritten(row.QC, err)
		}
	}
	vol := cells.FieldVolumeUL(img.Width, img.Height, res.Calibration.PixelSizeUM, r.DepthUM)
	return CellsItem{Row: row, VolumeUL: vol}, nil
}

// fillCounts copies an analysis' counts, calibration, flags, objects and
// mitotic index into the image's row.
func fillCounts(row *models.CellsImage, res *cells.Result) {
	row.Live, row.Dead, row.Total = res.Live, res.Dead, res.Live+res.Dead
	row.ViabilityPct = models.Round3(cells.Viability(res.Live, res.Dead))
	row.Calibration, row.QC, row.Objects = res.Calibration, res.QC, res.Objects
	row.MitoticIndex = res.Mitotic
}

// cellsWithMarker is Cells for a nuclei + marker pair.
func cellsWithMarker(row models.CellsImage, path string, out Output, r CellsRequest) (CellsItem, error) {
	nuclei, marker, _, err := loadMarkerPair(path, r.Marker, r.Load)
	if nuclei != nil {
		row.Input = nuclei.Info
	}
	if err != nil {
		return CellsItem{Row: row}, err
	}
	ch := r.Marker.channelOf(marker)
	res, mr, err := cells.CountTwoChannel(nuclei, marker, r.Count, cells.MarkerOptions{Channel: ch, Threshold: r.Marker.Threshold})
	if err != nil {
		return CellsItem{Row: row}, fmt.Errorf("analyse: %w", err)
	}
	fillCounts(&row, res)
	row.Marker = mr.Summary()
	if res.Overlay != nil {
		if err := report.WritePNG(out.path("overlays", ".png"), res.Overlay); err != nil {
			return CellsItem{Row: row}, fmt.Errorf("write overlay: %w", err)
		}
	}
	if res.Labels != nil {
		if err := report.WritePNG(out.path("labels", ".png"), res.Labels); err != nil {
			return CellsItem{Row: row}, fmt.Errorf("write labels: %w", err)
		}
	}
	vol := cells.FieldVolumeUL(nuclei.Width, nuclei.Height, res.Calibration.PixelSizeUM, r.DepthUM)
	return CellsItem{Row: row, VolumeUL: vol}, nil
}

// Marker is the two-channel (nuclei + proliferation marker) pairing of a
// cells analysis.
type Marker struct {
	Image     string  // pairing pattern, see Path
	Channel   int     // RGB channel 1..3 or TIFF page of the marker; 0 = none given
	Threshold float64 // fixed threshold on the nucleus score; 0 = automatic
}

// Enabled reports whether a marker is measured.
func (m Marker) Enabled() bool { return m.Image != "" || m.Channel > 0 }

// Check reports a pairing that cannot work; the messages name the flags
// of `histocount cells`.
func (m Marker) Check() error {
	if m.Channel < 0 || m.Channel > 100_000 {
		return fmt.Errorf("--marker-channel must be 1..100000, got %d", m.Channel)
	}
	if !(m.Threshold >= 0) {
		return errors.New("--marker-threshold must be >= 0")
	}
	if m.Image != "" && !strings.Contains(m.Image, "{stem}") {
		from, _, ok := strings.Cut(m.Image, "=")
		if !ok || from == "" {
			return fmt.Errorf("--marker-image must be FROM=TO or contain {stem}, got %q", m.Image)
		}
	}
	return nil
}

// ErrNoMarkerPair fails a nuclei image whose marker image is not there.
var ErrNoMarkerPair = errors.New("no marker image")

// Path returns the marker image paired with the nuclei image path: FROM=TO
// replaces the last FROM in the file name by TO; a pattern with {stem} is
// a path relative to the nuclei image's folder.
func (m Marker) Path(path string) (string, error) {
	dir, base := filepath.Split(path)
	if strings.Contains(m.Image, "{stem}") {
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		p := strings.ReplaceAll(m.Image, "{stem}", stem)
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return p, nil
	}
	from, to, _ := strings.Cut(m.Image, "=")
	i := strings.LastIndex(base, from)
	if i < 0 {
		return "", fmt.Errorf("%w: name %q does not contain %q (--marker-image %s)", ErrNoMarkerPair, base, from, m.Image)
	}
	return filepath.Join(dir, base[:i]+to+base[i+len(from):]), nil
}

// DropMarkerInputs removes from paths the marker images of other inputs
// (a folder holding both channels), so each pair is analysed once.
func (m Marker) DropMarkerInputs(paths []string) []string {
	if m.Image == "" {
		return paths
	}
	partner := map[string]bool{}
	for _, p := range paths {
		if mp, err := m.Path(p); err == nil && filepath.Clean(mp) != filepath.Clean(p) {
			partner[filepath.Clean(mp)] = true
		}
	}
	_, to, _ := strings.Cut(m.Image, "=")
	var out []string
	for _, p := range paths {
		c := filepath.Clean(p)
		if partner[c] {
			continue
		}
		// An unpaired marker image (its nuclei image missing) is not a
		// nuclei image either.
		if to != "" && !strings.Contains(m.Image, "{stem}") {
			if _, err := m.Path(p); err != nil && strings.Contains(filepath.Base(p), to) {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// loadMarkerPair decodes the nuclei and marker images of one field.
func loadMarkerPair(path string, m Marker, loadOpt imageio.Options) (nuclei, marker *imageio.Image, markerFile string, err error) {
	nuclei, err = imageio.Load(path, loadOpt)
	if err != nil {
		return nil, nil, "", fmt.Errorf("decode: %w", err)
	}
	markerFile = path
	if m.Image != "" {
		if markerFile, err = m.Path(path); err != nil {
			return nuclei, nil, "", err
		}
		if _, serr := os.Stat(markerFile); serr != nil {
			return nuclei, nil, markerFile, fmt.Errorf("%w: %s not found", ErrNoMarkerPair, imageio.DisplayName(markerFile))
		}
	}
	mo := loadOpt
	if m.Channel > 0 && (nuclei.Info.Pages > 1 || markerFile != path) {
		// Page N of a multi-page file; a single-page marker file ignores it
		// here and takes RGB channel N below.
		mo.Page = m.Channel
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
			return nuclei, nil, markerFile, fmt.Errorf("%w: --marker-channel %d without --marker-image needs a multi-page TIFF or an RGB image; %s has one channel", cells.ErrMarkerChannel, m.Channel, imageio.DisplayName(path))
		}
		nuclei = cells.WithoutChannel(nuclei, m.Channel)
	}
	return nuclei, marker, markerFile, nil
}

// channelOf is the RGB channel to read from the decoded marker image: N
// for an RGB marker, none for grey or a chosen page.
func (m Marker) channelOf(marker *imageio.Image) int {
	if marker.Channels == 3 && marker.Info.Pages <= 1 {
		return m.Channel
	}
	return 0
}
