// Package redact masks the secrets a capture may hold (cookies,
// authorization headers, token-like query values and subprotocols) the
// same way in every output format. A masked value keeps its length, so that
// dumps stay aligned and sequence numbers still add up.
package redact

import (
	"bytes"
	"strings"

	"github.com/wstrace/wstrace/annotate"
)

// Mark is the byte that replaces each byte of a redacted value. Values
// keep their length, so that dumps stay aligned and sequence numbers still
// add up; the page says what was replaced.
const Mark = '*'

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

// Target returns an HTTP request target (or any URL) with the values
// of its token-like query parameters replaced by '*', and the names of the
// parameters it replaced.
func Target(target string) (string, []string) {
	b := []byte(target)
	names := Query(b)
	return string(b), names
}

// Query masks, in place, the values of token-like query parameters in
// b, which holds a URL or a request line. It returns their names.
func Query(b []byte) []string {
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
				value[i] = Mark
			}
			names = append(names, string(name))
		}
		start = stop + 1
	}
	return names
}

// A Part records one value a page does not show.
type Part struct {
	What  string // a header name, or a query parameter's name
	Bytes int    // how many bytes were replaced in this packet
}

// Payload masks secrets in a copy of a packet's TCP payload, using
// the fields the annotator found: the values of secret headers and the
// token-like parameters of request lines and Location, Referer and Origin
// headers. It returns payload itself when nothing was masked.
func Payload(payload []byte, fields []annotate.Field) ([]byte, []Part) {
	var out []byte
	var red []Part
	mask := func(r annotate.Range, from int64, what string, keepQuery bool) {
		if r.Start < 0 || r.End > len(payload) || r.Start >= r.End {
			return
		}
		if out == nil {
			out = bytes.Clone(payload)
		}
		part := out[r.Start:r.End]
		if keepQuery {
			if names := Query(part); len(names) > 0 {
				n := bytes.Count(part, []byte{Mark}) - bytes.Count(payload[r.Start:r.End], []byte{Mark})
				red = append(red, Part{What: strings.Join(names, ", "), Bytes: n})
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
			part[i] = Mark
			n++
		}
		if n > 0 {
			red = append(red, Part{What: what, Bytes: n})
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
			case strings.EqualFold(f.Name, "Sec-WebSocket-Protocol") && secretProtocol(string(f.Payload.In(payload))):
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

// Head masks secrets in a copy of decrypted bytes that start with an
// HTTP head, as Payload does for a head seen in clear text: the
// values of secret headers and token-like query parameters of the request
// line.
func Head(b []byte) []byte {
	first, _, _ := bytes.Cut(b, []byte("\r\n"))
	if !bytes.HasPrefix(first, []byte("HTTP/1.")) && !bytes.Contains(first, []byte(" HTTP/1.")) {
		return b
	}
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(b)
	}
	out := bytes.Clone(b)
	for i, line := 0, 0; i < end; line++ {
		j := bytes.Index(out[i:end], []byte("\r\n"))
		if j < 0 {
			j = end - i
		}
		l := out[i : i+j]
		if line == 0 {
			if sp := bytes.IndexByte(l, ' '); sp > 0 {
				Query(l[sp+1:])
			}
		} else if c := bytes.IndexByte(l, ':'); c > 0 && secretHeader(string(l[:c])) {
			for k := c + 1; k < len(l); k++ {
				if l[k] != ' ' && l[k] != '\t' {
					l[k] = Mark
				}
			}
		}
		i += j + 2
	}
	return out
}

// Line returns a packet's tcpdump line with the token-like query
// values of any request target it shows masked, as pages show it.
// It masks the request target in the line (tcpdump prints the first line
// of HTTP on well-known ports).
func Line(line string, pi *annotate.PacketInfo) string {
	for _, e := range pi.Events {
		if path := e.String("path"); path != "" {
			if red, names := Target(path); len(names) > 0 {
				line = strings.ReplaceAll(line, path, red)
			}
		}
	}
	return line
}

// Param returns the value of an event parameter or upgrade field
// named name as every format shows it under --redact: a request target
// ("path") with its token-like query values masked, a subprotocol
// ("protocol", or one of "protocols") that carries a credential masked
// whole. Other values come back unchanged.
func Param(name, value string) string {
	switch name {
	case "path":
		v, _ := Target(value)
		return v
	case "protocol", "protocols":
		if secretProtocol(value) {
			return strings.Repeat(string(Mark), len(value))
		}
	}
	return value
}
