// Package mdsafe is the Markdown of wstrace's pages, both ways: it makes
// untrusted text safe to place in Markdown (code fences, code spans and
// escaped prose), and reads Markdown back as the plain text a reader sees,
// with the one goldmark configuration every writer uses. It serves package
// render and its writers; nothing in it is part of wstrace's public API.
package mdsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fence returns the backtick fence to open and close a fenced code block
// holding content: three backticks, or one more than the longest run of
// backticks in content, so that nothing in content can close the block early.
func Fence(content string) string {
	return strings.Repeat("`", max(3, longestRun(content, '`')+1))
}

// CodeBlock returns content as a fenced Markdown code block with the given
// info string (such as "text" or "mermaid"), ending in a newline. Content is
// cleaned with [Printable] first.
func CodeBlock(info, content string) string {
	content = Printable(content, true)
	fence := Fence(content)
	var b strings.Builder
	b.WriteString(fence)
	b.WriteString(info)
	b.WriteByte('\n')
	b.WriteString(content)
	if !strings.HasSuffix(content, "\n") {
		b.WriteByte('\n')
	}
	b.WriteString(fence)
	b.WriteByte('\n')
	return b.String()
}

// CodeSpan returns s as an inline Markdown code span. The delimiters are one
// backtick longer than the longest run inside s, and a space pads s when it
// begins or ends with a backtick, as CommonMark requires. Line breaks and
// other control characters are shown as escapes, because a code span cannot
// hold them.
func CodeSpan(s string) string {
	s = Printable(s, false)
	if s == "" {
		return "` `"
	}
	n := longestRun(s, '`') + 1
	// Any run of exactly n backticks would close the span; n is longer than
	// every run in s, so none does.
	delim := strings.Repeat("`", n)
	pad := ""
	if s[0] == '`' || s[len(s)-1] == '`' || (s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "") {
		pad = " "
	}
	return delim + pad + s + pad + delim
}

// EscapeText returns s escaped for use as Markdown inline text, so that
// nothing in s can start emphasis, a link or autolink, raw HTML or JSX, an
// MDX expression or import, a Hugo shortcode, a list, heading or quote, or
// be changed by a typographer (quotes, dashes, ellipses), in any of the
// generators a page is read with: CommonMark and GitHub, Python-Markdown
// (MkDocs), goldmark (Hugo) and MDX (Docusaurus). Control characters and
// line breaks are shown as escapes.
//
// Python-Markdown takes a backslash escape only before \ ` * _ { } [ ] ( )
// # + - . ! and >, and shows the backslash before anything else, so
// those are backslash-escaped and the other marks that matter (< & " ' : @
// | ~ $ = ^) are written as character references, which every generator
// reads. A '-', '.' or '_' between two letters or digits (a file name
// such as my_trace-2.pcap) is left alone: there it starts nothing, and
// MkDocs shows a page title's escapes as they are written. Other
// punctuation (, ; ? / %) means nothing in any of them.
func EscapeText(s string) string {
	s = Printable(s, false)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	if strings.HasPrefix(s, "import") || strings.HasPrefix(s, "export") {
		// MDX reads a paragraph that begins with import or export as
		// JavaScript.
		b.WriteString("&#" + strconv.Itoa(int(s[0])) + ";")
		s = s[1:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '{', '}', '[', ']', '(', ')', '#', '+', '!', '>':
			b.WriteByte('\\')
		case '-', '.', '_':
			if !(alnum(utf8.DecodeLastRuneInString(s[:i])) && alnum(utf8.DecodeRuneInString(s[i+1:]))) ||
				c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www") {
				b.WriteByte('\\')
			}
		case '<', '&', '"', '\'', ':', '@', '|', '~', '$', '=', '^':
			b.WriteString("&#" + strconv.Itoa(int(c)) + ";")
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// alnum reports whether r is a letter or a digit.
func alnum(r rune, _ int) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Printable replaces what a reader cannot see in s: invalid UTF-8 becomes
// U+FFFD, and control characters (other than tab, and newline when
// keepNewlines is set) become Go-style escapes such as \r or \x00.
// Unicode format characters that change the direction of text (U+202A-U+202E,
// U+2066-U+2069) are escaped as \u202e and so on, so that a payload cannot
// reorder the text around it; so are private-use characters, which no font
// shows the same way.
func Printable(s string, keepNewlines bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || needsEscape(r, keepNewlines) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case needsEscape(r, keepNewlines):
			b.WriteString(EscapeRune(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(r rune, keepNewlines bool) bool {
	switch {
	case r == '\t':
		return false
	case r == '\n':
		return !keepNewlines
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return true
	case r >= 0xe000 && r <= 0xf8ff: // private use: no meaning a reader can see
		return true
	}
	return false
}

// EscapeRune returns the visible escape for a rune [Printable] will not print
// as is: \n, \r, \xHH below U+0100, \uHHHH otherwise.
func EscapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	}
	const hex = "0123456789abcdef"
	if r < 0x100 {
		return `\x` + string(hex[r>>4]) + string(hex[r&0xf])
	}
	return `\u` + string(hex[r>>12&0xf]) + string(hex[r>>8&0xf]) + string(hex[r>>4&0xf]) + string(hex[r&0xf])
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
