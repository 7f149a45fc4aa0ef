package study

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// FigureOptions configure WriteFigure. The zero value draws the group means
// with their confidence intervals on a 16 × 11 cm canvas.
type FigureOptions struct {
	Subjects bool   // also draw every subject's trajectory, faintly
	Title    string // "" for a title naming the metric
	WidthCM  float64
	HeightCM float64
}

// Figure builds the change-from-baseline plot: mean relative change (%) per
// group against months, with error bars at the report's confidence level
// (Fig. 3 of the study report).
func Figure(r *Report, opt FigureOptions) (*plot.Plot, error) {
	if r == nil || len(r.Groups) == 0 || len(r.Months) == 0 {
		return nil, errors.New("study: figure: empty report")
	}
	p := plot.New()
	p.Title.Text = opt.Title
	if p.Title.Text == "" {
		p.Title.Text = "Change in " + metricName(r.Metric) + " from baseline"
	}
	p.X.Label.Text = "Months after treatment"
	p.Y.Label.Text = fmt.Sprintf("Relative change (%%), mean ± %g %% CI", 100*r.Level)
	p.X.Tick.Marker = monthTicks(r.Months)
	// A margin so that the caps of the first and last bars are not clipped.
	span := monthSpan(r.Months)
	p.X.Min, p.X.Max = r.Months[0]-0.04*span, r.Months[len(r.Months)-1]+0.04*span
	p.Add(plotter.NewGrid())

	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = color.Gray{Y: 120}
	zero.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(zero)

	ng := len(r.Groups)
	for gi, g := range r.Groups {
		col := plotutil.Color(gi)
		// Side by side groups are offset a little so their bars do not overlap.
		dx := (float64(gi) - float64(ng-1)/2) * 0.012 * span
		if opt.Subjects {
			faint := fade(col, 0x50)
			for _, s := range g.Subjects {
				var xys plotter.XYs
				for _, pt := range s.Points {
					if pt.ChangePct != nil {
						xys = append(xys, plotter.XY{X: pt.Month, Y: *pt.ChangePct})
					}
				}
				if len(xys) < 2 {
					continue
				}
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, fmt.Errorf("study: figure: subject %s: %w", s.Subject, err)
				}
				l.Color, l.Width = faint, vg.Points(0.6)
				p.Add(l)
			}
		}
		var means plotter.XYs
		bars := &plotter.YErrorBars{LineStyle: draw.LineStyle{Color: col, Width: vg.Points(1.2)}, CapWidth: vg.Points(6)}
		for _, tp := range g.Timepoints {
			switch {
			case tp.Month == r.BaselineMonth:
				means = append(means, plotter.XY{X: tp.Month + dx, Y: 0})
			case tp.ChangePct != nil && !math.IsNaN(tp.ChangePct.Mean):
				cp := tp.ChangePct
				means = append(means, plotter.XY{X: tp.Month + dx, Y: cp.Mean})
				if !math.IsNaN(cp.CILow) && !math.IsNaN(cp.CIHigh) {
					bars.XYs = append(bars.XYs, plotter.XY{X: tp.Month + dx, Y: cp.Mean})
					bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{cp.Mean - cp.CILow, cp.CIHigh - cp.Mean})
				}
			}
		}
		if len(means) == 0 {
			continue
		}
		line, pts, err := plotter.NewLinePoints(means)
		if err != nil {
			return nil, fmt.Errorf("study: figure: group %s: %w", g.Group, err)
		}
		line.Color, line.Width = col, vg.Points(1.5)
		pts.Color, pts.Shape, pts.Radius = col, plotutil.Shape(gi), vg.Points(3)
		p.Add(line, pts)
		if len(bars.XYs) > 0 {
			p.Add(bars)
		}
		paired := 0
		for _, s := range g.Subjects {
			if s.HasBaseline {
				paired++
			}
		}
		p.Legend.Add(fmt.Sprintf("%s (n = %d)", g.Group, paired), line, pts)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return p, nil
}

// WriteFigure writes study_change.png and study_change.svg into dir.
func WriteFigure(dir string, r *Report, opt FigureOptions) error {
	p, err := Figure(r, opt)
	if err != nil {
		return err
	}
	w, h := vg.Length(opt.WidthCM)*vg.Centimeter, vg.Length(opt.HeightCM)*vg.Centimeter
	if w <= 0 {
		w = 16 * vg.Centimeter
	}
	if h <= 0 {
		h = 11 * vg.Centimeter
	}
	for _, f := range []struct{ name, format string }{{FigurePNG, "png"}, {FigureSVG, "svg"}} {
		wt, err := p.WriterTo(w, h, f.format)
		if err != nil {
			return fmt.Errorf("study: figure %s: %w", f.format, err)
		}
		if err := writeAtomic(filepath.Join(dir, f.name), func(out io.Writer) error {
			_, err := wt.WriteTo(out)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func fade(c color.Color, alpha uint8) color.Color {
	r, g, b, _ := c.RGBA()
	// Premultiplied, as color.RGBA requires.
	return color.RGBA{R: uint8(r >> 8 * uint32(alpha) / 255), G: uint8(g >> 8 * uint32(alpha) / 255), B: uint8(b >> 8 * uint32(alpha) / 255), A: alpha}
}

func monthSpan(ms []float64) float64 {
	if len(ms) < 2 {
		return 1
	}
	return ms[len(ms)-1] - ms[0]
}

// monthTicks labels exactly the study's time points.
func monthTicks(months []float64) plot.Ticker {
	ticks := make(plot.ConstantTicks, len(months))
	for i, m := range months {
		ticks[i] = plot.Tick{Value: m, Label: strconv.FormatFloat(m, 'g', -1, 64)}
	}
	return ticks
}

// metricName turns dermis_thickness_mean_um into "dermis thickness mean":
// the plot is in %, so the unit suffix goes.
func metricName(m string) string {
	for _, suffix := range []string{"_um", "_pct", "_per_mm2", "_px", "_um2"} {
		if strings.HasSuffix(m, suffix) {
			m = strings.TrimSuffix(m, suffix)
			break
		}
	}
	return strings.ReplaceAll(m, "_", " ")
}
