package colonies

import (
	"image"
	"math"
	"slices"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/models"
)

// dishSide is the longer side of the image the dish circle is searched in.
const dishSide = 400

// circle is a circle in some pixel frame.
type circle struct{ cx, cy, r float64 }

// findDish detects the dish wall as the circle with the most complete edge
// around it, then moves inwards past the rim (wall, meniscus, writing on
// the wall) to the flat interior, read from the radial profile. work is the
// 8-bit grey working image; scale is working/input pixels. When no dish is
// found the whole image minus a 2 % border is analysed and ok is false.
func findDish(work gocv.Mat, scale float64) (d models.Dish, roi []bool, ok bool, err error) {
	w, h := work.Cols(), work.Rows()
	roi = make([]bool, w*h)
	c, found := detectWall(work)
	if !found {
		bx, by := w/50, h/50
		n := 0
		for y := by; y < h-by; y++ {
			for x := bx; x < w-bx; x++ {
				roi[y*w+x] = true
				n++
			}
		}
		return models.Dish{Found: false, Shape: "image", Source: "auto", AreaPx: models.Round3(float64(n) / (scale * scale))}, roi, false, nil
	}
	g := work.ToBytes()
	inner := wallFraction * c.r
	band := innerEdge(g, w, h, c)
	n := fillCircle(roi, w, h, c.cx, c.cy, inner)
	d = models.Dish{
		Found: true, Shape: "circle", Source: "auto",
		CXPx: models.Round3(c.cx / scale), CYPx: models.Round3(c.cy / scale),
		RadiusPx: models.Round3(inner / scale), RimRadiusPx: models.Round3(c.r / scale), InnerRadiusPx: models.Round3(band / scale),
		AreaPx: models.Round3(float64(n) / (scale * scale)),
	}
	return d, roi, true, nil
}

// detectWall returns the dish wall in working pixels. Hough proposes
// circles; each is scored by the fraction of 180 rays that cross a clear
// edge within 3 % of its radius, so textures and colonies that fool the
// accumulator do not pass as a dish.
func detectWall(work gocv.Mat) (circle, bool) {
	w, h := work.Cols(), work.Rows()
	f := math.Min(1, float64(dishSide)/float64(max(w, h)))
	// The size is given, not the factors: OpenCV rounds f·side and throws
	// when a side rounds to 0 (a 1280×1 strip at f = 0.3).
	dw, dh := int(math.Round(float64(w)*f)), int(math.Round(float64(h)*f))
	if min(dw, dh) < 40 {
		return circle{}, false
	}
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(work, &small, image.Pt(dw, dh), 0, 0, gocv.InterpolationArea)
	gocv.GaussianBlur(small, &small, image.Pt(0, 0), 1.5, 1.5, gocv.BorderReflect)
	sw, sh := small.Cols(), small.Rows()
	minSide := min(sw, sh)
	if minSide < 40 {
		return circle{}, false
	}
	circles := gocv.NewMat()
	defer circles.Close()
	gocv.HoughCirclesWithParams(small, &circles, gocv.HoughGradient, 1, float64(minSide)/20, 60, 20,
		int(0.3*float64(minSide)), int(0.75*float64(max(sw, sh))))
	g := small.ToBytes()
	// A dish photograph is usually centred: seed with the inscribed
	// circle too, in case Hough's accumulator prefers something else.
	seeds := []circle{{float64(sw) / 2, float64(sh) / 2, 0.47 * float64(minSide)}}
	if !circles.Empty() && circles.Type() == gocv.MatTypeCV32FC3 {
		for i := 0; i < circles.Cols() && i < 6; i++ {
			if v := circles.GetVecfAt(0, i); len(v) >= 3 {
				seeds = append(seeds, circle{float64(v[0]), float64(v[1]), float64(v[2])})
			}
		}
	}
	// Every seed is refined on 60 rays; only the winner on all 180, which
	// is where the time goes. A dish crowded with strong colony edges up
	// to its wall is searched again accepting the outermost clear step
	// of each ray as the wall.
	var best circle
	bestScore := 0.0
	for _, outer := range []bool{false, true} {
		best, bestScore = circle{}, 0
		for _, c := range seeds {
			c, s := refineCircle(g, sw, sh, c, 60, outer)
			if s > bestScore {
				best, bestScore = c, s
			}
		}
		best, bestScore = refineCircle(g, sw, sh, best, 180, outer)
		if bestScore >= minWallCoverage {
			break
		}
	}
	if bestScore < minWallCoverage {
		return circle{}, false
	}
	return circle{best.cx / f, best.cy / f, best.r / f}, true
}

