package httpmsg

import (
	"fmt"
	"strings"
)

// A Field is one header field line as it appeared in the message.
type Field struct {
	Name  string // field name in its original case
	Value string // field value without surrounding whitespace; folded lines are joined with one space
	// Offset is the position of the field's first byte relative to the start
	// of the parsed input, and Length the number of bytes of the field line(s)
	// up to, but not including, the final line terminator.
	Offset, Length int
}

// A Header is the ordered list of header fields of a message, with names
// and values as they were sent.
type Header []Field

// Get returns the value of the first field named name (compared without
// regard to case), or "" if there is none.
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether a field named name is present.
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Values returns the values of all fields named name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Tokens returns the comma-separated elements of all fields named name,
// with surrounding whitespace removed and empty elements dropped, as for
// "Connection: keep-alive, Upgrade". Quoted strings are not interpreted.
func (h Header) Tokens(name string) []string {
	var ts []string
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if t = strings.Trim(t, " \t"); t != "" {
				ts = append(ts, t)
			}
		}
	}
	return ts
}

// HasToken reports whether token is one of h.Tokens(name), compared without
// regard to case.
func (h Header) HasToken(name, token string) bool {
	for _, t := range h.Tokens(name) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// addLine parses one header line (without terminator) found at offset off.
func (h *Header) addLine(line []byte, off int) error {
	if line[0] == ' ' || line[0] == '\t' {
		// obs-fold (RFC 9112 §5.2): a continuation of the previous value.
		if len(*h) == 0 {
			return &SyntaxError{Offset: off, Msg: "continuation line before the first header field"}
		}
		if err := checkValue(line, off); err != nil {
			return err
		}
		f := &(*h)[len(*h)-1]
		if v := strings.Trim(string(line), " \t"); v != "" {
			if f.Value == "" {
				f.Value = v
			} else {
				f.Value += " " + v
			}
		}
		f.Length = off + len(line) - f.Offset
		return nil
	}
	colon := indexByte(line, ':')
	if colon < 0 {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("header line %q has no colon", quotePrefix(line))}
	}
	name := line[:colon]
	if !isToken(name) {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid header field name %q", quotePrefix(name))}
	}
	value := line[colon+1:]
	if err := checkValue(value, off); err != nil {
		return err
	}
	// One string holds the name and the value.
	text := string(line)
	*h = append(*h, Field{
		Name:   text[:colon],
		Value:  strings.Trim(text[colon+1:], " \t"),
		Offset: off,
		Length: len(line),
	})
	return nil
}

// checkValue rejects control characters other than HTAB in a field value.
func checkValue(v []byte, off int) error {
	for _, c := range v {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return &SyntaxError{Offset: off, Msg: fmt.Sprintf("header field value contains control character %#02x", c)}
		}
	}
	return nil
}

// checkPartialField rejects a partial header line that can no longer become
// valid, so that garbage after a valid start line is reported early.
func checkPartialField(b []byte, off int, h Header) error {
	if len(b) == 0 {
		return nil
	}
	if b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return nil
	}
	if b[0] == ' ' || b[0] == '\t' {
		if len(h) == 0 {
			return &SyntaxError{Offset: off, Msg: "continuation line before the first header field"}
		}
		return checkValue(b, off)
	}
	colon := indexByte(b, ':')
	if colon < 0 {
		if !isToken(b) {
			return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid header field name %q", quotePrefix(b))}
		}
		return nil
	}
	if !isToken(b[:colon]) {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid header field name %q", quotePrefix(b[:colon]))}
	}
	return checkValue(b[colon+1:], off)
}
