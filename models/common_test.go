package models

import (
	"math"
	"testing"
)

func TestRound3(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0, 0},
		{1.2344, 1.234},
		{1.2345, 1.235}, // v·1000 is 1234.5 in float64: halves round away from zero
		{-1.2346, -1.235},
		{2.5e-4, 0},
		{5e-4, 0.001},
		{123456.78951, 123456.79},
	} {
		if got := Round3(tc.in); got != tc.want {
			t.Errorf("Round3(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := Round3(math.NaN()); !math.IsNaN(got) {
		t.Errorf("Round3(NaN) = %v, want NaN", got)
	}
}

func TestCalibrationWithPixelSize(t *testing.T) {
	file := Calibration{PixelSizeUM: 0.5, Source: "tiff-resolution"}
	for _, tc := range []struct {
		name  string
		c     Calibration
		given float64
		want  Calibration
	}{
		{"none given keeps the file's", file, 0, file},
		{"negative is none", file, -1, file},
		{"given overrides the file's", file, 0.8, Calibration{PixelSizeUM: 0.8, Source: "flag"}},
		{"given on an uncalibrated image", Calibration{}, 2, Calibration{PixelSizeUM: 2, Source: "flag"}},
		{"neither", Calibration{}, 0, Calibration{}},
	} {
		if got := tc.c.WithPixelSize(tc.given); got != tc.want {
			t.Errorf("%s: %+v.WithPixelSize(%g) = %+v, want %+v", tc.name, tc.c, tc.given, got, tc.want)
		}
	}
}