// refineCircle searches centre and radius near c for the largest edge
// coverage and returns the refined circle and its coverage 0..1.
func refineCircle(g []byte, w, h int, c circle, rays int, outer bool) (circle, float64) {
	best, bestS := c, edgeCoverage(g, w, h, c, rays, outer)
	step := math.Max(1, c.r*0.04)
	for iter := 0; iter < 40; iter++ {
		improved := false
		for _, d := range [][3]float64{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}} {
			cand := circle{best.cx + d[0]*step, best.cy + d[1]*step, best.r + d[2]*step}
			if s := edgeCoverage(g, w, h, cand, rays, outer); s > bestS {
				best, bestS, improved = cand, s, true
			}
		}
		if !improved {
			step /= 2
			if step < 0.5 {
				break
			}
		}
	}
	// Prefer the outermost well-covered edge: the wall, not the agar edge.
	for k := 1.02; k <= 1.12; k += 0.01 {
		cand := circle{best.cx, best.cy, best.r * k}
		if s := edgeCoverage(g, w, h, cand, rays, outer); s >= 0.85*bestS && s >= minWallCoverage {
			best = cand
			bestS = math.Max(bestS, s)
		}
	}
	return best, bestS
}

// edgeCoverage is the fraction of rays on which the strongest radial step
// between 0.85 r and 1.15 r (or the image edge) lies within 3 % of r and is
// at least 4 grey levels over 2 px. Rays on which the circle leaves the
// image are not counted; a circle more than a third outside scores 0.
func edgeCoverage(g []byte, w, h int, c circle, rays int, outer bool) float64 {
	hit, inside := 0.0, 0
	prof := make([]float64, 0, int(0.3*c.r/0.5)+8)
	for a := 0; a < rays; a++ {
		th := 2 * math.Pi * float64(a) / float64(rays)
		ux, uy := math.Cos(th), math.Sin(th)
		// Largest radius still inside the image along this ray.
		rmax := math.Inf(1)
		if ux > 1e-9 {
			rmax = math.Min(rmax, (float64(w-2)-c.cx)/ux)
		} else if ux < -1e-9 {
			rmax = math.Min(rmax, (1-c.cx)/ux)
		}
		if uy > 1e-9 {
			rmax = math.Min(rmax, (float64(h-2)-c.cy)/uy)
		} else if uy < -1e-9 {
			rmax = math.Min(rmax, (1-c.cy)/uy)
		}
		if rmax < 1.01*c.r {
			continue
		}
		inside++
		// The strongest step, and the outermost clear one: colonies lie
		// inside the wall, so the first step met coming in from the
		// bench is the wall even where a dark colony edge is stronger.
		// The profile is sampled once every 0.5 px; the step at r is
		// p(r+1) − p(r−1), four samples apart.
		r0 := 0.85 * c.r
		steps := int((math.Min(1.15*c.r, rmax-1)-r0)/0.5) + 1
		if steps <= 0 {
			continue
		}
		prof = prof[:0]
		for k := 0; k < steps+4; k++ {
			r := r0 - 1 + 0.5*float64(k)
			prof = append(prof, sample(g, w, h, c.cx+r*ux, c.cy+r*uy))
		}
		bestD, bestR, outerR := 0.0, 0.0, -1.0
		for k := 0; k < steps; k++ {
			r := r0 + 0.5*float64(k)
			d := math.Abs(prof[k+4] - prof[k])
			if d > bestD {
				bestD, bestR = d, r
			}
			if d >= wallStepGL {
				outerR = r
			}
		}
		// A hit weighs 1 on the circle and fades to 0 at 3 % of r, so
		// the refinement can settle on the edge itself.
		off := math.Abs(bestR - c.r)
		if outer && outerR >= 0 {
			off = math.Min(off, math.Abs(outerR-c.r))
		}
		if bestD >= wallStepGL && off <= 0.03*c.r {
			hit += 1 - off/(0.03*c.r)
		}
	}
	if inside < rays*2/3 {
		return 0
	}
	return hit / float64(inside)
}

// minWallCoverage is the share of rays that must cross the wall circle
// at a clear step for a dish to be found.
const minWallCoverage = 0.45

// wallStepGL is the smallest radial step, grey levels over 2 px of the
// 400-px search image, that marks a dish wall: a plain dish on a bench
// of similar brightness still shows its wall by this much.
const wallStepGL = 4

