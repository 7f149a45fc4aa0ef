package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeWork squares its input after a random short sleep, fails on
// multiples of failEvery, panics on panicAt and sleeps long on slowAt.
type fakeWork struct {
	failEvery, panicAt, slowAt int
	inFlight, maxInFlight      atomic.Int64
}

func (f *fakeWork) do(ctx context.Context, i int, in int) (int, error) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	d := time.Duration(rand.Intn(300)) * time.Microsecond
	if in == f.slowAt {
		d = 30 * time.Millisecond
	}
	time.Sleep(d)
	if f.panicAt >= 0 && in == f.panicAt {
		panic("boom")
	}
	if f.failEvery > 0 && in%f.failEvery == 0 {
		return 0, fmt.Errorf("item %d: bad input", in)
	}
	return in * in, nil
}

func inputs(n int) []int {
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	return in
}

func TestRunOrderedWithErrorsAndPanic(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			f := &fakeWork{failEvery: 7, panicAt: 13, slowAt: 5}
			var got []Result[int]
			err := Run(context.Background(), inputs(200), Options{Workers: workers}, f.do, func(r Result[int]) error {
				got = append(got, r)
				return nil
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(got) != 200 {
				t.Fatalf("got %d results, want 200", len(got))
			}
			for i, r := range got {
				if r.Index != i {
					t.Fatalf("result %d has index %d: out of order", i, r.Index)
				}
				switch {
				case i == 13:
					if !errors.Is(r.Err, ErrPanic) || !strings.Contains(r.Err.Error(), "boom") {
						t.Errorf("item 13: want recovered panic, got %v", r.Err)
					}
				case i%7 == 0:
					if r.Err == nil {
						t.Errorf("item %d: want error", i)
					}
				default:
					if r.Err != nil || r.Value != i*i {
						t.Errorf("item %d: got %d, %v", i, r.Value, r.Err)
					}
				}
			}
			if m := f.maxInFlight.Load(); m > int64(workers) {
				t.Errorf("max in flight %d > workers %d", m, workers)
			}
		})
	}
}

func TestRunWindowBoundsMemory(t *testing.T) {
	// Item 0 is slow: without the window the others would pile up in the
	// reorder buffer. Count results alive (dispatched, not yet emitted).
	const workers, window = 4, 6
	var alive, maxAlive atomic.Int64
	work := func(ctx context.Context, i int, in int) (int, error) {
		n := alive.Add(1)
		for {
			m := maxAlive.Load()
			if n <= m || maxAlive.CompareAndSwap(m, n) {
				break
			}
		}
		if i == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		return in, nil
	}
	err := Run(context.Background(), inputs(100), Options{Workers: workers, Window: window}, work, func(r Result[int]) error {
		alive.Add(-1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := maxAlive.Load(); m > window {
		t.Fatalf("%d items alive at once, window is %d", m, window)
	}
}

func TestRunCancelMidBatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeWork{panicAt: -1, slowAt: -1}
	var got []Result[int]
	err := Run(ctx, inputs(10000), Options{Workers: 4}, f.do, func(r Result[int]) error {
		got = append(got, r)
		if len(got) == 50 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if len(got) < 50 || len(got) > 50+4*4+4 {
		t.Fatalf("emitted %d items after cancelling at 50", len(got))
	}
	for i, r := range got {
		if r.Index != i || r.Err != nil {
			t.Fatalf("emitted items must be a gap-free prefix: item %d = %+v", i, r)
		}
	}
}

func TestRunSinkErrorStops(t *testing.T) {
	before := runtime.NumGoroutine()
	f := &fakeWork{panicAt: -1, slowAt: -1}
	n := 0
	boom := errors.New("disk full")
	err := Run(context.Background(), inputs(5000), Options{Workers: 3}, f.do, func(r Result[int]) error {
		n++
		if n == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("want sink error, got %v", err)
	}
	if n != 10 {
		t.Fatalf("sink called %d times after failing at 10", n)
	}
	time.Sleep(20 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before+1 {
		t.Fatalf("goroutines leaked: %d before, %d after", before, after)
	}
}

func TestRunEmptyAndPreCancelled(t *testing.T) {
	f := &fakeWork{panicAt: -1, slowAt: -1}
	if err := Run(context.Background(), nil, Options{}, f.do, func(Result[int]) error { t.Fatal("sink called"); return nil }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	err := Run(ctx, inputs(100), Options{Workers: 2}, f.do, func(Result[int]) error { n++; return nil })
	if !errors.Is(err, context.Canceled) || n > 2 {
		t.Fatalf("pre-cancelled run: err %v, %d emitted", err, n)
	}
}

func BenchmarkRunOverhead(b *testing.B) {
	work := func(ctx context.Context, i int, in int) (int, error) { return in, nil }
	in := inputs(1000)
	b.ReportAllocs()
	for b.Loop() {
		_ = Run(context.Background(), in, Options{Workers: 2}, work, func(Result[int]) error { return nil })
	}
}
