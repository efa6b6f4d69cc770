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
// at most limit of them.
func jsonStrings(data []byte, limit int) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	type open struct{ object, keyNext bool }
	var stack []open
	var out []string
	for len(out) < limit {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			if stack[n-1].keyNext { // a key: its value comes next
				stack[n-1].keyNext = false
				continue
			}
			stack[n-1].keyNext = true // after this value, a key
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, open{object: v == '{', keyNext: v == '{'})
		case string:
			out = append(out, v)
		}
	}
	return out
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
	c.recent = append(c.recent, causeEntry{m, contents})
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
	// with \u escapes still matches.
	var values []string
	if m.JSON && len(m.Data) <= causeScanBytes {
		values = jsonStrings(m.Data, causeContents*4)
	}
	carries := func(s string) bool {
		if bytes.Contains(text, []byte(s)) {
			return true
		}
		for _, v := range values {
			if strings.Contains(v, s) {
				return true
			}
		}
		return false
	}
	var best *Message
	bestScore := 0
	for i := len(c.recent) - 1; i >= 0; i-- {
		e := c.recent[i]
		score := 0
		for _, s := range e.contents {
			if carries(s) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = e.m, score
		}
	}
	m.CausedBy = best
}
