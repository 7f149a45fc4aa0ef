package models

import "math"

// Round3 rounds v to 3 decimals, the precision results are written with:
// far below any measurement's error, and it keeps CSV and JSON outputs
// byte-identical across runs and platforms.
func Round3(v float64) float64 { return math.Round(v*1000) / 1000 }
