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

func TestGivenCalibrationOrFile(t *testing.T) {
	file := Calibration{PixelSizeUM: 0.5, Source: CalibrationSourceTIFF}
	for _, tc := range []struct {
		name  string
		file  Calibration
		given float64
		src   CalibrationSource
		want  Calibration
	}{
		{"none given keeps the file's", file, 0, "", file},
		{"negative is none", file, -1, CalibrationSourceManifest, file},
		{"NaN is none", file, math.NaN(), "", file},
		{"given overrides the file's", file, 0.8, "", Calibration{PixelSizeUM: 0.8, Source: "flag"}},
		{"a manifest's pixel size", file, 0.8, CalibrationSourceManifest, Calibration{PixelSizeUM: 0.8, Source: "manifest"}},
		{"given on an uncalibrated image", Calibration{}, 2, CalibrationSourceFlag, Calibration{PixelSizeUM: 2, Source: "flag"}},
		{"neither", Calibration{}, 0, "", Calibration{}},
	} {
		if got := GivenCalibration(tc.given, tc.src).Or(tc.file); got != tc.want {
			t.Errorf("%s: GivenCalibration(%g, %q).Or(%+v) = %+v, want %+v", tc.name, tc.given, tc.src, tc.file, got, tc.want)
		}
	}
}
