package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"

	"golang.org/x/sync/errgroup"
)

// ErrPanic wraps a panic recovered from a work function.
var ErrPanic = errors.New("pipeline: analysis panicked")

// Result is the outcome of one item.
type Result[O any] struct {
	Index int // position in the input slice
	Value O
	Err   error // per-item failure; the batch goes on
}

// Options configure Run.
type Options struct {
	Workers int // concurrent workers; default runtime.NumCPU()
	// Window bounds items alive at once (dispatched but not yet emitted);
	// default 4·Workers, minimum Workers.
	Window int
}

func (o Options) normalise() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Window <= 0 {
		o.Window = 4 * o.Workers
	}
	if o.Window < o.Workers {
		o.Window = o.Workers
	}
	return o
}

// WorkFunc analyses one item. It should honour ctx only between expensive
// steps; an item that has started is normally finished.
type WorkFunc[I, O any] func(ctx context.Context, index int, in I) (O, error)

// SinkFunc receives results in input order, one at a time, from a single
// goroutine. Returning an error stops the batch.
type SinkFunc[O any] func(Result[O]) error

// Run processes inputs with opt.Workers workers and emits every dispatched
// item to sink in input order. It returns nil when all items were emitted,
// the sink's error if the sink failed, or ctx.Err() if cancelled.
func Run[I, O any](ctx context.Context, inputs []I, opt Options, work WorkFunc[I, O], sink SinkFunc[O]) error {
	opt = opt.normalise()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		index int
		in    I
	}
	jobs := make(chan job)                       // unbuffered: a sent job is a started job
	results := make(chan Result[O], opt.Workers) // small: backpressure keeps memory flat
	window := make(chan struct{}, opt.Window)    // tokens for items alive

	var g errgroup.Group // not WithContext: item errors are data, not group errors

	// Producer.
	g.Go(func() error {
		defer close(jobs)
		for i, in := range inputs {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			select {
			case jobs <- job{i, in}:
			case <-ctx.Done():
				<-window
				return nil
			}
		}
		return nil
	})

	// Workers. They always deliver: the collector drains until close.
	workersDone := make(chan struct{})
	var wg errgroup.Group
	for w := 0; w < opt.Workers; w++ {
		wg.Go(func() error {
			for j := range jobs {
				results <- runOne(ctx, work, j.index, j.in)
			}
			return nil
		})
	}
	g.Go(func() error {
		_ = wg.Wait()
		close(results)
		close(workersDone)
		return nil
	})

	// Collector: reorder and emit.
	var sinkErr error
	g.Go(func() error {
		pending := map[int]Result[O]{}
		next := 0
		for r := range results {
			if sinkErr != nil {
				<-window // discard, but keep draining so workers never block
				continue
			}
			pending[r.Index] = r
			for {
				p, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				<-window
				if err := sink(p); err != nil {
					sinkErr = fmt.Errorf("pipeline: sink: %w", err)
					cancel()
					// Release the tokens of results already buffered.
					for range pending {
						<-window
					}
					pending = nil
					break
				}
			}
		}
		return nil
	})

	_ = g.Wait()
	<-workersDone
	if sinkErr != nil {
		return sinkErr
	}
	return context.Cause(ctx)
}

// runOne calls work, turning a panic into an item error so one bad input
// cannot take the batch down.
func runOne[I, O any](ctx context.Context, work WorkFunc[I, O], index int, in I) (r Result[O]) {
	r.Index = index
	defer func() {
		if p := recover(); p != nil {
			r.Err = fmt.Errorf("%w: %v\n%s", ErrPanic, p, firstFrames(debug.Stack(), 12))
		}
	}()
	r.Value, r.Err = work(ctx, index, in)
	return r
}

// firstFrames keeps a panic's stack short enough for a CSV cell.
func firstFrames(stack []byte, lines int) string {
	n := 0
	for i, c := range stack {
		if c == '\n' {
			n++
			if n == lines {
				return string(stack[:i])
			}
		}
	}
	return string(stack)
}
