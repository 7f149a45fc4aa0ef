package cells

import (
	"math"
	"sort"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/stats"
)

// Release decisions.
const (
	ReleasePass       = "pass"
	ReleaseFail       = "fail"
	ReleaseBorderline = "borderline"
	ReleaseUnknown    = "unknown"
)

// FieldVolumeUL returns the chamber volume imaged by one field in µl:
// widthPx·heightPx·pixelSizeUM²·depthUM·10⁻⁹. 0 when either is unknown.
func FieldVolumeUL(widthPx, heightPx int, pixelSizeUM, depthUM float64) float64 {
	if pixelSizeUM <= 0 || depthUM <= 0 {
		return 0
	}
	return float64(widthPx) * float64(heightPx) * pixelSizeUM * pixelSizeUM * depthUM * 1e-9
}

// SampleAccumulator pools the images of one sample. Add images as they
// finish; Summary computes the concentrations.
type SampleAccumulator struct {
	Name           string
	images, failed int
	live, dead     int
	volumeUL       float64
	volumeUnknown  bool
	qc             map[string]bool
}

// AddFailed counts an image of the sample that could not be analysed.
func (s *SampleAccumulator) AddFailed() { s.failed++ }

// Add pools one analysed image; volumeUL 0 means its volume is unknown.
func (s *SampleAccumulator) Add(live, dead int, volumeUL float64, qc []string) {
	s.images++
	s.live += live
	s.dead += dead
	if volumeUL > 0 {
		s.volumeUL += volumeUL
	} else {
		s.volumeUnknown = true
	}
	for _, f := range qc {
		if s.qc == nil {
			s.qc = map[string]bool{}
		}
		s.qc[f] = true
	}
}

// Summary returns the sample's counts, viability and concentrations.
func (s *SampleAccumulator) Summary(ch models.Chamber) models.CellsSample {
	out := models.CellsSample{
		Sample: s.Name, Images: s.images, FailedImages: s.failed,
		Live: s.live, Dead: s.dead, Total: s.live + s.dead,
		MinViablePML: ch.MinViablePML, Release: ReleaseUnknown,
	}
	out.ViabilityPct = models.Round3(Viability(s.live, s.dead))
	lo, hi := 0.0, 1.0 // no cells: the proportion is unconstrained
	if n := s.live + s.dead; n > 0 {
		lo, hi, _ = stats.WilsonCI(s.live, n, 0.95) // 0 ≤ live ≤ n and a valid level: no error
	}
	out.ViabilityCILowPct, out.ViabilityCIHighPct = models.Round3(100*lo), models.Round3(100*hi)
	out.QC = sortedKeys(s.qc)
	if s.volumeUnknown || s.volumeUL <= 0 || s.images == 0 {
		return out
	}
	factor := 1000 / s.volumeUL * nonZero(ch.Dilution) * nonZero(ch.TrypanRatio)
	out.VolumeUL = sig6(s.volumeUL)
	out.ViablePerML = sig6(float64(s.live) * factor)
	vlo, vhi, _ := stats.PoissonCI(s.live, 0.95) // counts ≥ 0: no error
	out.ViablePerMLCILow, out.ViablePerMLCIHigh = sig6(vlo*factor), sig6(vhi*factor)
	out.TotalPerML = sig6(float64(s.live+s.dead) * factor)
	tlo, thi, _ := stats.PoissonCI(s.live+s.dead, 0.95)
	out.TotalPerMLCILow, out.TotalPerMLCIHigh = sig6(tlo*factor), sig6(thi*factor)
	switch {
	case out.ViablePerMLCILow >= ch.MinViablePML:
		out.Release = ReleasePass
	case out.ViablePerMLCIHigh < ch.MinViablePML:
		out.Release = ReleaseFail
	default:
		out.Release = ReleaseBorderline
	}
	return out
}

func nonZero(v float64) float64 {
	if v <= 0 {
		return 1
	}
	return v
}

// sig6 rounds to 6 significant digits, for stable, readable outputs.
func sig6(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	e := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*e) / e
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
