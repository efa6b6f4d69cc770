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
	"io"
	"io/fs"
	"strings"
	"text/template"

	"github.com/wstrace/wstrace/render"
)

// Write writes the page as Markdown.
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
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return fmt.Errorf("markdown: layout %s: %w", name, err)
	}
	out := collapseBlankLines(buf.Bytes())
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	return nil
}

// Funcs returns the functions the Markdown layouts use.
func Funcs(p *render.Page) template.FuncMap {
	return template.FuncMap{
		"label":     p.Label,
		"codeblock": render.CodeBlock,
		"code":      render.CodeSpan,
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
			widths[i] = max(widths[i], render.TextWidth(c))
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
				line.WriteString(strings.Repeat(" ", widths[i]-render.TextWidth(c)))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Classic returns the classic code block's content: each packet's comment,
// line and dump, a blank line between packets.
func Classic(packets []*render.Packet) string {
	var b strings.Builder
	for i, p := range packets {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Comment())
		b.WriteString(p.Block())
	}
	return b.String()
}

// collapseBlankLines removes runs of blank lines outside code blocks, so
// that layouts can be written with generous spacing. Inside fenced code
// blocks nothing changes: the dumps keep their blank lines.
func collapseBlankLines(in []byte) []byte {
	var out bytes.Buffer
	fence := ""
	blank := 0
	for _, line := range strings.SplitAfter(string(in), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if fence != "" {
			out.WriteString(line)
			if strings.TrimRight(trimmed, " ") == fence {
				fence = ""
			}
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			fence = f
		}
		if strings.TrimSpace(trimmed) == "" {
			blank++
			if blank > 1 || out.Len() == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out.WriteString(line)
	}
	return out.Bytes()
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
