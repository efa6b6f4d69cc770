// Package textwidth measures and wraps text for monospace output, counting
// CJK characters as two columns. It serves package render and its writers;
// nothing in it is part of wstrace's public API.
package textwidth

import (
	"strings"
	"unicode"
)

// TextWidth returns the number of columns s takes in a monospace font.
func TextWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// runeWidth is the number of columns a rune takes in a monospace font.
func runeWidth(r rune) int {
	if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) || (r >= 0xff00 && r <= 0xff60) || (r >= 0x3000 && r <= 0x303f) {
		return 2
	}
	return 1
}

// Wrap breaks s into lines of at most width columns. A line may break at
// a space, before a CJK character (other than closing punctuation) and
// after one; a longer run of other characters (a URL, a JSON message)
// stays whole, on a line of its own if need be.
func Wrap(s string, width int) []string {
	var lines []string
	for s != "" {
		col, lastBreak, cut := 0, -1, len(s)
		prevWide := false
		prev := rune(0)
		for i, r := range s {
			w := runeWidth(r)
			if i > 0 && !noLineEnd(prev) && (r == ' ' || (w == 2 && !noLineStart(r)) || (prevWide && w == 1)) {
				lastBreak = i
			}
			prev = r
			if col+w > width {
				cut = i
				break
			}
			col += w
			prevWide = w == 2
		}
		if cut == len(s) {
			lines = append(lines, s)
			break
		}
		if lastBreak <= 0 {
			// A run longer than the line: keep it whole.
			next := strings.IndexByte(s[cut:], ' ')
			if next < 0 {
				lines = append(lines, s)
				break
			}
			lastBreak = cut + next
		}
		lines = append(lines, strings.TrimRight(s[:lastBreak], " "))
		s = strings.TrimLeft(s[lastBreak:], " ")
	}
	return lines
}

// noLineEnd reports punctuation that must not end a line of CJK text.
func noLineEnd(r rune) bool {
	return strings.ContainsRune("（「『【〈《", r)
}

// noLineStart reports punctuation that must not begin a line of CJK text.
func noLineStart(r rune) bool {
	return strings.ContainsRune("，。、；：？！）」』】〉》…", r)
}
