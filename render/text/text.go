// Package text writes a tutorial page ([render.Page]) as plain text for a
// terminal, with ANSI colours when asked for.
//
// Everything from the wire reaches the terminal as printable text: dumps
// show '.' for other bytes, and payloads and quoted values have control
// characters (escape sequences included) written as \x1b and so on, so a
// capture cannot drive the terminal.
package text

import (
	"bufio"
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"github.com/wstrace/wstrace/render/internal/textwidth"
	"io"
	"os"
	"strings"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/safewriter"
	"github.com/wstrace/wstrace/render/markdown"
)

// Options tunes the text output.
type Options struct {
	// Color writes ANSI colours and bold. Use IsTerminal(os.Stdout).
	Color bool
	// Width is where prose wraps; 0 means 100 columns.
	Width int
}

// IsTerminal reports whether f is a terminal (a character device), the
// test for writing colours to standard output.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ANSI styles.
const (
	reset   = "\x1b[0m"
	bold    = "\x1b[1m"
	dim     = "\x1b[2m"
	green   = "\x1b[32m"
	yellow  = "\x1b[33m"
	magenta = "\x1b[35m"
	cyan    = "\x1b[36m"
)

type writer struct {
	w     *bufio.Writer
	color bool
	width int
}

// style returns s, with control characters shown as escapes, in the ANSI
// style code.
func (t *writer) style(s, code string) string {
	s = mdsafe.Printable(s, false)
	if !t.color || s == "" {
		return s
	}
	return code + s + reset
}

func (t *writer) line(s string) { t.w.WriteString(s + "\n") }

// para writes Markdown text as wrapped plain text, indented.
func (t *writer) para(md, indent, code string) {
	for _, l := range textwidth.Wrap(mdsafe.PlainText(md), t.width-len(indent)) {
		t.line(indent + t.style(l, code))
	}
}

func (t *writer) heading(md string, level int) {
	s := mdsafe.PlainText(md)
	t.line("")
	t.line(t.style(s, bold+cyan))
	switch level {
	case 1:
		t.line(t.style(strings.Repeat("=", textwidth.TextWidth(s)), cyan))
	case 2:
		t.line(t.style(strings.Repeat("-", textwidth.TextWidth(s)), cyan))
	}
	t.line("")
}

// block writes raw lines (a dump, a diagram) indented.
func (t *writer) block(s, indent, code string) {
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		t.line(indent + t.style(l, code))
	}
}

// Write writes the page as text.
func Write(w io.Writer, p *render.Page, opts Options) error {
	// Everything goes through safewriter.Writer, the one step that keeps
	// control characters from the wire off the terminal; only the
	// writer's own colours pass.
	sw := safewriter.New(w, reset, bold, dim, green, yellow, magenta, cyan)
	t := &writer{w: bufio.NewWriter(sw), color: opts.Color, width: opts.Width}
	if t.width <= 0 {
		t.width = 100
	}
	title := mdsafe.PlainText(p.Title)
	t.line(t.style(title, bold))
	t.line(strings.Repeat("=", textwidth.TextWidth(title)))
	t.line("")
	for _, s := range p.Intro {
		t.para(s, "", "")
		t.line("")
	}
	if p.Style == render.StyleClassic {
		for _, n := range p.Notes {
			t.para(n, "", magenta)
		}
		t.line("")
		endsBlank := false // the last dump ends with a blank line (an HTTP head's)
		for i, pk := range p.Packets {
			if i > 0 && !endsBlank {
				t.line("")
			}
			t.block(pk.Comment(), "", green)
			t.block(pk.Line, "", bold)
			dump := pk.Dump.String()
			endsBlank = strings.HasSuffix(dump, "\n\n")
			t.block(dump, "", "")
		}
	} else {
		t.guide(p)
	}
	t.heading(p.Label("ui.label.legend"), 2)
	for _, f := range p.Legend {
		t.line("  " + mdsafe.Printable(mdsafe.PlainText(f.Label), false) + "  " + mdsafe.Printable(mdsafe.PlainText(f.Value), false))
	}
	if len(p.Glossary) > 0 {
		t.heading(p.Label("ui.label.glossary"), 2)
		for _, f := range p.Glossary {
			t.para(f.Label+p.Colon()+p.SentenceSep()+f.Value, "  ", "")
		}
	}
	if len(p.Exercises) > 0 {
		t.heading(p.Label("ui.label.exercises"), 2)
		for i, e := range p.Exercises {
			t.para(fmt.Sprintf("%d\\. %s", i+1, e.Question), "  ", "")
		}
		t.heading(p.Label("ui.label.answers"), 3)
		for i, e := range p.Exercises {
			t.para(fmt.Sprintf("%d\\. %s", i+1, e.Answer), "  ", "")
		}
	}
	if len(p.References) > 0 {
		t.heading(p.Label("ui.label.references"), 2)
		for _, r := range p.References {
			t.line("  " + mdsafe.Printable(mdsafe.PlainText(r.Title), false) + "  " + r.URL)
		}
	}
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("text: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("text: %w", err)
	}
	return nil
}

func (t *writer) guide(p *render.Page) {
	t.heading(p.Label("ui.label.summary"), 2)
	var rows [][]string
	for _, f := range p.Summary {
		rows = append(rows, []string{mdsafe.PlainText(f.Label), mdsafe.PlainText(f.Value)})
	}
	t.block(markdown.Columns(rows), "  ", "")
	for _, n := range p.Notes {
		t.line("")
		t.para(n, "  ", magenta)
	}
	for _, s := range p.Sections {
		t.heading(s.Title, 2)
		for _, para := range s.Prose {
			t.para(para, "", "")
			t.line("")
		}
		for _, pk := range s.Packets {
			t.line(t.style(mdsafe.PlainText(pk.Heading), bold))
			for _, s := range pk.Text {
				t.para(s, "  ", "")
			}
			t.line("")
			t.block(pk.Line, "    ", yellow)
			t.block(pk.Dump.String(), "    ", dim)
			for _, n := range pk.Notes {
				t.para(n, "  ! ", magenta)
			}
			for _, f := range pk.Frames {
				t.line("")
				t.para(f.Title, "  ", bold)
				t.block(f.Diagram, "    ", "")
				rows := [][]string{{mdsafe.PlainText(p.Label("ui.label.field")), mdsafe.PlainText(p.Label("ui.label.bits")), mdsafe.PlainText(p.Label("ui.label.value")), mdsafe.PlainText(p.Label("ui.label.meaning")), mdsafe.PlainText(p.Label("ui.label.bytes"))}}
				for _, r := range f.Rows {
					rows = append(rows, []string{r.Name, r.Bits, mdsafe.PlainText(r.Value), mdsafe.PlainText(r.Meaning), r.Hex})
				}
				t.block(markdown.Columns(rows), "    ", "")
			}
			for _, pl := range pk.Payloads {
				t.line("")
				t.para(pl.Title, "  ", bold)
				for _, s := range pl.Steps {
					t.para(s, "  ", "")
				}
				if pl.Unmask != nil {
					t.block(markdown.Columns(pl.Unmask), "    ", "")
				}
				switch {
				case pl.Hex != nil:
					t.block(pl.Hex.String(), "    ", "")
				case pl.Text != "":
					t.block(pl.Text, "    ", green)
				}
				if pl.Note != "" {
					t.para(pl.Note, "  ! ", magenta)
				}
			}
			t.line("")
		}
	}
}
