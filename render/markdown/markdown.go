// Package markdown writes a tutorial page ([render.Page]) as Markdown
// (CommonMark with GitHub tables), from the layouts in the templates
// package: layout/guide.md.tmpl and layout/classic.md.tmpl, which
// `--templates DIR` can replace.
//
// Every byte from the wire ends up inside a code block, a code span or
// escaped text, so a capture cannot inject links, HTML or formatting.
package markdown

import (
	"bytes"
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"github.com/wstrace/wstrace/render/internal/textwidth"
	"io"
	"io/fs"
	"strings"
	"text/template"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/safewriter"
)

// Write writes the page as Markdown. The page goes to w as the layout
// runs, so a layout that fails part way (a --templates override, say) may
// leave part of the page written.
func Write(w io.Writer, p *render.Page) error {
	name := "layout/guide.md.tmpl"
	if p.Style == render.StyleClassic {
		name = "layout/classic.md.tmpl"
	}
	src, err := fs.ReadFile(p.Layout(), name)
	if err != nil {
		return fmt.Errorf("markdown: reading layout: %w", err)
	}
	t, err := template.New(name).Funcs(Funcs(p)).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return fmt.Errorf("markdown: layout %s: %w", name, err)
	}
	// The page goes out as the layout runs, through a filter that drops
	// the extra blank lines and safewriter.Writer, the one step that keeps
	// control characters from the wire out of the page.
	sw := safewriter.New(w)
	cw := &collapser{w: sw}
	err = t.Execute(cw, p)
	if cw.err != nil {
		return fmt.Errorf("markdown: %w", cw.err)
	}
	if err != nil {
		return fmt.Errorf("markdown: layout %s: %w", name, err)
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	return nil
}

// Funcs returns the functions the Markdown layouts use.
func Funcs(p *render.Page) template.FuncMap {
	return template.FuncMap{
		"label":     p.Label,
		"codeblock": mdsafe.CodeBlock,
		"code":      mdsafe.CodeSpan,
		"heading":   func(level int) string { return strings.Repeat("#", min(max(level, 1), 6)) },
		"inc":       func(n int) int { return n + 1 },
		"join":      strings.Join,
		"cell":      cell,
		"columns":   Columns,
		"classic":   Classic,
	}
}

// cell makes Markdown inline text safe in a table cell: a pipe would end
// the cell, so it is escaped (GitHub tables unescape it, even in code).
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// Columns lays out rows of cells in aligned columns of plain text.
func Columns(rows [][]string) string {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], textwidth.TextWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-textwidth.TextWidth(c)))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Classic returns the classic code block's content: each packet's comment,
// line and dump, a blank line between packets (none after a dump that
// ends with blank lines already, such as an HTTP head's).
func Classic(packets []*render.Packet) string {
	var b strings.Builder
	for i, p := range packets {
		if i > 0 && !strings.HasSuffix(b.String(), "\n\n") {
			b.WriteByte('\n')
		}
		b.WriteString(p.Comment())
		b.WriteString(p.Block())
	}
	return b.String()
}

// collapser is a writer that removes runs of blank lines outside fenced
// code blocks from what goes through it, a line at a time, so that layouts
// can be written with generous spacing. Inside fenced code blocks nothing
// changes: the dumps keep their blank lines. Close writes the last line if
// it has no newline.
type collapser struct {
	w       io.Writer
	err     error
	partial []byte // the start of a line whose newline has not come yet
	out     []byte // lines kept, not yet written
	wrote   bool   // something was kept
	fence   string // the fence of the code block we are in, or ""
	blank   int    // blank lines in a row
}

// collapserFlush is how much kept text the collapser gathers before it
// writes.
const collapserFlush = 32 << 10

func (c *collapser) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.partial = append(c.partial, p...)
			break
		}
		if len(c.partial) > 0 {
			c.partial = append(c.partial, p[:i+1]...)
			c.line(c.partial)
			c.partial = c.partial[:0]
		} else {
			c.line(p[:i+1])
		}
		p = p[i+1:]
	}
	if len(c.out) >= collapserFlush {
		c.flush()
	}
	return n, c.err
}

// Close handles the last line and writes what is left.
func (c *collapser) Close() error {
	if len(c.partial) > 0 {
		c.line(c.partial)
		c.partial = c.partial[:0]
	}
	c.flush()
	return c.err
}

func (c *collapser) flush() {
	if c.err == nil && len(c.out) > 0 {
		_, c.err = c.w.Write(c.out)
	}
	c.out = c.out[:0]
}

// line takes one line, with its newline (but for the last line of all).
func (c *collapser) line(line []byte) {
	trimmed := bytes.TrimRight(line, "\n")
	if c.fence != "" {
		c.keep(line)
		if string(bytes.TrimRight(trimmed, " ")) == c.fence {
			c.fence = ""
		}
		return
	}
	if len(trimmed) >= 3 && trimmed[0] == '`' {
		c.fence = fenceOf(string(trimmed))
	}
	if len(bytes.TrimSpace(trimmed)) == 0 {
		c.blank++
		if c.blank > 1 || !c.wrote {
			return
		}
	} else {
		c.blank = 0
	}
	c.keep(line)
}

func (c *collapser) keep(line []byte) {
	if len(line) > 0 {
		c.wrote = true
	}
	if bytes.Contains(line, shortcodeOpen) || bytes.Contains(line, shortcodeOpenMarkup) {
		line = breakShortcodes(line)
	}
	c.out = append(c.out, line...)
}

// Hugo reads "{{<" and "{{%" as the start of a shortcode anywhere in a
// page, code blocks and code spans included, and fails the build when
// what follows names none. Escaped text never holds them ('{' is escaped),
// but code from the wire can: there the writer puts an invisible
// WORD JOINER (U+2060) between the braces and '<' or '%', the one change
// it makes to anything tcpdump printed.
var (
	shortcodeOpen       = []byte("{{<")
	shortcodeOpenMarkup = []byte("{{%")
)

// wordJoiner is what breaks a Hugo shortcode's opening in a page.
const wordJoiner = "\u2060"

func breakShortcodes(line []byte) []byte {
	line = bytes.ReplaceAll(line, shortcodeOpen, []byte("{{"+wordJoiner+"<"))
	return bytes.ReplaceAll(line, shortcodeOpenMarkup, []byte("{{"+wordJoiner+"%"))
}

// fenceOf returns the backtick run that opens a fenced code block on this
// line, or "".
func fenceOf(line string) string {
	n := 0
	for n < len(line) && line[n] == '`' {
		n++
	}
	if n < 3 {
		return ""
	}
	return line[:n]
}
