//go:build !matprofile

package cvutil

// MatProfileEnabled is true when built with -tags matprofile.
const MatProfileEnabled = false

// OpenMats cannot count Mats without -tags matprofile; it returns 0.
func OpenMats() (int, string) { return 0, "" }
