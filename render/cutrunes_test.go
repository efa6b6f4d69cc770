package render

import (
	"testing"
	"unicode/utf8"
)

// TestCutRunesPrefix checks that cutRunes, which looks at a prefix of
// long messages, says what it says of the whole text.
func TestCutRunesPrefix(t *testing.T) {
	whole := func(data []byte, n int) string {
		s := oneLine(string(data))
		if utf8.RuneCountInString(s) <= n {
			return s
		}
		return string([]rune(s)[:n-1]) + "…"
	}
	var cases [][]byte
	for _, unit := range []string{"a", "ab ", "  ", "\t\n", "é ", "中文", "\u202e", "x\u00a0", "\x7f", "word\r\n"} {
		for _, n := range []int{1, 27, 28, 29, 1000, 1800, 1792, 1793, 1795, 5000} {
			var b []byte
			for len(b) < n {
				b = append(b, unit...)
			}
			cases = append(cases, b)
			cases = append(cases, append([]byte("lead "), b...))
			spaces := make([]byte, 1790)
			for i := range spaces {
				spaces[i] = ' '
			}
			cases = append(cases, append(spaces, b...))
		}
	}
	for _, c := range cases {
		if !utf8.Valid(c) {
			continue
		}
		if got, want := cutRunes(c, 28), whole(c, 28); got != want {
			t.Errorf("cutRunes(%q...) = %q, want %q", c[:min(len(c), 20)], got, want)
		}
	}
}
