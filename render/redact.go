package render

import (
	"bytes"
	"strings"

	"github.com/wstrace/wstrace/annotate"
)

// RedactMark is the byte that replaces each byte of a redacted value. Values
// keep their length, so that dumps stay aligned and sequence numbers still
// add up; the page says what was replaced.
const RedactMark = '*'

// secretHeader reports whether the value of the header name is a secret.
func secretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "cookie", "set-cookie", "set-cookie2", "authorization", "proxy-authorization",
		"x-api-key", "x-auth-token", "x-access-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token":
		return true
	}
	return false
}

// secretProtocol reports whether a Sec-WebSocket-Protocol value carries a
// credential, as some servers have clients send a token as a subprotocol.
func secretProtocol(value string) bool {
	v := strings.ToLower(value)
	return strings.Contains(v, "bearer") || strings.Contains(v, "token") || strings.Contains(v, "auth") ||
		strings.Contains(v, "jwt") || strings.Contains(value, "eyJ")
}

// secretParam reports whether a query parameter of this name, or with this
// value, is token-like.
func secretParam(name, value string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"token", "auth", "key", "secret", "pass", "pwd", "session", "sid", "jwt", "sig", "credential", "ticket", "code"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasPrefix(value, "eyJ") // a JSON Web Token
}

// RedactTarget returns an HTTP request target (or any URL) with the values
// of its token-like query parameters replaced by '*', and the names of the
// parameters it replaced.
func RedactTarget(target string) (string, []string) {
	b := []byte(target)
	names := redactQuery(b)
	return string(b), names
}

// redactQuery masks, in place, the values of token-like query parameters in
// b, which holds a URL or a request line. It returns their names.
func redactQuery(b []byte) []string {
	q := bytes.IndexByte(b, '?')
	if q < 0 {
		return nil
	}
	var names []string
	end := len(b)
	if i := bytes.IndexAny(b[q:], " #\r\n"); i >= 0 {
		end = q + i
	}
	for start := q + 1; start < end; {
		amp := bytes.IndexByte(b[start:end], '&')
		stop := end
		if amp >= 0 {
			stop = start + amp
		}
		name, value, ok := bytes.Cut(b[start:stop], []byte("="))
		if ok && len(value) > 0 && secretParam(string(name), string(value)) {
			for i := range value {
				value[i] = RedactMark
			}
			names = append(names, string(name))
		}
		start = stop + 1
	}
	return names
}

// A Redaction records one value the page does not show.
type Redaction struct {
	What  string // a header name, or a query parameter's name
	Bytes int    // how many bytes were replaced in this packet
}

// redactPayload masks secrets in a copy of a packet's TCP payload, using
// the fields the annotator found: the values of secret headers and the
// token-like parameters of request lines and Location, Referer and Origin
// headers. It returns payload itself when nothing was masked.
func redactPayload(payload []byte, fields []annotate.Field) ([]byte, []Redaction) {
	var out []byte
	var red []Redaction
	mask := func(r annotate.Range, from int64, what string, keepQuery bool) {
		if r.Start < 0 || r.End > len(payload) || r.Start >= r.End {
			return
		}
		if out == nil {
			out = bytes.Clone(payload)
		}
		part := out[r.Start:r.End]
		if keepQuery {
			if names := redactQuery(part); len(names) > 0 {
				n := bytes.Count(part, []byte{RedactMark}) - bytes.Count(payload[r.Start:r.End], []byte{RedactMark})
				red = append(red, Redaction{What: strings.Join(names, ", "), Bytes: n})
			}
			return
		}
		n := 0
		for i := range part {
			if int64(i)+from < 0 {
				continue
			}
			switch part[i] {
			case ' ', '\t', '\r', '\n':
				continue
			}
			part[i] = RedactMark
			n++
		}
		if n > 0 {
			red = append(red, Redaction{What: what, Bytes: n})
		}
	}
	for _, f := range fields {
		switch f.Kind {
		case annotate.FieldHTTPStartLine:
			mask(f.Payload, 0, "", true)
		case annotate.FieldHTTPHeader:
			// The value starts after "Name:"; Offset says where this part of
			// the field begins within the whole line.
			valueAt := int64(len(f.Name)+1) - f.Offset
			switch {
			case secretHeader(f.Name):
				mask(f.Payload, -valueAt, f.Name, false)
			case strings.EqualFold(f.Name, "Sec-WebSocket-Protocol") && secretProtocol(string(sub(payload, f.Payload))):
				mask(f.Payload, -valueAt, f.Name, false)
			case strings.EqualFold(f.Name, "Location"), strings.EqualFold(f.Name, "Referer"), strings.EqualFold(f.Name, "Content-Location"):
				mask(f.Payload, 0, f.Name, true)
			}
		}
	}
	if out == nil {
		return payload, nil
	}
	return out, red
}

// sub returns the bytes of b in r, as far as b has them.
func sub(b []byte, r annotate.Range) []byte {
	lo, hi := max(0, min(r.Start, len(b))), max(0, min(r.End, len(b)))
	if lo > hi {
		return nil
	}
	return b[lo:hi]
}
