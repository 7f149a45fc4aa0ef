package kc167

import (
	"math"
	"math/rand/v2"

	"github.com/histocount/histocount/internal/physgen/raster"
)

// body is one drawn object: a nucleus outline, a set of condensed
// chromosomes or a cluster of apoptotic bodies. rho < 1 inside; the
// label of a pixel goes to the body with the lowest rho.
type body interface {
	rho(x, y float64) float64
	// edgePx is the length (px) that maps rho 1 → 0 near the edge, for the
	// anti-aliased coverage (1 − rho)·edgePx + 0.5.
	edgePx() float64
	box() (x0, y0, x1, y1 int)
}

// outline is one lobe of an interphase nucleus in px: an ellipse (radius,
// aspect ≤ 1, angle) whose radius is modulated by harmonics 2..5 and an
// optional kidney dent, r(φ) = R(φ)·(1 + Σ a_k sin(kφ + φ_k))·(1 − dent(φ)).
type outline struct {
	x, y, r, aspect, theta float64
	harm, phase            [4]float64
	dent, dentPhi, dentW   float64
}

func newOutline(r *rand.Rand, x, y, radius, irregularity float64) outline {
	o := outline{x: x, y: y, r: radius, aspect: raster.Uniform(r, 0.7, 1), theta: r.Float64() * math.Pi}
	for k := range o.harm {
		o.harm[k] = irregularity * r.Float64() / float64(k+1)
		o.phase[k] = r.Float64() * 2 * math.Pi
	}
	return o
}

func (o *outline) rho(x, y float64) float64 {
	dx, dy := x-o.x, y-o.y
	c, s := math.Cos(o.theta), math.Sin(o.theta)
	u, v := (dx*c+dy*s)/o.r, (-dx*s+dy*c)/(o.r*o.aspect)
	phi := math.Atan2(v, u)
	m := 1.0
	for k := range o.harm {
		m += o.harm[k] * math.Sin(float64(k+2)*phi+o.phase[k])
	}
	if o.dent > 0 {
		d := math.Remainder(phi-o.dentPhi, 2*math.Pi)
		m *= 1 - o.dent*math.Exp(-d*d/(2*o.dentW*o.dentW))
	}
	return math.Hypot(u, v) / m
}

// nucleusBody is an interphase nucleus: the union of 1–2 lobes.
type nucleusBody struct {
	lobes []outline
}

func (n *nucleusBody) rho(x, y float64) float64 {
	best := math.Inf(1)
	for i := range n.lobes {
		best = math.Min(best, n.lobes[i].rho(x, y))
	}
	return best
}

func (n *nucleusBody) edgePx() float64 { return n.lobes[0].r * n.lobes[0].aspect }

func (n *nucleusBody) box() (int, int, int, int) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, l := range n.lobes {
		e := 1.6 * l.r // harmonics and aspect never reach beyond 1.6 R
		x0, y0 = math.Min(x0, l.x-e), math.Min(y0, l.y-e)
		x1, y1 = math.Max(x1, l.x+e), math.Max(y1, l.y+e)
	}
	return int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1))
}

// rod is a capsule: the points within w px of the segment (x0,y0)–(x1,y1).
// A single point (x0 = x1) is a disc (an apoptotic body).
type rod struct{ x0, y0, x1, y1, w float64 }

func (r *rod) dist(x, y float64) float64 {
	dx, dy := r.x1-r.x0, r.y1-r.y0
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((x-r.x0)*dx+(y-r.y0)*dy)/l2))
	}
	return math.Hypot(x-r.x0-t*dx, y-r.y0-t*dy)
}

// pieces is one cell drawn as separate bright pieces (mitotic chromosomes,
// apoptotic bodies) that still make one label.
type pieces struct{ rods []rod }

func (p *pieces) rho(x, y float64) float64 {
	best := math.Inf(1)
	for i := range p.rods {
		best = math.Min(best, p.rods[i].dist(x, y)/p.rods[i].w)
	}
	return best
}

func (p *pieces) edgePx() float64 { return p.rods[0].w }

func (p *pieces) box() (int, int, int, int) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, r := range p.rods {
		x0, y0 = math.Min(x0, math.Min(r.x0, r.x1)-r.w), math.Min(y0, math.Min(r.y0, r.y1)-r.w)
		x1, y1 = math.Max(x1, math.Max(r.x0, r.x1)+r.w), math.Max(y1, math.Max(r.y0, r.y1)+r.w)
	}
	return int(math.Floor(x0)) - 1, int(math.Floor(y0)) - 1, int(math.Ceil(x1)) + 1, int(math.Ceil(y1)) + 1
}
