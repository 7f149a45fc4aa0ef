package main

import (
	"flag"
	"fmt"

	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report"
)

// markerFlags are the two-channel (nuclei + proliferation marker) options
// of `cells`.
type markerFlags struct {
	MarkerImage     string  // pairing pattern, see kinds.Marker.Path
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

// marker is the pairing the flags give.
func (m markerFlags) marker() kinds.Marker {
	return kinds.Marker{Image: m.MarkerImage, Channel: m.MarkerChannel, Threshold: m.MarkerThreshold}
}

// enabled reports whether a marker is measured.
func (m markerFlags) enabled() bool { return m.marker().Enabled() }

func (m markerFlags) check() error {
	if err := m.marker().Check(); err != nil {
		return usageErrorf("%v", err)
	}
	return nil
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
