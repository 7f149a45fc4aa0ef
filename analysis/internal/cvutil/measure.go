package cvutil

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// Object holds the measurements of one labelled object, in pixels.
type Object struct {
	Label         int
	AreaPx        float64
	CentroidX     float64
	CentroidY     float64
	BBox          image.Rectangle
	MeanIntensity float64 // of the grey image inside the object
	PerimeterPx   float64 // length of the outer contour
	Circularity   float64 // 4π·area/perimeter², clamped to 1
}

// EquivDiameter is the diameter of the disc with the object's area.
func (o Object) EquivDiameter() float64 { return 2 * math.Sqrt(o.AreaPx/math.Pi) }

// MeasureInt32s measures every object of a label image lab (row-major,
// 0 = background) against an 8-bit grey image of the same size. Objects
// are returned in label order; labels absent from the image are skipped.
func MeasureInt32s(lab []int32, gray gocv.Mat) ([]Object, error) {
	if len(lab) != gray.Rows()*gray.Cols() || gray.Type() != gocv.MatTypeCV8UC1 {
		return nil, fmt.Errorf("%w: labels and grey image differ in size or type", ErrBadImage)
	}
	g := gray.ToBytes()
	w := gray.Cols()
	maxL := int32(0)
	for _, v := range lab {
		if v > maxL {
			maxL = v
		}
	}
	type acc struct {
		n, sx, sy, si  float64
		x0, y0, x1, y1 int
	}
	accs := make([]acc, maxL+1)
	for i := range accs {
		accs[i].x0, accs[i].y0 = math.MaxInt, math.MaxInt
	}
	for i, v := range lab {
		if v <= 0 {
			continue
		}
		x, y := i%w, i/w
		a := &accs[v]
		a.n++
		a.sx += float64(x)
		a.sy += float64(y)
		a.si += float64(g[i])
		a.x0, a.y0 = min(a.x0, x), min(a.y0, y)
		a.x1, a.y1 = max(a.x1, x), max(a.y1, y)
	}
	var out []Object
	for l := 1; l <= int(maxL); l++ {
		a := accs[l]
		if a.n == 0 {
			continue
		}
		o := Object{
			Label: l, AreaPx: a.n,
			CentroidX: a.sx / a.n, CentroidY: a.sy / a.n,
			MeanIntensity: a.si / a.n,
			BBox:          image.Rect(a.x0, a.y0, a.x1+1, a.y1+1),
		}
		o.PerimeterPx = perimeter(lab, w, l, o.BBox)
		if o.PerimeterPx > 0 {
			o.Circularity = math.Min(1, 4*math.Pi*o.AreaPx/(o.PerimeterPx*o.PerimeterPx))
		}
		out = append(out, o)
	}
	return out, nil
}

// perimeter returns the arc length of the longest outer contour of label l.
func perimeter(lab []int32, w, l int, bb image.Rectangle) float64 {
	// Pad by one pixel so objects on the border still have a closed contour.
	bw, bh := bb.Dx()+2, bb.Dy()+2
	buf := make([]byte, bw*bh)
	for y := bb.Min.Y; y < bb.Max.Y; y++ {
		for x := bb.Min.X; x < bb.Max.X; x++ {
			if int(lab[y*w+x]) == l {
				buf[(y-bb.Min.Y+1)*bw+(x-bb.Min.X+1)] = 255
			}
		}
	}
	mask, err := gocv.NewMatFromBytes(bh, bw, gocv.MatTypeCV8UC1, buf)
	if err != nil {
		return 0
	}
	defer mask.Close()
	cs := gocv.FindContours(mask, gocv.RetrievalExternal, gocv.ChainApproxNone)
	defer cs.Close()
	best := 0.0
	for i := 0; i < cs.Size(); i++ {
		pv := cs.At(i)
		if p := gocv.ArcLength(pv, true); p > best {
			best = p
		}
	}
	if best == 0 {
		best = 4 // a single pixel
	}
	return best
}
