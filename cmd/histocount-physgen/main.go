// Command histocount-physgen writes synthetic data sets rendered from a
// physical description of the specimen (internal/physgen), each with its
// truth CSV files and a README.md describing the columns.
//
// Usage:
//
//	histocount-physgen -kind chamber -out /tmp/gen/chamber -n 40 -seed 1
//	histocount-physgen -kind all -out /tmp/gen
//	histocount-physgen -kind dapi -mitotic 0 -out /tmp/gen/dapi-old
//
// Kinds: chamber, sections, plates, twochannel, dapi, kc167, all. With -kind all
// each kind goes to <out>/<kind> with its default count. -mitotic (default
// 0.08) adds mitotic figures and apoptotic cells to the dapi and
// twochannel fields (internal/physgen/mitosis); -mitotic 0 writes the
// images of the earlier generator byte for byte.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type kind struct {
	name  string
	count int
	write func(dir string, seed uint64, n int) error
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "histocount-physgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("histocount-physgen", flag.ContinueOnError)
	k := fs.String("kind", "all", "data set kind: chamber, sections, plates, twochannel, dapi, kc167 or all")
	out := fs.String("out", "", "output folder (required)")
	n := fs.Int("n", 0, "number of images (0 = the kind's default)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same files")
	mitotic := fs.Float64("mitotic", 0.08, "dapi, twochannel: largest per-field mitotic fraction (drawn U(0, max) per field), with apoptotic cells; 0 = none, the earlier output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	if *mitotic < 0 || *mitotic > 1 {
		return fmt.Errorf("-mitotic %g out of range 0..1", *mitotic)
	}
	if *n < 0 || *n > 100000 {
		return fmt.Errorf("-n %d out of range", *n)
	}
	for _, kd := range kinds(*mitotic) {
		if *k != "all" && *k != kd.name {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := *out
		if *k == "all" {
			dir = filepath.Join(*out, kd.name)
		}
		cnt := kd.count
		if *n > 0 {
			cnt = *n
		}
		t0 := time.Now()
		if err := kd.write(dir, *seed, cnt); err != nil {
			return fmt.Errorf("%s: %w", kd.name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d images in %s (%.1fs)\n", kd.name, cnt, dir, time.Since(t0).Seconds())
		if *k != "all" {
			return nil
		}
	}
	if *k != "all" {
		return fmt.Errorf("unknown kind %q", *k)
	}
	return nil
}
