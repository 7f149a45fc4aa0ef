package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/histocount/histocount/analysis"
	"github.com/histocount/histocount/models"
)

func runVersionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	p := provenance(time.Time{}, nil)
	fmt.Fprintf(stdout, "histocount %s (commit %s)\nOpenCV %s, %s %s/%s, result schema %s\n",
		version, orNone(p.Commit), analysis.OpenCVVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, models.SchemaVersion)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
