package annotate

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// causes returns, for each server message that has a cause, the packet of
// the message and the packet of its cause.
func causes(res *Result) map[int]int {
	out := map[int]int{}
	for _, m := range res.Messages {
		if m.CausedBy != nil {
			out[m.Packet] = m.CausedBy.Packet
		}
	}
	return out
}

// TestCausedBy links the server's messages of the seed capture to the
// browsers' messages whose content they carry: the login notice of packet
// 24 (to the other browser) to mynick's login in 19, the chat line of 29
// to what mynick said in 26.
func TestCausedBy(t *testing.T) {
	res := annotateFile(t, "workerman-chat.pcap", Options{})
	got := causes(res)
	want := map[int]int{10: 8, 20: 19, 22: 19, 24: 19, 27: 26, 29: 26}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("packet %d: caused by packet %d, want %d", p, got[p], c)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("packet %d: caused by packet %d, want no cause", p, got[p])
		}
	}
	for _, pi := range res.Packets {
		for _, e := range pi.Events {
			if e.Kind == "ws-message" && e.Message.CausedBy != nil {
				if e.Int("caused_by") != int64(e.Message.CausedBy.Index) || e.Int("cause_packet") != int64(e.Message.CausedBy.Packet) {
					t.Errorf("packet %d: event params %v", pi.Number, e.Params)
				}
			}
		}
	}
}

// TestCausedByChromium: in the Chromium captures the server's messages
// carry what the mynick tab sent: its login name, its chat lines, the
// frag request; a server message never points at a later or server message.
func TestCausedByChromium(t *testing.T) {
	for _, name := range []string{"chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"} {
		res := annotateFile(t, name, Options{})
		n := 0
		for _, m := range res.Messages {
			c := m.CausedBy
			if c == nil {
				continue
			}
			n++
			if m.From != Server || c.From != Client || c.Index >= m.Index {
				t.Errorf("%s: message %d (packet %d) caused by message %d (packet %d, %s)", name, m.Index, m.Packet, c.Index, c.Packet, c.From)
			}
		}
		if n < 4 {
			t.Errorf("%s: only %d server messages have a cause", name, n)
		}
	}
}

func TestJSONStrings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"type":"login","name":"\u732a\u732a"}`, []string{"login", "猪猪"}},
		{`{"a":["x",{"b":"y"}],"c":{"d":"e"},"f":1,"g":"h"}`, []string{"x", "y", "e", "h"}},
		{`["k",{"k":"v"}]`, []string{"k", "v"}},
		{`{"a":`, nil},
	} {
		if got := jsonStrings([]byte(tc.in), 10); !slices.Equal(got, tc.want) {
			t.Errorf("jsonStrings(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// decoderStrings is jsonStrings written with encoding/json's Decoder, the
// oracle of TestJSONStringsDecoder.
func decoderStrings(data []byte, limit int) []string {
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
			if stack[n-1].keyNext {
				stack[n-1].keyNext = false
				continue
			}
			stack[n-1].keyNext = true
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

// TestJSONStringsDecoder: jsonStrings gives what encoding/json's Decoder
// gives for every JSON message of the test captures and for texts with
// escapes, nesting, numbers and literals.
func TestJSONStringsDecoder(t *testing.T) {
	texts := []string{
		`{"a":"b\"c","d":"\\","e":"\ud83d\ude00 \u00e9","f":"\ud800"}`,
		` [ 1 , -2.5e3 , true , false , null , "x" , [ "y" , { } ] , { "k" : [ "z" ] } ] `,
		`{"a":{"b":{"c":["d",{"e":"f"}]}},"g":[],"h":{},"i":"j"}`,
		"{\"a\":\"\xff\xfe ok\"}", // invalid UTF-8 becomes U+FFFD
		`["a","b","c","d","e","f","g","h","i","j","k","l"]`,
		`{"a":`, `["x`, `["x\`, `{"k":"v"`, `[]`, `{}`,
	}
	files, _ := filepath.Glob("../testdata/*.pcap*")
	for _, f := range files {
		res := annotatePath(t, f, Options{})
		for _, m := range res.Messages {
			if m.JSON {
				texts = append(texts, string(m.Data))
			}
		}
	}
	if len(texts) < 50 {
		t.Fatalf("only %d texts", len(texts))
	}
	for _, tc := range texts {
		for _, limit := range []int{3, 128} {
			if got, want := jsonStrings([]byte(tc), limit), decoderStrings([]byte(tc), limit); !slices.Equal(got, want) {
				t.Errorf("jsonStrings(%.200s, %d) = %q, want %q", tc, limit, got, want)
			}
			// The values left out with decodedOnly are in the text as they
			// are; those kept are not.
			want := decoderStrings([]byte(tc), limit)
			decoded := appendJSONStrings(nil, []byte(tc), limit, true)
			var verbatim []string
			for _, v := range want {
				if len(decoded) > 0 && v == decoded[0] && !bytes.Contains([]byte(tc), []byte(`"`+v+`"`)) {
					decoded = decoded[1:]
				} else {
					verbatim = append(verbatim, v)
				}
			}
			if len(decoded) > 0 {
				t.Errorf("appendJSONStrings(%.200s, %d, true): %q beyond what jsonStrings gives", tc, limit, decoded)
			}
			for _, v := range verbatim {
				if !bytes.Contains([]byte(tc), []byte(v)) {
					t.Errorf("appendJSONStrings(%.200s, %d, true) leaves out %q, not in the text", tc, limit, v)
				}
			}
		}
	}
}

// TestCausedByUserList: the user list the server sends the second tab
// names both tabs; it answers the second tab's login (packet 22), the
// latest of the two logins it carries a name of.
func TestCausedByUserList(t *testing.T) {
	got := causes(annotateFile(t, "chromium-ws-plain-any.pcap", Options{}))
	for p, c := range map[int]int{9: 8, 23: 22, 24: 22, 33: 31, 40: 37} {
		if got[p] != c {
			t.Errorf("packet %d: caused by packet %d, want %d", p, got[p], c)
		}
	}
}

// TestByteSet: a set holds another exactly when it has every byte of it.
func TestByteSet(t *testing.T) {
	texts := []string{"", "a", "abc", "cba", "\x00\xff", "\x3f\x40\x7f\x80\xbf\xc0", "猪猪", "{\"type\":\"login\"}", "xxxx"}
	long := make([]byte, 300) // past the length that takes the table
	for i := range long {
		long[i] = byte(i * 7)
	}
	texts = append(texts, string(long), strings.Repeat("x", 1000), strings.Repeat("yx", 200))
	for _, a := range texts {
		for _, b := range texts {
			sa, sb := byteSetOf(a), byteSetOf([]byte(b))
			want := true
			for i := 0; i < len(b); i++ {
				if !bytes.Contains([]byte(a), []byte{b[i]}) {
					want = false
				}
			}
			if got := sa.holds(&sb); got != want {
				t.Errorf("byteSetOf(%q).holds(byteSetOf(%q)) = %v, want %v", a, b, got, want)
			}
		}
	}
}
