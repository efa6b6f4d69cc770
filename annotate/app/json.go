package app

import (
	"bytes"
	"encoding/json"
	"io"
)

// maxJSONDepth is the deepest nesting of JSON arrays and objects decoded;
// deeper values are reported as "json-too-deep" without being decoded, so a
// hostile payload costs one linear scan.
const maxJSONDepth = 64

// jsonDepth returns the deepest nesting of arrays and objects in b, counting
// brackets outside strings, and stops counting past limit.
func jsonDepth(b []byte, limit int) int {
	depth, max := 0, 0
	inStr, esc := false, false
	for _, c := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
			if depth > max {
				max = depth
				if max > limit {
					return max
				}
			}
		case ']', '}':
			depth--
		}
	}
	return max
}

// decodeJSON decodes one JSON value (numbers as json.Number). It returns an
// error name: "json-too-deep" or "bad-json".
func decodeJSON(b []byte) (any, string) {
	if jsonDepth(b, maxJSONDepth) > maxJSONDepth {
		return nil, "json-too-deep"
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, "bad-json"
	}
	// Only white space may follow the value: Decoder.More does not see a
	// stray ']' or '}'.
	if _, err := d.Token(); err != io.EOF {
		return nil, "bad-json"
	}
	return v, ""
}

// mayHold reports whether the JSON text b may decode to a value that holds
// the ASCII text s (in a key or a string): b holds s as it is, or b has an
// escape, which can spell s otherwise. Sniffers ask it before decoding
// every message of a connection that is not theirs.
func mayHold(b []byte, s string) bool {
	return bytes.IndexByte(b, '\\') >= 0 || bytes.Contains(b, []byte(s))
}

// jsonObject decodes b as a JSON object.
func jsonObject(b []byte) (map[string]any, string) {
	v, e := decodeJSON(b)
	if e != "" {
		return nil, e
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "not-an-object"
	}
	return m, ""
}

// jsonID returns a JSON id (string or number) as a string key, "" for none.
func jsonID(v any) string {
	switch x := v.(type) {
	case string:
		return "s" + x
	case json.Number:
		return "n" + x.String()
	}
	return ""
}

// idValue returns a JSON id as a field value: a string, or an int64 when it
// is an integer number, else the number's text.
func idValue(v any) any {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
		return n.String()
	}
	return v
}

// rawMember returns the named member of a JSON object as it was sent
// (nil when absent), so that a value keeps its members' order on pages.
// Call it on bytes decodeJSON accepted.
func rawMember(b []byte, name string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m[name]
}

// rawElements returns the elements of a JSON array as they were sent.
func rawElements(b []byte) []any {
	var a []json.RawMessage
	if json.Unmarshal(b, &a) != nil {
		return nil
	}
	out := make([]any, len(a))
	for i, e := range a {
		out[i] = e
	}
	return out
}
