package imageio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/histocount/histocount/internal/shareddata"
)

func benchLoad(b *testing.B, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePlateJPEG2448(b *testing.B) {
	benchLoad(b, filepath.Join(shareddata.Dir(b, "colony-plates"), "images/plate01.jpg"))
}

func BenchmarkDecodeTrypanPNG(b *testing.B) {
	benchLoad(b, filepath.Join(shareddata.Dir(b, "brightfield-viability"), "images/g_24.png"))
}
