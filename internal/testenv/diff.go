package testenv

import "strings"

// FirstDiff finds the first line where the texts a and b differ. It returns
// that line's number (from 1) and the line of each text, "" for a text that
// ended before it; line is 0 when the texts are equal.
func FirstDiff(a, b string) (line int, lineA, lineB string) {
	if a == b {
		return 0, "", ""
	}
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if x != y {
			return i + 1, x, y
		}
	}
	return 0, "", "" // unreachable: equal line lists mean equal texts
}
