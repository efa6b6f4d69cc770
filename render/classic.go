package render

import (
	"strconv"
	"strings"
	"unicode"
)

// classicWidth is the column at which classic comments wrap.
const classicWidth = 100

// Comment returns the packet's classic comment: "/*", the packet number
// and the phase ("#15 WebSocket 連接的建立"), one line
// per sentence and note (wrapped at 100 columns), " */". Everything is
// plain text; a "*/" inside the text is written "* /" so that it cannot end
// the comment early.
func (p *Packet) Comment() string {
	var b strings.Builder
	b.WriteString("/*\n")
	lines := p.commentLines(glue)
	// The first line begins with the packet number, which the sentences
	// of other packets refer to: "#15 WebSocket 連接的建立".
	lines[0] = "#" + strconv.Itoa(p.Number) + " " + lines[0]
	for _, s := range lines {
		for _, l := range Wrap(s, classicWidth-3) {
			b.WriteString(" * ")
			b.WriteString(strings.ReplaceAll(l, string(glue), " "))
			b.WriteByte('\n')
		}
	}
	b.WriteString(" */\n")
	return b.String()
}

// CommentLines returns the lines of the packet's explanation as plain
// text: the phase, the sentences, the notes.
func (p *Packet) CommentLines() []string { return p.commentLines(0) }

// glue stands for a space that wrapping must not break at (see plainText).
// Printable escapes it, so it cannot come from the wire.
const glue = '\ue000'

func (p *Packet) commentLines(glue rune) []string {
	lines := []string{plainText(p.Title, glue)}
	for _, s := range p.Text {
		lines = append(lines, plainText(s, glue))
	}
	for _, s := range p.Notes {
		lines = append(lines, plainText(s, glue))
	}
	for i, l := range lines {
		// Values from the wire went through Printable when they became
		// Markdown (CodeSpan, EscapeText); the catalog's own line breaks
		// become spaces.
		l = strings.ReplaceAll(l, "\n", " ")
		lines[i] = strings.ReplaceAll(l, "*/", "* /")
	}
	return lines
}

// Block returns the packet's tcpdump line and dump, as tcpdump prints them.
func (p *Packet) Block() string {
	return p.Line + "\n" + p.Dump.String()
}

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
