package growth

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/histocount/histocount/report/figure"
)

// Figure draws the growth curves: cumulative population doublings against
// cumulative days in culture, one line per donor, a point per valid
// passage (the curve starts at 0 doublings on day 0). format is "png" or
// "svg"; the canvas is 16 × 10 cm.
func Figure(donors []Donor, format string) ([]byte, error) {
	p := plot.New()
	p.Title.Text = "Growth curve"
	p.X.Label.Text = "Days in culture (cumulative)"
	p.Y.Label.Text = "Cumulative population doublings"
	p.Add(plotter.NewGrid())
	drawn := 0
	for i, d := range donors {
		xy := plotter.XYs{{X: 0, Y: 0}}
		for _, r := range d.Passages {
			if r.Valid() {
				xy = append(xy, plotter.XY{X: r.CumulativeDays, Y: r.CumulativePD})
			}
		}
		if len(xy) < 2 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		l.Color = plotutil.Color(i)
		s.Color = plotutil.Color(i)
		s.Shape = plotutil.Shape(i)
		p.Add(l, s)
		p.Legend.Add(d.Donor, l, s)
		drawn++
	}
	if drawn == 0 {
		return nil, fmt.Errorf("growth: figure: no donor with a valid passage")
	}
	p.Legend.Top, p.Legend.Left = true, true
	b, err := figure.Render(format, 16*vg.Centimeter, 10*vg.Centimeter, func(c draw.Canvas) { p.Draw(c) })
	if err != nil {
		return nil, fmt.Errorf("growth: %w", err)
	}
	return b, nil
}
