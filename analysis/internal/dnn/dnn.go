package dnn

import (
	"errors"
	"fmt"
	"sync"

	"gocv.io/x/gocv"
)

// Tiling and padding geometry, in pixels of the network's input.
const (
	Multiple = 16  // sides are padded to a multiple of this (4 poolings at most)
	TileSide = 512 // larger images are split into tiles of this side
	Margin   = 48  // context kept around each tile's centre and discarded
)

var (
	// ErrModel is returned when the ONNX bytes cannot be loaded by OpenCV.
	ErrModel = errors.New("dnn: cannot load model")
	// ErrInput is returned for an input image that does not match its size.
	ErrInput = errors.New("dnn: invalid input")
	// ErrOutput is returned when the network's output has an unexpected shape.
	ErrOutput = errors.New("dnn: unexpected network output")
	// ErrClosed is returned by Predict after Close.
	ErrClosed = errors.New("dnn: net is closed")
)

// Net is an ONNX network that may be used from several goroutines.
type Net struct {
	model   []byte
	outputs int // output channels expected
	free    chan *gocv.Net

	mu      sync.Mutex
	created int
	closed  bool
}

// Load checks that OpenCV can read the ONNX model and returns a Net whose
// Predict runs up to poolSize instances at once (minimum 1). outputs is the
// number of output channels the network must produce. The model bytes are
// kept (not copied): do not modify them.
func Load(model []byte, outputs, poolSize int) (*Net, error) {
	if len(model) == 0 {
		return nil, fmt.Errorf("%w: empty model", ErrModel)
	}
	if outputs < 1 {
		return nil, fmt.Errorf("%w: %d output channels", ErrModel, outputs)
	}
	if err := checkONNX(model); err != nil {
		return nil, err
	}
	poolSize = max(1, poolSize)
	n := &Net{model: model, outputs: outputs, free: make(chan *gocv.Net, poolSize)}
	g, err := n.newInstance()
	if err != nil {
		return nil, err
	}
	n.created = 1
	n.free <- g
	return n, nil
}

func (n *Net) newInstance() (*gocv.Net, error) {
	g, err := gocv.ReadNetFromONNXBytes(n.model)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	if g.Empty() {
		g.Close()
		return nil, fmt.Errorf("%w: OpenCV returned an empty net", ErrModel)
	}
	return &g, nil
}

// acquire borrows an instance, creating one while fewer than the pool size
// exist, else waiting for one to be released.
func (n *Net) acquire() (*gocv.Net, error) {
	select {
	case g := <-n.free:
		return g, nil
	default:
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, ErrClosed
	}
	if n.created < cap(n.free) {
		n.created++
		n.mu.Unlock()
		g, err := n.newInstance()
		if err != nil {
			n.mu.Lock()
			n.created--
			n.mu.Unlock()
			return nil, err
		}
		return g, nil
	}
	n.mu.Unlock()
	return <-n.free, nil
}

func (n *Net) release(g *gocv.Net) { n.free <- g }

// Close frees the OpenCV instances. It must not be called while a Predict
// is running; later Predicts return ErrClosed.
func (n *Net) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	for {
		select {
		case g := <-n.free:
			g.Close()
			n.created--
		default:
			return nil
		}
	}
}

// Predict runs the network on the one-channel image x (w×h, row-major) and
// returns its output maps, each w×h, row-major.
func (n *Net) Predict(x []float32, w, h int) ([][]float32, error) {
	if w <= 0 || h <= 0 || len(x) != w*h {
		return nil, fmt.Errorf("%w: %d values for %d×%d", ErrInput, len(x), w, h)
	}
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	g, err := n.acquire()
	if err != nil {
		return nil, err
	}
	defer n.release(g)
	out := make([][]float32, n.outputs)
	for c := range out {
		out[c] = make([]float32, w*h)
	}
	// Cores of side TileSide−2·Margin partition the image; each is run with
	// Margin px of real context on every side that has some.
	core := TileSide - 2*Margin
	for y0 := 0; y0 < h; y0 += core {
		for x0 := 0; x0 < w; x0 += core {
			cw, ch := min(core, w-x0), min(core, h-y0)
			if w <= TileSide {
				x0, cw = 0, w
			}
			if h <= TileSide {
				y0, ch = 0, h
			}
			tx0, ty0 := max(0, x0-Margin), max(0, y0-Margin)
			tx1, ty1 := min(w, x0+cw+Margin), min(h, y0+ch+Margin)
			if w <= TileSide {
				tx0, tx1 = 0, w
			}
			if h <= TileSide {
				ty0, ty1 = 0, h
			}
			tw, th := tx1-tx0, ty1-ty0
			tile := make([]float32, tw*th)
			for y := 0; y < th; y++ {
				copy(tile[y*tw:(y+1)*tw], x[(ty0+y)*w+tx0:(ty0+y)*w+tx1])
			}
			maps, err := forward(g, tile, tw, th, n.outputs)
			if err != nil {
				return nil, err
			}
			for c, m := range maps {
				for y := y0; y < y0+ch; y++ {
					copy(out[c][y*w+x0:y*w+x0+cw], m[(y-ty0)*tw+x0-tx0:(y-ty0)*tw+x0-tx0+cw])
				}
			}
			if w <= TileSide {
				break
			}
		}
		if h <= TileSide {
			break
		}
	}
	return out, nil
}

// forward runs one tile, mirror-padded to a multiple of Multiple.
func forward(g *gocv.Net, x []float32, w, h, outputs int) ([][]float32, error) {
	pw, ph := roundUp(w, Multiple), roundUp(h, Multiple)
	blob := gocv.NewMatWithSizes([]int{1, 1, ph, pw}, gocv.MatTypeCV32F)
	defer blob.Close()
	in, err := blob.DataPtrFloat32()
	if err != nil || len(in) != pw*ph {
		return nil, fmt.Errorf("%w: input blob: %v", ErrInput, err)
	}
	for y := 0; y < ph; y++ {
		sy := mirror(y, h)
		for xx := 0; xx < pw; xx++ {
			in[y*pw+xx] = x[sy*w+mirror(xx, w)]
		}
	}
	g.SetInput(blob, "")
	res := g.Forward("")
	defer res.Close()
	if sz := res.Size(); len(sz) != 4 || sz[0] != 1 || sz[1] != outputs || sz[2] != ph || sz[3] != pw || res.Type() != gocv.MatTypeCV32F {
		return nil, fmt.Errorf("%w: shape %v, want [1 %d %d %d] float32", ErrOutput, sz, outputs, ph, pw)
	}
	o, err := res.DataPtrFloat32()
	if err != nil || len(o) != outputs*pw*ph {
		return nil, fmt.Errorf("%w: output data: %v", ErrOutput, err)
	}
	maps := make([][]float32, outputs)
	for c := range maps {
		m := make([]float32, w*h)
		plane := o[c*pw*ph:]
		for y := 0; y < h; y++ {
			copy(m[y*w:(y+1)*w], plane[y*pw:y*pw+w])
		}
		maps[c] = m
	}
	return maps, nil
}

func roundUp(v, m int) int { return (v + m - 1) / m * m }

// mirror maps i ≥ 0 into 0..n−1 by reflection about the last pixel
// (… 2 1 | 0 1 2 … n−1 | n−2 …), for pads of any length.
func mirror(i, n int) int {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	i %= p
	if i >= n {
		i = p - i
	}
	return i
}
