package kinds

import (
	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/models"
)

// CellsPool pools finished cells images into their samples, in the order
// the samples first appear: live and dead counts over the imaged volume
// (the concentration), marker-positive nuclei, mitotic figures and the
// imaged area of nuclei fields. `histocount cells` and the job summary
// both pool with it.
type CellsPool struct {
	acc   map[string]*cells.SampleAccumulator
	order []string
	// marker-positive and measured nuclei per sample (ok images only)
	markerPos, markerN map[string]int
	// mitotic figures and all nuclei per sample (ok fluorescence images only)
	mitotic, mitoticN map[string]int
	// imaged area (mm²) per sample; unknown once one ok image has no pixel size
	areaMM2     map[string]float64
	areaUnknown map[string]bool
}

// NewCellsPool returns an empty pool.
func NewCellsPool() *CellsPool {
	return &CellsPool{acc: map[string]*cells.SampleAccumulator{}, areaMM2: map[string]float64{}, areaUnknown: map[string]bool{}}
}

// Add pools one image into sample: r is the analysed image, nil when it
// failed (the sample counts a failed image); volumeUL is its field volume.
func (p *CellsPool) Add(sample string, r *models.CellsImage, volumeUL float64) {
	a := p.acc[sample]
	if a == nil {
		a = &cells.SampleAccumulator{Name: sample}
		p.acc[sample] = a
		p.order = append(p.order, sample)
	}
	if r == nil {
		a.AddFailed()
		return
	}
	a.Add(r.Live, r.Dead, volumeUL, r.QC)
	if r.Marker != nil {
		if p.markerN == nil {
			p.markerPos, p.markerN = map[string]int{}, map[string]int{}
		}
		p.markerPos[sample] += r.Marker.Positive
		p.markerN[sample] += r.Marker.Nuclei
	}
	if m := r.MitoticIndex; m != nil {
		if p.mitoticN == nil {
			p.mitotic, p.mitoticN = map[string]int{}, map[string]int{}
		}
		p.mitotic[sample] += m.Mitotic
		p.mitoticN[sample] += m.Nuclei
	}
	if a := ImagedAreaMM2(r.Input, r.Calibration); a > 0 {
		p.areaMM2[sample] += a
	} else {
		p.areaUnknown[sample] = true
	}
}

// Samples are the pooled samples' names, in the order they first appeared.
func (p *CellsPool) Samples() []string { return p.order }

// Summary is sample's pooled counts, viability and concentration in the
// chamber ch.
func (p *CellsPool) Summary(sample string, ch models.Chamber) models.CellsSample {
	return p.acc[sample].Summary(ch)
}

// Marker is sample's pooled proliferating fraction (Wilson 95 % on the
// pooled nuclei); ok is false when none of its images had a marker.
func (p *CellsPool) Marker(sample string) (m *models.MarkerSummary, ok bool) {
	_, ok = p.markerN[sample]
	return cells.MarkerSummaryOf(p.markerPos[sample], p.markerN[sample], 0, ""), ok
}

// Mitotic is sample's pooled mitotic index (Wilson 95 % on the pooled
// nuclei), nil when none of its images had one.
func (p *CellsPool) Mitotic(sample string) *models.MitoticSummary {
	n, ok := p.mitoticN[sample]
	if !ok {
		return nil
	}
	return cells.MitoticSummaryOf(p.mitotic[sample], n)
}

// AreaMM2 is the imaged area of sample's ok images in mm², 0 when one of
// them had no pixel size.
func (p *CellsPool) AreaMM2(sample string) float64 {
	if p.areaUnknown[sample] {
		return 0
	}
	return p.areaMM2[sample]
}

// ImagedAreaMM2 is a field's area in mm² (width × height × pixel size²),
// 0 when uncalibrated.
func ImagedAreaMM2(in models.InputInfo, cal models.Calibration) float64 {
	if !cal.Known() || in.Width <= 0 || in.Height <= 0 {
		return 0
	}
	return float64(in.Width) * float64(in.Height) * cal.PixelSizeUM * cal.PixelSizeUM / 1e6
}
