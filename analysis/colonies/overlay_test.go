package colonies

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/histocount/histocount/analysis/internal/cvutil"
	"github.com/histocount/histocount/imageio"
)

// TestRGBACopy compares the overlay's canvas, imageio's direct copy, with
// the OpenCV route it replaced (wrap, convert to BGR, ToRGBA) on random
// grey and BGR images.
func TestRGBACopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ch := range []int{1, 3} {
		img := &imageio.Image{Width: 7, Height: 5, Channels: ch, Pix: make([]byte, 7*5*ch)}
		for i := range img.Pix {
			img.Pix[i] = byte(rng.IntN(256))
		}
		got, err := img.RGBA()
		if err != nil {
			t.Fatal(err)
		}
		m, err := cvutil.ToMat(img)
		if err != nil {
			t.Fatal(err)
		}
		want, err := cvutil.ToRGBA(m)
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%d channels: Image.RGBA differs from ToRGBA(ToMat)", ch)
		}
	}
	if _, err := (&imageio.Image{Width: 2, Height: 2, Channels: 3, Pix: make([]byte, 5)}).RGBA(); err == nil {
		t.Error("short buffer accepted")
	}
}

// TestOutlineClasses: boundary pixels of each object, by class; the
// interior of a 3×3 colony and the background stay unmarked.
func TestOutlineClasses(t *testing.T) {
	const w, h = 6, 5
	lab := []int32{
		0, 0, 0, 0, 0, 2,
		0, 1, 1, 1, 0, 2,
		0, 1, 1, 1, 0, 0,
		0, 1, 1, 1, 0, 0,
		0, 0, 0, 0, 0, 0,
	}
	want := []uint8{
		0, 0, 0, 0, 0, 2,
		0, 1, 1, 1, 0, 2,
		0, 1, 0, 1, 0, 0,
		0, 1, 1, 1, 0, 0,
		0, 0, 0, 0, 0, 0,
	}
	got := outlineClasses(lab, w, h, 1)
	if !bytes.Equal(got, want) {
		t.Errorf("outlineClasses =\n%v\nwant\n%v", got, want)
	}
}
