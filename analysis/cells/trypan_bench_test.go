package cells

import (
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/analysis/cells/chambersynth"
	"github.com/histocount/histocount/imageio"
	"github.com/histocount/histocount/internal/shareddata"
)

// BenchmarkTrypanCrop counts real development crops (about 220² each), one
// per operation, cycling through the first 16 in name order: B/op and
// allocs/op are the per-image heap cost that limits multi-worker scaling.
func BenchmarkTrypanCrop(b *testing.B) {
	dir := shareddata.Dir(b, "brightfield-viability")
	names, err := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	if err != nil || len(names) == 0 {
		b.Fatalf("no development crops in %s: %v", dir, err)
	}
	var imgs []*imageio.Image
	for _, name := range names[:min(16, len(names))] {
		img, err := imageio.Load(name, imageio.Options{})
		if err != nil {
			b.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Count(imgs[i%len(imgs)], Options{Stain: StainTrypan}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkTrypanField counts one generated 1600×1200 whole chamber field
// (chambersynth seed 1) with its pixel size, per operation.
func BenchmarkTrypanField(b *testing.B) {
	f, err := chambersynth.Generate(chambersynth.DefaultParams(), 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Count(f.Image, Options{Stain: StainTrypan, PixelSizeUM: f.PixelSizeUM}); err != nil {
			b.Fatal(err)
		}
	}
}
