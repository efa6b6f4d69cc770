package render

import (
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"github.com/wstrace/wstrace/render/internal/textwidth"
	"strconv"
	"strings"
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
		for _, l := range textwidth.Wrap(s, classicWidth-3) {
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
	lines := []string{mdsafe.PlainTextGlued(p.Title, glue)}
	for _, s := range p.Text {
		lines = append(lines, mdsafe.PlainTextGlued(s, glue))
	}
	for _, s := range p.Notes {
		lines = append(lines, mdsafe.PlainTextGlued(s, glue))
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
