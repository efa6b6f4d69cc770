package annotate

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Limits of cause linking: how many recent client messages are remembered,
// how many of their text contents each keeps, and how much of a message is
// searched. They bound the work per message whatever the capture holds.
const (
	causeRecent     = 64
	causeContents   = 32
	causeScanBytes  = 16 << 10
	causeMinRunes   = 4
	causeMaxContent = 1 << 10
)

// causeIndex links a server's message to the client message that caused
// it: the latest earlier message from a client, on any connection, whose
// text content the server's message carries (see Message.CausedBy).
type causeIndex struct {
	recent []causeEntry // oldest first, at most causeRecent
}

// causeEntry is a client message with the contents a later message may
// carry: its whole text and its JSON string values of causeMinRunes or
// more characters.
type causeEntry struct {
	m        *Message
	contents []string
	bytes    [][]byte  // contents as bytes, searched for without a conversion each time
	sets     []byteSet // the bytes each content holds
}

// byteSet is a set of byte values. A text can carry a content only if it
// holds every byte the content holds: comparing their sets rules out most
// contents without a search.
type byteSet [4]uint64

func byteSetOf[S []byte | string](s S) byteSet {
	var set byteSet
	if len(s) <= 256 {
		for i := 0; i < len(s); i++ {
			set[s[i]>>6] |= 1 << (s[i] & 63)
		}
		return set
	}
	// A long text: marking bytes in a table does not wait, as setting
	// bits of the same word does, for the byte before.
	var seen [256]bool
	for i := 0; i < len(s); i++ {
		seen[s[i]] = true
	}
	for c, ok := range seen {
		if ok {
			set[c>>6] |= 1 << (c & 63)
		}
	}
	return set
}

// holds reports whether every byte of t is in s.
func (s *byteSet) holds(t *byteSet) bool {
	return t[0]&^s[0]|t[1]&^s[1]|t[2]&^s[2]|t[3]&^s[3] == 0
}

// textContents returns the whole text of data, when long enough, and its
// JSON string values (decoded) of at least causeMinRunes characters, each
// once. data must be UTF-8 text.
func textContents(data []byte, isJSON bool, limit int) []string {
	var out []string
	add := func(s string) {
		if utf8.RuneCountInString(s) < causeMinRunes || len(out) >= limit {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	if len(data) <= causeMaxContent {
		add(string(data))
	}
	if isJSON {
		for _, s := range jsonStrings(data, limit) {
			add(s)
		}
	}
	return out
}

// jsonStrings returns the string values (not keys) of a JSON text, decoded,
// at most limit of them, as encoding/json's Decoder.Token would give them,
// stopping at the first thing that is not JSON. It scans the text itself:
// a message's strings are read for every server message, and the Decoder
// costs a dozen allocations per token.
func jsonStrings(data []byte, limit int) []string {
	return appendJSONStrings(nil, data, limit, false)
}

// appendJSONStrings appends the string values jsonStrings returns to out;
// with decodedOnly, only those whose decoded form differs from their bytes
// in data (written with escapes, or not UTF-8), though the others still
// count toward limit.
func appendJSONStrings(out []string, data []byte, limit int, decodedOnly bool) []string {
	type open struct{ object, keyNext bool }
	var stack []open
	n := 0 // values seen
	for i := 0; i < len(data) && n < limit; {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
			continue
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
			continue
		}
		// A value, or an object's key.
		isKey := false
		if n := len(stack); n > 0 && stack[n-1].object {
			isKey = stack[n-1].keyNext
			stack[n-1].keyNext = !isKey
		}
		switch {
		case c == '{' || c == '[':
			if !isKey {
				stack = append(stack, open{object: c == '{', keyNext: c == '{'})
			}
			i++
		case c == '"':
			end, escaped := stringEnd(data, i+1)
			if end < 0 {
				return out // unterminated
			}
			if !isKey {
				raw := data[i : end+1]
				n++
				if escaped || !utf8.Valid(raw) {
					var v string
					if json.Unmarshal(raw, &v) != nil {
						return out
					}
					out = append(out, v)
				} else if !decodedOnly {
					out = append(out, string(raw[1:len(raw)-1]))
				}
			}
			i = end + 1
		default: // a number, true, false or null
			for i < len(data) && !isJSONDelim(data[i]) {
				i++
			}
		}
	}
	return out
}

// stringEnd returns the index of the quote that ends the JSON string whose
// contents start at data[i], or -1, and whether the string has escapes.
func stringEnd(data []byte, i int) (int, bool) {
	escaped := false
	for i < len(data) {
		j := bytes.IndexAny(data[i:], "\"\\")
		if j < 0 {
			return -1, escaped
		}
		i += j
		if data[i] == '"' {
			return i, escaped
		}
		escaped = true
		i += 2 // the backslash and the character it escapes
	}
	return -1, escaped
}

// isJSONDelim reports whether c ends a JSON number or literal.
func isJSONDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '}', ']', '{', '[', '"':
		return true
	}
	return false
}

// add remembers a client's text message.
func (c *causeIndex) add(m *Message) {
	if !m.Text || m.Incomplete || len(m.Data) == 0 {
		return
	}
	contents := textContents(m.Data, m.JSON, causeContents)
	if len(contents) == 0 {
		return
	}
	if len(c.recent) == causeRecent {
		copy(c.recent, c.recent[1:])
		c.recent = c.recent[:causeRecent-1]
	}
	bs := make([][]byte, len(contents))
	sets := make([]byteSet, len(contents))
	for i, s := range contents {
		bs[i] = []byte(s)
		sets[i] = byteSetOf(s)
	}
	c.recent = append(c.recent, causeEntry{m, contents, bs, sets})
}

// link sets m.CausedBy for a server's text message: the remembered client
// message whose contents m carries, the most of them and the latest on a
// tie.
func (c *causeIndex) link(m *Message) {
	if !m.Text || len(m.Data) == 0 || len(c.recent) == 0 {
		return
	}
	text := m.Data
	if len(text) > causeScanBytes {
		text = text[:causeScanBytes]
	}
	// The server's own string values, decoded, so that a value it writes
	// with \u escapes still matches. (A value written as it reads is a
	// part of text: what it holds, text holds.)
	var values []string
	var valueSets []byteSet
	if m.JSON && len(m.Data) <= causeScanBytes {
		values = appendJSONStrings(nil, m.Data, causeContents*4, true)
		for _, v := range values {
			valueSets = append(valueSets, byteSetOf(v))
		}
	}
	textSet := byteSetOf(text)
	carries := func(e *causeEntry, j int) bool {
		set := &e.sets[j]
		if textSet.holds(set) && bytes.Contains(text, e.bytes[j]) {
			return true
		}
		for k, v := range values {
			if valueSets[k].holds(set) && strings.Contains(v, e.contents[j]) {
				return true
			}
		}
		return false
	}
	var best *Message
	bestScore := 0
	for i := len(c.recent) - 1; i >= 0; i-- {
		e := &c.recent[i]
		score := 0
		for j := range e.contents {
			if carries(e, j) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = e.m, score
		}
	}
	m.CausedBy = best
}
