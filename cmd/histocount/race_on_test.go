//go:build race

package main

// raceEnabled: under the race detector the browser and PDF checks are
// skipped — `make test` runs them in its normal pass, and the race pass
// looks for data races in Go code, not in Chromium.
const raceEnabled = true
