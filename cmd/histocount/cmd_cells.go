package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/histocount/histocount/analysis/cells"
	"github.com/histocount/histocount/internal/kinds"
	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/pipeline"
	"github.com/histocount/histocount/report"
)

const cellsHelp = `
Usage: histocount cells [flags] --out DIR INPUT...

Counts cells in microscope images. INPUT is a file, a directory (searched
recursively for .png .jpg .jpeg .tif .tiff .bmp) or a glob pattern.

  --stain trypan        brightfield trypan-blue exclusion in a counting chamber:
                        live (bright, dark rim) and dead (blue) cells, viability
  --stain fluorescence  DAPI/Hoechst nuclei (also dark-on-light nuclei images)

Images are grouped into samples (--sample-by) whose fields are pooled into a
concentration with a 95 % Poisson confidence interval when the imaged volume
is known (--pixel-size or TIFF/PNG calibration, and --depth).

Outputs in DIR: images.csv, objects.csv, samples.csv, results.json,
overlays/<name>.png, with --save-labels labels/<name>.png (16-bit), and
with --report report.html (self-contained, for people).

` + markerHelp + `
Example:
  histocount cells --stain trypan --pixel-size 0.65 --depth 100 --dilution 2 \
      --sample-by dir --out results/ chamber-images/
`

type cellsOptions struct {
	batchFlags
	Stain         string
	PixelSizeUM   float64
	DepthUM       float64
	Dilution      float64
	TrypanRatio   float64
	MinViablePML  float64
	SampleBy      string
	SampleRegex   string
	SampleSheet   string
	SaveLabels    bool
	Overlays      bool
	MinDiameterUM float64
	MaxDiameterUM float64
	NucleiMethod  string
	Report        bool
	markerFlags
}

func runCellsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o cellsOptions
	fs := o.flagSet("cells", cellsHelp, stderr)
	fs.StringVar(&o.Stain, "stain", "trypan", "trypan or fluorescence")
	pixelSizeFlag(fs, &o.PixelSizeUM)
	floatFlag(fs, &o.DepthUM, "depth", 100, models.MinDepthUM, models.MaxDepthUM, false, "counting chamber depth in µm (Neubauer: 100)")
	floatFlag(fs, &o.Dilution, "dilution", 1, models.MinDilution, models.MaxDilution, false, "dilution factor of the sample before staining")
	floatFlag(fs, &o.TrypanRatio, "trypan-ratio", 0, models.MinTrypanRatio, models.MaxTrypanRatio, true, "stain mixing factor (2 for 1:1 trypan blue); default 2 for trypan, 1 otherwise")
	floatFlag(fs, &o.MinViablePML, "min-viable-per-ml", 1e6, 0, models.MaxViablePerML, false, "release threshold in viable cells/ml")
	fs.StringVar(&o.SampleBy, "sample-by", "dir", "group images into samples: dir, image, name-regex or sheet")
	fs.StringVar(&o.SampleRegex, "sample-regex", "", "with --sample-by name-regex: regexp on the file name; the first group names the sample")
	fs.StringVar(&o.SampleSheet, "sample-sheet", "", "with --sample-by sheet: CSV with columns image,sample")
	fs.BoolVar(&o.SaveLabels, "save-labels", false, "write labels/<name>.png, 16-bit instance labels (0 background, 1..n)")
	fs.BoolVar(&o.Overlays, "overlays", true, "write overlays/<name>.png with outlined, numbered objects")
	floatFlag(fs, &o.MinDiameterUM, "min-diameter", 0, 0, models.MaxDiameterUM, false, "smallest object diameter in µm (needs calibration; 0: stain default)")
	floatFlag(fs, &o.MaxDiameterUM, "max-diameter", 0, 0, models.MaxDiameterUM, false, "largest object diameter in µm (needs calibration; 0: stain default)")
	fs.StringVar(&o.NucleiMethod, "nuclei-method", cells.DefaultNucleiMethod, "fluorescence nuclei segmenter: mixed (network on unstained brightfield, classical otherwise), classical or unet")
	o.markerFlags.register(fs)
	fs.BoolVar(&o.Report, "report", false, "also write report.html: samples, QC, overlay gallery, histograms (self-contained)")
	inputs, err := o.parse(fs, args)
	if err != nil {
		return err
	}
	if err := o.markerFlags.check(); err != nil {
		return err
	}
	if o.markerFlags.enabled() {
		o.Stain = cells.StainFluorescence // nuclei + marker are fluorescence
	}
	if o.Stain != cells.StainTrypan && o.Stain != cells.StainFluorescence {
		return usageErrorf("--stain must be trypan or fluorescence, got %q", o.Stain)
	}
	switch o.NucleiMethod {
	case cells.NucleiMixed, cells.NucleiClassical, cells.NucleiUNet:
	default:
		return usageErrorf("--nuclei-method must be mixed, classical or unet, got %q", o.NucleiMethod)
	}
	if o.TrypanRatio == 0 {
		o.TrypanRatio = 1
		if o.Stain == cells.StainTrypan {
			o.TrypanRatio = 2
		}
	}
	for name, v := range map[string]float64{"--depth": o.DepthUM, "--dilution": o.Dilution, "--trypan-ratio": o.TrypanRatio} {
		if !(v > 0) {
			return usageErrorf("%s must be > 0", name)
		}
	}
	if o.MinDiameterUM > 0 && o.MaxDiameterUM > 0 && o.MinDiameterUM > o.MaxDiameterUM {
		return usageErrorf("--min-diameter %g is larger than --max-diameter %g", o.MinDiameterUM, o.MaxDiameterUM)
	}
	sampler, err := newSampler(o.SampleBy, o.SampleRegex, o.SampleSheet)
	if err != nil {
		return err
	}
	paths, err := o.expand("cells", inputs)
	if err != nil {
		return err
	}
	if paths = o.marker().DropMarkerInputs(paths); len(paths) == 0 {
		return fmt.Errorf("no nuclei images left in %s once the marker images (--marker-image %s) are set aside", strings.Join(inputs, " "), o.MarkerImage)
	}
	return finishBatch("cells", o.batchFlags, o.Report, runCells(ctx, o, paths, sampler(paths), stderr), stdout, stderr)
}

