package imageio

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayName returns name as valid UTF-8 without control characters, for
// results, CSVs and logs: each byte that is not part of valid UTF-8 and
// each control character becomes \xNN (a file name is bytes on Linux, and
// a Latin-1 "ü" would otherwise make a whole CSV invalid UTF-8). Valid
// names without control characters are returned unchanged, so the
// mapping is the identity for every ordinary name.
func DisplayName(name string) string {
	clean := true
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02X`, name[i])
		case unicode.IsControl(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02X`, r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(name[i : i+n])
		}
		i += max(n, 1)
	}
	return b.String()
}
