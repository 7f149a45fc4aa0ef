package cells

import (
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"

	"github.com/histocount/histocount/analysis/internal/cvutil"
	"github.com/histocount/histocount/models"
)

// Overlay colours (BGR in gocv terms, given here as RGBA).
var classColour = map[string]color.RGBA{
	models.ClassLive:    {R: 0, G: 220, B: 0, A: 255},
	models.ClassDead:    {R: 230, G: 0, B: 230, A: 255},
	models.ClassNucleus: {R: 255, G: 200, B: 0, A: 255},
}

// drawOverlay outlines each object in its class colour, writes its id and a
// legend with the counts.
func drawOverlay(src, labels gocv.Mat, objs []models.CellObject) (*image.RGBA, error) {
	canvas, err := cvutil.BGR(src)
	if err != nil {
		return nil, err
	}
	defer canvas.Close()
	counts := map[string]int{}
	scale := float64(max(canvas.Cols(), canvas.Rows())) / 1000
	if scale < 0.35 {
		scale = 0.35
	}
	classOf := map[int32]string{}
	for _, o := range objs {
		counts[o.Class]++
		classOf[int32(o.ID)] = o.Class
	}
	if err := drawBoundaries(&canvas, labels, classOf); err != nil {
		return nil, err
	}
	for _, o := range objs {
		gocv.PutText(&canvas, fmt.Sprint(o.ID), image.Pt(int(o.CentroidXPx)+3, int(o.CentroidYPx)-3), gocv.FontHersheyPlain, scale, classColour[o.Class], 1)
	}
	y := int(20 * scale * 2)
	for _, c := range []string{models.ClassLive, models.ClassDead, models.ClassNucleus} {
		if counts[c] == 0 {
			continue
		}
		txt := fmt.Sprintf("%s: %d", c, counts[c])
		gocv.PutText(&canvas, txt, image.Pt(6, y), gocv.FontHersheySimplex, scale, color.RGBA{A: 255}, max(1, int(3*scale)))
		gocv.PutText(&canvas, txt, image.Pt(6, y), gocv.FontHersheySimplex, scale, classColour[c], max(1, int(scale)))
		y += int(30 * scale * 1.5)
	}
	return cvutil.ToRGBA(canvas)
}

// drawBoundaries paints the pixels of each object that touch another label
// in the colour of the object's class. One pass over the label image, so it
// costs the same for 5 or 5 000 objects.
func drawBoundaries(canvas *gocv.Mat, labels gocv.Mat, classOf map[int32]string) error {
	lab, err := cvutil.Int32s(labels)
	if err != nil {
		return err
	}
	w, h := labels.Cols(), labels.Rows()
	masks := map[string][]byte{}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := lab[y*w+x]
			if v == 0 {
				continue
			}
			edge := x == 0 || y == 0 || x == w-1 || y == h-1 ||
				lab[y*w+x-1] != v || lab[y*w+x+1] != v || lab[(y-1)*w+x] != v || lab[(y+1)*w+x] != v
			if !edge {
				continue
			}
			c := classOf[v]
			if masks[c] == nil {
				masks[c] = make([]byte, w*h)
			}
			masks[c][y*w+x] = 255
		}
	}
	for c, buf := range masks {
		if err := paint(canvas, buf, w, h, classColour[c]); err != nil {
			return err
		}
	}
	return nil
}

func paint(canvas *gocv.Mat, buf []byte, w, h int, col color.RGBA) error {
	mask, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC1, buf)
	if err != nil {
		return err
	}
	defer mask.Close()
	solid := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(float64(col.B), float64(col.G), float64(col.R), 0), h, w, gocv.MatTypeCV8UC3)
	defer solid.Close()
	solid.CopyToWithMask(canvas, mask)
	return nil
}
