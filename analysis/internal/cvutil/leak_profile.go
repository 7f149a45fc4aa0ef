//go:build matprofile

package cvutil

import (
	"strings"

	"gocv.io/x/gocv"
)

// MatProfileEnabled is true when built with -tags matprofile.
const MatProfileEnabled = true

// OpenMats returns the number of Mats not yet closed and their allocation
// stacks.
func OpenMats() (int, string) {
	var b strings.Builder
	_ = gocv.MatProfile.WriteTo(&b, 1)
	return gocv.MatProfile.Count(), b.String()
}
