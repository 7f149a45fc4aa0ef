package dnn

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/histocount/histocount/analysis/internal/cvtest"
)

func TestMain(m *testing.M) { cvtest.TestMainLeakCheck(m) }

// blockMax is what testdata/blockmax.onnx computes for channel 1: the
// maximum of each aligned 2×2 block (of the mirror-padded image).
func blockMax(x []float32, w, h int) []float32 {
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for xx := 0; xx < w; xx++ {
			bx, by := xx&^1, y&^1
			m := float32(-1e30)
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					m = max(m, x[mirror(by+dy, h)*w+mirror(bx+dx, w)])
				}
			}
			out[y*w+xx] = m
		}
	}
	return out
}

func loadFixture(t *testing.T, pool int) *Net {
	t.Helper()
	b, err := os.ReadFile("testdata/blockmax.onnx")
	if err != nil {
		t.Fatal(err)
	}
	n, err := Load(b, 2, pool)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPredictPadsAndTiles(t *testing.T) {
	n := loadFixture(t, 1)
	defer n.Close()
	cases := []struct{ w, h int }{
		{1, 1}, {7, 5}, {16, 16}, {33, 17}, // padding only
		{TileSide + 1, 40}, {600, 1100}, {2 * TileSide, TileSide}, // tiling
	}
	for _, c := range cases {
		x := make([]float32, c.w*c.h)
		for i := range x {
			x[i] = float32((i*7919)%1000) / 1000 // deterministic texture
		}
		maps, err := n.Predict(x, c.w, c.h)
		if err != nil {
			t.Fatalf("%d×%d: %v", c.w, c.h, err)
		}
		if len(maps) != 2 || len(maps[0]) != c.w*c.h || len(maps[1]) != c.w*c.h {
			t.Fatalf("%d×%d: got %d maps", c.w, c.h, len(maps))
		}
		want := blockMax(x, c.w, c.h)
		const tol = 1e-6
		for i := range x {
			if d := maps[0][i] - x[i]; d > tol || d < -tol {
				t.Fatalf("%d×%d: identity channel differs at %d: %g vs %g", c.w, c.h, i, maps[0][i], x[i])
			}
			if d := maps[1][i] - want[i]; d > tol || d < -tol {
				t.Fatalf("%d×%d: block-max channel differs at (%d,%d): %g vs %g", c.w, c.h, i%c.w, i/c.w, maps[1][i], want[i])
			}
		}
	}
}

func TestPredictConcurrent(t *testing.T) {
	n := loadFixture(t, 2)
	defer n.Close()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for k := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, h := 40+k, 30
			x := make([]float32, w*h)
			for i := range x {
				x[i] = float32(k + i%5)
			}
			maps, err := n.Predict(x, w, h)
			if err == nil && maps[0][w*h-1] != x[w*h-1] {
				err = errors.New("wrong output")
			}
			errs[k] = err
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", k, err)
		}
	}
	if n.created > 2 {
		t.Errorf("%d instances created, pool size 2", n.created)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Load(nil, 1, 1); !errors.Is(err, ErrModel) {
		t.Errorf("empty model: err = %v, want ErrModel", err)
	}
	if _, err := Load([]byte("not an onnx file"), 1, 1); !errors.Is(err, ErrModel) {
		t.Errorf("garbage model: err = %v, want ErrModel", err)
	}
	n := loadFixture(t, 1)
	if _, err := n.Predict(make([]float32, 5), 2, 2); !errors.Is(err, ErrInput) {
		t.Errorf("size mismatch: err = %v, want ErrInput", err)
	}
	n3, err := Load(n.model, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n3.Predict(make([]float32, 4), 2, 2); !errors.Is(err, ErrOutput) {
		t.Errorf("wrong channel count: err = %v, want ErrOutput", err)
	}
	n3.Close()
	n.Close()
	if _, err := n.Predict(make([]float32, 4), 2, 2); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
}

func TestMirror(t *testing.T) {
	cases := []struct{ i, n, want int }{{0, 1, 0}, {5, 1, 0}, {0, 3, 0}, {2, 3, 2}, {3, 3, 1}, {4, 3, 0}, {5, 3, 1}, {9, 4, 3}}
	for _, c := range cases {
		if got := mirror(c.i, c.n); got != c.want {
			t.Errorf("mirror(%d, %d) = %d, want %d", c.i, c.n, got, c.want)
		}
	}
}
