package dermis

import (
	"encoding/json"
	"math"

	"github.com/histocount/histocount/models"
)

// Class names used in the GeoJSON export, as QuPath shows them.
var regionClass = [5]string{"Background", "Stratum corneum", "Epidermis", "Dermis", "Hypodermis"}

type geoFeature struct {
	Type       string         `json:"type"`
	Geometry   geoGeometry    `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geoGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// GeoJSON returns the layers as a GeoJSON FeatureCollection that QuPath
// imports (File › Import objects): one Polygon annotation per layer region
// and LineStrings for the skin surface, the DEJ and the deep dermal
// boundary, with properties {"classification": {"name": …}}. Coordinates are
// input pixels.
func (r *Result) GeoJSON() ([]byte, error) {
	feats := []geoFeature{}
	cls := func(name string, rgb [3]uint8) map[string]any {
		return map[string]any{
			"objectType":     "annotation",
			"classification": map[string]any{"name": name, "color": []int{int(rgb[0]), int(rgb[1]), int(rgb[2])}},
		}
	}
	for i, ring := range r.Regions {
		if len(ring) < 3 || i >= len(r.RegionLabels) || r.RegionLabels[i] > 4 {
			continue
		}
		l := r.RegionLabels[i]
		coords := make([][2]float64, 0, len(ring)+1)
		for _, p := range ring {
			coords = append(coords, [2]float64{models.Round3(p.X), models.Round3(p.Y)})
		}
		coords = append(coords, coords[0]) // closed ring
		c := layerColour[l]
		feats = append(feats, geoFeature{
			Type:       "Feature",
			Geometry:   geoGeometry{Type: "Polygon", Coordinates: [][][2]float64{coords}},
			Properties: cls(regionClass[l], [3]uint8{c.R, c.G, c.B}),
		})
	}
	line := func(name string, pts []Point, rgb [3]uint8) {
		var coords [][2]float64
		for _, p := range pts {
			if math.IsNaN(p.X) || math.IsNaN(p.Y) {
				continue
			}
			coords = append(coords, [2]float64{models.Round3(p.X), models.Round3(p.Y)})
		}
		if len(coords) < 2 {
			return
		}
		feats = append(feats, geoFeature{
			Type:       "Feature",
			Geometry:   geoGeometry{Type: "LineString", Coordinates: coords},
			Properties: cls(name, rgb),
		})
	}
	for _, c := range r.SurfaceCurves {
		line("Skin surface", c, [3]uint8{255, 255, 0})
	}
	for _, c := range r.DEJ {
		line("Dermo-epidermal junction", c, [3]uint8{128, 0, 128})
	}
	for _, c := range r.DermisEnd {
		line("Dermis lower boundary", c, [3]uint8{0, 90, 255})
	}
	return json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
}
