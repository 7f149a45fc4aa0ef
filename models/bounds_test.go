package models

import (
	"math"
	"testing"
)

func TestPlausibleFilePixelSizeUM(t *testing.T) {
	for _, c := range []struct {
		um   float64
		want bool
	}{
		{0.01, true}, {0.0099, false}, {0.5, true}, {1000, true}, {1000.1, false},
		{0, false}, {-1, false}, {math.NaN(), false}, {math.Inf(1), false},
	} {
		if got := PlausibleFilePixelSizeUM(c.um); got != c.want {
			t.Errorf("PlausibleFilePixelSizeUM(%g) = %v, want %v", c.um, got, c.want)
		}
	}
	// The ranges nest: a value a file may carry, or dermis may measure at,
	// is one a flag may give.
	if !(MinPixelSizeUM <= MinFilePixelSizeUM && MaxFilePixelSizeUM <= MaxPixelSizeUM &&
		MinFilePixelSizeUM <= MinSectionPixelSizeUM && MaxSectionPixelSizeUM <= MaxFilePixelSizeUM) {
		t.Error("pixel-size ranges do not nest")
	}
}
