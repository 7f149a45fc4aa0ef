// Package nucleus describes nucleus outlines for the fluorescence
// generators: a union of 1–3 lobes, each an ellipse whose radius is
// modulated by low harmonics, r(φ) = r0(φ)·(1 + Σ a_k sin(kφ + φ_k)).
// Rho returns the normalised radius (< 1 inside), used both to draw a
// soft-edged nucleus and to assign pixels to exactly one label.
package nucleus

import (
	"math"
	"math/rand/v2"
)

// Lobe is one elliptical lobe in pixels.
type Lobe struct {
	X, Y, A, B, Theta float64
	Harm, Phase       [3]float64 // amplitudes of harmonics 2, 3, 4
}

// Shape is a nucleus outline.
type Shape struct {
	X, Y  float64 // centre of mass of the lobes, px
	Lobes []Lobe
}

// NewLobe returns a lobe of semi-axes a ≥ b with irregularity irr (0..0.2).
func NewLobe(r *rand.Rand, x, y, a, b, theta, irr float64) Lobe {
	l := Lobe{X: x, Y: y, A: a, B: b, Theta: theta}
	for k := range l.Harm {
		l.Harm[k] = irr * r.Float64() / float64(k+1)
		l.Phase[k] = r.Float64() * 2 * math.Pi
	}
	return l
}

// Rho returns the normalised radius of pixel centre (x, y): < 1 inside.
func (s *Shape) Rho(x, y float64) float64 {
	best := math.Inf(1)
	for i := range s.Lobes {
		l := &s.Lobes[i]
		dx, dy := x-l.X, y-l.Y
		c, sn := math.Cos(l.Theta), math.Sin(l.Theta)
		u, v := (dx*c+dy*sn)/l.A, (-dx*sn+dy*c)/l.B
		rho := math.Hypot(u, v)
		phi := math.Atan2(v, u)
		m := 1.0
		for k := range l.Harm {
			m += l.Harm[k] * math.Sin(float64(k+2)*phi+l.Phase[k])
		}
		if rho /= m; rho < best {
			best = rho
		}
	}
	return best
}

// Bounds returns a box (x0, y0, x1, y1) in px that contains the shape.
func (s *Shape) Bounds() (int, int, int, int) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, l := range s.Lobes {
		e := l.A * 1.5
		x0, y0 = math.Min(x0, l.X-e), math.Min(y0, l.Y-e)
		x1, y1 = math.Max(x1, l.X+e), math.Max(y1, l.Y+e)
	}
	return int(math.Floor(x0)) - 2, int(math.Floor(y0)) - 2, int(math.Ceil(x1)) + 2, int(math.Ceil(y1)) + 2
}

// Radius returns the largest semi-axis, px (for spacing tests).
func (s *Shape) Radius() float64 {
	m := 0.0
	for _, l := range s.Lobes {
		m = math.Max(m, math.Hypot(l.X-s.X, l.Y-s.Y)+l.A)
	}
	return m
}

// Labels assigns every pixel of a w×h image to the shape with the lowest
// Rho below 1 (ids 1..n) and returns the label image and each pixel's rho.
func Labels(shapes []*Shape, w, h int) ([]uint16, []float32) {
	lab := make([]uint16, w*h)
	rho := make([]float32, w*h)
	for i := range rho {
		rho[i] = 1
	}
	for id, s := range shapes {
		x0, y0, x1, y1 := s.Bounds()
		for y := max(0, y0); y <= min(h-1, y1); y++ {
			for x := max(0, x0); x <= min(w-1, x1); x++ {
				r := s.Rho(float64(x)+0.5, float64(y)+0.5)
				if float32(r) < rho[y*w+x] {
					rho[y*w+x] = float32(r)
					lab[y*w+x] = uint16(id + 1)
				}
			}
		}
	}
	return lab, rho
}