func runCells(ctx context.Context, o cellsOptions, paths []string, sampler sampleOf, stderr io.Writer) error {
	chamber := models.Chamber{PixelSizeUM: o.PixelSizeUM, DepthUM: o.DepthUM, Dilution: o.Dilution, TrypanRatio: o.TrypanRatio, MinViablePML: o.MinViablePML}
	stems := outputStems(paths)
	loadOpt := o.limits()
	loadOpt.BlackBackground = o.Stain == cells.StainFluorescence
	countOpt := cells.Options{Stain: o.Stain, PixelSizeUM: o.PixelSizeUM, Overlay: o.Overlays, Labels: o.SaveLabels,
		MinDiameterUM: o.MinDiameterUM, MaxDiameterUM: o.MaxDiameterUM, NucleiMethod: o.NucleiMethod}
	nuclei := o.Stain == cells.StainFluorescence
	marker := o.markerFlags.enabled()
	imageHeader, objectHeader := cellsImageHeader, cellsObjectHeader
	writeRow := writeCellsRow
	if nuclei {
		imageHeader = nucleiImageHeader
		writeRow = func(out *batchOutput, r models.CellsImage) error { return writeNucleiRow(out, r, marker) }
	}
	if marker {
		imageHeader = append(append([]string{}, imageHeader...), markerImageCols...)
		objectHeader = append(append([]string{}, cellsObjectHeader...), markerObjectCols...)
	}
	if nuclei {
		imageHeader = append(append([]string{}, imageHeader...), mitoticImageCols...)
		objectHeader = append(append([]string{}, objectHeader...), mitoticObjectCols...)
	}
	out, err := newBatchOutput(o.Out, []table{{"images.csv", imageHeader}, {"objects.csv", objectHeader}},
		[]field{{"schema_version", models.SchemaVersion}, {"kind", "cells"},
			{"provenance", provenance(time.Now(), cellsParams(o))}, {"chamber", chamber}})
	if err != nil {
		return err
	}
	defer out.abort()
	pool := kinds.NewCellsPool()
	req := kinds.CellsRequest{Stain: o.Stain, DepthUM: o.DepthUM, Marker: o.marker(), Sample: sampler, Load: loadOpt, Count: countOpt}
	work := func(ctx context.Context, i int, path string) (kinds.CellsItem, error) {
		return kinds.Cells(i, path, kinds.Output{Dir: o.Out, Stem: stems[i]}, req)
	}
	emit := func(r pipeline.Result[kinds.CellsItem]) (string, string, []string, error) {
		it := r.Value
		if r.Err != nil {
			it.Row = failedCellsRow(it.Row, r.Index, paths[r.Index], o.Stain, r.Err)
		} else {
			it.Row.Status = models.StatusOK
		}
		var ok *models.CellsImage
		if it.Row.Status == models.StatusOK {
			ok = &it.Row
		}
		pool.Add(it.Row.Sample, ok, it.VolumeUL)
		return it.Row.Image, it.Row.Status, it.Row.QC, writeRow(out, it.Row)
	}
	finish := func(sum models.RunSummary) error {
		list := cellsSampleList(pool, chamber, marker, nuclei)
		var sc *report.CSV
		if nuclei {
			list = kinds.NucleiNoRelease(list)
			sc, err = nucleiSamplesCSV(o.Out, list, pool, marker)
		} else {
			sc, err = cellsSamplesCSV(o.Out, list)
		}
		if err != nil {
			return err
		}
		out.attach(sc)
		if !o.Quiet && !nuclei {
			noConcentrationNote(stderr, list, o.PixelSizeUM, nil)
		}
		return out.commit([]field{{"samples", list}, {"summary", sum}})
	}
	return batch(ctx, o.batchFlags, paths, out, stderr, work, emit, finish)
}

// failedCellsRow turns a failed item into its error row: counts cleared,
// the reason on one line.
func failedCellsRow(row models.CellsImage, index int, path, stain string, err error) models.CellsImage {
	row.Status, row.Error = models.StatusError, kinds.OneLine(err.Error())
	row.Live, row.Dead, row.Total, row.ViabilityPct, row.Objects = 0, 0, 0, 0, nil
	row.MitoticIndex = nil
	row.Index, row.Stain = index, stain
	if row.Image == "" {
		row.Image = path
	}
	return row
}

func cellsParams(o cellsOptions) map[string]string {
	return map[string]string{
		"stain": o.Stain, "pixel_size_um": fmt.Sprint(o.PixelSizeUM), "depth_um": fmt.Sprint(o.DepthUM),
		"dilution": fmt.Sprint(o.Dilution), "trypan_ratio": fmt.Sprint(o.TrypanRatio),
		"min_viable_per_ml": fmt.Sprint(o.MinViablePML), "sample_by": o.SampleBy, "sample_regex": o.SampleRegex,
		"min_diameter_um": fmt.Sprint(o.MinDiameterUM), "max_diameter_um": fmt.Sprint(o.MaxDiameterUM),
		"max_pixels": fmt.Sprint(o.MaxPixels), "nuclei_method": o.NucleiMethod,
		"marker_image": o.MarkerImage, "marker_channel": fmt.Sprint(o.MarkerChannel), "marker_threshold": fmt.Sprint(o.MarkerThreshold),
	}
}
