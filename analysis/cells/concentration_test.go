package cells

import (
	"fmt"
	"math"
	"testing"

	"github.com/histocount/histocount/models"
)

// TestNoCellsViabilityCI: a sample with no counted cells says nothing
// about viability, so its interval spans 0–100 %.
func TestNoCellsViabilityCI(t *testing.T) {
	t.Parallel()
	var a SampleAccumulator
	a.Add(0, 0, 0.1, nil)
	s := a.Summary(models.Chamber{DepthUM: 100})
	if s.ViabilityCILowPct != 0 || s.ViabilityCIHighPct != 100 {
		t.Errorf("no cells: viability CI [%g, %g] %%, want [0, 100]", s.ViabilityCILowPct, s.ViabilityCIHighPct)
	}
}

func TestSampleConcentration(t *testing.T) {
	t.Parallel()
	ch := models.Chamber{DepthUM: 100, Dilution: 1, TrypanRatio: 2, MinViablePML: 1e6}
	// 1000×1000 px at 1 µm/px, 100 µm deep: 0.1 µl per field.
	vol := FieldVolumeUL(1000, 1000, 1, 100)
	if math.Abs(vol-0.1) > 1e-12 {
		t.Fatalf("FieldVolumeUL = %g µl, want 0.1", vol)
	}
	for _, c := range []struct {
		name        string
		fields      int
		live, dead  int // per field
		wantViable  float64
		wantRelease string
	}{
		// 2 fields × 50 live in 0.2 µl → 500 /µl → 5e5 /ml × 2 (trypan) = 1e6.
		{"at threshold", 2, 50, 10, 1e6, ReleaseBorderline},
		{"well above", 4, 400, 20, 8e6, ReleasePass},
		{"well below", 4, 40, 40, 8e5, ReleaseFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			var acc SampleAccumulator
			for i := 0; i < c.fields; i++ {
				acc.Add(c.live, c.dead, vol, nil)
			}
			s := acc.Summary(ch)
			if math.Abs(s.ViablePerML-c.wantViable)/c.wantViable > 1e-6 {
				t.Errorf("viable/ml = %g, want %g", s.ViablePerML, c.wantViable)
			}
			if !(s.ViablePerMLCILow < s.ViablePerML && s.ViablePerML < s.ViablePerMLCIHigh) {
				t.Errorf("CI [%g, %g] does not contain %g", s.ViablePerMLCILow, s.ViablePerMLCIHigh, s.ViablePerML)
			}
			if s.Release != c.wantRelease {
				t.Errorf("release %q, want %q", s.Release, c.wantRelease)
			}
			wantV := 100 * float64(c.live) / float64(c.live+c.dead)
			if math.Abs(s.ViabilityPct-wantV) > 1e-3 {
				t.Errorf("viability %g, want %g", s.ViabilityPct, wantV)
			}
		})
	}
	var unknown SampleAccumulator
	unknown.Add(10, 1, 0, nil)
	if s := unknown.Summary(ch); s.Release != ReleaseUnknown || s.ViablePerML != 0 {
		t.Errorf("uncalibrated sample: release %q, viable %g", s.Release, s.ViablePerML)
	}
}

func ExampleSampleAccumulator() {
	ch := models.Chamber{DepthUM: 100, Dilution: 1, TrypanRatio: 2, MinViablePML: 1e6}
	var s SampleAccumulator
	// Two 1000×1000 px fields at 1 µm/px in a 100 µm chamber: 0.2 µl.
	s.Add(300, 20, FieldVolumeUL(1000, 1000, 1, 100), nil)
	s.Add(280, 25, FieldVolumeUL(1000, 1000, 1, 100), nil)
	r := s.Summary(ch)
	fmt.Printf("viable %.3g/ml [%.3g, %.3g], viability %.1f %%, %s\n",
		r.ViablePerML, r.ViablePerMLCILow, r.ViablePerMLCIHigh, r.ViabilityPct, r.Release)
	// Output: viable 5.8e+06/ml [5.34e+06, 6.29e+06], viability 92.8 %, pass
}
