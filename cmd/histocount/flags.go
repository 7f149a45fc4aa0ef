package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// helpOf keeps each flag set's help text and the writer it goes to: the
// flag package prints nothing itself (its output is discarded), so that a
// mistake gives one line, not the error and the whole usage twice.
var helpOf sync.Map // *flag.FlagSet → helpTarget

type helpTarget struct {
	help string
	w    io.Writer
}

// newFlagSet returns a FlagSet whose --help prints help, the flags (with
// two dashes, as the README writes them) and an example.
func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	helpOf.Store(fs, helpTarget{help, stderr})
	return fs
}

// printHelp writes fs's help text and its flags.
func printHelp(fs *flag.FlagSet) {
	v, ok := helpOf.Load(fs)
	if !ok {
		return
	}
	h := v.(helpTarget)
	fmt.Fprintln(h.w, strings.TrimSpace(h.help))
	fmt.Fprintln(h.w, "\nFlags:")
	var b bytes.Buffer
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(h.w, twoDashes(b.String()))
}

// flagLine matches the flag-name line of flag.PrintDefaults.
var (
	flagLine  = regexp.MustCompile(`(?m)^  -([A-Za-z0-9])`)
	valueLine = regexp.MustCompile(`(?m)^(  --\S+) value$`) // a boundedFloat flag
)

func twoDashes(s string) string {
	return valueLine.ReplaceAllString(flagLine.ReplaceAllString(s, "  --$1"), "$1 float")
}

// parseInterspersed parses flags that may come before, between or after
// positional arguments (`cells img/ --out res` and `cells --out res img/`),
// and returns the positional arguments. "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos, tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printHelp(fs)
				return nil, errHelp
			}
			return nil, usageErrorf("%s", flagError(fs, err))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return append(pos, tail...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

var (
	undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	singleDash    = regexp.MustCompile(`flag -([A-Za-z0-9])`)
)

// flagError rewrites a flag-package error as one line with two-dash flag
// names, a "did you mean" for an unknown flag, and where help is.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := undefinedFlag.FindStringSubmatch(msg); m != nil {
		s := fmt.Sprintf("%s: unknown flag --%s", fs.Name(), m[1])
		if best := closestFlag(fs, m[1]); best != "" {
			s += fmt.Sprintf(" (did you mean --%s?)", best)
		}
		return s + fmt.Sprintf("; 'histocount %s --help' lists the flags", fs.Name())
	}
	return fs.Name() + ": " + singleDash.ReplaceAllString(msg, "--$1")
}

// closestFlag returns the defined flag nearest to name (edit distance ≤ 2,
// or a unique prefix), or "".
func closestFlag(fs *flag.FlagSet, name string) string {
	name, _, _ = strings.Cut(name, "=")
	best, bestD := "", 3
	var prefixed []string
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
		if len(name) >= 3 && strings.HasPrefix(f.Name, name) {
			prefixed = append(prefixed, f.Name)
		}
	})
	if best == "" && len(prefixed) == 1 {
		return prefixed[0]
	}
	return best
}

// editDistance is the Damerau–Levenshtein (optimal string alignment)
// distance of a and b, so that a swap (stian → stain) costs 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// boundedFloat is a float flag that accepts only finite values in
// [lo, hi] (and 0 when zeroOK, meaning "automatic" or "unknown"): NaN,
// ±Inf and absurd magnitudes are refused while parsing (exit 2).
type boundedFloat struct {
	p      *float64
	lo, hi float64
	zeroOK bool
}

func (b *boundedFloat) String() string {
	if b == nil || b.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*b.p, 'g', -1, 64)
}

func (b *boundedFloat) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return errors.New("not a number")
	}
	if err := checkRange(v, b.lo, b.hi, b.zeroOK); err != nil {
		return err
	}
	*b.p = v
	return nil
}

// checkRange reports whether v is finite and in [lo, hi] (or 0 when
// zeroOK), as a message for the user.
func checkRange(v, lo, hi float64, zeroOK bool) error {
	if zeroOK && v == 0 {
		return nil
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		if zeroOK {
			return fmt.Errorf("must be 0 or a number in [%g, %g]", lo, hi)
		}
		return fmt.Errorf("must be a number in [%g, %g]", lo, hi)
	}
	return nil
}

// floatFlag registers a bounded float flag with default def.
func floatFlag(fs *flag.FlagSet, p *float64, name string, def, lo, hi float64, zeroOK bool, usage string) {
	*p = def
	fs.Var(&boundedFloat{p: p, lo: lo, hi: hi, zeroOK: zeroOK}, name, usage)
}
