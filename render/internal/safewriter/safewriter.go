// Package safewriter holds the last escaping step of every page writer:
// no control character from a capture reaches a terminal or a viewer.
package safewriter

import (
	"bytes"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"io"
)

// Writer is the last escaping step of the Markdown, HTML and text
// writers: it passes everything through to the underlying writer except
// control characters — C0 (other than tab and newline), DEL and C1
// (U+0080-U+009F, such as U+009B, CSI) — which it writes as the visible
// escapes [mdsafe.Printable] uses (\x1b, \r, \x9b). Whatever the layers before it
// missed, no capture can drive the terminal or the viewer that shows the
// page. Sequences the writer itself emits on purpose (a text page's
// colours) are listed as allowed and pass unchanged.
//
// Call Flush when done: a write may end in the middle of a character or an
// allowed sequence, which is held back until the next write.
type Writer struct {
	w       io.Writer
	allow   []string
	pending []byte
	out     []byte
	err     error
}

// special marks the bytes Writer looks at: C0 controls but tab and
// newline, DEL, and 0xc2, the first byte of a C1 control in UTF-8.
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n'
	}
	t[0x7f], t[0xc2] = true, true
	return t
}()

// New returns a Writer writing to w that lets the sequences
// in allow through unchanged.
func New(w io.Writer, allow ...string) *Writer {
	return &Writer{w: w, allow: allow}
}

// Write escapes the control characters of p and writes the rest.
func (s *Writer) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	data := p
	if len(s.pending) > 0 {
		data = append(s.pending, p...)
		s.pending = nil
	}
	out := s.out[:0]
	start := 0
	for i := 0; i < len(data); {
		// Skip what needs no look: printable ASCII, tab, newline and
		// bytes that do not begin a C1 character in UTF-8.
		for i < len(data) && !special[data[i]] {
			i++
		}
		if i == len(data) {
			break
		}
		c := data[i]
		switch {
		case c == 0xc2:
			if i+1 == len(data) {
				out = append(out, data[start:i]...)
				s.pending = append(s.pending[:0], c)
				start = len(data)
				i = len(data)
				continue
			}
			if d := data[i+1]; d >= 0x80 && d < 0xa0 {
				out = append(out, data[start:i]...)
				out = append(out, mdsafe.EscapeRune(rune(d))...)
				i += 2
				start = i
				continue
			}
			i++
			continue
		}
		// A C0 control or DEL.
		if c == 0x1b {
			if n, partial := s.allowed(data[i:]); n > 0 {
				i += n
				continue
			} else if partial {
				out = append(out, data[start:i]...)
				s.pending = append(s.pending[:0], data[i:]...)
				start, i = len(data), len(data)
				continue
			}
		}
		out = append(out, data[start:i]...)
		out = append(out, mdsafe.EscapeRune(rune(c))...)
		i++
		start = i
	}
	out = append(out, data[start:]...)
	s.out = out
	if _, err := s.w.Write(out); err != nil {
		s.err = err
		return 0, err
	}
	return len(p), nil
}

// allowed reports the length of the allowed sequence b begins with, or
// whether b is cut off inside one.
func (s *Writer) allowed(b []byte) (n int, partial bool) {
	for _, a := range s.allow {
		if bytes.HasPrefix(b, []byte(a)) {
			return len(a), false
		}
		if len(b) < len(a) && bytes.HasPrefix([]byte(a), b) {
			partial = true
		}
	}
	return 0, partial
}

// Flush writes what a write left held back, escaped.
func (s *Writer) Flush() error {
	if s.err != nil || len(s.pending) == 0 {
		return s.err
	}
	p := s.pending
	s.pending = nil
	s.allow = nil // a held-back sequence that never completed is not allowed
	if p[0] == 0xc2 && len(p) == 1 {
		_, s.err = s.w.Write(p)
		return s.err
	}
	_, err := s.Write(p)
	return err
}
