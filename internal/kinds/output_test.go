package kinds

import (
	"math"
	"strings"
	"testing"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/models"
)

func TestFiniteGuards(t *testing.T) {
	type inner struct{ v float64 }
	if err := CheckEncodable(struct {
		row inner
		xs  []float64
	}{inner{1}, []float64{2, math.Inf(1)}}); err == nil || !strings.Contains(err.Error(), "xs[1]") {
		t.Errorf("unexported +Inf not found: %v", err)
	}
	if err := CheckEncodable(struct{ row inner }{inner{math.NaN()}}); err == nil {
		t.Error("NaN not found")
	}
	s := FiniteSample(models.CellsSample{Sample: "S", Release: cells.ReleasePass, VolumeUL: 1e-320, ViablePerML: math.Inf(1)})
	if s.Release == cells.ReleasePass || s.ViablePerML != 0 || CheckEncodable(s) != nil {
		t.Errorf("sample with +Inf: %+v", s)
	}
}