// sample reads g bilinearly at (x, y), clamped to the image.
func sample(g []byte, w, h int, x, y float64) float64 {
	if x < 0 {
		x = 0
	} else if x > float64(w-1) {
		x = float64(w - 1)
	}
	if y < 0 {
		y = 0
	} else if y > float64(h-1) {
		y = float64(h - 1)
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(g[y0*w+x0])*(1-fx) + float64(g[y0*w+x1])*fx
	b := float64(g[y1*w+x0])*(1-fx) + float64(g[y1*w+x1])*fx
	return a*(1-fy) + b*fy
}

// innerEdge finds the inner boundary of the rim (agar edge, meniscus,
// inner wall) inside the wall circle c, in working pixels. Along 360 rays
// it marks the radii (in 0.5 % bins of r, widened by one bin) where the
// radial step is clear; colonies mark scattered radii, rim structures the
// same radius on most rays. The first radius beyond 0.75 r marked on 40 %
// of the rays more than the interior is the rim; the analysed radius lies 1 % of r inside it and
// never beyond wallFraction·r.
func innerEdge(g []byte, w, h int, c circle) float64 {
	const rays, bin, lo, hi = 360, 0.005, 0.6, 0.99
	nb := int((hi - lo) / bin)
	// Radial steps on every ray and bin first: the threshold is set from
	// their spread, so sensor noise does not mark every radius.
	steps := make([]float64, rays*nb)
	okRay := make([]bool, rays)
	for a := 0; a < rays; a++ {
		th := 2 * math.Pi * float64(a) / rays
		ux, uy := math.Cos(th), math.Sin(th)
		okRay[a] = true
		for k := 0; k < nb; k++ {
			r := (lo + (float64(k)+0.5)*bin) * c.r
			x, y := c.cx+r*ux, c.cy+r*uy
			if x < 3 || y < 3 || x > float64(w-4) || y > float64(h-4) {
				okRay[a] = false
				break
			}
			steps[a*nb+k] = math.Abs(smoothSample(g, w, h, x+ux, y+uy, -uy, ux) - smoothSample(g, w, h, x-ux, y-uy, -uy, ux))
		}
	}
	var all []float64
	for a := 0; a < rays; a++ {
		if okRay[a] {
			all = append(all, steps[a*nb:(a+1)*nb]...)
		}
	}
	limit := wallFraction * c.r
	valid := len(all) / max(1, nb)
	if valid < rays/2 {
		return limit
	}
	slices.Sort(all)
	// A step is clear at 6 grey levels over 2 px, or 5 noise σ when the
	// photograph is noisier (the median |step| of pure noise is 0.67 σ·√2).
	thr := math.Max(6, 5*all[len(all)/2]/0.954)
	counts := make([]int, nb)
	mark := make([]bool, nb)
	for a := 0; a < rays; a++ {
		if !okRay[a] {
			continue
		}
		clear(mark)
		for k := 0; k < nb; k++ {
			if steps[a*nb+k] >= thr {
				for kk := max(0, k-1); kk <= min(nb-1, k+1); kk++ {
					mark[kk] = true
				}
			}
		}
		for k, m := range mark {
			if m {
				counts[k]++
			}
		}
	}
	// Colonies mark radii too, the more the denser the plate: on a
	// crowded plate most rays cross a colony edge at every radius. The
	// rim is a radius marked on 40 % of the rays beyond that baseline,
	// read as the median over 0.6–0.75 r, where no rim lies.
	k0 := int((0.75 - lo) / bin)
	inside := slices.Clone(counts[:k0])
	slices.Sort(inside)
	base := float64(inside[len(inside)/2])
	need := base + 0.4*math.Max(0, float64(valid)-base)
	for k := k0; k < nb; k++ {
		if float64(counts[k]) >= need {
			r := (lo+float64(k)*bin)*c.r - 0.01*c.r
			return math.Max(0.75*c.r, math.Min(limit, r))
		}
	}
	return limit
}

// smoothSample averages three bilinear samples across the ray (unit
// tangent tx, ty), which lowers the noise of a radial step by √3 without
// blurring it radially.
func smoothSample(g []byte, w, h int, x, y, tx, ty float64) float64 {
	return (sample(g, w, h, x-tx, y-ty) + sample(g, w, h, x, y) + sample(g, w, h, x+tx, y+ty)) / 3
}

// wallFraction is the analysed radius as a fraction of the outer wall:
// colonies grow up to the wall and are counted there, under the meniscus.
const wallFraction = 0.97
