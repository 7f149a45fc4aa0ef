// Command histocount measures cells, colonies and skin sections in
// microscope images. See `histocount help` and README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/histocount/histocount/internal/job"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = ""
)

// Exit codes; documented in README.md and `histocount help exit-codes`.
const (
	ExitOK          = job.ExitOK          // every input analysed (QC flags may be set)
	ExitFailure     = job.ExitFailure     // the run failed: nothing or not all could be written, or every input failed
	ExitUsage       = 2                   // bad command line or manifest; nothing was analysed
	ExitPartial     = job.ExitPartial     // some inputs failed; the others' results are written
	ExitInterrupted = job.ExitInterrupted // stopped by SIGINT/SIGTERM; finished items are written
)

type command struct {
	name  string
	short string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"cells", "count live/dead cells (trypan blue) or fluorescent nuclei", runCellsCmd},
		{"colonies", "count colonies in stained dishes or agar plates; CFE per dish and sample", runColoniesCmd},
		{"dermis", "measure epidermal/dermal thickness, fibre fraction and cell density on skin sections", runDermisCmd},
		{"study", "join section results with a sample sheet: gains over time with statistics", runStudyCmd},
		{"dilution", "ISO 20391-2 counting-method performance from a dilution series (as NIST COMET)", runDilutionCmd},
		{"passport", "dose passport per cell batch: JSON, HTML and A4 PDF with the release decision", runPassportCmd},
		{"run", "run a LIMS job manifest (results.jsonl, summary.json; resume, shards)", runRunCmd},
		{"merge", "combine the shards of a job into one results.jsonl and summary.json", runMergeCmd},
		{"schema", "print the JSON Schema of the manifest, a result line or the summary", runSchemaCmd},
		{"version", "print version, commit and OpenCV version", runVersionCmd},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process the default way
	}()
	stopProfile := startCPUProfile(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and maps its error to an exit code: this is
// the one place where errors become exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(c.run(ctx, args[1:], stdout, stderr), stderr)
		}
	}
	msg := fmt.Sprintf("histocount: unknown command %q", args[0])
	best, bestD := "", 3
	for _, c := range commands() {
		if d := editDistance(args[0], c.name); d < bestD {
			best, bestD = c.name, d
		}
	}
	if best != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", best)
	}
	fmt.Fprintln(stderr, msg+"; 'histocount help' lists the commands")
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "histocount: image analysis for cell suspensions, colonies and skin sections")
	fmt.Fprintln(w, "\nUsage: histocount <command> [flags] [inputs]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nRun 'histocount <command> --help' for a command's flags and an example.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 failed, 2 usage, 3 some inputs failed, 130 interrupted.")
}

// errUsage marks command-line mistakes (exit 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error { return errUsage{fmt.Sprintf(format, a...)} }

// errPartial reports a finished run in which some items failed (exit 3).
type errPartial struct {
	failed, total int
	msg           string // replaces the default message when set
}

func (e errPartial) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("%d of %d inputs failed (see the error column)", e.failed, e.total)
}

// errAllFailed reports a finished run in which every item failed (exit 1).
type errAllFailed struct{ total int }

func (e errAllFailed) Error() string { return fmt.Sprintf("all %d inputs failed", e.total) }

// errHelp is returned after printing --help (exit 0).
var errHelp = errors.New("help shown")

func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return ExitOK
	}
	var u errUsage
	var p errPartial
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "histocount: interrupted; finished items were written")
		return ExitInterrupted
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "histocount: %v\n", err)
		return ExitUsage
	case errors.As(err, &p):
		fmt.Fprintf(stderr, "histocount: %v\n", err)
		return ExitPartial
	}
	fmt.Fprintf(stderr, "histocount: %v\n", err)
	return ExitFailure
}
