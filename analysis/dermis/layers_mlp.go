package dermis

import (
	"math"
	"math/rand/v2"
)

// layerMLP is one stage of the learned layer classifier: standardised
// inputs, one hidden layer of ReLU units, a softmax over the classes.
type layerMLP struct {
	Mean []float32   `json:"mean"`
	SD   []float32   `json:"sd"`
	W1   [][]float32 `json:"w1"` // hidden × inputs
	B1   []float32   `json:"b1"`
	W2   [][]float32 `json:"w2"` // classes × hidden
	B2   []float32   `json:"b2"`
}

// probs writes the class probabilities of one input vector x into p,
// using hid as scratch (len = hidden units); x is standardised in place.
func (m *layerMLP) probs(x, hid, p []float32) {
	for k := range x {
		x[k] = (x[k] - m.Mean[k]) / m.SD[k]
	}
	for j, row := range m.W1 {
		a := m.B1[j]
		for k, wk := range row {
			a += wk * x[k]
		}
		hid[j] = max(a, 0)
	}
	mx := float32(math.Inf(-1))
	for c, row := range m.W2 {
		a := m.B2[c]
		for j, wj := range row {
			a += wj * hid[j]
		}
		p[c] = a
		mx = max(mx, a)
	}
	var z float32
	for c := range p {
		p[c] = float32(math.Exp(float64(p[c] - mx)))
		z += p[c]
	}
	for c := range p {
		p[c] /= z
	}
}

// mlpConfig is the training recipe of one stage.
type mlpConfig struct {
	Hidden int
	Epochs int
	Batch  int
	LR     float64
	L2     float64
}

// trainMLP fits a layerMLP to samples x (rows of nIn) with classes y
// (0..nCls-1) by Adam on the cross-entropy, from a seeded initialisation.
func trainMLP(x [][]float32, y []uint8, nIn, nCls int, cfg mlpConfig, rng *rand.Rand) *layerMLP {
	m := &layerMLP{Mean: make([]float32, nIn), SD: make([]float32, nIn)}
	n := len(x)
	for k := 0; k < nIn; k++ {
		var s, s2 float64
		for _, r := range x {
			s += float64(r[k])
			s2 += float64(r[k]) * float64(r[k])
		}
		mu := s / float64(n)
		m.Mean[k] = float32(mu)
		m.SD[k] = float32(math.Sqrt(math.Max(s2/float64(n)-mu*mu, 1e-8)))
	}
	H := cfg.Hidden
	// parameters flattened: W1 (H×nIn), B1 (H), W2 (nCls×H), B2 (nCls)
	nP := H*nIn + H + nCls*H + nCls
	th := make([]float64, nP)
	s1 := math.Sqrt(2 / float64(nIn))
	for i := 0; i < H*nIn; i++ {
		th[i] = rng.NormFloat64() * s1
	}
	s2 := math.Sqrt(1 / float64(H))
	o2 := H*nIn + H
	for i := 0; i < nCls*H; i++ {
		th[o2+i] = rng.NormFloat64() * s2
	}
	ob2 := o2 + nCls*H
	g := make([]float64, nP)
	mom, vel := make([]float64, nP), make([]float64, nP)
	xs := make([]float64, nIn)
	hid := make([]float64, H)
	dh := make([]float64, H)
	out := make([]float64, nCls)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	const b1, b2, eps = 0.9, 0.999, 1e-8
	step := 0
	for ep := 0; ep < cfg.Epochs; ep++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		lr := cfg.LR * (0.5 + 0.5*math.Cos(math.Pi*float64(ep)/float64(cfg.Epochs)))
		for start := 0; start < n; start += cfg.Batch {
			end := min(n, start+cfg.Batch)
			clear(g)
			for _, idx := range order[start:end] {
				for k := 0; k < nIn; k++ {
					xs[k] = float64((x[idx][k] - m.Mean[k]) / m.SD[k])
				}
				for j := 0; j < H; j++ {
					a := th[H*nIn+j]
					row := th[j*nIn : (j+1)*nIn]
					for k, v := range xs {
						a += row[k] * v
					}
					hid[j] = math.Max(a, 0)
				}
				mx := math.Inf(-1)
				for c := 0; c < nCls; c++ {
					a := th[ob2+c]
					row := th[o2+c*H : o2+(c+1)*H]
					for j, v := range hid {
						a += row[j] * v
					}
					out[c] = a
					mx = math.Max(mx, a)
				}
				var z float64
				for c := range out {
					out[c] = math.Exp(out[c] - mx)
					z += out[c]
				}
				clear(dh)
				for c := range out {
					d := out[c] / z
					if c == int(y[idx]) {
						d--
					}
					g[ob2+c] += d
					row := th[o2+c*H : o2+(c+1)*H]
					grow := g[o2+c*H : o2+(c+1)*H]
					for j, v := range hid {
						grow[j] += d * v
						dh[j] += d * row[j]
					}
				}
				for j := 0; j < H; j++ {
					if hid[j] <= 0 {
						continue
					}
					g[H*nIn+j] += dh[j]
					grow := g[j*nIn : (j+1)*nIn]
					for k, v := range xs {
						grow[k] += dh[j] * v
					}
				}
			}
			step++
			inv := 1 / float64(end-start)
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			for i := range th {
				gi := g[i]*inv + cfg.L2*th[i]
				mom[i] = b1*mom[i] + (1-b1)*gi
				vel[i] = b2*vel[i] + (1-b2)*gi*gi
				th[i] -= lr * (mom[i] / c1) / (math.Sqrt(vel[i]/c2) + eps)
			}
		}
	}
	m.W1 = make([][]float32, H)
	m.B1 = make([]float32, H)
	for j := 0; j < H; j++ {
		m.W1[j] = make([]float32, nIn)
		for k := 0; k < nIn; k++ {
			m.W1[j][k] = float32(th[j*nIn+k])
		}
		m.B1[j] = float32(th[H*nIn+j])
	}
	m.W2 = make([][]float32, nCls)
	m.B2 = make([]float32, nCls)
	for c := 0; c < nCls; c++ {
		m.W2[c] = make([]float32, H)
		for j := 0; j < H; j++ {
			m.W2[c][j] = float32(th[o2+c*H+j])
		}
		m.B2[c] = float32(th[ob2+c])
	}
	return m
}
