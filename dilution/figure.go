package dilution

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/histocount/histocount/report/figure"
	"github.com/histocount/histocount/report/human"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure draws the dilution series in three panels, one colour per method:
// concentration against dilution fraction with the proportional fit (line
// through the origin) and the smoothing fit (curve); the replicate samples'
// departure from proportionality, (ȳⱼ − fⱼ)/fⱼ in %, with the smoothing
// fit's (sⱼ − fⱼ)/fⱼ; and the mean CV per target DF in %. format is "png" or
// "svg"; the canvas is 16 × 22 cm.
func Figure(a *Analysis, format string) ([]byte, error) {
	if a == nil || len(a.Methods) == 0 {
		return nil, fmt.Errorf("dilution: figure: nothing to draw")
	}
	// Concentrations are drawn in units of 10^k cells/ml so that the ticks
	// read 0.5, 1.0 … rather than 5e+05.
	maxY := 0.0
	for _, m := range a.Methods {
		for _, y := range m.ObsY {
			maxY = math.Max(maxY, y)
		}
	}
	k := 0
	if maxY > 0 {
		k = int(math.Floor(math.Log10(maxY)))
	}
	scale := math.Pow(10, float64(k))
	unit := "cells/ml"
	if k != 0 {
		unit = "10" + sup(k) + " cells/ml"
	}

	top := plot.New()
	top.Title.Text = "Concentration vs dilution fraction (ISO 20391-2)"
	top.X.Label.Text = "Dilution fraction"
	top.Y.Label.Text = "Concentration (" + unit + ")"
	top.X.Min, top.Y.Min = 0, 0
	top.X.Max = 1.05
	top.Add(plotter.NewGrid())
	mid := plot.New()
	mid.Title.Text = "Departure from proportionality"
	mid.X.Label.Text = "Dilution fraction"
	mid.Y.Label.Text = "(mean − proportional fit) / fit (%)"
	mid.X.Min, mid.X.Max = 0, 1.05
	mid.Add(plotter.NewGrid())
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = color.Gray{Y: 120}
	zero.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	mid.Add(zero)
	bot := plot.New()
	bot.Title.Text = "Mean CV per target dilution fraction"
	bot.X.Label.Text = "Target dilution fraction"
	bot.Y.Label.Text = "Mean CV (%)"
	bot.Y.Min = 0
	bot.Add(plotter.NewGrid())

	nm := len(a.Methods)
	var dfs []float64
	for _, m := range a.Methods {
		for _, c := range m.CV {
			if !containsF(dfs, c.TargetDF) {
				dfs = append(dfs, c.TargetDF)
			}
		}
	}
	sortF(dfs)
	ticks := make(plot.ConstantTicks, len(dfs))
	for i, df := range dfs {
		ticks[i] = plot.Tick{Value: float64(i), Label: FormatDF(df)}
	}
	bot.X.Tick.Marker = ticks
	bot.X.Min, bot.X.Max = -0.6, float64(len(dfs))-0.4
	barW := vg.Points(math.Max(4, 200/float64(len(dfs)*nm)))

	for mi, m := range a.Methods {
		col := plotutil.Color(mi)
		obs := make(plotter.XYs, len(m.ObsDF))
		for i := range m.ObsDF {
			obs[i] = plotter.XY{X: m.ObsDF[i], Y: m.ObsY[i] / scale}
		}
		sc, err := plotter.NewScatter(obs)
		if err != nil {
			return nil, fmt.Errorf("dilution: figure: %w", err)
		}
		sc.Color, sc.Radius, sc.Shape = col, vg.Points(2), plotutil.Shape(mi)
		beta := m.Beta
		prop := plotter.NewFunction(func(x float64) float64 { return beta * x / scale })
		prop.Color, prop.Width = col, vg.Points(1.2)
		coef := m.SmoothCoef
		xmin, xmax := minMax(m.ObsDF)
		smooth := plotter.NewFunction(func(x float64) float64 { return polyEval(coef, x) / scale })
		smooth.XMin, smooth.XMax = xmin, xmax
		smooth.Color, smooth.Width = col, vg.Points(1)
		smooth.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		top.Add(sc, prop, smooth)
		top.Legend.Add(m.CountingMethod+": β = "+human.Sci(m.Beta, 3)+" /ml", sc, prop)
		if mi == 0 {
			top.Legend.Add("smoothing fit (dashed)", smooth)
		}

		var rel, srel plotter.XYs
		for _, r := range m.ReplicateSamples {
			if r.Fitted != 0 {
				rel = append(rel, plotter.XY{X: r.X, Y: 100 * r.Residual / r.Fitted})
				srel = append(srel, plotter.XY{X: r.X, Y: 100 * (r.Smoothed - r.Fitted) / r.Fitted})
			}
		}
		if len(rel) > 0 {
			rs, err := plotter.NewScatter(rel)
			if err != nil {
				return nil, fmt.Errorf("dilution: figure: %w", err)
			}
			rs.Color, rs.Radius, rs.Shape = col, vg.Points(2.2), plotutil.Shape(mi)
			sortXY(srel)
			sl, err := plotter.NewLine(srel)
			if err != nil {
				return nil, fmt.Errorf("dilution: figure: %w", err)
			}
			sl.Color, sl.Width = col, vg.Points(1)
			sl.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			mid.Add(rs, sl)
		}

		vals := make(plotter.Values, len(dfs))
		for i, df := range dfs {
			for _, c := range m.CV {
				if c.TargetDF == df {
					vals[i] = 100 * c.Value
				}
			}
		}
		bars, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return nil, fmt.Errorf("dilution: figure: %w", err)
		}
		bars.Color = col
		bars.LineStyle.Width = 0
		bars.Offset = barW * vg.Length(float64(mi)-float64(nm-1)/2)
		bot.Add(bars)
		if nm > 1 {
			bot.Legend.Add(m.CountingMethod, bars)
		}
		// CV intervals as error bars on each bar.
		var eb plotter.XYs
		var errs plotter.YErrors
		for i, df := range dfs {
			for _, c := range m.CV {
				if c.TargetDF == df && c.Lower != nil && c.Upper != nil {
					eb = append(eb, plotter.XY{X: float64(i), Y: 100 * c.Value})
					errs = append(errs, struct{ Low, High float64 }{100 * (c.Value - *c.Lower), 100 * (*c.Upper - c.Value)})
				}
			}
		}
		if len(eb) > 0 && nm == 1 {
			e := &plotter.YErrorBars{XYs: eb, YErrors: errs, LineStyle: draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(1)}, CapWidth: vg.Points(5)}
			bot.Add(e)
		}
	}
	top.Legend.Top, top.Legend.Left = true, true
	top.Y.Max = 1.45 * maxY / scale
	bot.Legend.Top = true
	for _, p := range []*plot.Plot{top, mid, bot} {
		p.Title.TextStyle.Font.Size = vg.Points(11)
		p.X.Label.TextStyle.Font.Size = vg.Points(10)
		p.Y.Label.TextStyle.Font.Size = vg.Points(10)
		p.X.Tick.Label.Font.Size = vg.Points(9)
		p.Y.Tick.Label.Font.Size = vg.Points(9)
		p.Legend.TextStyle.Font.Size = vg.Points(9)
		p.Y.Tick.Marker = plainTicks{}
		if p != bot {
			p.X.Tick.Marker = plainTicks{}
		}
	}

	tiles := draw.Tiles{Rows: 3, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(10)}
	plots := [][]*plot.Plot{{top}, {mid}, {bot}}
	b, err := figure.Render(format, 16*vg.Centimeter, 22*vg.Centimeter, func(dc draw.Canvas) {
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			plots[i][0].Draw(canvases[i][0])
		}
	})
	if err != nil {
		return nil, fmt.Errorf("dilution: %w", err)
	}
	return b, nil
}

// plainTicks are gonum's default ticks labelled without e-notation or
// padded zeros (0.5, 25, 1.5).
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			// Round away binary noise (0.6000000000000001) before printing.
			v, _ := strconv.ParseFloat(strconv.FormatFloat(ts[i].Value, 'g', 10, 64), 64)
			ts[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
			if math.Abs(ts[i].Value) < 1e-12 {
				ts[i].Label = "0"
			}
		}
	}
	return ts
}

var supDigits = []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")

func sup(n int) string {
	s := strconv.Itoa(n)
	out := []rune{}
	for _, r := range s {
		if r == '-' {
			out = append(out, '⁻')
			continue
		}
		out = append(out, supDigits[r-'0'])
	}
	return string(out)
}

func containsF(s []float64, v float64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func sortF(s []float64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func sortXY(s plotter.XYs) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].X < s[j-1].X; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func minMax(x []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}
