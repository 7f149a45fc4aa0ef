package nucleus

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLabelsAreaAndOwnership(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := &Shape{X: 20, Y: 20, Lobes: []Lobe{NewLobe(r, 20, 20, 8, 8, 0, 0)}}
	b := &Shape{X: 34, Y: 20, Lobes: []Lobe{NewLobe(r, 34, 20, 8, 8, 0, 0)}} // overlaps a
	lab, _ := Labels([]*Shape{a, b}, 60, 40)
	n := map[uint16]int{}
	for _, v := range lab {
		n[v]++
	}
	// Each disc has area π·64 ≈ 201 px; the overlap lens is split between them.
	if !(math.Abs(float64(n[1]+n[2])-(2*201-lensArea(8, 14))) <= 20) {
		t.Fatalf("areas %d + %d", n[1], n[2])
	}
	if !(math.Abs(float64(n[1]-n[2])) <= 4) {
		t.Fatalf("overlap not split evenly: %d vs %d", n[1], n[2])
	}
	if lab[20*60+20] != 1 || lab[20*60+34] != 2 || lab[0] != 0 {
		t.Fatal("wrong owner")
	}
}

// lensArea is the overlap of two discs of radius r at distance d.
func lensArea(r, d float64) float64 {
	return 2*r*r*math.Acos(d/(2*r)) - d/2*math.Sqrt(4*r*r-d*d)
}
