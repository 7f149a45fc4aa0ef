package kinds

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestMarkerPath(t *testing.T) {
	for _, c := range []struct {
		pattern, nuclei, want string
		wantErr               bool
	}{
		{"_dapi=_ki67", "f/a_dapi.png", "f/a_ki67.png", false},
		{"_dapi=_ki67", "f/a_dapi_dapi.png", "f/a_dapi_ki67.png", false}, // the last FROM
		{"dapi=ki67", "f/x.tif", "", true},
		{"../ki67/{stem}.tif", "f/a.png", "ki67/a.tif", false},
		{"/m/{stem}_k.png", "f/a.png", "/m/a_k.png", false},
	} {
		got, err := Marker{Image: c.pattern}.Path(c.nuclei)
		if (err != nil) != c.wantErr || got != filepath.FromSlash(c.want) {
			t.Errorf("%s on %s = %q, %v; want %q", c.pattern, c.nuclei, got, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrNoMarkerPair) {
			t.Errorf("%s on %s: error %v is not ErrNoMarkerPair", c.pattern, c.nuclei, err)
		}
	}
}

// A folder holding both channels analyses each pair once, from its
// nuclei image; a marker image whose nuclei image is missing is not a
// nuclei image either.
func TestDropMarkerInputs(t *testing.T) {
	m := Marker{Image: "_dapi=_ki67"}
	got := m.DropMarkerInputs([]string{"a_dapi.png", "a_ki67.png", "b_dapi.png", "c_ki67.png", "d.png"})
	want := []string{"a_dapi.png", "b_dapi.png", "d.png"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := (Marker{}).DropMarkerInputs([]string{"a_ki67.png"}); len(got) != 1 {
		t.Errorf("without a pattern: %v", got)
	}
}

func TestMarkerCheck(t *testing.T) {
	for _, c := range []struct {
		m  Marker
		ok bool
	}{
		{Marker{}, true},
		{Marker{Image: "_dapi=_ki67"}, true},
		{Marker{Image: "{stem}_k.png"}, true},
		{Marker{Image: "dapi"}, false},
		{Marker{Image: "=ki67"}, false},
		{Marker{Channel: -1}, false},
		{Marker{Channel: 2, Threshold: -1}, false},
	} {
		if err := c.m.Check(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.m, err)
		}
	}
}
